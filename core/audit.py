"""The audit chain (nhật ký kiểm tra): an append-only log in which every entry carries
the SHA-256 of its own canonical content and of its predecessor's hash.

`audit_record` appends in the caller's transaction, holding the chain head's row lock
until that transaction ends, so entries are numbered 1, 2, 3… without gaps and each
links to its true predecessor. `audit_verify` (and `manage.py audit_verify`) walks the
chain and names the first entry that was altered, deleted, inserted or reordered. On
PostgreSQL a trigger (migration 0003) refuses UPDATE, DELETE and TRUNCATE of the
entries, so only someone who disables triggers can tamper, and the chain shows it.
"""

import hashlib
import json
import unicodedata
from dataclasses import dataclass
from datetime import UTC
from enum import StrEnum
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from core.models import AuditEntry, AuditHead

# prev_hash of entry #1, and the head's hash while the chain is empty.
GENESIS_HASH = hashlib.sha256(b"vanthu-audit-genesis").hexdigest()


@transaction.atomic
def audit_record(
    *,
    actor: models.Model | None,
    action: str,
    obj: models.Model | None = None,
    details: dict | None = None,
    on_behalf_of: models.Model | None = None,
) -> AuditEntry:
    """Append an entry (bản ghi nhật ký) for `action` by `actor` on `obj`.

    `actor` is the user who acted, None for the system; `on_behalf_of` the user they
    acted for (ủy quyền). `details` holds JSON text, integers, booleans, null, lists
    and objects; text is stored NFC. Floats are refused: PostgreSQL's jsonb may give
    them back spelled differently, and the entry would no longer match its hash."""
    head = _lock_head()
    entry = AuditEntry(
        seq=head.last_seq + 1,
        created_at=timezone.now(),
        actor_id=actor.pk if actor is not None else None,
        actor_repr=_text(actor, 255),
        on_behalf_of_id=on_behalf_of.pk if on_behalf_of is not None else None,
        on_behalf_of_repr=_text(on_behalf_of, 255),
        action=_text(action, 100),
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=_object_id(obj),
        object_repr=_text(obj, 255),
        details=_canonical_json_value(details or {}),
        prev_hash=head.last_hash,
    )
    entry.hash = audit_entry_hash(entry)
    entry.save(force_insert=True)
    head.last_seq = entry.seq
    head.last_hash = entry.hash
    head.save(update_fields=["last_seq", "last_hash"])
    return entry


def _lock_head() -> AuditHead:
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    # First entry ever (or after a test flush): create the head. Two first appends
    # racing both try; the loser's insert waits on the primary key, fails once the
    # winner commits, and then locks the winner's row.
    try:
        with transaction.atomic():
            return AuditHead.objects.create(pk=1, last_seq=0, last_hash=GENESIS_HASH)
    except IntegrityError:
        return AuditHead.objects.select_for_update().get(pk=1)


def _text(value: object, max_length: int) -> str:
    if value is None:
        return ""
    return unicodedata.normalize("NFC", str(value))[:max_length]


def _object_id(obj: models.Model | None) -> str:
    if obj is None:
        return ""
    if obj.pk is None:
        raise ValueError("audit_record(obj=...) needs a saved object")
    return str(obj.pk)


