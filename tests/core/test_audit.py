"""The audit chain: recording, the append-only trigger, and audit_verify finding
each kind of tampering."""

import os
import subprocess
import sys
import threading
import unicodedata
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from core.audit import (
    GENESIS_HASH,
    AuditProblem,
    audit_entry_hash,
    audit_record,
    audit_verify,
)
from core.models import AuditEntry, AuditHead, OutboxEvent

BASE_DIR = Path(__file__).resolve().parents[2]

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only"
)


def _chain(length: int) -> list[AuditEntry]:
    return [
        audit_record(actor=None, action="test.step", details={"step": i})
        for i in range(1, length + 1)
    ]


def _tamper(*statements: tuple[str, list]) -> None:
    """Run SQL as a DBA would who bypasses the append-only trigger."""
    with transaction.atomic(), connection.cursor() as cursor:
        # ALTER TABLE refuses to run while deferred foreign-key checks of rows
        # written in this transaction (the test's own) are pending: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER USER")
        for sql, params in statements:
            cursor.execute(sql, params)
        cursor.execute("ALTER TABLE core_auditentry ENABLE TRIGGER USER")


def _verify_fails(kind: AuditProblem, seq: int) -> str:
    result = audit_verify()
    assert (result.problem, result.seq) == (kind, seq), result
    with pytest.raises(CommandError) as broken:
        call_command("audit_verify")
    message = str(broken.value)
    assert f"BROKEN at entry #{seq}: {kind}" in message
    return message


@pytest.mark.django_db
def test_entries_are_numbered_and_linked_from_the_genesis_hash():
    first, second, third = _chain(3)

    assert [e.seq for e in (first, second, third)] == [1, 2, 3]
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    head = AuditHead.objects.get()
    assert (head.last_seq, head.last_hash) == (3, third.hash)
    for entry in AuditEntry.objects.all():
        assert audit_entry_hash(entry) == entry.hash


@pytest.mark.django_db
def test_entry_records_actor_deputy_object_and_details_in_nfc():
    User = get_user_model()
    clerk = User.objects.create_user(username="vanthu1", password="x" * 12)
    leader = User.objects.create_user(username="lanhdao1", password="x" * 12)
    obj = OutboxEvent.objects.create(topic="t", payload={})
    decomposed = unicodedata.normalize("NFD", "Quyết định số 12")

    entry = audit_record(
        actor=clerk,
        on_behalf_of=leader,
        action="document.sign",
        obj=obj,
        details={"title": decomposed, "pages": 3, "flags": [True, None]},
    )

    entry = AuditEntry.objects.get(pk=entry.pk)
    assert entry.actor_id == clerk.pk
    assert entry.actor_repr == str(clerk)
    assert entry.on_behalf_of_id == leader.pk
    assert entry.on_behalf_of_repr == str(leader)
    assert entry.object_type == "core.outboxevent"
    assert entry.object_id == str(obj.pk)
    assert entry.object_repr == str(obj)
    assert entry.details["title"] == unicodedata.normalize("NFC", decomposed)
    assert audit_entry_hash(entry) == entry.hash


@pytest.mark.django_db
def test_system_entry_without_actor_or_object():
    entry = audit_record(actor=None, action="system.start")
    assert (entry.actor_id, entry.actor_repr, entry.object_type) == (None, "", "")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "details", [{"amount": 1.5}, {"when": object()}, {1: "integer key"}]
)
def test_details_that_would_not_survive_jsonb_unchanged_are_refused(details):
    with pytest.raises(TypeError):
        audit_record(actor=None, action="x", details=details)
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_clean_chain_verifies(capsys):
    _chain(5)

    assert audit_verify().ok
    call_command("audit_verify", "--chunk-size", "2")
    assert capsys.readouterr().out.strip() == "audit chain OK: 5 entries"


@pytest.mark.django_db
def test_empty_chain_verifies(capsys):
    call_command("audit_verify")
    assert capsys.readouterr().out.strip() == "audit chain OK: 0 entries"


@postgresql_only
@pytest.mark.django_db
def test_update_delete_and_truncate_of_entries_are_refused():
    entry = _chain(1)[0]

    entry.details = {"step": 99}
    refused = pytest.raises(DatabaseError, match="append-only: UPDATE")
    with refused, transaction.atomic():
        entry.save()
    refused = pytest.raises(DatabaseError, match="append-only: DELETE")
    with refused, transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    refused = pytest.raises(DatabaseError, match="append-only: TRUNCATE")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        # The test database allows TRUNCATE (conftest); production does not.
        cursor.execute("SET LOCAL vanthu.allow_audit_truncate = off")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE core_auditentry CASCADE")
    assert AuditEntry.objects.get(pk=entry.pk).details == {"step": 1}


