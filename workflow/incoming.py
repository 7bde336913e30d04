"""Handling of incoming documents (xử lý văn bản đến, NĐ 30 Đ20–24): the clerk
submits the registered document to an agency leader (trình), the leader assigns
it with a directive (phân công, ý kiến chỉ đạo) to one lead (chủ trì: a person,
or a unit whose head passes it on), co-handlers (phối hợp) and people for
information (để biết), each with a deadline; the handlers record progress and
opinions, co-handlers send their contribution to the lead, and the lead
completes it (hoàn thành), linking the reply (văn bản trả lời). The clerk may
instead return it to its sender with a reason (trả lại nơi gửi).

Every move goes through workflow.engine.transition in the same transaction as
its bookkeeping: assignments (their chain is the trace, TraceHeaderList), work
items in the right queues, notifications, view permission for the participants.
A refusal raises ValidationError or PermissionDenied with a clear message and
leaves nothing written."""

import unicodedata
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.outbox import outbox_publish
from directory.models import Role, Unit, User
from directory.selectors import roles_of
from documents.models import Document, DocumentRelation
from documents.permissions import VIEW_DOCUMENT
from documents.selectors import document_list_visible

from . import calendar, engine
from .models import Assignment, Process, ProgressNote, Queue, WorkItem
from .notifications import notify

REGISTERED = "registered"
SUBMITTED = "submitted"
ASSIGNED = "assigned"
COMPLETED = "completed"
RETURNED = "returned"

HANDLING_ROLES = (Assignment.Role.LEAD, Assignment.Role.CO)
TEXT_LIMIT = 5000
REASON_LIMIT = 500


# ---------------------------------------------------------------------------
# Selectors


def leaders_for(organisation_id: int) -> QuerySet[User]:
    """The agency leaders (lãnh đạo cơ quan) a document may be submitted to, the
    top one first (lowest position rank)."""
    return (
        User.objects.filter(
            is_active=True,
            organisation_id=organisation_id,
            roles__organisation_id=organisation_id,
            roles__role=Role.LANH_DAO_CO_QUAN,
        )
        .select_related("position", "unit")
        .order_by(F("position__rank").asc(nulls_last=True), "full_name", "pk")
        .distinct()
    )


def people_for(organisation_id: int) -> QuerySet[User]:
    """The active people of the organisation, by unit then rank."""
    return (
        User.objects.filter(is_active=True, organisation_id=organisation_id)
        .select_related("position", "unit")
        .order_by(
            F("unit__name").asc(nulls_first=True),
            F("position__rank").asc(nulls_last=True),
            "full_name",
            "pk",
        )
    )


def unit_head(unit: Unit) -> User | None:
    """The head of a unit (lãnh đạo đơn vị of that unit), the highest ranked."""
    return (
        User.objects.filter(
            is_active=True,
            unit=unit,
            organisation_id=unit.organisation_id,
            roles__organisation_id=unit.organisation_id,
            roles__role=Role.LANH_DAO_DON_VI,
        )
        .order_by(F("position__rank").asc(nulls_last=True), "pk")
        .first()
    )


def units_for(organisation_id: int) -> list[tuple[Unit, User]]:
    """The active units of the organisation that have a head, with their head
    (a unit can lead only through its head)."""
    heads = {}
    for head in (
        User.objects.filter(
            is_active=True,
            organisation_id=organisation_id,
            unit__isnull=False,
            roles__organisation_id=organisation_id,
            roles__role=Role.LANH_DAO_DON_VI,
        )
        .select_related("unit")
        .order_by(F("position__rank").asc(nulls_last=True), "pk")
    ):
        heads.setdefault(head.unit_id, head)
    units = Unit.objects.filter(
        organisation_id=organisation_id, is_active=True, pk__in=list(heads)
    ).order_by("name")
    return [(unit, heads[unit.pk]) for unit in units]


