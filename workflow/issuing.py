"""The issuing order of Decree 30/2020/NĐ-CP (Điều 13 to 15, Phụ lục I) as services:
the agency leader signs the rendered draft (a PAdES certification signature that
allows form filling), then the văn thư gives it its number and date, writes them
into the draft's text fields and signs with the organisation's seal certificate.

The step a document has reached is read from its main file's latest version: the
rendered draft (kind RENDERED), the leader's signed version (kind SIGNED, facts
step "leader_signed"), the issued version (kind SIGNED, facts step "sealed").

The leader may also sign on his own device (USB token, remote-signing service)
in two phases: document_sign_as_leader_prepare keeps the document and version
with the pending signature, document_sign_as_leader_complete embeds the value
after the same checks.

The leader's signature image and the organisation's seal image are the ones
stored in the directory (signing.images); demo organisations without them get
the drawn demo images, any other organisation is refused until it stores them."""

import hashlib
import io

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.blobstore import get_blob_store
from core.outbox import outbox_publish
from directory.models import Role, User
from directory.selectors import delegation_active, roles_of
from documents.models import Document, DocumentFile, FileVersion
from documents.permissions import REGISTRARS
from documents.rendering import FIELD_LEADER, FIELD_SEAL, fill_issue_fields
from documents.services import document_assign_number, file_version_store
from signing.images import seal_image_for, signature_image_for
from signing.models import Certificate, KeyBackend, PendingSignature
from signing.selectors import certificate_list_usable
from signing.services import (
    PendingSignatureError,
    signature_complete_remote,
    signature_prepare_remote,
    signer_for,
)
from signing.signers import FILL_FORMS, sign_pdf
from signing.stamps import (
    ATTACHMENT_FIELD,
    StampError,
    add_attachment_field,
    attachment_stamp,
    leader_stamp,
    seal_stamp,
)
from signing.trust import get_timestamper, validation_context
from signing.validation import validate_pdf

from . import dispatch, engine
from .approval import AWAITING_SIGNATURE, approval_signed, changed_since_submitted
from .models import Process, Queue

STEP_LEADER_SIGNED = "leader_signed"
STEP_SEALED = "sealed"
# What a pending two-phase signature of the issuing order is for.
PURPOSE_LEADER = "document.sign_leader"
LEADER_LEVEL = "T"
SEAL_LEVEL = "LT"
# The leader's signature may only be followed by form filling (the number and
# date) and the seal's signature.
ALLOWED_AFTER_LEADER = ("NONE", "FORM_FILLING")


def _main_file(document: Document) -> DocumentFile:
    main = document.files.filter(role=DocumentFile.Role.MAIN).first()
    if main is None:
        raise ValidationError(_("This document has no main file."))
    return main


def _latest(main: DocumentFile) -> FileVersion:
    # A derived copy (OCR text layer) is never what is signed: its source is.
    latest = (
        main.versions.exclude(kind=FileVersion.Kind.DERIVED).order_by("-number").first()
    )
    if latest is None:
        raise ValidationError(_("This document has no main file."))
    return latest


def issuing_step(*, document: Document) -> str:
    """The step of the issuing order the document's main file has reached:
    "draft", "leader_signed", "sealed", or "" (another kind of file)."""
    main = document.files.filter(role=DocumentFile.Role.MAIN).first()
    latest = (
        main
        and main.versions.exclude(kind=FileVersion.Kind.DERIVED)
        .order_by("-number")
        .first()
    )
    if latest is None:
        return ""
    if latest.kind == FileVersion.Kind.RENDERED:
        return "draft"
    if latest.kind == FileVersion.Kind.SIGNED:
        return (latest.facts or {}).get("step", "")
    return ""


def _read(version: FileVersion) -> bytes:
    with get_blob_store().open(version.blob_id) as stream:
        return stream.read()