@postgresql_only
@pytest.mark.django_db
def test_altered_entry_is_detected():
    _chain(4)
    _tamper(("UPDATE core_auditentry SET details = %s WHERE seq = 2", ['{"step": 20}']))

    message = _verify_fails(AuditProblem.ALTERED, 2)
    assert "no longer matches its hash" in message


@postgresql_only
@pytest.mark.django_db
def test_altered_entry_with_its_hash_recomputed_is_detected_by_the_next_link():
    _chain(4)
    entry = AuditEntry.objects.get(seq=2)
    entry.action = "test.forged"
    _tamper(
        (
            "UPDATE core_auditentry SET action = %s, hash = %s WHERE seq = 2",
            [entry.action, audit_entry_hash(entry)],
        )
    )

    _verify_fails(AuditProblem.ALTERED, 2)


@postgresql_only
@pytest.mark.django_db
def test_deleted_middle_entry_is_detected_as_a_gap():
    _chain(4)
    _tamper(("DELETE FROM core_auditentry WHERE seq = 2", []))

    message = _verify_fails(AuditProblem.GAP, 2)
    assert "#3 follows #1" in message


@postgresql_only
@pytest.mark.django_db
def test_deleted_last_entry_is_detected_by_the_head():
    _chain(4)
    _tamper(("DELETE FROM core_auditentry WHERE seq = 4", []))

    message = _verify_fails(AuditProblem.HEAD_MISMATCH, 4)
    assert "entries at the end were deleted" in message


@postgresql_only
@pytest.mark.django_db
def test_swapped_pair_is_detected_as_out_of_order():
    _chain(4)
    _tamper(
        ("UPDATE core_auditentry SET seq = 1000 WHERE seq = 2", []),
        ("UPDATE core_auditentry SET seq = 2 WHERE seq = 3", []),
        ("UPDATE core_auditentry SET seq = 3 WHERE seq = 1000", []),
    )

    message = _verify_fails(AuditProblem.OUT_OF_ORDER, 2)
    assert "entry #2 follows entry #3" in message


def _forge(seq: int, prev_hash: str) -> AuditEntry:
    """An entry made without audit_record, with a correct hash of its own."""
    template = AuditEntry.objects.get(seq=1)
    forged = AuditEntry(
        seq=seq,
        created_at=template.created_at,
        action="test.forged",
        details={},
        prev_hash=prev_hash,
    )
    forged.hash = audit_entry_hash(forged)
    return forged


@pytest.mark.django_db
def test_entry_inserted_out_of_order_is_detected():
    entries = _chain(3)
    # Appended as #4 but linked to #1, as if it had been written back then.
    _forge(4, entries[0].hash).save()
    AuditHead.objects.update(last_seq=4)

    message = _verify_fails(AuditProblem.OUT_OF_ORDER, 4)
    assert "entry #4 follows entry #1" in message


@pytest.mark.django_db
def test_entry_appended_behind_the_heads_back_is_detected():
    entries = _chain(3)
    # Correctly linked and hashed, but not through audit_record: the head says 3.
    _forge(4, entries[-1].hash).save()

    message = _verify_fails(AuditProblem.HEAD_MISMATCH, 4)
    assert "added behind the head's back" in message


@pytest.mark.django_db
def test_head_pointing_at_another_hash_is_detected():
    _chain(2)
    AuditHead.objects.update(last_hash="0" * 64)

    _verify_fails(AuditProblem.HEAD_MISMATCH, 2)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_audit_verify_command_exits_1_on_a_broken_chain_as_a_real_process():
    _chain(3)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vanthu.settings.test",
        "VANTHU_TEST_DB_NAME": connection.settings_dict["NAME"],
    }

    def run() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", "audit_verify"],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    clean = run()
    assert clean.returncode == 0, clean.stderr
    assert clean.stdout.strip() == "audit chain OK: 3 entries"

    _tamper(("UPDATE core_auditentry SET action = 'x' WHERE seq = 3", []))
    broken = run()
    assert broken.returncode == 1
    assert "BROKEN at entry #3: altered" in broken.stderr


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_make_one_contiguous_valid_chain():
    threads, per_thread = 8, 10
    barrier = threading.Barrier(threads)
    errors = []

    def append(worker: int) -> None:
        try:
            barrier.wait(10)
            for i in range(per_thread):
                with transaction.atomic():
                    audit_record(
                        actor=None,
                        action="test.concurrent",
                        details={"w": worker, "i": i},
                    )
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=append, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    total = threads * per_thread
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, total + 1))
    result = audit_verify()
    assert result.ok, result
    assert result.entries == total