def open_assignments_of(process: Process, person: User) -> list[Assignment]:
    """The person's open lead and co-handler assignments on the process."""
    return list(
        Assignment.objects.filter(
            process=process,
            assignee=person,
            state=Assignment.State.OPEN,
            role__in=HANDLING_ROLES,
        )
        .select_related("unit", "parent")
        .order_by("role", "pk")
    )


def open_co_handlers(process: Process) -> list[Assignment]:
    return list(
        Assignment.objects.filter(
            process=process, role=Assignment.Role.CO, state=Assignment.State.OPEN
        )
        .select_related("assignee")
        .order_by("pk")
    )


def replies_of(document: Document) -> QuerySet[DocumentRelation]:
    """The replies linked to an incoming document."""
    return DocumentRelation.objects.filter(
        target=document, kind=DocumentRelation.Kind.REPLY_TO
    ).select_related("source", "source__document_type")


def reply_candidates(*, document: Document, user: User) -> list[Document]:
    """Outgoing documents that may be linked as the reply: those of the
    organisation already linked to this document or drafted by `user`, that
    `user` may open, newest first (one query, through the permission-aware
    selector)."""
    linked = replies_of(document).values("source_id")
    return list(
        document_list_visible(user=user)
        .filter(
            organisation_id=document.organisation_id,
            direction=Document.Direction.OUTGOING,
        )
        .filter(Q(pk__in=linked) | Q(created_by=user))
        .exclude(state__in=[Document.State.RECALLED, Document.State.REPLACED])
        .order_by("-created_at", "-pk")[:50]
    )


def trace_header_list(process: Process) -> list[dict]:
    """The trace of the handling (TraceHeaderList of edXML): one entry per
    assignment, oldest first, who gave it to whom (person and unit), in which role,
    with which directive and deadline. Plain data (text, numbers, ISO times) for
    the exchange of the document's status with its sender."""
    organisation = process.organisation
    entries = []
    for a in engine.trace(process).select_related("process__organisation"):
        entries.append(
            {
                "assignment_id": a.pk,
                "parent_id": a.parent_id,
                "organ_id": organisation.code,
                "organ_name": organisation.name,
                "from_person_id": a.assigned_by_id,
                "from_person": a.assigned_by.get_full_name(),
                "on_behalf_of_id": a.on_behalf_of_id,
                "on_behalf_of": a.on_behalf_of.get_full_name()
                if a.on_behalf_of
                else "",
                "to_person_id": a.assignee_id,
                "to_person": a.assignee.get_full_name(),
                "to_unit_id": a.unit_id,
                "to_unit": a.unit.name if a.unit else "",
                "role": a.role,
                "state": a.state,
                "directive": a.directive,
                "deadline": a.due_at.isoformat() if a.due_at else None,
                "timestamp": a.created_at.isoformat(),
            }
        )
    return entries


# ---------------------------------------------------------------------------
# Helpers


def _text(value, *, field: str, required_message: str, limit: int = TEXT_LIMIT):
    text = unicodedata.normalize("NFC", str(value or "")).strip()
    if not text and required_message:
        raise ValidationError({field: required_message})
    if len(text) > limit:
        raise ValidationError(
            {field: _("The text is longer than %(n)s characters.") % {"n": limit}}
        )
    return text


def _check_person(person, document: Document, *, field: str) -> User:
    """A person who may be given the document: active, of its organisation, with
    the clearance for its secrecy."""
    if not isinstance(person, User):
        raise ValidationError({field: _("Choose a person.")})
    if person.organisation_id != document.organisation_id:
        raise ValidationError(
            {
                field: _(
                    "%(name)s is not a person of %(organisation)s: a document is "
                    "assigned only inside its organisation."
                )
                % {"name": person, "organisation": document.organisation.name}
            }
        )
    if not person.is_active:
        raise ValidationError(
            {field: _("%(name)s can no longer sign in.") % {"name": person}}
        )
    if document.secrecy > person.clearance:
        raise ValidationError(
            {
                field: _(
                    "The clearance of %(name)s does not allow this document's "
                    "secrecy level."
                )
                % {"name": person}
            }
        )
    return person


