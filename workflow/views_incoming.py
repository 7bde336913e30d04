"""The handling panel of an incoming document on the document page (trình, phân
công, chuyển xử lý, tiến độ, ý kiến phối hợp, hoàn thành, trả lại nơi gửi) and
its POST views.

The panel shows where the document stands and its deadline, the trace of the
assignments (who gave it to whom, in which role, with which directive and
deadline), the history of its moves, and the forms of what the person (or the
leader they act for) may do now (workflow.engine.allowed_actions and the parts
they hold). Each form carries the process's revision: a page drawn before
someone else acted is refused with ConcurrentChange's message. The rules are
workflow.incoming's; a refusal shows its message and nothing is stored."""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from directory.models import Role, Unit, User
from directory.selectors import roles_of
from documents.models import Document
from documents.panels import Panel
from documents.permissions import DRAFTERS
from documents.selectors import document_get_visible

from . import calendar, engine, incoming
from .models import Assignment, Process, ProgressNote
from .web import act_on_document
from .web import person as _person
from .web import posted_revision as _revision
from .web import to_int as _int

ANCHOR = "#incoming"


def _history(process: Process) -> list[dict]:
    return [
        {
            "row": row,
            "label": engine.ACTION_LABELS.get(row.action, row.action),
            "to_label": engine.state_label(process.kind, row.to_state),
        }
        for row in engine.history(process)
    ]


def _trace(process: Process) -> list[Assignment]:
    return list(
        engine.trace(process).prefetch_related(
            Prefetch(
                "notes",
                queryset=ProgressNote.objects.select_related(
                    "author", "on_behalf_of"
                ).order_by("created_at", "pk"),
            )
        )
    )


def _is_late(process: Process, now) -> bool:
    if process.due_at is None:
        return False
    if process.completed_at is not None:
        return process.completed_at > process.due_at
    return now > process.due_at


def _local_date(moment) -> date | None:
    return timezone.localtime(moment).date() if moment else None


def incoming_panels(request, document) -> list[Panel]:
    """The handling panel of an incoming document."""
    if document.direction != Document.Direction.INCOMING:
        return []
    process = (
        Process.objects.filter(document=document)
        .select_related("leader", "lead_unit", "organisation")
        .first()
    )
    if process is None:
        if document.state != Document.State.REGISTERED:
            return []
        process = engine.process_for(document)
    if process.kind != Process.Kind.INCOMING:
        return []
    user = request.user
    person = request.acting_for or user
    now = timezone.now()
    actions = engine.allowed_actions(process, person)
    held = incoming.open_assignments_of(process, person)
    person_roles = roles_of(user=person)
    organisation_id = process.organisation_id
    context = {
        "document": document,
        "process": process,
        "state_label": engine.state_label(process.kind, process.state),
        "is_late": _is_late(process, now),
        "trace": _trace(process),
        "history": _history(process),
        "replies": list(incoming.replies_of(document)),
        "actions": actions,
        "held": held,
        "acting_for": request.acting_for,
        "revision": process.revision,
        "now": now,
    }
    if "submit" in actions:
        leaders = list(incoming.leaders_for(organisation_id))
        context["leaders"] = leaders
        context["leader_id"] = process.leader_id or (leaders[0].pk if leaders else None)
    if "assign" in actions:
        due = process.due_at or incoming.default_deadline(document, now=now)
        context.update(
            people=list(incoming.people_for(organisation_id).exclude(pk=person.pk)),
            units=incoming.units_for(organisation_id),
            default_due=_local_date(due),
            today=timezone.localdate(),
        )
    if held:
        unit_people = []
        if Role.LANH_DAO_DON_VI in person_roles and person.unit_id:
            unit_people = [
                p
                for p in incoming.people_for(organisation_id).filter(
                    unit_id=person.unit_id
                )
                if p.pk != person.pk
            ]
        context.update(
            pass_on_to=unit_people,
            today=timezone.localdate(),
            can_draft_reply=bool(set(DRAFTERS) & roles_of(user=user))
            and user.organisation_id == organisation_id,
            reply_url=reverse("documents:draft_new") + f"?reply_to={document.pk}",
        )
    if "complete" in actions and any(a.role == "lead" for a in held):
        context.update(
            open_co=incoming.open_co_handlers(process),
            reply_candidates=incoming.reply_candidates(document=document, user=user),
            can_complete=True,
        )
    return [Panel("workflow/incoming/panel.html", context, "main", 15)]


# ---------------------------------------------------------------------------
# POST views


def _process(document: Document) -> Process:
    process = Process.objects.filter(document=document).first()
    if process is None or process.kind != Process.Kind.INCOMING:
        raise ValidationError(_("This document is not being handled."))
    return process


def _people(values) -> list[User]:
    pks = [pk for pk in (_int(v) for v in values) if pk]
    found = {p.pk: p for p in User.objects.filter(pk__in=pks)}
    # Keep repeats: the service refuses a person chosen twice.
    return [found[pk] for pk in pks if pk in found]


