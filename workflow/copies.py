"""Electronic copies (bản sao điện tử) of Decree 30/2020/NĐ-CP Điều 25 to 27: sao
y (a full copy of the original), sao lục (a full copy of a copy, made by another
agency from a sao y) and trích sao (a copy of part of the document).

A copy is a document of the copying organisation, issued by its văn thư: its
number is the next of the organisation's register of copies (one sequence for
every copy form) and its notation the copy form's abbreviation (Phụ lục III: SY,
SL, TrS) and the agency's, e.g. "Số: 05/SY-STC". Its file is the source's latest
PDF — every page, or the pages chosen for a trích sao — with the stamps of the
original flattened into the page (their signatures vouch for the original file,
not for this one) and the copying agency's signature at the top right of the
first page (Phụ lục I, box 14): copy form, copying agency, the copy's number
and notation and the signing time in ISO 8601 (+07:00), 10 pt black Times-metric
text, signed with the organisation's seal certificate at level LT."""

import hashlib
import io

import pikepdf
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from core.audit import audit_record
from core.blobstore import get_blob_store
from core.outbox import outbox_publish
from directory.models import User
from directory.permissions import role_group_name
from directory.selectors import roles_of
from documents.models import CopyForm, Document, DocumentFile, FileVersion
from documents.numbering import (
    copy_register_for,
    format_number,
    register_take_number,
)
from documents.permissions import (
    CHANGE_DOCUMENT_CODENAME,
    REGISTER_READERS,
    REGISTRARS,
    VIEW_DOCUMENT_CODENAME,
)
from documents.selectors import document_get_visible
from documents.services import file_version_store
from signing.models import Certificate
from signing.selectors import certificate_list_usable
from signing.services import signer_for
from signing.stamps import (
    StampError,
    add_attachment_field,
    attachment_stamp,
)

from .issuing import sign_attachment_field

COPY_LEVEL = "LT"
# Not "sealed": a copy is not on the issuing path (workflow.issuing.issuing_step).
STEP_COPIED = "copied"
# The words of the stamp (Phụ lục I, box 14), Vietnamese whatever the language.
STAMP_FORMS = {
    CopyForm.SAO_Y: "SAO Y",
    CopyForm.SAO_LUC: "SAO LỤC",
    CopyForm.TRICH_SAO: "TRÍCH SAO",
}
FILE_PREFIXES = {
    CopyForm.SAO_Y: "ban-sao-y",
    CopyForm.SAO_LUC: "ban-sao-luc",
    CopyForm.TRICH_SAO: "ban-trich-sao",
}


def _source_version(document: Document) -> FileVersion:
    main = document.files.filter(role=DocumentFile.Role.MAIN).first()
    latest = (
        main
        and main.versions.exclude(kind=FileVersion.Kind.DERIVED)
        .order_by("-number")
        .first()
    )
    if latest is None or latest.content_type != "application/pdf":
        raise ValidationError(_("This document has no PDF file to copy."))
    return latest


def _check_pages(copy_form: str, pages, page_count: int) -> list[int]:
    if copy_form != CopyForm.TRICH_SAO:
        if pages:
            raise ValidationError(
                _("Only an extract (trích sao) takes a selection of pages.")
            )
        return list(range(1, page_count + 1))
    if not pages:
        raise ValidationError(_("Choose the pages of the extract (trích sao)."))
    chosen = []
    for page in pages:
        if isinstance(page, bool) or not isinstance(page, int):
            raise ValidationError(_("Pages are given by their numbers."))
        if not 1 <= page <= page_count:
            raise ValidationError(
                _("Page %(page)d does not exist: the document has %(count)d pages.")
                % {"page": page, "count": page_count}
            )
        if page not in chosen:
            chosen.append(page)
    return sorted(chosen)


def copy_pdf(pdf: bytes, pages: list[int] | None = None) -> bytes:
    """The pages of `pdf` (1-based, all by default) as a new PDF: annotations
    (the stamps of the original's signatures among them) flattened into the
    page content, the form and its signature fields dropped."""
    try:
        with pikepdf.open(io.BytesIO(pdf)) as source:
            source.flatten_annotations(mode="all")
            out = pikepdf.new()
            for number in pages or range(1, len(source.pages) + 1):
                out.pages.append(source.pages[number - 1])
            for page in out.pages:
                if "/Annots" in page.obj:
                    del page.obj["/Annots"]
            buffer = io.BytesIO()
            out.save(buffer)
    except (pikepdf.PdfError, IndexError, ValueError):
        raise ValidationError(_("The document's file cannot be copied.")) from None
    return buffer.getvalue()


def _page_count(pdf: bytes) -> int:
    try:
        with pikepdf.open(io.BytesIO(pdf)) as source:
            return len(source.pages)
    except pikepdf.PdfError:
        raise ValidationError(_("The document's file cannot be copied.")) from None


def _check_clerk(actor: User) -> None:
    if actor.organisation_id is None or not set(REGISTRARS) & roles_of(user=actor):
        raise PermissionDenied(_("Only a records clerk makes copies of documents."))