def _check_due(due_at: datetime | None, *, now: datetime, field: str = "due_date"):
    try:
        calendar.check_deadline(due_at, now=now)
    except ValidationError:
        raise ValidationError(
            {field: _("The deadline is in the past: choose a later date.")}
        ) from None


def default_deadline(document: Document, *, now: datetime | None = None) -> datetime:
    """The handling deadline proposed to the leader: the document's due date
    (hạn giải quyết) when it has one, else by urgency or the default days."""
    now = now or timezone.now()
    if document.due_date:
        return calendar.deadline_on(
            document.due_date, organisation_id=document.organisation_id
        )
    return calendar.deadline_for(
        start=now, urgency=document.urgency, organisation_id=document.organisation_id
    )


def _principal(actor: User, on_behalf_of: User | None) -> User:
    return on_behalf_of if on_behalf_of is not None else actor


def _behalf(actor: User, on_behalf_of: User | None) -> User | None:
    return on_behalf_of if on_behalf_of and on_behalf_of.pk != actor.pk else None


def _close_items(process: Process, *, by: User, at: datetime, **filters) -> int:
    return WorkItem.objects.filter(
        process=process, state=WorkItem.State.OPEN, **filters
    ).update(state=WorkItem.State.DONE, completed_at=at, completed_by=by)


def _assignment_locked(assignment: Assignment) -> Assignment:
    return (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("process", "process__document", "unit", "assignee")
        .get(pk=assignment.pk)
    )


# ---------------------------------------------------------------------------
# Services


@transaction.atomic
def incoming_submit(
    *,
    document: Document,
    leader: User | None,
    note: str = "",
    actor: User,
    on_behalf_of: User | None = None,
    revision: int | None = None,
) -> Process:
    """Trình: the clerk submits the registered document to an agency leader, who
    finds it in their "to assign" queue, due the same or next working day."""
    process = engine.process_for(document)
    if process.kind != Process.Kind.INCOMING:
        raise ValidationError(_("This is not an incoming document."))
    note = _text(note, field="note", required_message="", limit=REASON_LIMIT)
    if leader is None:
        raise ValidationError({"leader": _("Choose the leader to submit it to.")})
    _check_person(leader, document, field="leader")
    if Role.LANH_DAO_CO_QUAN not in roles_of(user=leader):
        raise ValidationError(
            {"leader": _("%(name)s is not a leader of the agency.") % {"name": leader}}
        )
    now = timezone.now()
    locked = engine.transition(
        process=process,
        action="submit",
        actor=actor,
        on_behalf_of=on_behalf_of,
        revision=revision,
        note=note,
        details={"leader": leader.pk},
        at=now,
    )
    locked.leader = leader
    locked.save(update_fields=["leader"])
    _close_items(locked, by=actor, at=now, queue=Queue.RECEIVE)
    due = calendar.deadline_for(
        start=now,
        urgency=document.urgency,
        days=1,
        organisation_id=document.organisation_id,
    )
    engine.work_item_open(
        process=locked, assignee=leader, queue=Queue.ASSIGN, due_at=due
    )
    engine.grant_view(document, [leader])
    notify(
        recipient=leader,
        kind="incoming_submitted",
        title=_("Submitted to you for assignment: %(subject)s")
        % {"subject": document.subject},
        body=note,
        url=engine.document_url(document),
        document=document,
        key=f"incoming-submit:{locked.pk}:{locked.revision}",
    )
    process.leader = leader
    return locked


def _lead_target(lead, document: Document) -> tuple[User, Unit | None]:
    """The lead as (the person who receives it, the unit when a unit leads)."""
    if lead is None:
        raise ValidationError(
            {"lead": _("Choose the lead (chủ trì): one person or one unit.")}
        )
    if isinstance(lead, Unit):
        if lead.organisation_id != document.organisation_id:
            raise ValidationError(
                {
                    "lead": _(
                        "%(name)s is not a unit of %(organisation)s: a document is "
                        "assigned only inside its organisation."
                    )
                    % {"name": lead, "organisation": document.organisation.name}
                }
            )
        if not lead.is_active:
            raise ValidationError(
                {"lead": _("The unit %(name)s is closed.") % {"name": lead}}
            )
        head = unit_head(lead)
        if head is None:
            raise ValidationError(
                {
                    "lead": _(
                        "The unit %(name)s has no head to receive it: choose a person."
                    )
                    % {"name": lead}
                }
            )
        _check_person(head, document, field="lead")
        return head, lead
    return _check_person(lead, document, field="lead"), None


