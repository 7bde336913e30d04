"""The issuing order on the document page: the leader's "Ký số văn bản" (with a
passphrase/PIN, or on their own device in two steps), the văn thư's "Cấp số,
đóng dấu và ban hành", and the issued state. The panel is added to the document
page through documents.panels (registered in WorkflowConfig.ready()); the
actions are POSTs that redirect back to the document page (PRG) with the
outcome as a message. The rules are workflow.issuing's: a refusal shows its
message and nothing is stored."""

import base64
import binascii

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from directory.models import Role
from directory.selectors import roles_of
from documents.models import Document, DocumentFile, FileVersion
from documents.panels import Panel
from documents.permissions import REGISTRARS
from signing.forms import SignForm
from signing.models import KeyBackend, PendingSignature
from signing.selectors import certificate_list_usable
from signing.signers import SigningError

from . import issuing
from .approval import AWAITING_SIGNATURE, awaiting_signature_of
from .models import Process
from .web import refusal as _refusal
from .web import visible_document as _document


def _signed_versions(document: Document) -> dict[str, FileVersion]:
    """The main file's signed versions by their issuing step."""
    versions = FileVersion.objects.filter(
        file__document=document,
        file__role=DocumentFile.Role.MAIN,
        kind=FileVersion.Kind.SIGNED,
    ).select_related("created_by")
    return {(v.facts or {}).get("step", ""): v for v in versions.order_by("number")}


def _leader_context(request, document: Document) -> dict:
    user = request.user
    is_leader = user.organisation_id == document.organisation_id and (
        Role.LANH_DAO_CO_QUAN in roles_of(user=user)
    )
    context = {"is_leader": is_leader}
    # The sign form only once the draft is approved and waits for this leader
    # (or for the leader they act for): workflow.approval. Before that, everyone
    # is told the draft is still in approval.
    process = Process.objects.filter(document=document).only("state").first()
    if process is None or process.state != AWAITING_SIGNATURE:
        context["sign_blocked"] = _(
            "The draft is signed once its approval circuit is complete."
        )
        return context
    if not is_leader:
        return context
    signer = request.acting_for or user
    if not awaiting_signature_of(document=document, person=signer):
        context.update(is_leader=False, sign_blocked=_sign_blocked(document))
        return context
    usable = certificate_list_usable(user=user).filter(person=user)
    form = SignForm(certificates=usable, prefix_id="sign")
    context.update(
        sign_form=form if form.fields["certificate"].queryset.exists() else None,
        remote_certificates=list(usable.filter(key_backend=KeyBackend.REMOTE)),
        acting_for=request.acting_for,
    )
    return context


def _sign_blocked(document: Document) -> str:
    process = Process.objects.filter(document=document).select_related("signer").first()
    if process is not None and process.state == AWAITING_SIGNATURE:
        return _("Approved: waiting for the signature of %(name)s.") % {
            "name": process.signer
        }
    return _("The draft is signed once its approval circuit is complete.")


def _clerk_context(request, document: Document) -> dict:
    user = request.user
    is_clerk = user.organisation_id == document.organisation_id and bool(
        set(REGISTRARS) & roles_of(user=user)
    )
    context = {"is_clerk": is_clerk}
    if not is_clerk:
        return context
    seals = certificate_list_usable(user=user).filter(
        organisation_id=document.organisation_id
    )
    form = SignForm(certificates=seals, prefix_id="seal")
    context["seal_form"] = (
        form if form.fields["certificate"].queryset.exists() else None
    )
    return context


def issuing_panels(request, document) -> list[Panel]:
    """The issuing panel of an outgoing document on its issuing path."""
    if document.direction != Document.Direction.OUTGOING:
        return []
    step = issuing.issuing_step(document=document)
    if step not in ("draft", issuing.STEP_LEADER_SIGNED, issuing.STEP_SEALED):
        return []
    if step != issuing.STEP_SEALED and document.state != Document.State.DRAFT:
        return []
    signed = _signed_versions(document)
    context = {
        "document": document,
        "step": step,
        "leader_version": signed.get(issuing.STEP_LEADER_SIGNED),
        "sealed_version": signed.get(issuing.STEP_SEALED),
    }
    if step == "draft":
        context.update(_leader_context(request, document))
    elif step == issuing.STEP_LEADER_SIGNED:
        context.update(_clerk_context(request, document))
    return [Panel("workflow/includes/issuing_panel.html", context, "side", 10)]


def _sign_form(request, certificates) -> SignForm:
    return SignForm(request.POST, certificates=certificates)


def _form_refusal(form: SignForm) -> str:
    if "certificate" in form.errors:
        return _("This is not a usable certificate of yours.")
    return " ".join(
        f"{form.fields[name].label}: {' '.join(errors)}"
        for name, errors in form.errors.items()
    )