def _check_seal_certificate(certificate: Certificate, actor: User) -> None:
    if (
        not certificate_list_usable(user=actor)
        .filter(pk=certificate.pk, organisation_id=actor.organisation_id)
        .exists()
    ):
        raise PermissionDenied(
            _("This is not a usable seal certificate of your organisation.")
        )


def _grant(copy: Document, actor: User) -> None:
    code = copy.organisation.code
    for role in REGISTER_READERS:
        group = Group.objects.filter(name=role_group_name(code, role)).first()
        if group is not None:
            assign_perm(VIEW_DOCUMENT_CODENAME, group, copy)
    assign_perm(VIEW_DOCUMENT_CODENAME, actor, copy)
    assign_perm(CHANGE_DOCUMENT_CODENAME, actor, copy)


@transaction.atomic
def document_copy_make(
    *,
    document: Document,
    copy_form: str,
    actor: User,
    pages: list[int] | None = None,
    certificate: Certificate,
    secret: str | None,
) -> Document:
    """Make an electronic copy (bản sao điện tử) of `document`: sao y, sao lục or
    trích sao (`pages`, 1-based, required then and refused otherwise). The văn
    thư `actor` signs it with their organisation's seal `certificate` (`secret`:
    its passphrase or PIN). Returns the copy, an issued document of the actor's
    organisation with its own number from the register of copies.

    Raises PermissionDenied (not a văn thư, the document not visible to them, not
    their organisation's seal certificate), ValidationError (unknown copy form, a
    draft, no PDF, pages missing or out of range) or the SigningError of the
    signer (wrong passphrase, TSA or OCSP down): nothing is stored then and the
    number is given back."""
    _check_clerk(actor)
    if document_get_visible(user=actor, pk=document.pk) is None:
        raise PermissionDenied(_("You may not see this document."))
    if copy_form not in CopyForm.values:
        raise ValidationError(_("Unknown copy form."))
    copy_form = CopyForm(copy_form)
    if document.state == Document.State.DRAFT:
        raise ValidationError(_("A draft cannot be copied."))
    source = _source_version(document)
    with get_blob_store().open(source.blob_id) as stream:
        original = stream.read()
    chosen = _check_pages(copy_form, pages, _page_count(original))
    _check_seal_certificate(certificate, actor)
    signer = signer_for(certificate=certificate, secret=secret)
    organisation = actor.organisation
    pdf = copy_pdf(original, chosen)
    try:
        pdf = add_attachment_field(pdf)
    except StampError as exc:
        raise ValidationError(str(exc)) from None

    today = timezone.localdate()
    register = copy_register_for(organisation=organisation, year=today.year)
    number = register_take_number(register=register)
    code_number = format_number(number)
    code_notation = f"{copy_form.value}-{organisation.short_name}"
    style, params = attachment_stamp(
        number_notation=f"{code_number}/{code_notation}",
        copy_form=STAMP_FORMS[copy_form],
        copying_agency=organisation.name,
    )
    signed = sign_attachment_field(
        pdf, signer=signer, level=COPY_LEVEL, style=style, params=params
    )

    now = timezone.now()
    copy = Document.objects.create(
        organisation=organisation,
        direction=Document.Direction.OUTGOING,
        state=Document.State.ISSUED,
        document_type=document.document_type,
        copy_form=copy_form,
        copy_of=document,
        code_number=code_number,
        code_notation=code_notation,
        issued_date=today,
        organ_id=organisation.code,
        organ_name=organisation.name,
        subject=document.subject,
        page_amount=len(chosen),
        description=(
            _("Copy of %(number)s of %(organ)s")
            % {"number": document.number_notation, "organ": document.organ_name}
        )[:500],
        urgency=document.urgency,
        secrecy=document.secrecy,
        register=register,
        register_number=number,
        issued_amount=1,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    main = DocumentFile.objects.create(
        document=copy, role=DocumentFile.Role.MAIN, title=copy.subject[:255]
    )
    sha256 = hashlib.sha256(signed).hexdigest()
    version = file_version_store(
        file=main,
        stream=io.BytesIO(signed),
        kind=FileVersion.Kind.SIGNED,
        filename=f"{FILE_PREFIXES[copy_form]}-{code_number}.pdf",
        page_count=len(chosen),
        facts={
            "sha256": sha256,
            "size": len(signed),
            "step": STEP_COPIED,
            "copy_form": copy_form.value,
            "source_document": document.pk,
            "source_version": source.pk,
            "pages": chosen,
            "number_notation": copy.number_notation,
            "sealer": actor.pk,
            "seal_certificate": certificate.pk,
        },
        created_by=actor,
        expected_sha256=sha256,
    )
    _grant(copy, actor)
    audit_record(
        actor=actor,
        action="document.copy",
        obj=copy,
        details={
            "source": document.pk,
            "source_version": source.pk,
            "copy_form": copy_form.value,
            "number": copy.number_notation,
            "pages": chosen,
            "version": version.pk,
            "certificate": certificate.fingerprint,
            "sha256": version.blob_id,
        },
    )
    outbox_publish(
        topic="workflow.copy_made",
        payload={
            "document_id": copy.pk,
            "source_id": document.pk,
            "version_id": version.pk,
        },
    )
    return copy