@transaction.atomic
def incoming_assign(
    *,
    process: Process,
    actor: User,
    on_behalf_of: User | None = None,
    revision: int | None = None,
    lead,
    co: Iterable[User] = (),
    info: Iterable[User] = (),
    directive: str = "",
    due_at: datetime | None = None,
    co_due_at: datetime | None = None,
) -> Process:
    """Phân công: the leader gives the lead (a person, or a unit through its
    head), co-handlers and people for information, with the directive and the
    deadlines. Assigning again while it is being handled replaces the open
    assignments (they stay in the trace, cancelled)."""
    document = process.document
    now = timezone.now()
    directive = _text(directive, field="directive", required_message="")
    lead_person, lead_unit = _lead_target(lead, document)
    co, info = list(co), list(info)
    seen = {lead_person.pk: lead_person}
    for field, people in (("co", co), ("info", info)):
        for person in people:
            _check_person(person, document, field=field)
            if person.pk in seen:
                raise ValidationError(
                    {
                        field: _(
                            "%(name)s is chosen twice: a person has one role on a "
                            "document."
                        )
                        % {"name": person}
                    }
                )
            seen[person.pk] = person
    if due_at is None:
        due_at = default_deadline(document, now=now)
    _check_due(due_at, now=now)
    if co_due_at is None:
        co_due_at = due_at
    _check_due(co_due_at, now=now, field="co_due_date")
    if co_due_at > due_at:
        raise ValidationError(
            {
                "co_due_date": _(
                    "The co-handlers' deadline may not be later than the lead's."
                )
            }
        )

    locked = engine.transition(
        process=process,
        action="assign",
        actor=actor,
        on_behalf_of=on_behalf_of,
        revision=revision,
        note=directive,
        details={
            "lead": lead_person.pk,
            "lead_unit": lead_unit.pk if lead_unit else None,
            "co": [p.pk for p in co],
            "info": [p.pk for p in info],
            "due_at": due_at.isoformat(),
            "co_due_at": co_due_at.isoformat(),
        },
        at=now,
    )
    behalf = _behalf(actor, on_behalf_of)
    replaced = list(
        Assignment.objects.select_for_update(of=("self",))
        .filter(process=locked, state=Assignment.State.OPEN)
        .select_related("assignee")
    )
    for old in replaced:
        old.state = Assignment.State.CANCELLED
        old.completed_at = now
        old.save(update_fields=["state", "completed_at"])
        WorkItem.objects.filter(
            process=locked, assignment=old, state=WorkItem.State.OPEN
        ).update(state=WorkItem.State.CANCELLED, completed_at=now, completed_by=actor)
    # The leader's "to assign" item (the unit heads' ones belong to assignments).
    _close_items(locked, by=actor, at=now, queue=Queue.ASSIGN, assignment__isnull=True)

    def give(person, role, due, unit=None, state=Assignment.State.OPEN):
        return Assignment.objects.create(
            process=locked,
            organisation_id=locked.organisation_id,
            role=role,
            assignee=person,
            unit=unit or person.unit,
            assigned_by=actor,
            on_behalf_of=behalf,
            directive=directive,
            due_at=due,
            state=state,
            created_at=now,
            completed_at=now if state == Assignment.State.DONE else None,
        )

    url = engine.document_url(document)
    lead_assignment = give(lead_person, Assignment.Role.LEAD, due_at, unit=lead_unit)
    engine.work_item_open(
        process=locked,
        assignee=lead_person,
        queue=Queue.ASSIGN if lead_unit else Queue.HANDLE,
        due_at=due_at,
        assignment=lead_assignment,
    )
    notify(
        recipient=lead_person,
        kind="incoming_assigned",
        title=(
            _("Your unit leads the handling of: %(subject)s")
            if lead_unit
            else _("You lead the handling of: %(subject)s")
        )
        % {"subject": document.subject},
        body=directive,
        url=url,
        document=document,
        key=f"assign:{lead_assignment.pk}",
    )
    for person in co:
        assignment = give(person, Assignment.Role.CO, co_due_at)
        engine.work_item_open(
            process=locked,
            assignee=person,
            queue=Queue.HANDLE,
            due_at=co_due_at,
            assignment=assignment,
        )
        notify(
            recipient=person,
            kind="incoming_assigned",
            title=_("You co-handle: %(subject)s") % {"subject": document.subject},
            body=directive,
            url=url,
            document=document,
            key=f"assign:{assignment.pk}",
        )
    for person in info:
        assignment = give(person, Assignment.Role.INFO, None, state="done")
        notify(
            recipient=person,
            kind="incoming_for_information",
            title=_("For your information: %(subject)s")
            % {"subject": document.subject},
            body=directive,
            url=url,
            document=document,
            key=f"assign:{assignment.pk}",
        )
    for old in replaced:
        if old.assignee_id not in seen:
            notify(
                recipient=old.assignee,
                kind="incoming_unassigned",
                title=_("The leader assigned again: %(subject)s")
                % {"subject": document.subject},
                body=_("Your part of the handling is cancelled."),
                url=url,
                document=document,
                key=f"unassign:{old.pk}",
            )
    locked.due_at = due_at
    locked.lead_unit = lead_unit or lead_person.unit
    if locked.leader_id is None:
        locked.leader = _principal(actor, on_behalf_of)
    locked.save(update_fields=["due_at", "lead_unit", "leader"])
    engine.grant_view(document, seen.values())
    return locked


