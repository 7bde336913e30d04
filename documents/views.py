"""Pages of documents: incoming documents (văn bản đến) and their registration
(tiếp nhận, vào sổ), the document page with its files, the registers (sổ đăng ký)
and the drafts (dự thảo).

Thin views: a form parses, a service decides (documents.services) and its refusal
is shown on the form with status 400; documents, versions and registers are found
only through the permission-aware selectors, so what a person may not see is a 404.
Pages that only some roles may open (registering, drafting, the registers) answer
403 to the others (documents.navigation)."""

from datetime import datetime
from functools import partial, wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from core.blobstore import get_blob_store
from directory.forms import add_service_errors
from directory.selectors import roles_of
from signing.checks import (
    report_json,
    report_view,
    signature_problems,
    signature_report,
    validation_summary,
)
from signing.validation import VERDICT_VALID, validate_pdf
from signing.views import report_response

from . import staging
from .exports import register_export_filename, register_pdf, register_xlsx
from .forms import (
    CommentForm,
    DateRangeForm,
    DraftForm,
    DraftUploadForm,
    IncomingFilterForm,
    IncomingMetadataForm,
    IncomingUploadForm,
)
from .models import (
    Document,
    DocumentRelation,
    DraftComment,
    DraftVersion,
    FileVersion,
    Register,
)
from .navigation import (
    DRAFT_WRITERS,
    INCOMING_REGISTRARS,
    REGISTER_READERS,
    has_any_role,
)
from .panels import document_panels
from .pdfcheck import check_pdf
from .permissions import CHANGE_DOCUMENT
from .selectors import (
    document_get_visible,
    document_list_visible,
    register_entries,
    register_list_visible,
)
from .services import (
    DuplicateDocument,
    document_file_open,
    document_find_duplicates,
    document_register_incoming,
    draft_comment_add,
    draft_create,
    draft_revise,
    draft_upload,
)

# Status of a page re-rendered with the service's refusal on it.
INVALID = 400
FORBIDDEN = 403
LIST_PAGE_SIZE = 50
REGISTER_PAGE_SIZE = 100
INCOMING_KINDS = (Register.Kind.INCOMING, Register.Kind.SECRET_INCOMING)


