"""Celery tasks of documents. Thin: the work is in documents.archival."""

import logging

from celery import shared_task

from .archival import (
    archival_candidates,
    document_archival_upgrade,
    renewal_may_be_due,
)
from .models import FileVersion

logger = logging.getLogger(__name__)


@shared_task(name="documents.tasks.archival_sweep")
def archival_sweep() -> dict:
    """Beat's daily run: upgrade the sealed versions of issued documents that are
    not B-LTA yet and renew the archival timestamp chains that are due. Idempotent
    (a version already upgraded is no longer a file's latest; a chain not due is
    left alone); one failure is logged and the others go on."""
    counts = {"upgraded": 0, "renewed": 0, "skipped": 0, "failed": 0}
    for pk in archival_candidates().values_list("pk", flat=True):
        version = FileVersion.objects.select_related("file").get(pk=pk)
        if not renewal_may_be_due(version):
            counts["skipped"] += 1
            continue
        try:
            new = document_archival_upgrade(version=version)
        except Exception:  # noqa: BLE001 - one file must not stop the others
            logger.exception("archival upgrade of file version %s failed", pk)
            counts["failed"] += 1
            continue
        if new is None:
            counts["skipped"] += 1
        elif new.facts["step"] == "renewed":
            counts["renewed"] += 1
        else:
            counts["upgraded"] += 1
    return counts