@transaction.atomic
def incoming_pass_on(
    *,
    assignment: Assignment,
    to: User | None,
    directive: str = "",
    due_at: datetime | None = None,
    actor: User,
    on_behalf_of: User | None = None,
    revision: int | None = None,
) -> Assignment:
    """Chuyển xử lý: a unit head who holds a lead or co-handler part passes it to
    a person of his unit (same role, a deadline no later than his own). His
    assignment becomes "passed on" and the new one names it as its parent: the
    chain is the trace."""
    holder = engine.acting_person(actor=actor, on_behalf_of=on_behalf_of)
    process = assignment.process
    document = process.document
    now = timezone.now()
    directive = _text(directive, field="directive", required_message="")
    current = _assignment_locked(assignment)
    if (
        current.assignee_id != holder.pk
        or current.state != Assignment.State.OPEN
        or current.role not in HANDLING_ROLES
    ):
        raise PermissionDenied(_("You do not hold this part of the handling."))
    if Role.LANH_DAO_DON_VI not in roles_of(user=holder) or not holder.unit_id:
        raise PermissionDenied(
            _("Only the head of a unit passes the handling on to its people.")
        )
    if to is None:
        raise ValidationError({"to": _("Choose the person to pass it on to.")})
    if to.pk == holder.pk:
        raise ValidationError({"to": _("You cannot pass it on to yourself.")})
    _check_person(to, document, field="to")
    if to.unit_id != holder.unit_id:
        raise ValidationError(
            {
                "to": _(
                    "%(name)s is not a person of your unit: pass it on inside %(unit)s."
                )
                % {"name": to, "unit": holder.unit}
            }
        )
    if due_at is None:
        due_at = current.due_at
    _check_due(due_at, now=now)
    if current.due_at and due_at and due_at > current.due_at:
        raise ValidationError(
            {
                "due_date": _("The deadline may not be later than your own (%(date)s).")
                % {"date": timezone.localtime(current.due_at).strftime("%d/%m/%Y")}
            }
        )
    locked = engine.transition(
        process=process,
        action="pass_on",
        actor=actor,
        on_behalf_of=on_behalf_of,
        revision=revision,
        note=directive,
        details={
            "from_assignment": current.pk,
            "to": to.pk,
            "role": current.role,
            "due_at": due_at.isoformat() if due_at else None,
        },
        at=now,
    )
    current.state = Assignment.State.DELEGATED
    current.completed_at = now
    current.save(update_fields=["state", "completed_at"])
    child = Assignment.objects.create(
        process=locked,
        organisation_id=locked.organisation_id,
        role=current.role,
        assignee=to,
        unit=current.unit or to.unit,
        parent=current,
        assigned_by=actor,
        on_behalf_of=_behalf(actor, on_behalf_of),
        directive=directive,
        due_at=due_at,
        created_at=now,
    )
    _close_items(locked, by=actor, at=now, assignment=current)
    engine.work_item_open(
        process=locked,
        assignee=to,
        queue=Queue.HANDLE,
        due_at=due_at,
        assignment=child,
    )
    notify(
        recipient=to,
        kind="incoming_assigned",
        title=(
            _("You lead the handling of: %(subject)s")
            if child.role == Assignment.Role.LEAD
            else _("You co-handle: %(subject)s")
        )
        % {"subject": document.subject},
        body=directive,
        url=engine.document_url(document),
        document=document,
        key=f"assign:{child.pk}",
    )
    engine.grant_view(document, [to])
    return child