def roles_required(roles, message):
    """Only for holders of one of `roles` in their organisation; the rest get 403
    with `message`."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not has_any_role(roles_of(user=request.user), roles):
                raise PermissionDenied(str(message))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


REGISTRAR_ONLY = gettext_lazy(
    "Only the records clerk (văn thư) registers incoming documents."
)
REGISTER_READERS_ONLY = gettext_lazy(
    "The registers are kept by the records clerk (văn thư) and read by the "
    "agency's leaders and archivists."
)
DRAFT_WRITERS_ONLY = gettext_lazy("Your roles do not include writing drafts.")


def _visible_document(request, pk: int) -> Document:
    document = document_get_visible(user=request.user, pk=pk)
    if document is None:
        raise Http404
    return document


def _pdf_errors(form, field: str, error: ValidationError) -> None:
    form.add_error(field, error.messages)


def _refused(form, error: PermissionDenied) -> int:
    """A service's refusal that the person can act on (a secrecy level above
    their clearance): shown on the form, kept as typed, with status 403."""
    form.add_error(None, str(error) or _("You are not allowed to do this."))
    return FORBIDDEN


# ---------------------------------------------------------------------------
# Incoming documents (văn bản đến)


def _filter_incoming(documents, data: dict):
    """The incoming list's simple filters: words of the subject, issuer or
    notation, `12/QĐ-UBND`, a number or arrival number; arrival period; urgency."""
    text = (data.get("q") or "").strip()
    if text:
        match = (
            Q(subject__icontains=text)
            | Q(code_notation__icontains=text)
            | Q(organ_name__icontains=text)
        )
        number, slash, notation = text.partition("/")
        if slash and number.strip().isdigit():
            match |= Q(
                code_number__in=[number.strip(), number.strip().lstrip("0")],
                code_notation__iexact=notation.strip(),
            )
        if text.isdigit():
            match |= Q(code_number=text) | Q(register_number=int(text))
        documents = documents.filter(match)
    if data.get("date_from"):
        documents = documents.filter(arrival_date__date__gte=data["date_from"])
    if data.get("date_to"):
        documents = documents.filter(arrival_date__date__lte=data["date_to"])
    if data.get("urgency") is not None:
        documents = documents.filter(urgency=data["urgency"])
    return documents


@login_required
def incoming_list(request):
    """Văn bản đến the person may see, urgent first, then the newest."""
    form = IncomingFilterForm(request.GET or None)
    documents = document_list_visible(user=request.user).filter(
        direction=Document.Direction.INCOMING
    )
    if form.is_bound and form.is_valid():
        documents = _filter_incoming(documents, form.cleaned_data)
    documents = documents.order_by("-urgency", "-arrival_date", "-pk")
    page = Paginator(documents, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "documents/incoming_list.html",
        {
            "form": form,
            "page": page,
            "filtered": form.is_bound and any(request.GET.get(k) for k in form.fields),
            "can_register": has_any_role(
                roles_of(user=request.user), INCOMING_REGISTRARS
            ),
            "today": timezone.localdate(),
        },
    )


@roles_required(INCOMING_REGISTRARS, REGISTRAR_ONLY)
def incoming_upload(request):
    """Tiếp nhận, step 1: the files are checked (a PDF, not encrypted, signatures
    read) and kept for step 2; nothing is registered yet."""
    form = IncomingUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            checked = []
            uploads = [("main_file", form.cleaned_data["main_file"])] + [
                ("attachments", f) for f in form.cleaned_data["attachments"]
            ]
            for field, upload in uploads:
                try:
                    facts = check_pdf(upload, filename=upload.name)
                except ValidationError as exc:
                    _pdf_errors(form, field, exc)
                    continue
                facts_json = staging.facts_as_json(facts)
                if facts_json.get("signatures"):
                    facts_json["validation"] = _validate_upload(upload)
                checked.append((upload, facts_json))
            if not form.errors:
                token = staging.stage(request.session, checked)
                return redirect("documents:incoming_confirm", token=token)
        status = INVALID
    return render(
        request, "documents/incoming_upload.html", {"form": form}, status=status
    )


def _validate_upload(upload) -> dict:
    """The signature check of a received file (validate_pdf, hard-fail
    revocation), kept in its staged facts as a summary."""
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    # Kept in Vietnamese (the record); the page says the problems again in the
    # reader's language (signature_problems).
    with translation.override("vi"):
        report = report_json(validate_pdf(data))
    return validation_summary(report, checked_at=timezone.now())


def signature_warnings(files) -> list:
    """(file, its validation summary, the signatures that fail) of every staged
    file whose signatures are broken, untrusted or revoked."""
    warnings = []
    for staged in files:
        summary = staged.facts.get("validation")
        if summary and summary.get("verdict") != VERDICT_VALID:
            failing = [
                {**s, "problems": signature_problems(s)}
                for s in summary.get("signatures") or ()
                if not s.get("ok")
            ]
            warnings.append((staged, summary, failing))
    return warnings


class IncomingConfirmForm(IncomingMetadataForm):
    """The metadata form, plus the clerk's acknowledgement of signature warnings
    (shown only when a file's signatures fail the check)."""

    accept_signature_warnings = forms.BooleanField(
        required=False,
        label=gettext_lazy(
            "I have read the warning about the digital signatures and still "
            "receive the document"
        ),
    )


def _prefill(facts: dict) -> dict:
    """What the main file tells about its metadata: the title, the issuing agency
    (the organisation of the last signature, the agency's own), the signer (the
    first signature made by a person) and the issue date (the agency signed the
    day it issued). The clerk checks every value before registering."""
    initial: dict = {}
    if facts.get("title"):
        initial["subject"] = str(facts["title"])[:500]
    signatures = [s for s in facts.get("signatures") or () if not s.get("is_timestamp")]
    for signature in reversed(signatures):
        if signature.get("signer_organisation"):
            initial["organ_name"] = signature["signer_organisation"][:200]
            break
    for signature in signatures:
        name = signature.get("signer_name") or ""
        if name and name != signature.get("signer_organisation"):
            initial["signer_full_name"] = name[:50]
            break
    signed = (
        _iso_datetime(signatures[-1].get("claimed_signing_time"))
        if signatures
        else None
    )
    if signed is not None:
        day = timezone.localdate(signed) if timezone.is_aware(signed) else signed.date()
        if day <= timezone.localdate():
            initial["issued_date"] = day
    return initial


def _iso_datetime(value) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _staged_or_gone(request, token: str):
    files = staging.staged_files(request.session, token)
    if files is None:
        messages.warning(
            request,
            _("The uploaded files are no longer kept; please upload them again."),
        )
    return files


@roles_required(INCOMING_REGISTRARS, REGISTRAR_ONLY)
def incoming_confirm(request, token: str):
    """Tiếp nhận, step 2: what the files contain and the metadata to confirm;
    registering gives the next arrival number (số đến)."""
    files = _staged_or_gone(request, token)
    if files is None:
        return redirect("documents:incoming_upload")
    organisation = request.user.organisation
    form = IncomingConfirmForm(request.POST or None, initial=_prefill(files[0].facts))
    duplicates = None
    if request.method != "POST":
        return _confirm_page(request, token, files, form, duplicates, 200)

    status = INVALID
    warned = bool(signature_warnings(files))
    accepted = form.is_valid() and form.cleaned_data["accept_signature_warnings"]
    if form.is_valid() and warned and not accepted:
        form.add_error(
            "accept_signature_warnings",
            _(
                "A digital signature of the files failed the check: read the "
                "warning and tick the box to register the document anyway."
            ),
        )
    if form.is_valid():
        opened = [staging.open_staged(token, f) for f in files]
        try:
            document = document_register_incoming(
                organisation=organisation,
                main_file=opened[0],
                attachments=opened[1:],
                metadata=form.metadata(),
                actor=request.user,
                allow_duplicate=form.cleaned_data["allow_duplicate"],
                signature_checks=[f.facts.get("validation") for f in files],
                signature_warnings_accepted=form.cleaned_data[
                    "accept_signature_warnings"
                ],
            )
        except DuplicateDocument as exc:
            duplicates = exc.duplicates
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            status = _refused(form, exc)
        else:
            staging.discard(request.session, token)
            messages.success(
                request,
                _("Registered: arrival number %(n)s.")
                % {"n": document.register_number},
            )
            return redirect("documents:detail", pk=document.pk)
        finally:
            for handle in opened:
                handle.close()
    return _confirm_page(request, token, files, form, duplicates, status)


def _confirm_page(request, token, files, form, duplicates, status):
    if duplicates is None:
        # The same file registered before: say so at once, not after the typing.
        duplicates = document_find_duplicates(
            organisation=request.user.organisation,
            organ_name="",
            organ_id="",
            code_number="",
            code_notation="",
            issued_date=None,
            sha256s=[f.sha256 for f in files],
        )
    visible = set(
        document_list_visible(user=request.user)
        .filter(pk__in=[d.pk for d in duplicates])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "documents/incoming_confirm.html",
        {
            "form": form,
            "token": token,
            "files": files,
            "duplicates": [(d, d.pk in visible) for d in duplicates],
            "signature_warnings": signature_warnings(files),
        },
        status=status,
    )


@xframe_options_sameorigin
@roles_required(INCOMING_REGISTRARS, REGISTRAR_ONLY)
def incoming_staged_file(request, token: str, index: int):
    """A file waiting in step 2, shown to the clerk who uploaded it."""
    files = staging.staged_files(request.session, token)
    if files is None or not 0 <= index < len(files):
        raise Http404
    handle = staging.open_staged(token, files[index])
    return _file_response(handle, files[index].name, inline=True)


@require_POST
@roles_required(INCOMING_REGISTRARS, REGISTRAR_ONLY)
def incoming_discard(request, token: str):
    staging.discard(request.session, token)
    messages.info(request, _("The uploaded files were discarded."))
    return redirect("documents:incoming_upload")


# ---------------------------------------------------------------------------
# The document page and its files


def _document_context(request, document: Document, **extra) -> dict:
    versions_qs = FileVersion.objects.order_by("number")
    files = list(
        document.files.prefetch_related(Prefetch("versions", queryset=versions_qs))
    )
    for doc_file in files:
        doc_file.version_list = list(doc_file.versions.all())
        doc_file.latest = doc_file.version_list[-1] if doc_file.version_list else None
    main = next((f for f in files if f.role == f.Role.MAIN), None)
    draft_versions = list(
        document.draft_versions.select_related("file_version", "created_by")
        .prefetch_related(
            Prefetch(
                "comments",
                queryset=DraftComment.objects.select_related("author"),
            )
        )
        .order_by("-number")
    )
    is_draft = document.state == Document.State.DRAFT
    return {
        "document": document,
        "files": files,
        "preview": main.latest if main else None,
        "draft_versions": draft_versions,
        "latest_draft": draft_versions[0] if draft_versions else None,
        "is_draft": is_draft,
        "can_revise": is_draft
        and request.user.has_perm(CHANGE_DOCUMENT, document)
        and bool(draft_versions),
        "comment_form": extra.pop("comment_form", None) or CommentForm(),
        "recipients": list(document.recipients.all()),
        "today": timezone.localdate(),
        "panels": document_panels(request, document),
        "signature_checks": _signature_checks(files),
        **extra,
    }


def _read_blob(sha256: str) -> bytes:
    # Reading for validation is not a person's access to the file: not audited.
    with get_blob_store().open(sha256) as stream:
        return stream.read()


def _carries_signatures(version: FileVersion) -> bool:
    """Signatures read from the file when it was stored, or a version the
    signing steps made (workflow.issuing keeps the draft's facts on them)."""
    return bool((version.facts or {}).get("signatures")) or (
        version.kind == FileVersion.Kind.SIGNED
    )


def _signature_checks(files) -> list[dict]:
    """The signature report of the latest version of every file that carries
    signatures, from the cache (signing.checks.signature_report)."""
    checks = []
    for doc_file in files:
        latest = doc_file.latest
        if latest is None or not _carries_signatures(latest):
            continue
        check = signature_report(
            sha256=latest.blob_id, read_pdf=partial(_read_blob, latest.blob_id)
        )
        checks.append(
            {
                "file": doc_file,
                "version": latest,
                "check": check,
                "report": report_view(check.report),
            }
        )
    return checks


def _signed_version(request, pk: int, version_pk: int) -> tuple:
    document = _visible_document(request, pk)
    version = get_object_or_404(
        FileVersion.objects.filter(file__document=document), pk=version_pk
    )
    if not _carries_signatures(version):
        raise Http404
    return document, version


@require_POST
@login_required
def signature_recheck(request, pk: int, version_pk: int):
    """Kiểm tra lại: validate a file version's signatures again now."""
    document, version = _signed_version(request, pk, version_pk)
    check = signature_report(
        sha256=version.blob_id,
        read_pdf=partial(_read_blob, version.blob_id),
        force=True,
    )
    messages.info(
        request,
        _("The signatures of %(name)s were checked again.")
        % {"name": version.filename},
    )
    return redirect(
        reverse("documents:detail", args=[document.pk])
        + f"#signature-check-{check.sha256[:12]}"
    )


@login_required
def signature_report_pdf(request, pk: int, version_pk: int):
    """The PDF report of a file version's signatures."""
    _document, version = _signed_version(request, pk, version_pk)
    check = signature_report(
        sha256=version.blob_id, read_pdf=partial(_read_blob, version.blob_id)
    )
    return report_response(
        check.report,
        file_name=version.filename,
        sha256=version.blob_id,
        checked_at=check.checked_at,
    )


@login_required
def document_detail(request, pk: int):
    document = _visible_document(request, pk)
    return render(
        request, "documents/detail.html", _document_context(request, document)
    )


def _file_response(
    handle, filename: str, *, inline: bool, content_type: str = "application/pdf"
) -> FileResponse:
    response = FileResponse(
        handle, content_type=content_type, as_attachment=not inline, filename=filename
    )
    # Documents may be secret: no shared cache keeps them.
    response["Cache-Control"] = "private, no-store"
    return response


@xframe_options_sameorigin
@login_required
def file_download(request, pk: int, version_pk: int):
    """A file version's bytes, exactly as stored, for a person who may see the
    document; `?inline=1` shows it in the browser instead of saving it."""
    document = _visible_document(request, pk)
    version = get_object_or_404(
        FileVersion.objects.filter(file__document=document), pk=version_pk
    )
    return _file_response(
        document_file_open(
            version=version, actor=request.user, on_behalf_of=request.acting_for
        ),
        version.filename,
        inline=request.GET.get("inline") == "1",
        content_type=version.content_type or "application/pdf",
    )


# ---------------------------------------------------------------------------
# Registers (sổ đăng ký)


@roles_required(REGISTER_READERS, REGISTER_READERS_ONLY)
def register_list(request):
    registers = (
        register_list_visible(user=request.user)
        .annotate(entry_count=Count("documents"))
        .order_by("-year", "kind", "name")
    )
    return render(request, "documents/register_list.html", {"registers": registers})


def _register_and_period(request, pk: int):
    register = get_object_or_404(register_list_visible(user=request.user), pk=pk)
    form = DateRangeForm(request.GET or None)
    date_from = date_to = None
    if form.is_bound and form.is_valid():
        date_from = form.cleaned_data["date_from"]
        date_to = form.cleaned_data["date_to"]
    entries = register_entries(
        user=request.user, register=register, date_from=date_from, date_to=date_to
    )
    return register, form, entries, date_from, date_to


@roles_required(REGISTER_READERS, REGISTER_READERS_ONLY)
def register_detail(request, pk: int):
    register, form, entries, date_from, date_to = _register_and_period(request, pk)
    page = Paginator(entries, REGISTER_PAGE_SIZE).get_page(request.GET.get("page"))
    status = INVALID if form.is_bound and form.errors else 200
    return render(
        request,
        "documents/register_detail.html",
        {
            "register": register,
            "form": form,
            "page": page,
            "incoming": register.kind in INCOMING_KINDS,
        },
        status=status,
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export(request, pk: int, *, build, content_type: str, ext: str, inline: bool):
    """One register over the period as a file (documents.exports), from the same
    permission-aware entries as the page."""
    register, _form, entries, date_from, date_to = _register_and_period(request, pk)
    data = build(
        register=register, entries=entries, date_from=date_from, date_to=date_to
    )
    response = HttpResponse(data, content_type=content_type)
    name = register_export_filename(
        register=register, date_from=date_from, date_to=date_to, ext=ext
    )
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@roles_required(REGISTER_READERS, REGISTER_READERS_ONLY)
def register_print(request, pk: int):
    """In sổ: the register's entries of the period as a PDF to print and bind."""
    return _export(
        request,
        pk,
        build=register_pdf,
        content_type="application/pdf",
        ext="pdf",
        inline=True,
    )


@roles_required(REGISTER_READERS, REGISTER_READERS_ONLY)
def register_export(request, pk: int):
    """Xuất Excel: the same entries as a spreadsheet."""
    return _export(
        request, pk, build=register_xlsx, content_type=XLSX, ext="xlsx", inline=False
    )


# ---------------------------------------------------------------------------
# Drafts (dự thảo)


@login_required
def draft_list(request):
    """The drafts the person may see: their own, and all of the organisation's
    for leaders and the văn thư; urgent first, then the latest changed."""
    drafts = (
        document_list_visible(user=request.user)
        .filter(state=Document.State.DRAFT)
        .select_related("created_by")
        .annotate(version_count=Count("draft_versions"))
        .order_by("-urgency", "-updated_at", "-pk")
    )
    page = Paginator(drafts, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "documents/draft_list.html",
        {
            "page": page,
            "can_write": has_any_role(roles_of(user=request.user), DRAFT_WRITERS),
        },
    )


@roles_required(DRAFT_WRITERS, DRAFT_WRITERS_ONLY)
def draft_new(request):
    """Soạn dự thảo: structured content, rendered by the system; with
    ?reply_to=<pk>, the reply to that incoming document (văn bản trả lời); with
    ?replaces=<pk> or ?amends=<pk>, a document that replaces or amends that
    issued one, with the reason (relation_reason)."""
    reply_to = None
    if request.GET.get("reply_to"):
        try:
            reply_to = document_get_visible(
                user=request.user, pk=int(request.GET["reply_to"])
            )
        except ValueError:
            reply_to = None
        if reply_to is None:
            raise Http404
    relation_kind, relation_target = _draft_relation_target(request)
    initial = None
    if relation_target is not None:
        # A replacing or amending document starts from the one it changes.
        latest = relation_target.draft_versions.order_by("-number").first()
        initial = DraftForm.initial_from(latest.content if latest else {})
    form = DraftForm(request.POST or None, user=request.user, initial=initial)
    relation_reason = request.POST.get("relation_reason", "")
    status = 200
    if request.method == "POST":
        status = INVALID
        if form.is_valid():
            try:
                document = draft_create(
                    organisation=request.user.organisation,
                    content=form.content(),
                    actor=request.user,
                    reply_to=reply_to,
                    relation=(relation_kind, relation_target, relation_reason)
                    if relation_target is not None
                    else None,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                status = _refused(form, exc)
            else:
                messages.success(request, _("The draft is saved as version 1."))
                return redirect("documents:detail", pk=document.pk)
    return render(
        request,
        "documents/draft_form.html",
        {
            "form": form,
            "document": None,
            "reply_to": reply_to,
            "relation_kind": relation_kind,
            "relation_target": relation_target,
            "relation_reason": relation_reason,
        },
        status=status,
    )


def _draft_relation_target(request) -> tuple[str, Document | None]:
    """?replaces=<pk> or ?amends=<pk>: the issued document a new draft replaces
    or amends (404 when the person may not open it)."""
    for kind in (DocumentRelation.Kind.REPLACES, DocumentRelation.Kind.AMENDS):
        value = request.GET.get(kind, "")
        if value:
            target = (
                document_get_visible(user=request.user, pk=int(value))
                if value.isdigit()
                else None
            )
            if target is None:
                raise Http404
            return kind, target
    return "", None


@roles_required(DRAFT_WRITERS, DRAFT_WRITERS_ONLY)
def draft_upload_view(request):
    """Tải lên dự thảo: a draft written elsewhere, as a PDF."""
    form = DraftUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = INVALID
        if form.is_valid():
            try:
                document = draft_upload(
                    organisation=request.user.organisation,
                    file=form.cleaned_data["file"],
                    metadata=form.metadata(),
                    actor=request.user,
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    add_service_errors(form, exc)
                else:
                    # The PDF check refused the file: say so under the file.
                    _pdf_errors(form, "file", exc)
            except PermissionDenied as exc:
                status = _refused(form, exc)
            else:
                messages.success(request, _("The draft is uploaded."))
                return redirect("documents:detail", pk=document.pk)
    return render(request, "documents/draft_upload.html", {"form": form}, status=status)


@login_required
def draft_revise_view(request, pk: int):
    """A new version of a draft; the earlier ones and their comments stay."""
    document = _visible_document(request, pk)
    if document.state != Document.State.DRAFT:
        raise Http404
    if not request.user.has_perm(CHANGE_DOCUMENT, document):
        raise PermissionDenied(_("You may not change this draft."))
    latest = document.draft_versions.order_by("-number").first()
    initial = DraftForm.initial_from(latest.content if latest else {})
    form = DraftForm(request.POST or None, user=request.user, initial=initial)
    status = 200
    if request.method == "POST":
        status = INVALID
        if form.is_valid():
            try:
                version = draft_revise(
                    document=document, content=form.content(), actor=request.user
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                status = _refused(form, exc)
            else:
                messages.success(
                    request,
                    _("Version %(n)s of the draft is saved.") % {"n": version.number},
                )
                return redirect("documents:detail", pk=document.pk)
    return render(
        request,
        "documents/draft_form.html",
        {"form": form, "document": document, "latest": latest},
        status=status,
    )


@require_POST
@login_required
def draft_comment(request, pk: int):
    """Góp ý on one version of a draft."""
    document = _visible_document(request, pk)
    number = request.POST.get("version", "")
    version = get_object_or_404(
        DraftVersion.objects.filter(document=document),
        number=int(number) if number.isdigit() else -1,
    )
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            draft_comment_add(
                version=version, text=form.cleaned_data["text"], actor=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Your comment on version %(n)s is saved.") % {"n": version.number},
            )
            return redirect(reverse("documents:detail", args=[pk]) + "#comments")
    return render(
        request,
        "documents/detail.html",
        _document_context(request, document, comment_form=form),
        status=INVALID,
    )