@sensitive_variables("secret")
def _issuing_step(request, pk: int, step, **kwargs):
    """Run `step` (an issuing service) on the document with the certificate and
    secret of the posted SignForm; a refusal becomes an error message. Returns the
    document and whether the step was done."""
    document = _document(request, pk)
    form = _sign_form(request, certificate_list_usable(user=request.user))
    if not form.is_valid():
        messages.error(request, _form_refusal(form))
        return document, False
    secret = form.cleaned_data["secret"]
    try:
        step(
            document=document,
            certificate=form.cleaned_data["certificate"],
            secret=secret,
            actor=request.user,
            **kwargs,
        )
    except (SigningError, ValidationError, PermissionDenied) as error:
        messages.error(request, _refusal(error))
        return document, False
    return document, True


@sensitive_post_parameters("secret")
@require_POST
@login_required
def document_sign(request, pk: int):
    """The leader signs with a PKCS#12 file or PKCS#11 token (passphrase/PIN)."""
    document, signed = _issuing_step(
        request,
        pk,
        issuing.document_sign_as_leader,
        on_behalf_of=request.acting_for,
    )
    if signed:
        messages.success(
            request,
            _(
                "The document is signed. The records clerk can now give it its "
                "number, seal and issue it."
            ),
        )
    return redirect("documents:detail", pk=document.pk)


@require_POST
@login_required
def document_sign_prepare(request, pk: int):
    """The leader chose to sign on their own device: prepare the hash to sign."""
    document = _document(request, pk)
    certificate = (
        certificate_list_usable(user=request.user)
        .filter(key_backend=KeyBackend.REMOTE, pk=request.POST.get("certificate") or 0)
        .first()
    )
    if certificate is None:
        messages.error(request, _("This is not a usable certificate of yours."))
        return redirect("documents:detail", pk=document.pk)
    try:
        pending = issuing.document_sign_as_leader_prepare(
            document=document,
            certificate=certificate,
            actor=request.user,
            on_behalf_of=request.acting_for,
        )
    except (SigningError, ValidationError, PermissionDenied) as error:
        messages.error(request, _refusal(error))
        return redirect("documents:detail", pk=document.pk)
    return redirect("workflow:issuing_two_phase", pk=document.pk, token=pending.token)


def _signature_value(text: str) -> bytes | None:
    compact = "".join((text or "").split())
    if not compact:
        return None
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None


@login_required
def document_two_phase(request, pk: int, token: str):
    """The hash to sign for the leader's device, and the return of its value
    (from the local signing agent by the page's script, or pasted)."""
    document = _document(request, pk)
    pending = issuing.leader_signature_pending(token=token)
    if (
        pending is None
        or pending.requested_by_id != request.user.pk
        or issuing.pending_context(pending).get("document") != document.pk
    ):
        raise Http404
    if pending.status == PendingSignature.Status.COMPLETED:
        return redirect("documents:detail", pk=document.pk)
    error = ""
    if request.method == "POST":
        value = _signature_value(request.POST.get("signature_b64", ""))
        if value is None:
            error = _("Paste the signature value in base64.")
        else:
            try:
                issuing.document_sign_as_leader_complete(
                    token=token, signature_value=value, actor=request.user
                )
            except (SigningError, ValidationError, PermissionDenied) as refusal:
                error = _refusal(refusal)
            else:
                messages.success(
                    request,
                    _(
                        "The document is signed with your device. The records "
                        "clerk can now give it its number, seal and issue it."
                    ),
                )
                return redirect("documents:detail", pk=document.pk)
    digest = bytes.fromhex(pending.hash_to_sign)
    return render(
        request,
        "workflow/two_phase.html",
        {
            "document": document,
            "pending": pending,
            "certificate": pending.certificate,
            "hash_hex": pending.hash_to_sign,
            "hash_b64": base64.b64encode(digest).decode(),
            "expired": pending.expires_at <= timezone.now(),
            "agent_url": settings.VANTHU_SIGNING_AGENT_URL,
            "error": error,
            "pasted": request.POST.get("signature_b64", "") if error else "",
        },
        status=400 if error else 200,
    )


@sensitive_post_parameters("secret")
@require_POST
@login_required
def document_seal(request, pk: int):
    """The văn thư gives the number, seals and issues the document."""
    document, sealed = _issuing_step(request, pk, issuing.document_number_and_seal)
    if sealed:
        document.refresh_from_db()
        messages.success(
            request,
            _("Issued: %(number)s, numbered, sealed and signed.")
            % {"number": document.number_notation},
        )
    return redirect("documents:detail", pk=document.pk)
