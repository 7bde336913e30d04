"""The page selection of a trích sao as typed in the copy panel."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from workflow.views_copies import parse_pages


def test_numbers_and_ranges():
    assert parse_pages("") is None
    assert parse_pages(" 1, 3-5 ,7") == [1, 3, 4, 5, 7]
    assert parse_pages("2 - 2") == [2]


@pytest.mark.parametrize("text", ["a", "1;2", "5-3", "1-", "-2", "1,,2"])
def test_anything_else_is_refused_in_vietnamese(text):
    with translation.override("vi"), pytest.raises(ValidationError) as exc:
        parse_pages(text)
    assert "Ghi trang bằng số" in " ".join(exc.value.messages)