def _store_signed(
    *, previous: FileVersion, pdf: bytes, step: str, actor: User, extra: dict
) -> FileVersion:
    """A new SIGNED version of the main file after `previous` (the caller holds
    the document's row lock, so the next number is free)."""
    facts = {
        key: value
        for key, value in (previous.facts or {}).items()
        if key not in ("sha256", "size", "step")
    }
    facts.update(
        sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf), step=step, **extra
    )
    stem = previous.filename.rsplit(".", 1)[0] or f"van-ban-{previous.file_id}"
    return file_version_store(
        file=previous.file,
        stream=io.BytesIO(pdf),
        kind=FileVersion.Kind.SIGNED,
        filename=f"{stem}-{step}.pdf",
        page_count=previous.page_count,
        facts=facts,
        created_by=actor,
        expected_sha256=facts["sha256"],
    )


def _lock(document: Document) -> Document:
    return Document.objects.select_for_update().get(pk=document.pk)


def _check_outgoing_draft(document: Document) -> None:
    if (
        document.direction != Document.Direction.OUTGOING
        or document.state != Document.State.DRAFT
    ):
        raise ValidationError(_("Only an outgoing draft can be signed for issuing."))


def _check_certificate(
    certificate: Certificate, actor: User, *, organisation_seal: bool
) -> None:
    usable = certificate_list_usable(user=actor).filter(pk=certificate.pk)
    if organisation_seal:
        usable = usable.filter(organisation_id=actor.organisation_id)
    else:
        usable = usable.filter(person=actor)
    if not usable.exists():
        if organisation_seal:
            raise PermissionDenied(
                _("This is not a usable seal certificate of your organisation.")
            )
        raise PermissionDenied(_("This is not a usable certificate of yours."))


def _check_leader_may_sign(
    document: Document, actor: User, on_behalf_of: User | None
) -> FileVersion:
    """The checks before a leader's signature (the caller holds the document's
    row lock): `actor` is a leader of the document's organisation, acting for
    `on_behalf_of` under a delegation in force if given; the document is an
    outgoing draft whose main file is a rendered draft with an empty leader
    field. Returns that rendered version."""
    if (
        actor.organisation_id != document.organisation_id
        or Role.LANH_DAO_CO_QUAN not in roles_of(user=actor)
    ):
        raise PermissionDenied(
            _("Only a leader of the document's organisation signs it for issuing.")
        )
    if on_behalf_of is not None and (
        on_behalf_of.organisation_id != document.organisation_id
        or delegation_active(principal=on_behalf_of, delegate=actor) is None
    ):
        raise PermissionDenied(_("You have no authorisation to sign for this person."))
    _check_outgoing_draft(document)
    latest = _latest(_main_file(document))
    if latest.kind == FileVersion.Kind.SIGNED:
        raise ValidationError(_("The leader has signed this document already."))
    if latest.kind != FileVersion.Kind.RENDERED or FIELD_LEADER not in (
        latest.facts or {}
    ).get("fields", {}):
        raise ValidationError(
            _("Only a rendered draft with an empty signature field can be signed.")
        )
    _check_approved_for(document, actor, on_behalf_of)
    return latest


def _check_approved_for(
    document: Document, actor: User, on_behalf_of: User | None
) -> None:
    """The draft went through its approval circuit and waits for the signature
    of this leader (or of the leader the actor signs for under a delegation in
    force): the signer chosen when it was submitted (workflow.approval)."""
    process = Process.objects.filter(document=document).first()
    if process is None or process.state != AWAITING_SIGNATURE:
        raise ValidationError(
            _(
                "This draft has not been approved for signing yet: it is signed "
                "only after its approval circuit (trình duyệt)."
            )
        )
    if changed_since_submitted(process):
        raise ValidationError(
            _(
                "The draft was changed after it was submitted for approval: it "
                "must be returned to its drafter and submitted again."
            )
        )
    if process.signer_id != (on_behalf_of or actor).pk:
        raise PermissionDenied(
            _(
                "This draft waits for the signature of %(name)s: only they, or "
                "the person they authorised, may sign it."
            )
            % {"name": process.signer}
        )


def _leader_appearance(actor: User):
    return leader_stamp(signature_image_for(actor))


