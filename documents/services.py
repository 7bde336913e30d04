"""Every write to documents: incoming registration (đăng ký văn bản đến), drafts
(dự thảo) and their versions and comments, and outgoing numbering (cấp số).

Each service checks everything first (roles, metadata, files), then stores blobs,
rows, audit entry and outbox event in one transaction: a refused call stores
nothing a user can reach. (A blob written before a later failure stays in the
content-addressed store without a row, harmless and reused by the next identical
upload; see core.blobstore.)"""

import dataclasses
import io
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from core.audit import audit_record
from core.blobstore import blob_put, get_blob_store
from core.outbox import outbox_publish
from directory.models import Organisation, Unit, User
from directory.permissions import role_group_name
from directory.selectors import roles_of

from .constants import Secrecy, Urgency
from .models import (
    Document,
    DocumentFile,
    DocumentRecipient,
    DocumentRelation,
    DocumentType,
    DraftComment,
    DraftVersion,
    FileVersion,
)
from .numbering import format_number, register_for, register_take_number
from .pdfcheck import PdfFacts, check_pdf, read_signatures
from .permissions import (
    CHANGE_DOCUMENT_CODENAME,
    DRAFT_READERS,
    DRAFTERS,
    INCOMING_READERS,
    REGISTRARS,
    VIEW_DOCUMENT,
    VIEW_DOCUMENT_CODENAME,
)
from .rendering import DraftLayout, notation_suffix, render_draft_pdf

# A recalled document (thu hồi) is kept as it was (NĐ 30 PL VI: frozen).
FROZEN_STATES = (Document.State.RECALLED,)


class DuplicateDocument(ValidationError):
    """The document looks registered already; the clerk may confirm and go on."""

    def __init__(self, message, *, duplicates: Sequence[Document]):
        super().__init__(message, code="duplicate")
        self.duplicates = list(duplicates)


# ---------------------------------------------------------------------------
# Checks shared by the services


def _require_role(actor: User | None, organisation: Organisation, roles) -> None:
    if actor is None:
        return
    if actor.organisation_id != organisation.pk or not (
        roles_of(user=actor) & set(roles)
    ):
        raise PermissionDenied(
            _("Your roles in %(org)s do not allow this.") % {"org": organisation.name}
        )


def _text(data: dict, field: str, label: str, max_length: int, *, required=True) -> str:
    value = unicodedata.normalize("NFC", str(data.get(field) or "").strip())
    if required and not value:
        raise ValidationError({field: _("%(label)s is required.") % {"label": label}})
    if len(value) > max_length:
        raise ValidationError(
            {
                field: _("%(label)s must be at most %(n)d characters.")
                % {"label": label, "n": max_length}
            }
        )
    return value


def _date(data: dict, field: str, label: str, *, required=False) -> date | None:
    value = data.get(field)
    if value in (None, ""):
        if required:
            raise ValidationError(
                {field: _("%(label)s is required.") % {"label": label}}
            )
        return None
    if isinstance(value, datetime):
        value = timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError as exc:
            raise ValidationError(
                {field: _("%(label)s is not a valid date.") % {"label": label}}
            ) from exc
    if not isinstance(value, date):
        raise ValidationError(
            {field: _("%(label)s is not a valid date.") % {"label": label}}
        )
    return value


def _choice(data: dict, field: str, choices, default) -> int:
    value = data.get(field, default)
    try:
        value = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError({field: _("Unknown value.")}) from exc
    if value not in choices.values:
        raise ValidationError({field: _("Unknown value.")})
    return value


def _document_type(data: dict) -> DocumentType:
    value = data.get("document_type")
    if isinstance(value, DocumentType):
        return value
    found = DocumentType.objects.filter(code=str(value or ""), is_active=True).first()
    if found is None:
        raise ValidationError(
            {"document_type": _("Unknown document type: %(type)s.") % {"type": value}}
        )
    return found


