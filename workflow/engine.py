"""The workflow engine: the states of a process and the moves allowed between them
are data (STATES, RULES); one service, `transition`, makes every move.

`transition` locks the process row, refuses a move the rules do not allow from
the current state (IllegalTransition), a person the rule's guard does not accept
(PermissionDenied) and a page that was read before someone else moved the
process (ConcurrentChange: the form carries the revision it was drawn from). It
records the move (Transition), audits it and emits the outbox event
`workflow.transition`, all in the caller's transaction. A person acting for an
absent leader (ủy quyền) passes `on_behalf_of`: the delegation must be in force,
the guard judges the principal, and the record keeps both names.

The services of each flow (workflow.incoming, workflow.approval,
workflow.issuing, workflow.dispatch) do their own bookkeeping (assignments,
approval tasks, work items) around a call to `transition`."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.shortcuts import assign_perm

from core.audit import audit_record
from core.outbox import outbox_publish
from directory.models import Role, User
from directory.selectors import delegation_active, roles_of
from documents.models import Document, DocumentRelation
from documents.permissions import VIEW_DOCUMENT, VIEW_DOCUMENT_CODENAME

from .models import ApprovalTask, Assignment, Process, Transition, WorkItem

INCOMING = Process.Kind.INCOMING
OUTGOING = Process.Kind.OUTGOING

# The states of each kind of process, in the order a document goes through them,
# with their labels. `TERMINAL` states stop the clock (completed_at is set).
STATES: dict[str, dict[str, str]] = {
    INCOMING: {
        "registered": gettext_lazy("Registered, to submit"),
        "submitted": gettext_lazy("Submitted to the leader"),
        "assigned": gettext_lazy("Being handled"),
        "completed": gettext_lazy("Completed"),
        "returned": gettext_lazy("Returned to the sender"),
    },
    OUTGOING: {
        "drafting": gettext_lazy("Being drafted"),
        "in_approval": gettext_lazy("In approval"),
        "awaiting_signature": gettext_lazy("Approved, to sign"),
        "signed": gettext_lazy("Signed, to number and seal"),
        "issued": gettext_lazy("Issued, to dispatch"),
        "dispatched": gettext_lazy("Dispatched"),
        "recalled": gettext_lazy("Recalled"),
        "replaced": gettext_lazy("Replaced"),
    },
}
TERMINAL = {
    INCOMING: {"completed", "returned"},
    OUTGOING: {"dispatched", "recalled", "replaced"},
}
INITIAL = {INCOMING: "registered", OUTGOING: "drafting"}


@dataclass(frozen=True)
class Rule:
    """An allowed move: `action` takes a process of `kind` from any of `sources`
    to one of `targets` (the service names it when there are several), for a
    person the guard `who` accepts."""

    kind: str
    action: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    who: str
    label: str = ""


RULES: tuple[Rule, ...] = (
    # Văn bản đến (NĐ 30 Đ20–24).
    Rule(INCOMING, "submit", ("registered",), ("submitted",), "clerk"),
    Rule(INCOMING, "assign", ("submitted", "assigned"), ("assigned",), "leader"),
    Rule(INCOMING, "pass_on", ("assigned",), ("assigned",), "handler"),
    Rule(INCOMING, "progress", ("assigned",), ("assigned",), "handler"),
    Rule(INCOMING, "contribute", ("assigned",), ("assigned",), "handler"),
    Rule(INCOMING, "complete", ("assigned",), ("completed",), "lead_handler"),
    Rule(INCOMING, "reopen", ("completed",), ("assigned",), "leader"),
    Rule(INCOMING, "return", ("registered", "submitted"), ("returned",), "clerk"),
    # Văn bản đi (NĐ 30 Đ10–19).
    Rule(
        OUTGOING,
        "submit",
        ("drafting",),
        ("in_approval", "awaiting_signature"),
        "drafter",
    ),
    Rule(OUTGOING, "withdraw", ("in_approval",), ("drafting",), "drafter"),
    Rule(
        OUTGOING,
        "approve",
        ("in_approval",),
        ("in_approval", "awaiting_signature"),
        "approver",
    ),
    Rule(
        OUTGOING,
        "return",
        ("in_approval", "awaiting_signature"),
        ("drafting",),
        "approver",
    ),
    Rule(
        OUTGOING,
        "forward",
        ("in_approval", "awaiting_signature"),
        ("in_approval", "awaiting_signature"),
        "approver",
    ),
    Rule(OUTGOING, "sign", ("awaiting_signature",), ("signed",), "signer"),
    Rule(OUTGOING, "issue", ("signed",), ("issued",), "clerk"),
    Rule(OUTGOING, "dispatch", ("issued",), ("dispatched",), "clerk"),
    Rule(
        OUTGOING, "recall", ("issued", "dispatched"), ("recalled",), "leader_or_clerk"
    ),
    Rule(OUTGOING, "replace", ("issued", "dispatched"), ("replaced",), "clerk"),
)
_RULES: dict[tuple[str, str], Rule] = {(r.kind, r.action): r for r in RULES}

# The actions' names for people (history, messages).
ACTION_LABELS: dict[str, str] = {
    "submit": gettext_lazy("Submitted"),
    "assign": gettext_lazy("Assigned"),
    "pass_on": gettext_lazy("Passed on"),
    "progress": gettext_lazy("Recorded progress"),
    "contribute": gettext_lazy("Sent a contribution"),
    "complete": gettext_lazy("Completed"),
    "reopen": gettext_lazy("Reopened"),
    "return": gettext_lazy("Returned"),
    "withdraw": gettext_lazy("Withdrew"),
    "approve": gettext_lazy("Approved"),
    "forward": gettext_lazy("Forwarded"),
    "sign": gettext_lazy("Signed"),
    "issue": gettext_lazy("Numbered, sealed and issued"),
    "dispatch": gettext_lazy("Dispatched"),
    "recall": gettext_lazy("Recalled"),
    "replace": gettext_lazy("Replaced"),
}


class IllegalTransition(ValidationError):
    """The rules allow no such move from the process's current state."""