def _lead(value: str):
    """The lead from the select: "person-<pk>" or "unit-<pk>"."""
    kind, _sep, pk = (value or "").partition("-")
    pk = _int(pk)
    if not pk:
        return None
    if kind == "unit":
        return Unit.objects.filter(pk=pk).first()
    if kind == "person":
        return User.objects.filter(pk=pk).first()
    return None


def _due(request, name: str, document: Document):
    """A deadline entered as a date: the end of that (working) day."""
    value = request.POST.get(name, "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValidationError({name: _("Enter the deadline as a date.")}) from None
    return calendar.deadline_on(day, organisation_id=document.organisation_id)


def _assignment(process: Process, pk) -> Assignment:
    assignment = (
        Assignment.objects.filter(process=process, pk=_int(pk) or 0)
        .select_related("process", "process__document")
        .first()
    )
    if assignment is None:
        raise ValidationError(_("Choose your part of the handling."))
    return assignment


def _act(request, pk: int, run, success: str):
    return act_on_document(request, pk, run, success, ANCHOR)


def _who(request) -> dict:
    return {
        "actor": request.user,
        "on_behalf_of": request.acting_for,
        "revision": _revision(request),
    }


@require_POST
@login_required
def submit(request, pk: int):
    """Trình: the clerk submits the document to a leader."""

    def run(document):
        incoming.incoming_submit(
            document=document,
            leader=_person(request.POST.get("leader")),
            note=request.POST.get("note", ""),
            **_who(request),
        )

    return _act(request, pk, run, _("The document is submitted to the leader."))


@require_POST
@login_required
def assign(request, pk: int):
    """Phân công: the leader assigns the lead, co-handlers and for-information."""

    def run(document):
        incoming.incoming_assign(
            process=_process(document),
            lead=_lead(request.POST.get("lead", "")),
            co=_people(request.POST.getlist("co")),
            info=_people(request.POST.getlist("info")),
            directive=request.POST.get("directive", ""),
            due_at=_due(request, "due_date", document),
            co_due_at=_due(request, "co_due_date", document),
            **_who(request),
        )

    return _act(request, pk, run, _("The document is assigned."))


@require_POST
@login_required
def pass_on(request, pk: int):
    """Chuyển xử lý: a unit head passes his part to a person of his unit."""

    def run(document):
        incoming.incoming_pass_on(
            assignment=_assignment(_process(document), request.POST.get("assignment")),
            to=_person(request.POST.get("to")),
            directive=request.POST.get("directive", ""),
            due_at=_due(request, "due_date", document),
            **_who(request),
        )

    return _act(request, pk, run, _("The handling is passed on."))


@require_POST
@login_required
def progress(request, pk: int):
    """Tiến độ, ý kiến: a handler records progress or an opinion."""

    def run(document):
        percent = request.POST.get("percent", "").strip()
        if percent and _int(percent) is None:
            raise ValidationError(_("The progress is from 0 to 100 %."))
        incoming.progress_record(
            assignment=_assignment(_process(document), request.POST.get("assignment")),
            text=request.POST.get("text", ""),
            percent=_int(percent) if percent else None,
            kind=request.POST.get("kind", ProgressNote.Kind.PROGRESS),
            **_who(request),
        )

    return _act(request, pk, run, _("Recorded."))


@require_POST
@login_required
def contribute(request, pk: int):
    """Ý kiến phối hợp: a co-handler sends their contribution to the lead."""

    def run(document):
        incoming.contribution_send(
            assignment=_assignment(_process(document), request.POST.get("assignment")),
            text=request.POST.get("text", ""),
            **_who(request),
        )

    return _act(request, pk, run, _("Your contribution is sent to the lead."))


@require_POST
@login_required
def complete(request, pk: int):
    """Hoàn thành: the lead completes the handling, with the reply if any."""

    def run(document):
        reply = None
        reply_pk = _int(request.POST.get("reply"))
        if reply_pk:
            reply = document_get_visible(user=request.user, pk=reply_pk)
            if reply is None:
                raise PermissionDenied(_("You may not open the reply document."))
        incoming.incoming_complete(
            process=_process(document),
            result=request.POST.get("result", ""),
            reply_document=reply,
            **_who(request),
        )

    return _act(request, pk, run, _("The handling of the document is completed."))


@require_POST
@login_required
def reopen(request, pk: int):
    def run(document):
        incoming.incoming_reopen(
            process=_process(document),
            reason=request.POST.get("reason", ""),
            **_who(request),
        )

    return _act(request, pk, run, _("The document is reopened for its lead."))


@require_POST
@login_required
def return_to_sender(request, pk: int):
    """Trả lại nơi gửi: the clerk returns the document with the reason."""

    def run(document):
        incoming.incoming_return(
            document=document,
            reason=request.POST.get("reason", ""),
            **_who(request),
        )

    return _act(request, pk, run, _("The document is returned to its sender."))