def _facts_json_value(value):
    """Dataclasses, dates and tuples as JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _facts_json_value(dataclasses.asdict(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_facts_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _facts_json_value(v) for k, v in value.items()}
    return value


def pdf_facts_json(facts: PdfFacts) -> dict:
    """A PDF intake check's facts as FileVersion.facts (JSON-ready)."""
    return _facts_json_value(facts)


def _check_secrecy_for(actor: User | None, secrecy: int) -> None:
    if actor is not None and secrecy > actor.clearance:
        raise PermissionDenied(
            _("Your clearance does not allow documents of this secrecy level.")
        )


def _grant(document: Document, roles: Iterable[str], people: Iterable[User] = ()):
    code = document.organisation.code
    for role in roles:
        group = Group.objects.get(name=role_group_name(code, role))
        assign_perm(VIEW_DOCUMENT_CODENAME, group, document)
    for person in people:
        assign_perm(VIEW_DOCUMENT_CODENAME, person, document)
        assign_perm(CHANGE_DOCUMENT_CODENAME, person, document)


def _checked_files(files: Sequence, label: str) -> list[tuple[object, PdfFacts]]:
    """Run every file through the PDF gate before anything is stored."""
    checked = []
    for upload in files:
        name = getattr(upload, "name", "") or label
        upload.seek(0)
        facts = check_pdf(upload, filename=name)
        upload.seek(0)
        checked.append((upload, facts))
    return checked