class ConcurrentChange(ValidationError):
    """Someone else moved the process after the page was drawn."""


# ---------------------------------------------------------------------------
# Guards: who may make a move. Each takes the process and the person judged (the
# principal when acting for someone) and raises PermissionDenied.


def _has_role(person: User, process: Process, *roles: str) -> bool:
    return person.organisation_id == process.organisation_id and bool(
        set(roles) & roles_of(user=person)
    )


def _guard_clerk(process: Process, person: User) -> None:
    if not _has_role(person, process, Role.VAN_THU):
        raise PermissionDenied(
            _("Only a records clerk of the document's organisation may do this.")
        )


def _guard_leader(process: Process, person: User) -> None:
    if not _has_role(person, process, Role.LANH_DAO_CO_QUAN):
        raise PermissionDenied(
            _("Only a leader of the document's organisation may do this.")
        )


def _guard_leader_or_clerk(process: Process, person: User) -> None:
    if not _has_role(person, process, Role.LANH_DAO_CO_QUAN, Role.VAN_THU):
        raise PermissionDenied(
            _("Only a leader or the records clerk of the organisation may do this.")
        )


def _open_assignments(process: Process, person: User, *roles: str):
    return Assignment.objects.filter(
        process=process,
        assignee=person,
        state=Assignment.State.OPEN,
        role__in=roles,
    )


def _guard_handler(process: Process, person: User) -> None:
    if not _open_assignments(
        process, person, Assignment.Role.LEAD, Assignment.Role.CO
    ).exists():
        raise PermissionDenied(_("You are not handling this document."))


def _guard_lead_handler(process: Process, person: User) -> None:
    if not _open_assignments(process, person, Assignment.Role.LEAD).exists():
        raise PermissionDenied(
            _("Only the lead handler (chủ trì) may complete this document.")
        )


def _guard_drafter(process: Process, person: User) -> None:
    if process.drafter_id:
        allowed = process.drafter_id == person.pk
    else:
        allowed = person.organisation_id == process.organisation_id and (
            person.has_perm("documents.change_document", process.document)
        )
    if not allowed:
        raise PermissionDenied(_("Only the drafter may do this."))


def _guard_approver(process: Process, person: User) -> None:
    pending = ApprovalTask.objects.filter(
        process=process,
        round=process.round,
        state=ApprovalTask.State.PENDING,
        approver=person,
    )
    if not pending.exists():
        raise PermissionDenied(_("This draft is not waiting for your approval."))


def _guard_signer(process: Process, person: User) -> None:
    if process.signer_id != person.pk:
        raise PermissionDenied(_("Only the signer chosen for this draft may sign it."))


GUARDS: dict[str, Callable[[Process, User], None]] = {
    "clerk": _guard_clerk,
    "leader": _guard_leader,
    "leader_or_clerk": _guard_leader_or_clerk,
    "handler": _guard_handler,
    "lead_handler": _guard_lead_handler,
    "drafter": _guard_drafter,
    "approver": _guard_approver,
    "signer": _guard_signer,
}


def rule_for(kind: str, action: str) -> Rule:
    try:
        return _RULES[(kind, action)]
    except KeyError:
        raise IllegalTransition(
            _("Unknown action “%(action)s”.") % {"action": action}
        ) from None


