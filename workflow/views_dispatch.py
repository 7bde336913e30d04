"""Phát hành, thu hồi, thay thế on the document page and the dispatch page.

The panel (registered in WorkflowConfig.ready() through documents.panels) shows
an issued document's dispatch list with each recipient's channel and state, the
văn thư's "Phát hành" once the list is right, the recall form of a leader or
the văn thư, and the replacement/amendment links both ways with the buttons that
start a replacing or amending draft. The dispatch page is where the văn thư
corrects the list (names, channels, the agency of each exchange recipient, rows
added and removed). Every action is a POST that redirects (PRG) with its outcome
as a message; the rules and refusals are workflow.dispatch's."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from directory.models import Unit
from documents.models import Document
from documents.panels import Panel

from . import dispatch, engine
from .models import Dispatch
from .web import refusal as _refusal
from .web import visible_document as _document

# Rows the dispatch page offers to add at once.
NEW_ROWS = 2


def _recall_record(process) -> object | None:
    return (
        process.transitions.filter(action="recall")
        .select_related("actor", "on_behalf_of")
        .order_by("-created_at", "-pk")
        .first()
    )


def dispatch_panels(request, document) -> list[Panel]:
    """The dispatch, recall and replacement panel of an issued outgoing
    document (and its links on any document that has some)."""
    user = request.user
    links = dispatch.relations_of(document=document, user=user)
    has_links = any(links.values())
    outgoing = document.direction == Document.Direction.OUTGOING
    issued_states = (
        Document.State.ISSUED,
        Document.State.RECALLED,
        Document.State.REPLACED,
    )
    issued = outgoing and document.state in issued_states
    if not has_links and not issued:
        return []
    process = engine.process_for(document) if issued else None
    rows = list(dispatch.dispatch_list(document=document)) if issued else []
    is_clerk = dispatch.is_clerk_of(user, document)
    is_issued = document.state == Document.State.ISSUED
    may_start = (
        outgoing
        and is_issued
        and dispatch.is_leader_or_clerk_of(
            user, document, acting_for=request.acting_for
        )
    )
    context = {
        "document": document,
        "process": process,
        "rows": rows,
        "links": links,
        "can_dispatch": bool(
            process and is_clerk and is_issued and process.state == "issued"
        ),
        "can_recall": may_start,
        "can_replace": may_start,
        "acting_for": request.acting_for,
        "recall": _recall_record(process)
        if process and document.state == Document.State.RECALLED
        else None,
        "dispatched": next(
            (
                t
                for t in (process.transitions.all() if process else [])
                if t.action == "dispatch"
            ),
            None,
        ),
    }
    return [Panel("workflow/dispatch/panel.html", context, "main", 20)]


def _changes(post) -> list[dispatch.DispatchChange]:
    """The rows of the dispatch form: row-<i>-id, -name, -channel,
    -organisation, -remove."""
    changes = []
    indexes = sorted(
        {
            key.split("-")[1]
            for key in post
            if key.startswith("row-") and key.count("-") >= 2
        },
        key=lambda i: int(i) if i.isdigit() else 0,
    )
    for index in indexes:
        prefix = f"row-{index}-"
        pk = post.get(prefix + "id", "")
        # The recipient select holds an agency's pk, or "unit:<pk>" for a unit
        # of the own organisation.
        target = post.get(prefix + "organisation", "")
        unit = target.removeprefix("unit:") if target.startswith("unit:") else ""
        changes.append(
            dispatch.DispatchChange(
                pk=int(pk) if pk.isdigit() else None,
                name=post.get(prefix + "name", ""),
                channel=post.get(prefix + "channel", ""),
                organisation="" if unit else target,
                unit=unit,
                remove=bool(post.get(prefix + "remove")),
            )
        )
    return changes


@login_required
def dispatch_page(request, pk: int):
    """Danh sách phát hành: the văn thư checks and corrects the dispatch list
    before "Phát hành"; others see it read-only."""
    document = _document(request, pk)
    if document.direction != Document.Direction.OUTGOING or document.state not in (
        Document.State.ISSUED,
        Document.State.RECALLED,
        Document.State.REPLACED,
    ):
        raise Http404
    process = engine.process_for(document)
    editable = (
        dispatch.is_clerk_of(request.user, document)
        and document.state == Document.State.ISSUED
        and process.state == "issued"
    )
    error = ""
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(_("The dispatch list can no longer be changed."))
        try:
            dispatch.dispatch_update(
                document=document, changes=_changes(request.POST), actor=request.user
            )
        except (ValidationError, PermissionDenied) as refusal:
            error = _refusal(refusal)
        else:
            messages.success(request, _("The dispatch list is saved."))
            return redirect("workflow:dispatch_page", pk=document.pk)
    rows = list(dispatch.dispatch_list(document=document))
    return render(
        request,
        "workflow/dispatch/page.html",
        {
            "document": document,
            "process": process,
            "rows": rows,
            "new_rows": range(len(rows), len(rows) + NEW_ROWS),
            "editable": editable,
            "agencies": list(
                dispatch.exchange_choices().exclude(pk=document.organisation_id)
            ),
            "units": list(
                Unit.objects.filter(
                    organisation_id=document.organisation_id, is_active=True
                ).order_by("name")
            ),
            "channels": [
                (Dispatch.Channel.EXCHANGE, Dispatch.Channel.EXCHANGE.label),
                (Dispatch.Channel.POST, Dispatch.Channel.POST.label),
                (Dispatch.Channel.INTERNAL, Dispatch.Channel.INTERNAL.label),
            ],
            "error": error,
        },
        status=400 if error else 200,
    )


@require_POST
@login_required
def document_dispatch_view(request, pk: int):
    """Phát hành: the văn thư confirms the dispatch list."""
    document = _document(request, pk)
    try:
        sent = dispatch.document_dispatch(
            document=document,
            actor=request.user,
            on_behalf_of=request.acting_for,
            revision=request.POST.get("revision") or None,
        )
    except (ValidationError, PermissionDenied) as refusal:
        messages.error(request, _refusal(refusal))
        return redirect(reverse("documents:detail", args=[pk]) + "#dispatch")
    exchange = sum(1 for d in sent if d.channel == Dispatch.Channel.EXCHANGE)
    messages.success(
        request,
        _(
            "Dispatched: %(exchange)d recipient(s) handed to the electronic "
            "exchange, %(post)d by post."
        )
        % {"exchange": exchange, "post": len(sent) - exchange},
    )
    return redirect(reverse("documents:detail", args=[pk]) + "#dispatch")


@require_POST
@login_required
def document_recall_view(request, pk: int):
    """Thu hồi: a leader or the văn thư recalls the document, with the reason."""
    document = _document(request, pk)
    try:
        dispatch.document_recall(
            document=document,
            reason=request.POST.get("reason", ""),
            actor=request.user,
            on_behalf_of=request.acting_for,
            revision=request.POST.get("revision") or None,
        )
    except (ValidationError, PermissionDenied) as refusal:
        messages.error(request, _refusal(refusal))
    else:
        messages.success(
            request,
            _(
                "The document is recalled. Its recipients are told to delete it; "
                "its file is kept as it was."
            ),
        )
    return redirect(reverse("documents:detail", args=[pk]) + "#dispatch")