def _record_leader_signature(
    *,
    document: Document,
    latest: FileVersion,
    signed: bytes,
    certificate: Certificate,
    actor: User,
    on_behalf_of: User | None,
) -> FileVersion:
    """Store the leader-signed version, audit it and announce it; the process
    moves to "signed" and the records clerks get it to number and seal
    (workflow.approval.approval_signed), in the same transaction."""
    version = _store_signed(
        previous=latest,
        pdf=signed,
        step=STEP_LEADER_SIGNED,
        actor=actor,
        extra={"signer": actor.pk, "certificate": certificate.pk},
    )
    audit_record(
        actor=actor,
        on_behalf_of=on_behalf_of,
        action="document.sign_leader",
        obj=document,
        details={
            "version": version.pk,
            "certificate": certificate.fingerprint,
            "sha256": version.blob_id,
        },
    )
    outbox_publish(
        topic="workflow.leader_signed",
        payload={"document_id": document.pk, "version_id": version.pk},
    )
    approval_signed(
        document=document,
        actor=actor,
        on_behalf_of=on_behalf_of,
        details={"version": version.pk, "certificate": certificate.pk},
    )
    return version


@transaction.atomic
def document_sign_as_leader(
    *,
    document: Document,
    certificate: Certificate,
    secret: str | None,
    actor: User,
    on_behalf_of: User | None = None,
) -> FileVersion:
    """Ký số của lãnh đạo: the agency leader signs the rendered draft's leader
    field at level T (timestamped), as a certification signature that allows
    form filling, with the blue signature stamp. Returns the signed version.
    `on_behalf_of` is the leader the actor signs for (an ủy quyền in force).

    Raises PermissionDenied (not a leader of the document's organisation, not
    the actor's certificate), ValidationError (not a draft, signed already, a
    certificate whose key is on the leader's own device: see
    document_sign_as_leader_prepare) or the SigningError of the signer (wrong
    passphrase, TSA down): nothing is stored then."""
    document = _lock(document)
    latest = _check_leader_may_sign(document, actor, on_behalf_of)
    _check_certificate(certificate, actor, organisation_seal=False)
    if certificate.key_backend == KeyBackend.REMOTE:
        raise ValidationError(
            _(
                "The key of this certificate is on your own device: sign with "
                "your device."
            )
        )
    appearance = _leader_appearance(actor)
    signer = signer_for(certificate=certificate, secret=secret)
    signed = sign_pdf(
        pdf=_read(latest),
        signer=signer,
        field_name=FIELD_LEADER,
        level=LEADER_LEVEL,
        certify=True,
        docmdp=FILL_FORMS,
        appearance=appearance,
        timestamper=get_timestamper(),
    )
    return _record_leader_signature(
        document=document,
        latest=latest,
        signed=signed,
        certificate=certificate,
        actor=actor,
        on_behalf_of=on_behalf_of,
    )


@transaction.atomic
def document_sign_as_leader_prepare(
    *,
    document: Document,
    certificate: Certificate,
    actor: User,
    on_behalf_of: User | None = None,
) -> PendingSignature:
    """Phase 1 of the leader's signature made on their own device (USB token
    through a local signing agent, or a remote-signing service): the same checks
    as document_sign_as_leader, then the signature is prepared
    (signing.services.signature_prepare_remote) and waits, under its random
    token, for the device's signature value of `hash_to_sign`. The document,
    the version prepared and the person acted for are kept with it."""
    document = _lock(document)
    latest = _check_leader_may_sign(document, actor, on_behalf_of)
    _check_certificate(certificate, actor, organisation_seal=False)
    if certificate.key_backend != KeyBackend.REMOTE:
        raise ValidationError(
            _("Only a certificate whose key is on your own device signs in two steps.")
        )
    return signature_prepare_remote(
        certificate=certificate,
        pdf=_read(latest),
        field_name=FIELD_LEADER,
        level=LEADER_LEVEL,
        certify=True,
        docmdp=FILL_FORMS,
        appearance=_leader_appearance(actor),
        actor=actor,
        context={
            "purpose": PURPOSE_LEADER,
            "document": document.pk,
            "version": latest.pk,
            "on_behalf_of": on_behalf_of.pk if on_behalf_of else None,
        },
    )


def leader_signature_pending(*, token: str) -> PendingSignature | None:
    """The pending leader's signature under `token`, or None (unknown token, or
    a pending signature of something else)."""
    pending = (
        PendingSignature.objects.select_related("certificate", "requested_by")
        .filter(token=token)
        .first()
    )
    if pending is None or pending_context(pending).get("purpose") != PURPOSE_LEADER:
        return None
    return pending


