"""Attachments (phụ lục, văn bản kèm theo) of a draft in separate files.

Decree 30/2020 Phụ lục I: an attachment in a separate file is not signed by the
leader; when the document is issued the văn thư signs each one with the agency's
certificate, with a text at the top right of its first page (the document's
number and notation and the signing time; workflow.issuing). Here only the
upload: a PDF checked by the same gate as every other file (documents.pdfcheck),
stored as version 1 of a new ATTACHMENT file of the draft.

Kept apart from documents.services so that it can grow (reordering, replacing,
removing attachments) without touching the drafting services."""

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.outbox import outbox_publish
from directory.models import User

from .models import Document, DocumentFile, FileVersion
from .services import (
    _checked_files,
    _require_draft_editor,
    _store_version,
    _text,
)


@transaction.atomic
def draft_attachment_add(
    *, document: Document, stream, filename: str, title: str, actor: User
) -> DocumentFile:
    """Add a phụ lục in a separate PDF file to an outgoing draft. Refused (nothing
    stored) when the document is not a draft the actor may change, the title is
    empty or too long, or the file is not an acceptable PDF."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    _require_draft_editor(document, actor)
    title = _text({"title": title}, "title", _("Title"), 255)
    if not getattr(stream, "name", ""):
        stream.name = filename
    [(upload, facts)] = _checked_files([stream], filename or title)
    position = (
        document.files.order_by("-position").values_list("position", flat=True).first()
        or 0
    ) + 1
    file = DocumentFile.objects.create(
        document=document,
        role=DocumentFile.Role.ATTACHMENT,
        title=title,
        position=position,
    )
    version = _store_version(
        file=file,
        upload=upload,
        facts=facts,
        kind=FileVersion.Kind.UPLOADED,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="draft.attachment_add",
        obj=document,
        details={"file": file.pk, "version": version.pk, "sha256": facts.sha256},
    )
    outbox_publish(
        topic="documents.attachment_added",
        payload={"document_id": document.pk, "file_id": file.pk},
    )
    return file
