"""Registers and numbering (sổ đăng ký, cấp số) of Decree 30/2020/NĐ-CP Đ15.

Every number comes from a Register of one organisation and one year, advanced
under a row lock (`SELECT … FOR UPDATE`) inside the caller's transaction: the
number and the document that takes it commit together, so numbers are gapless and
unique, and a rolled-back registration gives its number back. Registers of a new
year are made on first use, so numbering restarts at 01 on 1 January."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from .constants import Secrecy
from .models import DocumentType, Register

DEFAULT_REGISTER_NAMES = {
    Register.Kind.OUTGOING: "Sổ đăng ký văn bản đi",
    Register.Kind.INCOMING: "Sổ đăng ký văn bản đến",
    Register.Kind.SECRET_OUTGOING: "Sổ đăng ký văn bản mật đi",
    Register.Kind.SECRET_INCOMING: "Sổ đăng ký văn bản mật đến",
    Register.Kind.COPY: "Sổ đăng ký bản sao văn bản",
}


def format_number(number: int) -> str:
    """Số: with a leading zero below 10 (`05`), as Phụ lục I prescribes."""
    return f"{number:02d}"


def _get_or_create(organisation, year: int, kind: str, name: str) -> Register:
    register = Register.objects.filter(
        organisation=organisation, year=year, kind=kind, name=name
    ).first()
    if register is not None:
        return register
    try:
        with transaction.atomic():
            return Register.objects.create(
                organisation=organisation, year=year, kind=kind, name=name
            )
    except IntegrityError:
        # Another transaction opened this year's register first.
        return Register.objects.get(
            organisation=organisation, year=year, kind=kind, name=name
        )


def _carry_forward_custom(organisation, year: int) -> None:
    """Separate sequences defined for last year continue, from 01, this year."""
    if Register.objects.filter(
        organisation=organisation, year=year, kind=Register.Kind.CUSTOM
    ).exists():
        return
    for previous in Register.objects.filter(
        organisation=organisation, year=year - 1, kind=Register.Kind.CUSTOM
    ).prefetch_related("document_types"):
        register = _get_or_create(
            organisation, year, Register.Kind.CUSTOM, previous.name
        )
        register.document_types.set(previous.document_types.all())


def register_for(
    *,
    organisation,
    incoming: bool,
    year: int,
    secrecy: int = Secrecy.NONE,
    document_type: DocumentType | None = None,
) -> Register:
    """The register a document takes its number from: the secret register for a
    secret document (its own sequence, Đ15.2), a separate sequence defined for its
    type (e.g. legal documents), or the organisation's general register."""
    if secrecy > Secrecy.NONE:
        kind = (
            Register.Kind.SECRET_INCOMING if incoming else Register.Kind.SECRET_OUTGOING
        )
        return _get_or_create(organisation, year, kind, DEFAULT_REGISTER_NAMES[kind])
    if not incoming and document_type is not None:
        _carry_forward_custom(organisation, year)
        custom = Register.objects.filter(
            organisation=organisation,
            year=year,
            kind=Register.Kind.CUSTOM,
            document_types=document_type,
        ).first()
        if custom is not None:
            return custom
    kind = Register.Kind.INCOMING if incoming else Register.Kind.OUTGOING
    return _get_or_create(organisation, year, kind, DEFAULT_REGISTER_NAMES[kind])


def copy_register_for(*, organisation, year: int) -> Register:
    """The register of copies (bản sao): one sequence shared by sao y, sao lục
    and trích sao (Phụ lục I: the copy's number is its order in the copying
    organisation's register of copies, its notation the copy form's
    abbreviation)."""
    kind = Register.Kind.COPY
    return _get_or_create(organisation, year, kind, DEFAULT_REGISTER_NAMES[kind])


def register_take_number(*, register: Register) -> int:
    """The next number of `register`; must run inside the transaction that stores
    the document taking it."""
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError(
            "register_take_number must run inside the transaction that uses the number"
        )
    locked = Register.objects.select_for_update().get(pk=register.pk)
    locked.last_number += 1
    locked.save(update_fields=["last_number"])
    return locked.last_number


def current_year(today: date | None = None) -> int:
    return (today or timezone.localdate()).year
