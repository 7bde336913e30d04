"""Derived copies of a file version (bản dẫn xuất): OCR, conversion. A derived copy
is a new FileVersion of kind DERIVED stored after its source; the source's bytes
and row are never touched (DESIGN.md "Originals are immutable"), so a received or
signed original keeps its hash and its signatures.

Kept apart from documents.services so the OCR worker's one write is easy to find.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.outbox import outbox_publish
from directory.models import User

from .models import Document, FileVersion
from .pdfcheck import check_pdf
from .services import file_version_store, pdf_facts_json

OCR_DONE_TOPIC = "documents.ocr_done"
DERIVED_TOPIC = "documents.updated"


def derived_version_of(source: FileVersion) -> FileVersion | None:
    """The derived copy already made from `source`, if any."""
    return (
        FileVersion.objects.filter(
            file_id=source.file_id,
            kind=FileVersion.Kind.DERIVED,
            facts__derived_from=source.pk,
        )
        .order_by("number")
        .first()
    )


@transaction.atomic
def file_version_derive(
    *,
    source: FileVersion,
    stream,
    filename: str,
    facts: dict,
    actor: User | None = None,
    max_bytes: int | None = None,
) -> FileVersion:
    """Store the PDF read from `stream` as a DERIVED version after `source` (the
    next number of the same file), with `facts` plus the intake facts of the new
    PDF and `derived_from`. Idempotent: when `source` already has a derived copy,
    that copy is returned and nothing is stored. `actor` None is the system (the
    OCR worker); the version is then recorded as made by the source's author.
    `max_bytes` replaces the upload size limit of the intake check for a copy the
    system made itself (an OCR'd scan is larger than the upload limit allows for
    long documents; its page count is bounded by the caller).

    Publishes `documents.ocr_done` when `facts` carry "ocr" (search re-indexes the
    document with the new text), else `documents.updated`."""
    # The document's row lock serialises version numbers and the idempotency check.
    document = Document.objects.select_for_update().get(pk=source.file.document_id)
    existing = derived_version_of(source)
    if existing is not None:
        return existing
    if source.kind == FileVersion.Kind.DERIVED:
        raise ValidationError(
            _("A derived copy is made from an original version, not from a copy.")
        )
    # PdfRejected: nothing stored.
    pdf_facts = check_pdf(stream, filename=filename, max_bytes=max_bytes)
    stream.seek(0)
    version = file_version_store(
        file=source.file,
        stream=stream,
        kind=FileVersion.Kind.DERIVED,
        filename=filename,
        page_count=pdf_facts.page_count,
        facts={**pdf_facts_json(pdf_facts), **facts, "derived_from": source.pk},
        created_by=actor or source.created_by,
        expected_sha256=pdf_facts.sha256,
    )
    audit_record(
        actor=actor,
        action="document.version_derive",
        obj=document,
        details={
            "file": source.file_id,
            "source": source.pk,
            "source_sha256": source.blob_id,
            "version": version.pk,
            "sha256": version.blob_id,
            "ocr": "ocr" in facts,
        },
    )
    outbox_publish(
        topic=OCR_DONE_TOPIC if "ocr" in facts else DERIVED_TOPIC,
        payload={"document_id": document.pk, "version_id": version.pk},
    )
    return version
