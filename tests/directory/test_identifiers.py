"""Mã định danh (QCVN 102 / QĐ 20/2020) parsing and hierarchy checks."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from directory.identifiers import check_identifier_under, parse_identifier


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("000.00.00.H49", 1),
        ("000.00.00.G22", 1),
        ("000.00.18.G12", 2),
        ("000.01.18.G12", 3),
        ("001.01.18.G12", 4),
        (" 000.00.05.h49 ", 2),
    ],
)
def test_valid_identifiers_parse_with_their_level(code, level):
    assert parse_identifier(code).level == level


@pytest.mark.parametrize(
    "code",
    [
        "",
        "H49",
        "000.00.00.49",
        "000.00.00.HH9",
        "0000.00.00.H49",
        "000-00-00-H49",
        "000.00.00.H49 x",
        "000.0A.00.H49",
        "000.01.00.H49",  # level 3 without level 2
        "001.00.05.H49",  # level 4 without level 3
    ],
)
def test_malformed_identifiers_are_refused_in_vietnamese(code):
    with translation.override("vi"), pytest.raises(ValidationError) as exc:
        parse_identifier(code)
    assert "không phải mã định danh hợp lệ" in exc.value.messages[0]


def test_child_must_keep_the_parent_groups_and_go_deeper():
    check_identifier_under("000.00.05.H49", "000.00.00.H49")
    check_identifier_under("000.03.05.H49", "000.00.00.H49")
    for child, parent in [
        ("000.00.05.H50", "000.00.00.H49"),
        ("000.00.00.H49", "000.00.00.H49"),
        ("000.01.06.H49", "000.00.05.H49"),
    ]:
        with pytest.raises(ValidationError):
            check_identifier_under(child, parent)