def file_version_store(
    *,
    file: DocumentFile,
    stream,
    kind: str,
    filename: str,
    page_count: int | None,
    facts: dict,
    created_by: User,
    expected_sha256: str | None = None,
) -> FileVersion:
    """Store `stream` as the next immutable version of `file` (the caller holds
    the document's row lock or creates the file in its transaction).

    A SIGNED version's facts get the signatures it carries now (the facts of the
    version it was made from describe that one's signatures). A recalled
    document is frozen (NĐ 30 PL VI): no version is added to its files."""
    state = (
        Document.objects.filter(pk=file.document_id)
        .values_list("state", flat=True)
        .first()
    )
    if state in FROZEN_STATES:
        raise ValidationError(
            _("This document is recalled: its files can no longer change.")
        )
    blob = blob_put(stream=stream)
    if expected_sha256 is not None and blob.sha256 != expected_sha256:
        raise ValidationError(_("The file changed while it was being stored."))
    if kind == FileVersion.Kind.SIGNED:
        stream.seek(0)
        facts = {
            **facts,
            "signatures": _facts_json_value(read_signatures(stream, filename)),
        }
    number = (
        file.versions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    return FileVersion.objects.create(
        file=file,
        number=number,
        kind=kind,
        blob=blob,
        filename=filename[-255:],
        size=blob.size,
        page_count=page_count,
        facts=facts,
        created_by=created_by,
    )


def _store_version(
    *,
    file: DocumentFile,
    upload,
    facts: PdfFacts,
    kind: str,
    created_by: User,
    extra_facts: dict | None = None,
) -> FileVersion:
    upload.seek(0)
    return file_version_store(
        file=file,
        stream=upload,
        kind=kind,
        filename=getattr(upload, "name", "") or file.title,
        page_count=facts.page_count,
        facts={**pdf_facts_json(facts), **(extra_facts or {})},
        created_by=created_by,
        expected_sha256=facts.sha256,
    )


# ---------------------------------------------------------------------------
# Incoming documents (văn bản đến)


def document_find_duplicates(
    *,
    organisation: Organisation,
    organ_name: str,
    organ_id: str,
    code_number: str,
    code_notation: str,
    issued_date: date | None,
    sha256s: Iterable[str] = (),
) -> list[Document]:
    """Documents already registered by `organisation` with the same (number,
    notation, issuer) in the same year, or with one of the same files."""
    found: dict[int, Document] = {}
    if code_number and code_notation:
        same = Document.objects.filter(
            organisation=organisation,
            direction=Document.Direction.INCOMING,
            code_number=code_number,
            code_notation__iexact=code_notation,
        )
        same = (
            same.filter(organ_id=organ_id)
            if organ_id
            else same.filter(organ_name__iexact=organ_name)
        )
        if issued_date:
            same = same.filter(issued_date__year=issued_date.year)
        found.update({d.pk: d for d in same})
    hashes = [h for h in sha256s if h]
    if hashes:
        for d in Document.objects.filter(
            organisation=organisation,
            direction=Document.Direction.INCOMING,
            files__versions__blob_id__in=hashes,
        ).distinct():
            found[d.pk] = d
    return list(found.values())


@transaction.atomic
def document_register_incoming(
    *,
    organisation: Organisation,
    main_file,
    attachments: Sequence = (),
    metadata: dict,
    actor: User | None,
    created_by: User | None = None,
    allow_duplicate: bool = False,
    signature_checks: Sequence[dict | None] = (),
    signature_warnings_accepted: bool = False,
) -> Document:
    """Đăng ký văn bản đến: check the files and metadata, give the next arrival
    number (số đến) of this year's incoming register (its own sequence when
    secret), keep every file byte-exact as the received original.

    `signature_checks`: per file (main first) the summary of its signature check
    at reception (signing.checks.validation_summary) or None. A file whose
    signatures fail it is registered only with `signature_warnings_accepted`; the
    summary and the acknowledgement are kept in the version's facts and in the
    audit entry."""
    _require_role(actor, organisation, REGISTRARS)
    creator = actor or created_by
    if creator is None:
        raise ValueError("a system registration names created_by")
    doc_type = _document_type(metadata)
    organ_name = _text(metadata, "organ_name", _("Issuing organisation"), 200)
    organ_id = _text(
        metadata, "organ_id", _("Issuing organisation identifier"), 13, required=False
    )
    subject = _text(metadata, "subject", _("Subject"), 500)
    code_number = _text(metadata, "code_number", _("Number"), 11, required=False)
    if code_number and not code_number.isdigit():
        raise ValidationError({"code_number": _("The number must be digits only.")})
    code_notation = _text(metadata, "code_notation", _("Notation"), 30, required=False)
    issued_date = _date(metadata, "issued_date", _("Issued date"))
    today = timezone.localdate()
    if issued_date and issued_date > today:
        raise ValidationError({"issued_date": _("The issued date is in the future.")})
    due_date = _date(metadata, "due_date", _("Due date"))
    if due_date and due_date < today:
        raise ValidationError({"due_date": _("The due date has passed.")})
    urgency = _choice(metadata, "urgency", Urgency, Urgency.NORMAL)
    secrecy = _choice(metadata, "secrecy", Secrecy, Secrecy.NONE)
    _check_secrecy_for(actor, secrecy)
    signer_name = _text(metadata, "signer_full_name", _("Signer"), 50, required=False)
    signer_position = _text(
        metadata, "signer_position", _("Signer's position"), 100, required=False
    )
    to_places = _text(metadata, "to_places", _("Handled by"), 1000, required=False)
    description = _text(metadata, "description", _("Notes"), 500, required=False)

    checked = _checked_files([main_file, *attachments], _("main file"))
    checks = list(signature_checks)[: len(checked)]
    checks += [None] * (len(checked) - len(checks))
    failing = [
        (facts.sha256, check)
        for (_u, facts), check in zip(checked, checks, strict=True)
        if check and check.get("verdict") != "valid"
    ]
    if failing and not signature_warnings_accepted:
        raise ValidationError(
            {
                "accept_signature_warnings": _(
                    "A digital signature of the files failed the check: read the "
                    "warning and tick the box to register the document anyway."
                )
            }
        )
    duplicates = document_find_duplicates(
        organisation=organisation,
        organ_name=organ_name,
        organ_id=organ_id,
        code_number=code_number,
        code_notation=code_notation,
        issued_date=issued_date,
        sha256s=[facts.sha256 for _u, facts in checked],
    )
    if duplicates and not allow_duplicate:
        raise DuplicateDocument(
            _("This document seems registered already: %(list)s.")
            % {
                "list": ", ".join(
                    _("arrival number %(n)s") % {"n": d.register_number}
                    for d in duplicates
                )
            },
            duplicates=duplicates,
        )

    now = timezone.now()
    register = register_for(
        organisation=organisation,
        incoming=True,
        year=timezone.localdate(now).year,
        secrecy=secrecy,
    )
    document = Document.objects.create(
        organisation=organisation,
        direction=Document.Direction.INCOMING,
        state=Document.State.REGISTERED,
        document_type=doc_type,
        code_number=code_number,
        code_notation=code_notation,
        issued_date=issued_date,
        organ_id=organ_id,
        organ_name=organ_name,
        subject=subject,
        page_amount=checked[0][1].page_count,
        description=description,
        signer_full_name=signer_name,
        signer_position=signer_position,
        urgency=urgency,
        secrecy=secrecy,
        due_date=due_date,
        register=register,
        register_number=register_take_number(register=register),
        arrival_date=now,
        to_places=to_places,
        created_by=creator,
    )
    for position, ((upload, facts), check) in enumerate(
        zip(checked, checks, strict=True)
    ):
        doc_file = DocumentFile.objects.create(
            document=document,
            role=DocumentFile.Role.MAIN
            if position == 0
            else DocumentFile.Role.ATTACHMENT,
            title=(getattr(upload, "name", "") or subject)[:255],
            position=position,
        )
        _store_version(
            file=doc_file,
            upload=upload,
            facts=facts,
            kind=FileVersion.Kind.RECEIVED_ORIGINAL,
            created_by=creator,
            extra_facts={
                "validation": {
                    **check,
                    "warning_accepted": check.get("verdict") != "valid"
                    and signature_warnings_accepted,
                }
            }
            if check
            else None,
        )
    _grant(document, INCOMING_READERS, people=[creator])
    audit_record(
        actor=actor,
        action="document.register_incoming",
        obj=document,
        details={
            "register": register.pk,
            "arrival_number": document.register_number,
            "duplicate_confirmed": bool(duplicates),
            "files": [facts.sha256 for _u, facts in checked],
            "signature_warnings": [
                {
                    "sha256": sha256,
                    "verdict": check.get("verdict"),
                    "signatures": [
                        s.get("field_name")
                        for s in check.get("signatures") or ()
                        if not s.get("ok")
                    ],
                }
                for sha256, check in failing
            ],
            "signature_warnings_accepted": bool(failing)
            and signature_warnings_accepted,
        },
    )
    outbox_publish(
        topic="documents.incoming_registered",
        payload={"document_id": document.pk, "organisation_id": organisation.pk},
    )
    return document


# ---------------------------------------------------------------------------
# Drafts (dự thảo)

DRAFT_TEXT_FIELDS = {
    # field: (label, max length, required)
    "subject": (_("Subject"), 500, True),
    "body": (_("Body"), 100_000, True),
    "signer_capacity_of": (_("Signing for"), 100, False),
    "signer_title": (_("Signer's title"), 100, True),
    "signer_name": (_("Signer"), 50, True),
}


def _draft_content(organisation: Organisation, data: dict, actor: User | None) -> dict:
    """Check a draft's structured content and return it normalised (NFC)."""
    doc_type = _document_type(data)
    content: dict = {"document_type": doc_type.code}
    for field, (label, max_length, required) in DRAFT_TEXT_FIELDS.items():
        content[field] = _text(data, field, label, max_length, required=required)
    capacity = str(data.get("signer_capacity") or "")
    if capacity not in Document.SignerCapacity.values:
        raise ValidationError({"signer_capacity": _("Unknown value.")})
    if capacity and not content["signer_capacity_of"]:
        raise ValidationError(
            {"signer_capacity_of": _("Say for whom the signer signs (e.g. GIÁM ĐỐC).")}
        )
    content["signer_capacity"] = capacity
    content["urgency"] = _choice(data, "urgency", Urgency, Urgency.NORMAL)
    content["secrecy"] = _choice(data, "secrecy", Secrecy, Secrecy.NONE)
    _check_secrecy_for(actor, content["secrecy"])
    content["recipients"] = _lines(data.get("recipients"), "recipients", 200)
    content["copies_to"] = _lines(data.get("copies_to"), "copies_to", 200)
    unit = data.get("unit")
    if unit is not None and not isinstance(unit, Unit):
        unit = Unit.objects.filter(pk=unit).first()
    if unit is None and actor is not None:
        unit = actor.unit
    if unit is not None and unit.organisation_id != organisation.pk:
        raise ValidationError(
            {
                "unit": _("The unit “%(unit)s” belongs to another organisation.")
                % {"unit": unit.name}
            }
        )
    if (
        content["secrecy"] > Secrecy.NONE
        and unit is not None
        and unit.clearance < content["secrecy"]
    ):
        raise ValidationError({"secrecy": _unit_not_cleared(unit)})
    content["unit"] = unit.pk if unit else None
    content["unit_abbr"] = unit.short_name if unit else ""
    for target in data.get("recipient_units") or ():
        target_unit = (
            target
            if isinstance(target, Unit)
            else Unit.objects.filter(pk=target).first()
        )
        if target_unit is None:
            raise ValidationError({"recipient_units": _("Unknown unit.")})
        if target_unit.clearance < content["secrecy"]:
            raise ValidationError({"recipient_units": _unit_not_cleared(target_unit)})
    content["recipient_units"] = [
        (t.pk if isinstance(t, Unit) else int(t))
        for t in data.get("recipient_units") or ()
    ]
    return content


def _unit_not_cleared(unit: Unit) -> str:
    return _(
        "The unit “%(unit)s” is not authorised for documents of this secrecy level."
    ) % {"unit": unit.name}


def _lines(value, field: str, max_length: int) -> list[str]:
    if value in (None, ""):
        return []
    items = value.splitlines() if isinstance(value, str) else list(value)
    lines = [unicodedata.normalize("NFC", str(v).strip()) for v in items]
    lines = [line for line in lines if line]
    for line in lines:
        if len(line) > max_length:
            raise ValidationError(
                {
                    field: _("A line is longer than %(n)d characters.")
                    % {"n": max_length}
                }
            )
    return lines


def _heading_name(name: str, *, under: Organisation | None = None) -> str:
    """An agency's name as the document heading prints it: upper case, without the
    demo mark, and without the province when the parent line above already names
    it ("SỞ TÀI CHÍNH" under "UBND TỈNH LẠC HỒNG", not "SỞ TÀI CHÍNH TỈNH LẠC HỒNG")."""
    name = name.replace(" (demo)", "").strip()
    if under is not None:
        for level in ("tỉnh", "thành phố"):
            suffix = f" {level} {under.place_name}"
            if name.lower().endswith(suffix.lower()) and len(name) > len(suffix):
                name = name[: -len(suffix)]
                break
    return name.upper()


def draft_layout(organisation: Organisation, content: dict) -> DraftLayout:
    """The print layout of a draft's content for documents.rendering."""
    doc_type = DocumentType.objects.get(code=content["document_type"])
    parent = organisation.parent
    return DraftLayout(
        parent_agency_name=_heading_name(parent.name if parent else ""),
        agency_name=_heading_name(organisation.name, under=parent),
        agency_abbr=organisation.short_name,
        unit_abbr=content.get("unit_abbr") or "",
        type_code=doc_type.code,
        type_name="" if doc_type.code == "cong_van" else doc_type.name,
        type_abbr=doc_type.abbreviation,
        place_name=organisation.place_name,
        subject=content["subject"],
        body=content["body"],
        signer_capacity=content["signer_capacity"],
        signer_capacity_of=content.get("signer_capacity_of") or "",
        signer_title=content["signer_title"],
        signer_name=content["signer_name"],
        recipients=content.get("recipients") or [],
        copies_to=content.get("copies_to") or [],
        archive_units=[content["unit_abbr"]] if content.get("unit_abbr") else [],
        urgency=content["urgency"],
        secrecy=content["secrecy"],
    )


def _render_version(document: Document, content: dict, actor: User) -> FileVersion:
    rendered = render_draft_pdf(draft_layout(document.organisation, content))
    upload = io.BytesIO(rendered.pdf)
    upload.name = f"du-thao-{document.pk}.pdf"
    facts = check_pdf(upload, filename=upload.name)
    main, _created = DocumentFile.objects.get_or_create(
        document=document,
        role=DocumentFile.Role.MAIN,
        defaults={"title": content["subject"][:255], "position": 0},
    )
    version = _store_version(
        file=main,
        upload=upload,
        facts=facts,
        kind=FileVersion.Kind.RENDERED,
        created_by=actor,
    )
    version.facts = {
        **version.facts,
        "fields": {
            name: dataclasses.asdict(place) for name, place in rendered.fields.items()
        },
    }
    version.save(update_fields=["facts"])
    return version


def _apply_content(document: Document, content: dict) -> None:
    document.document_type = DocumentType.objects.get(code=content["document_type"])
    document.subject = content["subject"]
    document.signer_capacity = content["signer_capacity"]
    document.signer_position = content["signer_title"]
    document.signer_full_name = content["signer_name"]
    document.urgency = content["urgency"]
    document.secrecy = content["secrecy"]
    document.updated_at = timezone.now()


def _next_draft_version(document: Document) -> int:
    last = (
        document.draft_versions.order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return (last or 0) + 1


# Links a new draft may make to an issued document when it is created.
DRAFT_RELATIONS = (DocumentRelation.Kind.REPLACES, DocumentRelation.Kind.AMENDS)


def _check_relation(
    relation: tuple[str, Document, str], organisation: Organisation, actor: User
) -> tuple[str, Document, str]:
    """A draft that replaces (thay thế) or amends (sửa đổi, bổ sung) an issued
    document: (kind, target, reason). The target must be an issued document of
    the same organisation that the actor may open, and the reason is required."""
    kind, target, reason = relation
    if kind not in DRAFT_RELATIONS:
        raise ValidationError({"relation": _("Unknown kind of link.")})
    reason = unicodedata.normalize("NFC", str(reason or "")).strip()
    if not reason:
        raise ValidationError(
            {"relation_reason": _("Give the reason for the replacement or amendment.")}
        )
    if len(reason) > 500:
        raise ValidationError(
            {"relation_reason": _("The reason is longer than 500 characters.")}
        )
    if (
        target is None
        or not actor.has_perm(VIEW_DOCUMENT, target)
        or target.secrecy > actor.clearance
    ):
        raise PermissionDenied(_("You may not open the document to replace or amend."))
    if target.organisation_id != organisation.pk or target.state != (
        Document.State.ISSUED
    ):
        raise ValidationError(
            {
                "relation": _(
                    "Only an issued document of your organisation can be replaced "
                    "or amended."
                )
            }
        )
    return kind, target, reason


def _check_reply_to(incoming: Document, organisation: Organisation, actor: User):
    """The incoming document a new draft answers: one of the organisation that
    the actor may open."""
    if not actor.has_perm(VIEW_DOCUMENT, incoming) or (
        incoming.secrecy > actor.clearance
    ):
        raise PermissionDenied(_("You may not open the document to reply to."))
    if (
        incoming.organisation_id != organisation.pk
        or incoming.direction != Document.Direction.INCOMING
    ):
        raise ValidationError(
            {
                "reply_to": _(
                    "A reply answers an incoming document of your organisation."
                )
            }
        )


@transaction.atomic
def draft_create(
    *,
    organisation: Organisation,
    content: dict,
    actor: User,
    relation: tuple[str, Document, str] | None = None,
    reply_to: Document | None = None,
) -> Document:
    """Soạn thảo: a new outgoing draft from structured content, rendered to a
    Decree 30 PDF/A with its signature fields in place. `relation` is
    (DocumentRelation.Kind.REPLACES or AMENDS, the issued document, the reason)
    for a draft that replaces or amends an issued document; `reply_to` the
    incoming document the draft answers (văn bản trả lời)."""
    _require_role(actor, organisation, DRAFTERS)
    content = _draft_content(organisation, content, actor)
    if relation is not None:
        relation = _check_relation(relation, organisation, actor)
    if reply_to is not None:
        _check_reply_to(reply_to, organisation, actor)
    document = Document(
        organisation=organisation,
        direction=Document.Direction.OUTGOING,
        state=Document.State.DRAFT,
        organ_id=organisation.code,
        organ_name=organisation.name,
        created_by=actor,
    )
    _apply_content(document, content)
    document.save()
    _save_recipients(document, content)
    version = _render_version(document, content, actor)
    document.page_amount = version.page_count
    document.save(update_fields=["page_amount"])
    DraftVersion.objects.create(
        document=document,
        number=1,
        content=content,
        file_version=version,
        created_by=actor,
    )
    _grant(document, DRAFT_READERS, people=[actor])
    details = {"version": 1}
    if relation is not None:
        kind, target, reason = relation
        DocumentRelation.objects.create(
            source=document, target=target, kind=kind, reason=reason, created_by=actor
        )
        details.update(relation=kind, target=target.pk)
    if reply_to is not None:
        DocumentRelation.objects.create(
            source=document,
            target=reply_to,
            kind=DocumentRelation.Kind.REPLY_TO,
            created_by=actor,
        )
        details.update(reply_to=reply_to.pk)
    audit_record(actor=actor, action="draft.create", obj=document, details=details)
    outbox_publish(
        topic="documents.draft_created", payload={"document_id": document.pk}
    )
    return document


def _save_recipients(document: Document, content: dict) -> None:
    document.recipients.all().delete()
    DocumentRecipient.objects.bulk_create(
        DocumentRecipient(document=document, organ_name=name[:200], position=i)
        for i, name in enumerate(content.get("recipients") or [])
    )


def _require_draft_editor(document: Document, actor: User) -> None:
    if document.state != Document.State.DRAFT:
        raise ValidationError(_("Only a draft can be changed."))
    if not actor.has_perm("documents.change_document", document):
        raise PermissionDenied(_("You may not change this draft."))


@transaction.atomic
def draft_revise(*, document: Document, content: dict, actor: User) -> DraftVersion:
    """A new version of a draft; earlier versions and their comments stay."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    _require_draft_editor(document, actor)
    content = _draft_content(document.organisation, content, actor)
    _apply_content(document, content)
    version_file = _render_version(document, content, actor)
    document.page_amount = version_file.page_count
    document.save()
    _save_recipients(document, content)
    version = DraftVersion.objects.create(
        document=document,
        number=_next_draft_version(document),
        content=content,
        file_version=version_file,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="draft.revise",
        obj=document,
        details={"version": version.number},
    )
    outbox_publish(
        topic="documents.draft_revised",
        payload={"document_id": document.pk, "version": version.number},
    )
    return version


@transaction.atomic
def draft_upload(
    *, organisation: Organisation, file, metadata: dict, actor: User
) -> Document:
    """A ready PDF as the draft instead of the structured form."""
    _require_role(actor, organisation, DRAFTERS)
    doc_type = _document_type(metadata)
    subject = _text(metadata, "subject", _("Subject"), 500)
    urgency = _choice(metadata, "urgency", Urgency, Urgency.NORMAL)
    secrecy = _choice(metadata, "secrecy", Secrecy, Secrecy.NONE)
    _check_secrecy_for(actor, secrecy)
    [(upload, facts)] = _checked_files([file], _("draft"))
    document = Document.objects.create(
        organisation=organisation,
        direction=Document.Direction.OUTGOING,
        state=Document.State.DRAFT,
        document_type=doc_type,
        organ_id=organisation.code,
        organ_name=organisation.name,
        subject=subject,
        urgency=urgency,
        secrecy=secrecy,
        page_amount=facts.page_count,
        created_by=actor,
    )
    main = DocumentFile.objects.create(
        document=document, role=DocumentFile.Role.MAIN, title=subject[:255]
    )
    version = _store_version(
        file=main,
        upload=upload,
        facts=facts,
        kind=FileVersion.Kind.UPLOADED,
        created_by=actor,
    )
    DraftVersion.objects.create(
        document=document,
        number=1,
        content={"document_type": doc_type.code, "subject": subject, "uploaded": True},
        file_version=version,
        created_by=actor,
    )
    _grant(document, DRAFT_READERS, people=[actor])
    audit_record(
        actor=actor,
        action="draft.upload",
        obj=document,
        details={"sha256": facts.sha256},
    )
    outbox_publish(
        topic="documents.draft_created", payload={"document_id": document.pk}
    )
    return document


@transaction.atomic
def draft_comment_add(*, version: DraftVersion, text: str, actor: User) -> DraftComment:
    """Góp ý on a draft version, by anyone who may open the draft."""
    if not actor.has_perm("documents.view_document", version.document):
        raise PermissionDenied(_("You may not comment on this draft."))
    text = _text({"text": text}, "text", _("Comment"), 10_000)
    comment = DraftComment.objects.create(version=version, author=actor, text=text)
    audit_record(
        actor=actor,
        action="draft.comment",
        obj=version.document,
        details={"version": version.number, "comment": comment.pk},
    )
    return comment


# ---------------------------------------------------------------------------
# Access log


def document_file_open(
    *, version: FileVersion, actor: User, on_behalf_of: User | None = None
):
    """Open a stored file version for reading, and record who opened it (the
    access log of Phụ lục VI). The caller has checked that the actor may see the
    document; the returned stream verifies the blob's hash as it is read."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            on_behalf_of=on_behalf_of,
            action="document.file_open",
            obj=version.file.document,
            details={"version": version.pk, "sha256": version.blob_id},
        )
    return get_blob_store().open(version.blob_id)


# ---------------------------------------------------------------------------
# Outgoing numbering (cấp số)


@transaction.atomic
def document_assign_number(
    *, document: Document, actor: User | None, issued_date: date | None = None
) -> Document:
    """Cấp số, thời gian ban hành: the next number of the document's register
    (secret sequence for a secret document, a separate sequence for its type where
    one is defined), the notation (`12/QĐ-UBND`, công văn `05/UBND-VX`) and the
    issue date. Refused when the document already has a number."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    _require_role(actor, document.organisation, REGISTRARS)
    if document.direction != Document.Direction.OUTGOING:
        raise ValidationError(_("Only an outgoing document takes an outgoing number."))
    if document.register_id is not None:
        raise ValidationError(
            _("This document already has the number %(n)s.")
            % {"n": document.number_notation}
        )
    issued_date = issued_date or timezone.localdate()
    if issued_date > timezone.localdate():
        raise ValidationError(_("The issued date is in the future."))
    register = register_for(
        organisation=document.organisation,
        incoming=False,
        year=issued_date.year,
        secrecy=document.secrecy,
        document_type=document.document_type,
    )
    number = register_take_number(register=register)
    unit_abbr = ""
    latest = document.draft_versions.order_by("-number").first()
    if latest is not None:
        unit_abbr = latest.content.get("unit_abbr") or ""
    document.register = register
    document.register_number = number
    document.code_number = format_number(number)
    document.code_notation = notation_suffix(
        type_abbr=document.document_type.abbreviation,
        agency_abbr=document.organisation.short_name,
        unit_abbr=unit_abbr,
    )
    document.issued_date = issued_date
    document.updated_at = timezone.now()
    document.save()
    audit_record(
        actor=actor,
        action="document.assign_number",
        obj=document,
        details={
            "register": register.pk,
            "number": number,
            "notation": document.code_notation,
        },
    )
    outbox_publish(topic="documents.numbered", payload={"document_id": document.pk})
    return document