def _holder_assignment(
    assignment: Assignment, actor: User, on_behalf_of: User | None, roles
) -> Assignment:
    holder = engine.acting_person(actor=actor, on_behalf_of=on_behalf_of)
    current = _assignment_locked(assignment)
    if (
        current.assignee_id != holder.pk
        or current.state != Assignment.State.OPEN
        or current.role not in roles
    ):
        raise PermissionDenied(_("You do not hold this part of the handling."))
    return current


@transaction.atomic
def progress_record(
    *,
    assignment: Assignment,
    text: str,
    percent: int | None = None,
    kind: str = ProgressNote.Kind.PROGRESS,
    actor: User,
    on_behalf_of: User | None = None,
    revision: int | None = None,
) -> ProgressNote:
    """Tiến độ, ý kiến: a handler records how far they are (percent) or an
    opinion on their part."""
    if kind not in (ProgressNote.Kind.PROGRESS, ProgressNote.Kind.OPINION):
        raise ValidationError({"kind": _("Choose progress or opinion.")})
    text = _text(text, field="text", required_message=_("Write the text."))
    if percent is not None and not 0 <= int(percent) <= 100:
        raise ValidationError({"percent": _("The progress is from 0 to 100 %.")})
    if kind == ProgressNote.Kind.PROGRESS and percent is None:
        raise ValidationError({"percent": _("Give the progress in %.")})
    current = _holder_assignment(assignment, actor, on_behalf_of, HANDLING_ROLES)
    now = timezone.now()
    engine.transition(
        process=current.process,
        action="progress",
        actor=actor,
        on_behalf_of=on_behalf_of,
        revision=revision,
        note=text,
        details={"assignment": current.pk, "kind": kind, "percent": percent},
        at=now,
    )
    note = ProgressNote.objects.create(
        assignment=current,
        kind=kind,
        author=actor,
        on_behalf_of=_behalf(actor, on_behalf_of),
        text=text,
        progress=percent,
        created_at=now,
    )
    if percent is not None:
        current.progress = int(percent)
        current.save(update_fields=["progress"])
    return note