def state_label(kind: str, state: str) -> str:
    return str(STATES.get(kind, {}).get(state, state))


def acting_person(*, actor: User, on_behalf_of: User | None, at=None) -> User:
    """The person whose rights count: the actor, or the principal they act for
    under a delegation in force (ủy quyền); PermissionDenied otherwise."""
    if on_behalf_of is None or on_behalf_of.pk == actor.pk:
        return actor
    if delegation_active(principal=on_behalf_of, delegate=actor, at=at) is None:
        raise PermissionDenied(_("You have no authorisation to act for this person."))
    return on_behalf_of


def allowed_actions(process: Process, person: User) -> set[str]:
    """The actions `person` may take on `process` now (for the page's buttons)."""
    allowed = set()
    for rule in RULES:
        if rule.kind != process.kind or process.state not in rule.sources:
            continue
        try:
            GUARDS[rule.who](process, person)
        except PermissionDenied:
            continue
        allowed.add(rule.action)
    return allowed


# ---------------------------------------------------------------------------
# Processes


def _initial_state(document: Document) -> tuple[str, str]:
    if document.direction == Document.Direction.INCOMING:
        return INCOMING, INITIAL[INCOMING]
    if document.state == Document.State.DRAFT:
        return OUTGOING, INITIAL[OUTGOING]
    # An outgoing or internal document issued before the engine knew it.
    return OUTGOING, "issued"


def process_for(document: Document) -> Process:
    """The document's process, created in its first state when it has none (a
    document registered or drafted is picked up here, lazily or by the consumer
    of its outbox event: either way once)."""
    process = Process.objects.filter(document=document).first()
    if process is not None:
        return process
    kind, state = _initial_state(document)
    due_at = None
    if kind == OUTGOING:
        # A reply (văn bản trả lời) is due when the document it answers is.
        due_at = (
            Process.objects.filter(
                document__relations_to__source=document,
                document__relations_to__kind=DocumentRelation.Kind.REPLY_TO,
                due_at__isnull=False,
            )
            .order_by("due_at")
            .values_list("due_at", flat=True)
            .first()
        )
    with transaction.atomic():
        process, _created = Process.objects.get_or_create(
            document=document,
            defaults={
                "organisation_id": document.organisation_id,
                "kind": kind,
                "state": state,
                "urgency": document.urgency,
                "due_at": due_at,
                "started_at": document.arrival_date or document.created_at,
                "drafter_id": document.created_by_id if kind == OUTGOING else None,
            },
        )
    return process


def process_lock(process: Process) -> Process:
    return (
        Process.objects.select_for_update()
        .select_related("document", "organisation")
        .get(pk=process.pk)
    )


def transition(
    *,
    process: Process,
    action: str,
    actor: User | None,
    on_behalf_of: User | None = None,
    revision: int | None = None,
    target: str | None = None,
    note: str = "",
    details: dict | None = None,
    at: datetime | None = None,
) -> Process:
    """Make one move of `process` (see the module's docstring). Must run inside
    the caller's transaction, which also holds whatever the move changes. Returns
    the locked, updated process. `actor` None is the system (no guard)."""
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError(
            "transition() runs inside the caller's transaction.atomic()."
        )
    at = at or timezone.now()
    locked = process_lock(process)
    rule = rule_for(locked.kind, action)
    if revision is not None and int(revision) != locked.revision:
        raise ConcurrentChange(
            _(
                "Someone else has acted on this document in the meantime (it is "
                "now “%(state)s”). Reload the page and check before you act."
            )
            % {"state": state_label(locked.kind, locked.state)}
        )
    if locked.state not in rule.sources:
        raise IllegalTransition(
            _("“%(action)s” is not possible now: the document is “%(state)s”.")
            % {
                "action": ACTION_LABELS.get(action, action),
                "state": state_label(locked.kind, locked.state),
            }
        )
    if target is None:
        target = rule.targets[0]
    if target not in rule.targets:
        raise IllegalTransition(f"{action} cannot lead to {target}")
    if actor is not None:
        person = acting_person(actor=actor, on_behalf_of=on_behalf_of, at=at)
        GUARDS[rule.who](locked, person)
    source = locked.state
    locked.state = target
    locked.revision += 1
    locked.updated_at = at
    if target in TERMINAL[locked.kind]:
        locked.completed_at = at
    elif source in TERMINAL[locked.kind]:
        locked.completed_at = None
    locked.save()
    process.state, process.revision = locked.state, locked.revision
    process.completed_at = locked.completed_at
    Transition.objects.create(
        process=locked,
        action=action,
        from_state=source,
        to_state=target,
        actor=actor,
        on_behalf_of=on_behalf_of if on_behalf_of != actor else None,
        note=note,
        details=details or {},
        created_at=at,
    )
    audit_record(
        actor=actor,
        on_behalf_of=on_behalf_of if on_behalf_of != actor else None,
        action=f"workflow.{locked.kind}.{action}",
        obj=locked.document,
        details={"from": source, "to": target, "note": note[:500], **(details or {})},
    )
    outbox_publish(
        topic="workflow.transition",
        payload={
            "process_id": locked.pk,
            "document_id": locked.document_id,
            "kind": locked.kind,
            "action": action,
            "from": source,
            "to": target,
            "actor_id": actor.pk if actor else None,
            "on_behalf_of_id": on_behalf_of.pk if on_behalf_of else None,
        },
    )
    return locked


