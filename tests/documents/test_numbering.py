"""Registers and numbering (Decree 30 Đ15): yearly, gapless, unique, atomic."""

from datetime import date

import pytest
from django.db import transaction

from directory.models import Organisation
from documents.constants import Secrecy
from documents.models import DocumentType, Register
from documents.numbering import format_number, register_for, register_take_number
from documents.rendering import notation_suffix


@pytest.fixture
def stc(demo):
    return Organisation.objects.get(code="000.00.02.H99")


def test_number_format_has_a_leading_zero_below_ten():
    assert [format_number(n) for n in (1, 9, 10, 123)] == ["01", "09", "10", "123"]


@pytest.mark.parametrize(
    ("type_abbr", "agency", "unit", "expected"),
    [
        ("QĐ", "UBND", "", "QĐ-UBND"),
        ("QĐ", "UBND", "VX", "QĐ-UBND"),
        ("", "UBND", "VX", "UBND-VX"),
        ("", "BNV", "VP", "BNV-VP"),
        ("TTr", "STC", "NS", "TTr-STC"),
    ],
)
def test_notation_suffix(type_abbr, agency, unit, expected):
    assert (
        notation_suffix(type_abbr=type_abbr, agency_abbr=agency, unit_abbr=unit)
        == expected
    )


def test_registers_are_per_year_and_kind(stc):
    incoming_2026 = register_for(organisation=stc, incoming=True, year=2026)
    assert register_for(organisation=stc, incoming=True, year=2026) == incoming_2026
    incoming_2027 = register_for(organisation=stc, incoming=True, year=2027)
    outgoing_2026 = register_for(organisation=stc, incoming=False, year=2026)
    secret_2026 = register_for(
        organisation=stc, incoming=False, year=2026, secrecy=Secrecy.MAT
    )
    assert len({incoming_2026, incoming_2027, outgoing_2026, secret_2026}) == 4
    assert secret_2026.kind == Register.Kind.SECRET_OUTGOING
    with transaction.atomic():
        assert register_take_number(register=incoming_2026) == 1
        assert register_take_number(register=incoming_2026) == 2
        # A new year starts again at 01.
        assert register_take_number(register=incoming_2027) == 1
        # The secret sequence is separate.
        assert register_take_number(register=secret_2026) == 1


def test_custom_sequence_for_a_type_carries_into_the_next_year(stc):
    decision = DocumentType.objects.get(code="quyet_dinh")
    custom = Register.objects.create(
        organisation=stc, year=2026, kind=Register.Kind.CUSTOM, name="Sổ quyết định"
    )
    custom.document_types.add(decision)
    assert (
        register_for(
            organisation=stc, incoming=False, year=2026, document_type=decision
        )
        == custom
    )
    next_year = register_for(
        organisation=stc, incoming=False, year=2027, document_type=decision
    )
    assert next_year.kind == Register.Kind.CUSTOM and next_year.year == 2027
    assert next_year.last_number == 0
    other = DocumentType.objects.get(code="bao_cao")
    assert (
        register_for(
            organisation=stc, incoming=False, year=2026, document_type=other
        ).kind
        == Register.Kind.OUTGOING
    )


def test_a_rolled_back_registration_gives_its_number_back(stc):
    register = register_for(organisation=stc, incoming=True, year=2026)
    with pytest.raises(RuntimeError), transaction.atomic():
        register_take_number(register=register)
        raise RuntimeError("registration failed after taking the number")
    with transaction.atomic():
        assert register_take_number(register=register) == 1


def test_registers_of_a_new_year_start_empty(stc):
    old = register_for(organisation=stc, incoming=True, year=2025)
    with transaction.atomic():
        for _ in range(3):
            register_take_number(register=old)
    new = register_for(organisation=stc, incoming=True, year=date(2026, 1, 1).year)
    with transaction.atomic():
        assert register_take_number(register=new) == 1
