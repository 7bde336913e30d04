"""Long-term preservation of issued documents (bảo quản lâu dài): the archival
upgrade of a sealed file version to PAdES B-LTA and the renewal of its archival
timestamp chain (signing.archival), stored as new immutable versions.

`document_archival_upgrade(version=...)` turns the latest sealed version of a file
(facts step "sealed", B-LT) into B-LTA (step "archived") or, when the version has
a document timestamp already and its renewal is due, renews the chain (step
"renewed"). `archival_candidates()` lists what the daily beat task
(documents.tasks.archival_sweep) hands to it. Refused calls store nothing."""

import hashlib
import io
import logging
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.blobstore import get_blob_store
from core.outbox import outbox_publish
from directory.models import Role, User
from directory.selectors import roles_of
from signing.archival import (
    archival_renew,
    archival_status,
    archival_upgrade,
    renew_before,
)

from .models import Document, FileVersion
from .services import file_version_store

logger = logging.getLogger(__name__)

STEP_SEALED = "sealed"
STEP_ARCHIVED = "archived"
STEP_RENEWED = "renewed"
# An electronic copy's signed file (workflow.copies) is preserved the same way.
STEP_COPIED = "copied"
ARCHIVAL_STEPS = (STEP_SEALED, STEP_COPIED, STEP_ARCHIVED, STEP_RENEWED)
# Who may ask for it by hand (beat acts as the system, actor None).
ARCHIVAL_ROLES = (Role.VAN_THU, Role.LUU_TRU_VIEN)


def _iso(value):
    return value.isoformat() if value is not None else None


def _status_facts(status: dict) -> dict:
    return {
        "document_timestamps": status["document_timestamps"],
        "last_timestamp": _iso(status["last_timestamp"]),
        "tsa_expires": _iso(status["tsa_expires"]),
    }


def renewal_may_be_due(version: FileVersion, *, at: datetime | None = None) -> bool:
    """From the facts alone, without reading the file: a sealed version (not
    B-LTA yet), or an archival one whose TSA certificate expires within the
    renewal horizon (or unknown)."""
    facts = version.facts or {}
    if facts.get("step") in (STEP_SEALED, STEP_COPIED):
        return True
    expires = (facts.get("archival") or {}).get("tsa_expires")
    if not expires:
        return True
    at = at or timezone.now()
    return datetime.fromisoformat(expires) - at <= renew_before()


def archival_candidates():
    """Latest versions (one per file) of issued documents' files whose step is
    sealed, archived or renewed: the ones the daily task looks at."""
    versions = (
        FileVersion.objects.filter(
            kind=FileVersion.Kind.SIGNED,
            file__document__state=Document.State.ISSUED,
            facts__step__in=ARCHIVAL_STEPS,
        )
        .order_by("file_id", "-number")
        .distinct("file_id")
    )
    return FileVersion.objects.filter(pk__in=versions.values("pk")).order_by("pk")


@transaction.atomic
def document_archival_upgrade(
    *, version: FileVersion, actor: User | None = None
) -> FileVersion | None:
    """Upgrade `version` (the latest sealed version of a file of an issued
    document) to B-LTA, or renew its archival timestamp chain when it has one and
    renewal is due (signing.archival.archival_status). Returns the new SIGNED
    version, or None when there is nothing to do (renewal not due, or `version`
    is no longer its file's latest: another run got there first).

    Raises PermissionDenied (an actor who is not a văn thư or lưu trữ viên of the
    document's organisation), ValidationError (not a sealed version of an issued
    document) or the SigningError of signing.archival (TSA or OCSP unreachable,
    validation data not establishable): nothing is stored then."""
    document = Document.objects.select_for_update().get(pk=version.file.document_id)
    if actor is not None and (
        actor.organisation_id != document.organisation_id
        or not set(ARCHIVAL_ROLES) & roles_of(user=actor)
    ):
        raise PermissionDenied(
            _(
                "Only a records clerk or an archivist of the document's "
                "organisation preserves its signatures."
            )
        )
    version = FileVersion.objects.select_related("file").get(pk=version.pk)
    step = (version.facts or {}).get("step", "")
    if (
        document.state != Document.State.ISSUED
        or version.kind != FileVersion.Kind.SIGNED
        or step not in ARCHIVAL_STEPS
    ):
        raise ValidationError(
            _("Only the sealed file of an issued document can be preserved.")
        )
    latest = version.file.versions.order_by("-number").first()
    if latest.pk != version.pk:
        return None
    with get_blob_store().open(version.blob_id) as stream:
        pdf = stream.read()
    status = archival_status(pdf)
    if not status["archival"]:
        result, new_step = archival_upgrade(pdf), STEP_ARCHIVED
    elif status["renewal_due"]:
        result, new_step = archival_renew(pdf), STEP_RENEWED
    else:
        return None
    new_status = archival_status(result)
    facts = {
        key: value
        for key, value in (version.facts or {}).items()
        if key not in ("sha256", "size", "step", "archival")
    }
    facts.update(
        sha256=hashlib.sha256(result).hexdigest(),
        size=len(result),
        step=new_step,
        archival=_status_facts(new_status),
    )
    stem = version.filename.rsplit(".", 1)[0]
    for suffix in (f"-{s}" for s in ARCHIVAL_STEPS):
        stem = stem.removesuffix(suffix)
    new = file_version_store(
        file=version.file,
        stream=io.BytesIO(result),
        kind=FileVersion.Kind.SIGNED,
        filename=f"{stem or 'van-ban'}-{new_step}.pdf",
        page_count=version.page_count,
        facts=facts,
        # Beat acts as the system: the version is the sealer's lineage.
        created_by=actor or version.created_by,
        expected_sha256=facts["sha256"],
    )
    audit_record(
        actor=actor,
        action=f"document.{new_step}",
        obj=document,
        details={
            "file": version.file_id,
            "from_version": version.pk,
            "version": new.pk,
            "sha256": new.blob_id,
            "document_timestamps": new_status["document_timestamps"],
        },
    )
    outbox_publish(
        topic=f"documents.{new_step}",
        payload={"document_id": document.pk, "version_id": new.pk},
    )
    return new