@transaction.atomic
def contribution_send(
    *,
    assignment: Assignment,
    text: str,
    actor: User,
    on_behalf_of: User | None = None,
    revision: int | None = None,
) -> ProgressNote:
    """Ý kiến phối hợp: a co-handler sends their contribution to the lead; their
    part is done."""
    text = _text(text, field="text", required_message=_("Write your contribution."))
    current = _holder_assignment(assignment, actor, on_behalf_of, (Assignment.Role.CO,))
    process = current.process
    document = process.document
    now = timezone.now()
    engine.transition(
        process=process,
        action="contribute",
        actor=actor,
        on_behalf_of=on_behalf_of,
        revision=revision,
        note=text,
        details={"assignment": current.pk},
        at=now,
    )
    note = ProgressNote.objects.create(
        assignment=current,
        kind=ProgressNote.Kind.CONTRIBUTION,
        author=actor,
        on_behalf_of=_behalf(actor, on_behalf_of),
        text=text,
        progress=100,
        created_at=now,
    )
    current.state = Assignment.State.DONE
    current.result = text
    current.progress = 100
    current.completed_at = now
    current.save(update_fields=["state", "result", "progress", "completed_at"])
    _close_items(process, by=actor, at=now, assignment=current)
    for lead in Assignment.objects.filter(
        process=process, role=Assignment.Role.LEAD, state=Assignment.State.OPEN
    ).select_related("assignee"):
        notify(
            recipient=lead.assignee,
            kind="incoming_contribution",
            title=_("%(name)s sent a contribution: %(subject)s")
            % {"name": current.assignee, "subject": document.subject},
            body=text,
            url=engine.document_url(document),
            document=document,
            key=f"contribution:{current.pk}:{lead.pk}",
        )
    return note


def _check_reply(reply: Document, document: Document, person: User) -> Document:
    if (
        not person.has_perm(VIEW_DOCUMENT, reply)
        or reply.secrecy > person.clearance
        or reply.pk == document.pk
    ):
        raise PermissionDenied(_("You may not open the reply document."))
    if (
        reply.direction != Document.Direction.OUTGOING
        or reply.organisation_id != document.organisation_id
    ):
        raise ValidationError(
            {
                "reply": _(
                    "The reply must be an outgoing document of the same organisation."
                )
            }
        )
    return reply


def _assigning_leader(process: Process) -> User | None:
    """The leader who gave the lead: the principal when a deputy assigned for
    them."""
    root = (
        Assignment.objects.filter(
            process=process, role=Assignment.Role.LEAD, parent__isnull=True
        )
        .exclude(state=Assignment.State.CANCELLED)
        .select_related("assigned_by", "on_behalf_of")
        .order_by("-created_at", "-pk")
        .first()
    )
    if root is None:
        return process.leader
    return root.on_behalf_of or root.assigned_by


@transaction.atomic
def incoming_complete(
    *,
    process: Process,
    actor: User,
    result: str,
    reply_document: Document | None = None,
    on_behalf_of: User | None = None,
    revision: int | None = None,
) -> Process:
    """Hoàn thành: the lead closes the handling with its result and, when there is
    one, the reply document (linked: the reply replies to this document). Refused
    while a co-handler has not sent their contribution."""
    document = process.document
    result = _text(result, field="result", required_message=_("Write the result."))
    person = engine.acting_person(actor=actor, on_behalf_of=on_behalf_of)
    if reply_document is not None:
        _check_reply(reply_document, document, User.objects.get(pk=actor.pk))
    now = timezone.now()
    locked = engine.transition(
        process=process,
        action="complete",
        actor=actor,
        on_behalf_of=on_behalf_of,
        revision=revision,
        note=result,
        details={"reply_document": reply_document.pk if reply_document else None},
        at=now,
    )
    still_open = open_co_handlers(locked)
    if still_open:
        raise ValidationError(
            _(
                "The co-handlers have not sent their contribution yet: %(names)s. "
                "Complete it once they have."
            )
            % {"names": ", ".join(str(a.assignee) for a in still_open)}
        )
    if reply_document is not None:
        DocumentRelation.objects.get_or_create(
            source=reply_document,
            target=document,
            kind=DocumentRelation.Kind.REPLY_TO,
            defaults={"created_by": actor},
        )
    Assignment.objects.filter(
        process=locked, role=Assignment.Role.LEAD, state=Assignment.State.OPEN
    ).update(
        state=Assignment.State.DONE,
        result=result,
        progress=100,
        completed_at=now,
    )
    Document.objects.filter(pk=document.pk).update(
        state=Document.State.COMPLETED, updated_at=now
    )
    document.state = Document.State.COMPLETED
    _close_items(locked, by=actor, at=now)
    leader = _assigning_leader(locked)
    if leader is not None and leader.pk not in (actor.pk, person.pk):
        notify(
            recipient=leader,
            kind="incoming_completed",
            title=_("Handled: %(subject)s") % {"subject": document.subject},
            body=result,
            url=engine.document_url(document),
            document=document,
            key=f"incoming-complete:{locked.pk}:{locked.revision}",
        )
    return locked