def _canonical_json_value(value: Any) -> Any:
    """`value` with all text in NFC; refuses what would not survive jsonb unchanged."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, list | tuple):
        return [_canonical_json_value(item) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("audit details: object keys must be text")
        return {
            unicodedata.normalize("NFC", key): _canonical_json_value(item)
            for key, item in value.items()
        }
    raise TypeError(
        "audit details hold text, integers, booleans, null, lists and objects, "
        f"not {type(value).__name__}"
    )


def audit_entry_hash(entry: AuditEntry) -> str:
    """SHA-256 (hex) of the entry's canonical JSON content, prev_hash included."""
    content = {
        "seq": entry.seq,
        "created_at": entry.created_at.astimezone(UTC).isoformat(
            timespec="microseconds"
        ),
        "actor_id": _id(entry.actor_id),
        "actor": entry.actor_repr,
        "on_behalf_of_id": _id(entry.on_behalf_of_id),
        "on_behalf_of": entry.on_behalf_of_repr,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object": entry.object_repr,
        "details": entry.details,
        "prev_hash": entry.prev_hash,
    }
    canonical = json.dumps(
        _canonical_json_value(content),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _id(value: object) -> str | None:
    # Text, so the hash does not depend on the user model's primary key type.
    return None if value is None else str(value)


class AuditProblem(StrEnum):
    ALTERED = "altered"
    GAP = "missing entry (gap)"
    OUT_OF_ORDER = "out of order"
    HEAD_MISMATCH = "head mismatch"


@dataclass(frozen=True)
class AuditVerification:
    """What audit_verify found: how many entries hold, and the first problem."""

    entries: int
    problem: AuditProblem | None = None
    seq: int | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None


def audit_verify(*, chunk_size: int = 2000) -> AuditVerification:
    """Walk the chain in seq order and report its first broken entry, if any.

    Streams the entries, so memory stays flat however long the chain. On PostgreSQL
    the walk runs in one REPEATABLE READ snapshot, so entries appended meanwhile do
    not look like a head mismatch."""
    outermost = not transaction.get_connection().in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
                )
        return _walk_chain(chunk_size)


def _walk_chain(chunk_size: int) -> AuditVerification:
    count = 0
    prev_hash = GENESIS_HASH
    entries = AuditEntry.objects.order_by("seq").iterator(chunk_size=chunk_size)
    for entry in entries:
        expected = count + 1
        if entry.seq != expected:
            if entry.seq > expected:
                return AuditVerification(
                    count,
                    AuditProblem.GAP,
                    expected,
                    f"entry #{expected} is missing: #{entry.seq} follows "
                    f"#{expected - 1}",
                )
            return AuditVerification(
                count,
                AuditProblem.OUT_OF_ORDER,
                entry.seq,
                f"entry #{entry.seq} comes where #{expected} belongs",
            )
        if entry.prev_hash != prev_hash:
            linked = (
                AuditEntry.objects.filter(hash=entry.prev_hash)
                .values_list("seq", flat=True)
                .first()
            )
            if linked is not None:
                return AuditVerification(
                    count,
                    AuditProblem.OUT_OF_ORDER,
                    entry.seq,
                    f"entry #{entry.seq} follows entry #{linked} in the chain, "
                    f"not #{entry.seq - 1}",
                )
            # Its recorded predecessor exists nowhere: the entry before it was
            # rewritten together with its hash, or this entry's link was.
            broken = max(entry.seq - 1, 1)
            return AuditVerification(
                count,
                AuditProblem.ALTERED,
                broken,
                f"entry #{entry.seq} links to a hash no entry has: entry #{broken} "
                "was rewritten",
            )
        if audit_entry_hash(entry) != entry.hash:
            return AuditVerification(
                count,
                AuditProblem.ALTERED,
                entry.seq,
                f"entry #{entry.seq} no longer matches its hash",
            )
        prev_hash = entry.hash
        count += 1

    head = AuditHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)
    if head_seq > count:
        return AuditVerification(
            count,
            AuditProblem.HEAD_MISMATCH,
            count + 1,
            f"the head records {head_seq} entries but the chain ends at #{count}: "
            "entries at the end were deleted",
        )
    if head_seq < count:
        return AuditVerification(
            count,
            AuditProblem.HEAD_MISMATCH,
            head_seq + 1,
            f"the head records {head_seq} entries but the chain has {count}: "
            f"entry #{head_seq + 1} and later were added behind the head's back",
        )
    if head_hash != prev_hash:
        return AuditVerification(
            count,
            AuditProblem.HEAD_MISMATCH,
            count,
            f"the head's hash differs from entry #{count}'s",
        )
    return AuditVerification(count)