def pending_context(pending: PendingSignature) -> dict:
    return (pending.state or {}).get("context") or {}


@transaction.atomic
def document_sign_as_leader_complete(
    *, token: str, signature_value: bytes, actor: User
) -> FileVersion:
    """Phase 2: the device's signature value comes back. The checks of
    document_sign_as_leader are made again (the draft must still be the version
    prepared), the value is verified against the certificate and embedded with
    its timestamp (signing.services.signature_complete_remote), and the signed
    version stored as by document_sign_as_leader.

    Raises PendingSignatureError (unknown, finished or expired), PermissionDenied
    (prepared by someone else), ValidationError (the draft changed since),
    InvalidSignatureValue, TimestampUnavailable: nothing is stored then and the
    signature stays pending (a right value can still be sent before expiry)."""
    pending = leader_signature_pending(token=token)
    if pending is None:
        raise PendingSignatureError(_("No signature is waiting under this token."))
    if pending.requested_by_id != actor.pk:
        raise PermissionDenied(_("This signature was prepared for another person."))
    context = pending_context(pending)
    document = Document.objects.select_for_update().get(pk=context["document"])
    on_behalf_of = (
        User.objects.filter(pk=context["on_behalf_of"]).first()
        if context.get("on_behalf_of")
        else None
    )
    latest = _check_leader_may_sign(document, actor, on_behalf_of)
    if latest.pk != context.get("version"):
        raise ValidationError(
            _("The draft has changed since the signature was prepared: sign again.")
        )
    certificate = pending.certificate
    _check_certificate(certificate, actor, organisation_seal=False)
    _pending, signed = signature_complete_remote(
        token=token,
        signature_value=signature_value,
        actor=actor,
        timestamper=get_timestamper(),
    )
    return _record_leader_signature(
        document=document,
        latest=latest,
        signed=signed,
        certificate=certificate,
        actor=actor,
        on_behalf_of=on_behalf_of,
    )


def _check_leader_signature(pdf: bytes) -> None:
    report = validate_pdf(pdf)
    leader = next((s for s in report.signatures if s.field_name == FIELD_LEADER), None)
    if leader is not None and leader.modification_level not in ALLOWED_AFTER_LEADER:
        raise ValidationError(
            _(
                "The file was changed after the leader signed it: "
                "the document cannot be sealed."
            )
        )
    if leader is None or not report.ok:
        raise ValidationError(
            _("The leader's signature is not valid: the document cannot be sealed.")
        )


def _sign_attachments(*, document: Document, signer) -> list[tuple[FileVersion, bytes]]:
    """The agency's signature on every attachment in a separate file (Phụ lục I:
    văn bản kèm theo không cùng tệp tin): a field at the top right of page 1 of
    its latest version, signed with the seal's signer at SEAL_LEVEL, showing the
    document's number and notation and the signing time (ISO 8601, +07:00) in
    10 pt black Times-metric text. Nothing is stored here: the caller stores the
    results only once every attachment is signed."""
    signed = []
    for file in document.files.filter(role=DocumentFile.Role.ATTACHMENT).order_by(
        "position", "pk"
    ):
        latest = (
            file.versions.exclude(kind=FileVersion.Kind.DERIVED)
            .order_by("-number")
            .first()
        )
        if latest is None:
            continue
        try:
            pdf = add_attachment_field(_read(latest))
            style, params = attachment_stamp(number_notation=document.number_notation)
        except StampError as exc:
            raise ValidationError(
                _("The attachment “%(title)s” cannot be signed: %(reason)s")
                % {"title": file.title, "reason": exc}
            ) from None
        data = sign_attachment_field(
            pdf, signer=signer, level=SEAL_LEVEL, style=style, params=params
        )
        signed.append((latest, data))
    return signed


def sign_attachment_field(pdf: bytes, *, signer, level: str, style, params) -> bytes:
    """The agency's signature in the attachment field (signing.stamps
    ATTACHMENT_FIELD) of `pdf`, drawn with the `style` and `params` of
    signing.stamps.attachment_stamp, timestamped, with validation data."""
    return sign_pdf(
        pdf=pdf,
        signer=signer,
        field_name=ATTACHMENT_FIELD,
        level=level,
        appearance=style,
        appearance_params=params,
        timestamper=get_timestamper(),
        validation_context=validation_context(),
    )