# ---------------------------------------------------------------------------
# Work items: what each step leaves in someone's queue.


def work_item_open(
    *,
    process: Process,
    assignee: User,
    queue: str,
    due_at: datetime | None = None,
    assignment: Assignment | None = None,
    approval_task: ApprovalTask | None = None,
    title: str = "",
) -> WorkItem:
    """Put the process's document in `assignee`'s `queue` (one open item per
    person, queue and step)."""
    document = process.document
    existing = WorkItem.objects.filter(
        process=process,
        assignee=assignee,
        queue=queue,
        state=WorkItem.State.OPEN,
        assignment=assignment,
        approval_task=approval_task,
    ).first()
    if existing is not None:
        return existing
    return WorkItem.objects.create(
        organisation_id=process.organisation_id,
        assignee=assignee,
        queue=queue,
        urgency=document.urgency,
        title=(title or _document_title(document))[:500],
        due_at=due_at,
        document=document,
        process=process,
        assignment=assignment,
        approval_task=approval_task,
    )


def work_items_close(
    *,
    process: Process,
    by: User | None,
    queue: str | None = None,
    assignee: User | None = None,
    assignment: Assignment | None = None,
    approval_task: ApprovalTask | None = None,
    cancelled: bool = False,
    at: datetime | None = None,
) -> int:
    """Close the process's open items (those of one queue, person or step when
    given): done, or cancelled when the step no longer needs doing."""
    items = WorkItem.objects.filter(process=process, state=WorkItem.State.OPEN)
    if queue is not None:
        items = items.filter(queue=queue)
    if assignee is not None:
        items = items.filter(assignee=assignee)
    if assignment is not None:
        items = items.filter(assignment=assignment)
    if approval_task is not None:
        items = items.filter(approval_task=approval_task)
    return items.update(
        state=WorkItem.State.CANCELLED if cancelled else WorkItem.State.DONE,
        completed_at=at or timezone.now(),
        completed_by=by,
    )


def document_url(document: Document) -> str:
    """The document page, the link every notification of a step carries."""
    return reverse("documents:detail", args=[document.pk])


def grant_view(document: Document, people: Iterable[User]) -> None:
    """View permission for participants who do not see the document yet, and the
    search index told (documents.permissions_changed) that its readers changed."""
    granted = False
    for person in {p.pk: p for p in people}.values():
        fresh = User.objects.get(pk=person.pk)  # no stale permission cache
        if not fresh.has_perm(VIEW_DOCUMENT, document):
            assign_perm(VIEW_DOCUMENT_CODENAME, fresh, document)
            granted = True
    if granted:
        outbox_publish(
            topic="documents.permissions_changed",
            payload={"document_id": document.pk},
        )


def _document_title(document: Document) -> str:
    """The title a queue shows: the type, number and notation when known, then
    the trích yếu."""
    prefix = document.number_notation
    if document.direction == Document.Direction.INCOMING and document.register_number:
        prefix = f"{prefix} (số đến {document.register_number})".strip()
    return f"{prefix} — {document.subject}" if prefix else document.subject


def history(process: Process):
    """The process's moves, oldest first, with the people named."""
    return process.transitions.select_related("actor", "on_behalf_of").order_by(
        "created_at", "pk"
    )


def trace(process: Process):
    """The chain of assignments (TraceHeaderList): who passed the document to
    whom, with which directive and deadline, oldest first."""
    return (
        Assignment.objects.filter(process=process)
        .select_related("assignee", "assigned_by", "on_behalf_of", "unit")
        .order_by("created_at", "pk")
    )


def open_items_of(*, document: Document, person: User):
    """The person's open items on this document (for the page's buttons)."""
    return WorkItem.objects.filter(
        Q(document=document) & Q(assignee=person) & Q(state=WorkItem.State.OPEN)
    )