@transaction.atomic
def incoming_reopen(
    *,
    process: Process,
    actor: User,
    reason: str,
    on_behalf_of: User | None = None,
    revision: int | None = None,
) -> Process:
    """Mở lại: a leader sends a completed document back to its lead, with the
    reason (the handling was not enough)."""
    document = process.document
    reason = _text(
        reason,
        field="reason",
        required_message=_("Give the reason for reopening."),
        limit=REASON_LIMIT,
    )
    now = timezone.now()
    locked = engine.transition(
        process=process,
        action="reopen",
        actor=actor,
        on_behalf_of=on_behalf_of,
        revision=revision,
        note=reason,
        at=now,
    )
    lead = (
        Assignment.objects.select_for_update()
        .filter(process=locked, role=Assignment.Role.LEAD, state="done")
        .order_by("-completed_at", "-pk")
        .first()
    )
    Document.objects.filter(pk=document.pk).update(
        state=Document.State.REGISTERED, updated_at=now
    )
    document.state = Document.State.REGISTERED
    if lead is not None:
        lead.state = Assignment.State.OPEN
        lead.completed_at = None
        lead.save(update_fields=["state", "completed_at"])
        engine.work_item_open(
            process=locked,
            assignee=lead.assignee,
            queue=Queue.HANDLE,
            due_at=lead.due_at,
            assignment=lead,
        )
        notify(
            recipient=lead.assignee,
            kind="incoming_reopened",
            title=_("Reopened, to handle again: %(subject)s")
            % {"subject": document.subject},
            body=reason,
            url=engine.document_url(document),
            document=document,
            key=f"incoming-reopen:{locked.pk}:{locked.revision}",
        )
    return locked


@transaction.atomic
def incoming_return(
    *,
    document: Document,
    reason: str,
    actor: User,
    on_behalf_of: User | None = None,
    revision: int | None = None,
) -> Process:
    """Trả lại nơi gửi: the clerk returns a document not yet assigned to its
    sender with the reason; the exchange sends the status to the sender
    (outbox `workflow.incoming_returned`)."""
    reason = _text(
        reason,
        field="reason",
        required_message=_("Give the reason for returning it to the sender."),
        limit=REASON_LIMIT,
    )
    process = engine.process_for(document)
    if process.kind != Process.Kind.INCOMING:
        raise ValidationError(_("This is not an incoming document."))
    now = timezone.now()
    locked = engine.transition(
        process=process,
        action="return",
        actor=actor,
        on_behalf_of=on_behalf_of,
        revision=revision,
        note=reason,
        at=now,
    )
    Document.objects.filter(pk=document.pk).update(
        state=Document.State.RETURNED, updated_at=now
    )
    document.state = Document.State.RETURNED
    WorkItem.objects.filter(process=locked, state=WorkItem.State.OPEN).update(
        state=WorkItem.State.CANCELLED, completed_at=now, completed_by=actor
    )
    outbox_publish(
        topic="workflow.incoming_returned",
        payload={"document_id": document.pk, "reason": reason},
    )
    if locked.leader_id and locked.leader_id != actor.pk:
        notify(
            recipient=locked.leader,
            kind="incoming_returned",
            title=_("Returned to the sender: %(subject)s")
            % {"subject": document.subject},
            body=reason,
            url=engine.document_url(document),
            document=document,
            key=f"incoming-return:{locked.pk}",
        )
    return locked