@transaction.atomic
def document_number_and_seal(
    *, document: Document, certificate: Certificate, secret: str | None, actor: User
) -> FileVersion:
    """Cấp số, ghi ngày ban hành và đóng dấu: the văn thư checks the leader's
    signature (valid, nothing changed after it but form filling), takes the next
    number (documents.services.document_assign_number), writes the number and
    date into the fields and signs the seal field with the organisation's seal
    certificate at level LT (timestamped, validation information embedded), with
    the red seal stamp. The document is then issued.

    Every attachment in a separate file gets the agency's signature too, as a
    new SIGNED version (_sign_attachments).

    One transaction: if the seal or any attachment cannot be signed (wrong
    passphrase, TSA or OCSP down, a broken attachment) the number is given back
    and nothing is stored."""
    document = _lock(document)
    if actor.organisation_id != document.organisation_id or not (
        set(REGISTRARS) & roles_of(user=actor)
    ):
        raise PermissionDenied(
            _("Only a records clerk of the document's organisation seals it.")
        )
    _check_outgoing_draft(document)
    latest = _latest(_main_file(document))
    step = (latest.facts or {}).get("step", "")
    if latest.kind != FileVersion.Kind.SIGNED or step != STEP_LEADER_SIGNED:
        raise ValidationError(_("The leader has not signed this document yet."))
    # Issue 5: only a draft whose process the leader's signature moved to
    # "signed" (after its approval circuit) is numbered.
    process = engine.process_for(document)
    if process.state != "signed":
        raise ValidationError(
            _(
                "The leader has not signed this document after its approval "
                "circuit: it cannot be numbered yet."
            )
        )
    _check_certificate(certificate, actor, organisation_seal=True)
    pdf = _read(latest)
    _check_leader_signature(pdf)
    seal_png, seal_size_mm = seal_image_for(document.organisation)
    signer = signer_for(certificate=certificate, secret=secret)
    document = document_assign_number(document=document, actor=actor)
    numbered = fill_issue_fields(
        pdf, number=document.code_number, issued=document.issued_date
    )
    sealed = sign_pdf(
        pdf=numbered,
        signer=signer,
        field_name=FIELD_SEAL,
        level=SEAL_LEVEL,
        appearance=seal_stamp(seal_png, size_mm=seal_size_mm),
        timestamper=get_timestamper(),
        validation_context=validation_context(),
    )
    attachments = _sign_attachments(document=document, signer=signer)
    version = _store_signed(
        previous=latest,
        pdf=sealed,
        step=STEP_SEALED,
        actor=actor,
        extra={"sealer": actor.pk, "seal_certificate": certificate.pk},
    )
    attachment_versions = [
        _store_signed(
            previous=previous,
            pdf=data,
            step=STEP_SEALED,
            actor=actor,
            extra={
                "sealer": actor.pk,
                "seal_certificate": certificate.pk,
                "number_notation": document.number_notation,
            },
        ).pk
        for previous, data in attachments
    ]
    document.state = Document.State.ISSUED
    document.save(update_fields=["state"])
    # Issue 5: issued → the dispatch list, internal recipients served at once,
    # the DISPATCH item, and the documents this one replaces (workflow.dispatch).
    grants = dispatch.dispatch_prepare(document=document, actor=actor)
    engine.transition(
        process=process,
        action="issue",
        actor=actor,
        details={"version": version.pk, "internal_grants": grants},
    )
    engine.work_items_close(process=process, by=actor, queue=Queue.NUMBER_SEAL)
    dispatch.replacements_on_issue(document=document, actor=actor)
    audit_record(
        actor=actor,
        action="document.seal",
        obj=document,
        details={
            "version": version.pk,
            "number": document.number_notation,
            "certificate": certificate.fingerprint,
            "sha256": version.blob_id,
            "attachments": attachment_versions,
        },
    )
    outbox_publish(
        topic="workflow.issued",
        payload={"document_id": document.pk, "version_id": version.pk},
    )
    return version
