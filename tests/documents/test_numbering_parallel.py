"""Numbering under real concurrency: committed transactions on PostgreSQL, so
this module does not use the demo fixture that holds a module-wide transaction."""

import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from directory.models import Organisation, User
from documents.models import Document, DocumentType
from documents.numbering import register_for, register_take_number


@pytest.mark.django_db(transaction=True)
def test_taking_a_number_outside_a_transaction_is_refused():
    stc = Organisation.objects.create(
        code="000.00.09.H98",
        name="Thử",
        short_name="T",
        kind="so",
        place_name="X",
        path="/",
    )
    register = register_for(organisation=stc, incoming=True, year=2026)
    with pytest.raises(transaction.TransactionManagementError):
        register_take_number(register=register)


@pytest.mark.django_db(transaction=True)
def test_parallel_assignments_on_postgresql_have_no_gap_and_no_duplicate():
    """Thirty-two threads, each with its own PostgreSQL connection, take numbers
    from one register at once and store documents with them; every fifth rolls
    back after taking its number. The stored numbers are exactly 1..N."""
    assert connection.vendor == "postgresql"
    call_command("seed_demo", quiet_logins=True)
    stc = Organisation.objects.get(code="000.00.02.H99")
    clerk = User.objects.get(username="vanthu.stc")
    doc_type = DocumentType.objects.get(code="cong_van")
    register = register_for(organisation=stc, incoming=True, year=2026)
    threads_count, per_thread = 32, 10
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            barrier.wait()
            for attempt in range(per_thread):
                try:
                    with transaction.atomic():
                        number = register_take_number(register=register)
                        Document.objects.create(
                            organisation=stc,
                            direction=Document.Direction.INCOMING,
                            state=Document.State.REGISTERED,
                            document_type=doc_type,
                            organ_name="Sở Nội vụ",
                            subject=f"Văn bản {index}-{attempt}",
                            register=register,
                            register_number=number,
                            created_by=clerk,
                        )
                        if (index + attempt) % 5 == 0:
                            raise _Rollback
                except _Rollback:
                    pass
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(threads_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    numbers = sorted(
        Document.objects.filter(register=register).values_list(
            "register_number", flat=True
        )
    )
    assert numbers == list(range(1, len(numbers) + 1))
    kept = sum(
        1 for i in range(threads_count) for a in range(per_thread) if (i + a) % 5 != 0
    )
    assert len(numbers) == kept
    register.refresh_from_db()
    assert register.last_number == kept


class _Rollback(Exception):
    pass
