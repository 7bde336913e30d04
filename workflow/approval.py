"""Approval of outgoing drafts (soạn thảo → góp ý → trình duyệt → ký): the
circuits an organisation configures per document type, and the services that move
a draft through one.

A circuit (quy trình duyệt) lists the steps before the signer: steps sharing a
group run in parallel, groups run in ascending order. Without a circuit for the
draft's type or a default one, a draft goes to the head of the drafter's unit
(when there is one other than the drafter) and then to the signer. The signer
(an agency leader chosen when the draft is submitted) is always the last
approver: his approval is his signature (workflow.issuing calls
`approval_signed` in the signing transaction).

Every move goes through workflow.engine.transition in the same transaction as
its bookkeeping: approval tasks (one per approver and submission round), work
items in the approvers' queues, notifications, view permission for the
participants."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from core.audit import audit_record
from directory.models import Organisation, Role, RoleAssignment, User
from directory.selectors import (
    delegation_principals_for,
    organisation_list_managed,
    roles_of,
)
from documents.models import Document, DocumentType, DraftVersion
from documents.permissions import REGISTRARS, VIEW_DOCUMENT_CODENAME
from documents.services import draft_comment_add

from . import engine
from .models import (
    ApprovalCircuit,
    ApprovalStep,
    ApprovalTask,
    Process,
    Queue,
    Transition,
)
from .notifications import notify

AWAITING_SIGNATURE = "awaiting_signature"
IN_APPROVAL = "in_approval"
DRAFTING = "drafting"
# The roles a ROLE step may name.
STEP_ROLES = (
    Role.LANH_DAO_DON_VI,
    Role.LANH_DAO_CO_QUAN,
    Role.CHUYEN_VIEN,
    Role.VAN_THU,
    Role.QUAN_TRI,
)


# ---------------------------------------------------------------------------
# Circuits: who may configure them, and the checks of a circuit.


def circuit_organisations(*, user: User) -> QuerySet[Organisation]:
    """The organisations whose circuits `user` may configure: those they
    administer (quản trị) and their own when they are an agency leader."""
    if not user.is_authenticated or not user.is_active:
        return Organisation.objects.none()
    managed = organisation_list_managed(user=user).values("pk")
    q = Q(pk__in=managed)
    if Role.LANH_DAO_CO_QUAN in roles_of(user=user):
        q |= Q(pk=user.organisation_id)
    return Organisation.objects.filter(q).order_by("name")


def can_configure_circuits(*, user: User, organisation: Organisation) -> bool:
    return circuit_organisations(user=user).filter(pk=organisation.pk).exists()


def circuit_list(*, user: User) -> QuerySet[ApprovalCircuit]:
    """The circuits of the organisations `user` may configure, active first."""
    return (
        ApprovalCircuit.objects.filter(
            organisation__in=circuit_organisations(user=user)
        )
        .select_related("organisation", "document_type")
        .prefetch_related("steps__person")
        .order_by("organisation__name", "-is_active", "document_type__name", "name")
    )


def circuit_get_configurable(*, user: User, pk: int) -> ApprovalCircuit | None:
    return circuit_list(user=user).filter(pk=pk).first()


def circuit_for(
    organisation: Organisation, document_type: DocumentType | None
) -> ApprovalCircuit | None:
    """The active circuit of the organisation for the type, else its active
    default circuit (no type), else None (the built-in default applies)."""
    active = ApprovalCircuit.objects.filter(organisation=organisation, is_active=True)
    if document_type is not None:
        own = active.filter(document_type=document_type).first()
        if own is not None:
            return own
    return active.filter(document_type__isnull=True).first()


@dataclass(frozen=True)
class StepSpec:
    """One step as entered on the circuit page (before it is stored)."""

    group: int
    kind: str
    person: User | None = None
    role: str = ""
    label: str = ""


def _check_steps(
    organisation: Organisation, steps: Iterable[StepSpec]
) -> list[StepSpec]:
    steps = list(steps)
    errors = []
    for number, step in enumerate(steps, start=1):
        where = {"n": number}
        if step.kind not in ApprovalStep.Kind.values:
            errors.append(_("Step %(n)s: choose who approves.") % where)
            continue
        if step.group is None or step.group < 1:
            errors.append(_("Step %(n)s: the order is a number from 1.") % where)
        if step.kind == ApprovalStep.Kind.PERSON:
            if step.person is None:
                errors.append(_("Step %(n)s: choose the person who approves.") % where)
            elif step.person.organisation_id != organisation.pk:
                errors.append(
                    _("Step %(n)s: %(name)s is not a person of %(organisation)s.")
                    % {**where, "name": step.person, "organisation": organisation}
                )
            elif not step.person.is_active:
                errors.append(
                    _("Step %(n)s: %(name)s can no longer sign in.")
                    % {**where, "name": step.person}
                )
        if step.kind == ApprovalStep.Kind.ROLE and step.role not in STEP_ROLES:
            errors.append(_("Step %(n)s: choose the role that approves.") % where)
        if len(step.label) > 100:
            errors.append(_("Step %(n)s: the label is too long.") % where)
    if errors:
        raise ValidationError(errors)
    return steps


def _check_circuit(
    *,
    organisation: Organisation,
    name: str,
    document_type: DocumentType | None,
    steps: Iterable[StepSpec],
    actor: User,
    circuit: ApprovalCircuit | None = None,
) -> tuple[str, list[StepSpec]]:
    if not can_configure_circuits(user=actor, organisation=organisation):
        raise PermissionDenied(
            _(
                "Only an administrator or a leader of the organisation may "
                "configure its approval circuits."
            )
        )
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(_("Give the circuit a name."))
    if len(name) > 200:
        raise ValidationError(_("The name is too long (200 characters at most)."))
    steps = _check_steps(organisation, steps)
    if circuit is None or circuit.is_active:
        clash = ApprovalCircuit.objects.filter(
            organisation=organisation, is_active=True, document_type=document_type
        )
        if document_type is None:
            clash = ApprovalCircuit.objects.filter(
                organisation=organisation, is_active=True, document_type__isnull=True
            )
        if circuit is not None:
            clash = clash.exclude(pk=circuit.pk)
        other = clash.first()
        if other is not None:
            if document_type is None:
                raise ValidationError(
                    _(
                        "The organisation already has a default circuit in use "
                        "(“%(name)s”): retire it first."
                    )
                    % {"name": other.name}
                )
            raise ValidationError(
                _(
                    "“%(type)s” already has a circuit in use (“%(name)s”): retire "
                    "it first."
                )
                % {"type": document_type.name, "name": other.name}
            )
    return name, steps


def _store_steps(circuit: ApprovalCircuit, steps: list[StepSpec]) -> None:
    circuit.steps.all().delete()
    ApprovalStep.objects.bulk_create(
        ApprovalStep(
            circuit=circuit,
            group=step.group,
            kind=step.kind,
            person=step.person if step.kind == ApprovalStep.Kind.PERSON else None,
            role=step.role if step.kind == ApprovalStep.Kind.ROLE else "",
            label=" ".join(step.label.split()),
        )
        for step in sorted(steps, key=lambda s: s.group)
    )


def _circuit_details(circuit: ApprovalCircuit, steps: list[StepSpec]) -> dict:
    return {
        "circuit": circuit.pk,
        "document_type": circuit.document_type_id,
        "steps": [
            {
                "group": s.group,
                "kind": s.kind,
                "person": s.person.pk if s.person else None,
                "role": s.role,
                "label": s.label,
            }
            for s in steps
        ],
    }


@transaction.atomic
def circuit_create(
    *,
    organisation: Organisation,
    name: str,
    document_type: DocumentType | None,
    steps: Iterable[StepSpec],
    actor: User,
) -> ApprovalCircuit:
    """A new circuit in use for the type (or the organisation's default)."""
    name, steps = _check_circuit(
        organisation=organisation,
        name=name,
        document_type=document_type,
        steps=steps,
        actor=actor,
    )
    circuit = ApprovalCircuit.objects.create(
        organisation=organisation, document_type=document_type, name=name
    )
    _store_steps(circuit, steps)
    audit_record(
        actor=actor,
        action="workflow.circuit_create",
        obj=circuit,
        details=_circuit_details(circuit, steps),
    )
    return circuit


@transaction.atomic
def circuit_update(
    *,
    circuit: ApprovalCircuit,
    name: str,
    document_type: DocumentType | None,
    steps: Iterable[StepSpec],
    actor: User,
) -> ApprovalCircuit:
    """Change a circuit's name, type and steps. Drafts already submitted keep
    the tasks they were given; the next submission uses the new steps."""
    circuit = ApprovalCircuit.objects.select_for_update().get(pk=circuit.pk)
    name, steps = _check_circuit(
        organisation=circuit.organisation,
        name=name,
        document_type=document_type,
        steps=steps,
        actor=actor,
        circuit=circuit,
    )
    circuit.name = name
    circuit.document_type = document_type
    circuit.save(update_fields=["name", "document_type"])
    _store_steps(circuit, steps)
    audit_record(
        actor=actor,
        action="workflow.circuit_update",
        obj=circuit,
        details=_circuit_details(circuit, steps),
    )
    return circuit


@transaction.atomic
def circuit_retire(*, circuit: ApprovalCircuit, actor: User) -> ApprovalCircuit:
    """Stop using a circuit (ngừng áp dụng): drafts submitted later follow the
    default. It is kept for the drafts that went through it."""
    circuit = ApprovalCircuit.objects.select_for_update().get(pk=circuit.pk)
    if not can_configure_circuits(user=actor, organisation=circuit.organisation):
        raise PermissionDenied(
            _(
                "Only an administrator or a leader of the organisation may "
                "configure its approval circuits."
            )
        )
    if not circuit.is_active:
        raise ValidationError(_("This circuit is no longer in use."))
    circuit.is_active = False
    circuit.save(update_fields=["is_active"])
    audit_record(actor=actor, action="workflow.circuit_retire", obj=circuit)
    return circuit


# ---------------------------------------------------------------------------
# Who approves


def role_holders(organisation: Organisation, role: str) -> QuerySet[User]:
    """The active people holding `role` in `organisation`, highest position
    first."""
    return (
        User.objects.filter(
            is_active=True,
            organisation=organisation,
            roles__organisation=organisation,
            roles__role=role,
        )
        .select_related("position", "unit")
        .order_by("position__rank", "full_name", "pk")
        .distinct()
    )


def signers_for(organisation: Organisation) -> QuerySet[User]:
    """Who may be chosen to sign: the agency leaders (lãnh đạo cơ quan)."""
    return role_holders(organisation, Role.LANH_DAO_CO_QUAN)


def unit_head(drafter: User) -> User | None:
    """The head of the drafter's unit (lãnh đạo đơn vị), if any."""
    if not drafter.unit_id:
        return None
    return (
        role_holders(drafter.organisation, Role.LANH_DAO_DON_VI)
        .filter(unit_id=drafter.unit_id)
        .first()
    )


def _is_signer_candidate(person: User, organisation: Organisation) -> bool:
    return (
        person.is_active
        and person.organisation_id == organisation.pk
        and RoleAssignment.objects.filter(
            user=person, organisation=organisation, role=Role.LANH_DAO_CO_QUAN
        ).exists()
    )


@dataclass(frozen=True)
class PlannedTask:
    group: int
    approver: User
    label: str
    is_signer: bool = False


def approval_plan(
    *,
    organisation: Organisation,
    document_type: DocumentType | None,
    drafter: User,
    signer: User,
    chosen: dict[int, User] | None = None,
) -> tuple[ApprovalCircuit | None, list[PlannedTask]]:
    """The tasks a submission creates: the circuit's steps resolved to people
    (groups renumbered 1..n, the drafter and the signer left out of them, a ROLE
    step given to the person chosen at submission or to the first holder), then
    the signer alone in the last group."""
    chosen = chosen or {}
    circuit = circuit_for(organisation, document_type)
    groups: dict[int, list[tuple[User, str]]] = {}
    if circuit is None:
        head = unit_head(drafter)
        if head is not None:
            groups[1] = [(head, _("Head of the unit"))]
    else:
        for step in circuit.steps.select_related("person").order_by("group", "pk"):
            approver = None
            if step.kind == ApprovalStep.Kind.UNIT_HEAD:
                approver = unit_head(drafter)
            elif step.kind == ApprovalStep.Kind.PERSON:
                approver = (
                    step.person if step.person and step.person.is_active else None
                )
            elif step.kind == ApprovalStep.Kind.ROLE:
                holders = role_holders(organisation, step.role)
                picked = chosen.get(step.pk)
                if picked is not None:
                    if not holders.filter(pk=picked.pk).exists():
                        raise ValidationError(
                            _("%(name)s does not hold the role of step “%(step)s”.")
                            % {"name": picked, "step": step}
                        )
                    approver = picked
                else:
                    approver = holders.exclude(pk__in=[drafter.pk, signer.pk]).first()
            if approver is None:
                continue
            groups.setdefault(step.group, []).append((approver, str(step)))
    planned: list[PlannedTask] = []
    number = 0
    for _group, members in sorted(groups.items()):
        seen = set()
        kept = []
        for approver, label in members:
            if approver.pk in (drafter.pk, signer.pk) or approver.pk in seen:
                continue
            seen.add(approver.pk)
            kept.append((approver, label))
        if not kept:
            continue
        number += 1
        planned += [PlannedTask(number, a, label) for a, label in kept]
    planned.append(PlannedTask(number + 1, signer, _("Signs"), is_signer=True))
    return circuit, planned


# ---------------------------------------------------------------------------
# Bookkeeping shared by the moves


def _open_turn(process: Process, tasks: Iterable[ApprovalTask]) -> None:
    """Make `tasks` pending: an APPROVE item (SIGN for the signer) and a
    notification each."""
    document = process.document
    for task in tasks:
        task.state = ApprovalTask.State.PENDING
        task.save(update_fields=["state"])
        queue = Queue.SIGN if task.is_signer else Queue.APPROVE
        engine.work_item_open(
            process=process,
            assignee=task.approver,
            queue=queue,
            due_at=process.due_at,
            approval_task=task,
        )
        if task.is_signer:
            title = _("A draft is approved and waits for your signature: %(s)s")
        else:
            title = _("A draft waits for your approval: %(s)s")
        notify(
            recipient=task.approver,
            kind="sign" if task.is_signer else "approve",
            title=title % {"s": document.subject},
            url=engine.document_url(document),
            document=document,
            key=f"{queue}:{task.pk}",
        )


def _close_round(process: Process, by: User, *, keep: ApprovalTask | None = None):
    """Cancel the round's open tasks (but `keep`) and close their items."""
    now = timezone.now()
    open_tasks = ApprovalTask.objects.filter(
        process=process,
        round=process.round,
        state__in=[ApprovalTask.State.PENDING, ApprovalTask.State.WAITING],
    )
    if keep is not None:
        open_tasks = open_tasks.exclude(pk=keep.pk)
    open_tasks.update(state=ApprovalTask.State.CANCELLED, acted_at=now)
    for queue in (Queue.APPROVE, Queue.SIGN):
        engine.work_items_close(
            process=process, by=by, queue=queue, cancelled=True, at=now
        )


def _act(
    task: ApprovalTask, state: str, actor: User, on_behalf_of: User | None, comment=""
):
    task.state = state
    task.comment = comment
    task.acted_by = actor
    task.on_behalf_of = (
        on_behalf_of if on_behalf_of and on_behalf_of.pk != actor.pk else None
    )
    task.acted_at = timezone.now()
    task.save(
        update_fields=["state", "comment", "acted_by", "on_behalf_of", "acted_at"]
    )
    engine.work_items_close(process=task.process, by=actor, approval_task=task)


def _pending_task(process: Process, person: User) -> ApprovalTask:
    task = (
        ApprovalTask.objects.select_for_update()
        .filter(
            process=process,
            round=process.round,
            state=ApprovalTask.State.PENDING,
            approver=person,
        )
        .first()
    )
    if task is None:
        raise PermissionDenied(_("This draft is not waiting for your approval."))
    return task


def _outgoing_process(document: Document) -> Process:
    if document.direction != Document.Direction.OUTGOING:
        raise ValidationError(_("Only an outgoing draft goes through approval."))
    process = engine.process_for(document)
    if process.kind != Process.Kind.OUTGOING:
        raise ValidationError(_("Only an outgoing draft goes through approval."))
    return process


# ---------------------------------------------------------------------------
# The moves


@transaction.atomic
def draft_submit(
    *,
    document: Document,
    signer: User,
    actor: User,
    on_behalf_of: User | None = None,
    note: str = "",
    revision: int | None = None,
    chosen: dict[int, User] | None = None,
) -> Process:
    """Trình duyệt: the drafter submits the draft to its circuit with the leader
    who will sign it. A new round starts: a task for every approver of the
    circuit (see approval_plan) and the signer's last; the first group's
    approvers get the draft in their "to approve" queue, or the signer in his
    "to sign" queue when nobody approves before him. `chosen` maps a ROLE step's
    pk to the person picked for it."""
    process = _outgoing_process(document)
    locked = engine.process_lock(process)
    document = locked.document
    if document.state != Document.State.DRAFT:
        raise ValidationError(_("Only a draft can be submitted for approval."))
    person = engine.acting_person(actor=actor, on_behalf_of=on_behalf_of)
    engine.GUARDS["drafter"](locked, person)
    if signer is None or not _is_signer_candidate(signer, locked.organisation):
        raise ValidationError(
            _("The signer must be a leader (lãnh đạo cơ quan) of %(organisation)s.")
            % {"organisation": locked.organisation}
        )
    drafter = locked.drafter or person
    circuit, planned = approval_plan(
        organisation=locked.organisation,
        document_type=document.document_type,
        drafter=drafter,
        signer=signer,
        chosen=chosen,
    )
    straight_to_signer = len(planned) == 1
    target = AWAITING_SIGNATURE if straight_to_signer else IN_APPROVAL
    round_ = locked.round + 1
    locked = engine.transition(
        process=locked,
        action="submit",
        actor=actor,
        on_behalf_of=on_behalf_of,
        revision=revision,
        target=target,
        note=note,
        details={
            "round": round_,
            "signer": signer.pk,
            "circuit": circuit.pk if circuit else None,
            "approvers": [t.approver.pk for t in planned],
            "draft_version": _latest_draft_number(document),
        },
    )
    locked.drafter = drafter
    locked.signer = signer
    locked.circuit = circuit
    locked.round = round_
    locked.current_group = 1
    locked.save(
        update_fields=["drafter", "signer", "circuit", "round", "current_group"]
    )
    tasks = ApprovalTask.objects.bulk_create(
        ApprovalTask(
            process=locked,
            round=round_,
            group=t.group,
            is_signer=t.is_signer,
            label=t.label[:100],
            approver=t.approver,
        )
        for t in planned
    )
    # The drafter's own "to revise" item (after a return) is done.
    engine.work_items_close(
        process=locked, by=actor, queue=Queue.HANDLE, assignee=drafter
    )
    engine.grant_view(document, [t.approver for t in planned])
    _open_turn(locked, [t for t in tasks if t.group == 1])
    process.__dict__.update(
        {k: getattr(locked, k) for k in ("state", "revision", "round", "signer_id")}
    )
    return locked


def _next_group(process: Process) -> list[ApprovalTask]:
    following = ApprovalTask.objects.filter(
        process=process,
        round=process.round,
        state=ApprovalTask.State.WAITING,
        group__gt=process.current_group,
    ).select_related("approver")
    first = following.order_by("group").values_list("group", flat=True).first()
    if first is None:
        return []
    return list(following.filter(group=first))


@transaction.atomic
def approval_approve(
    *,
    process: Process,
    actor: User,
    on_behalf_of: User | None = None,
    comment: str = "",
    revision: int | None = None,
) -> Process:
    """Duyệt: the actor (or the person they act for) approves their pending
    step. When the whole group has approved, the next group's turn begins; when
    that is the signer's, the draft waits for his signature."""
    locked = engine.process_lock(process)
    person = engine.acting_person(actor=actor, on_behalf_of=on_behalf_of)
    task = (
        ApprovalTask.objects.filter(
            process=locked,
            round=locked.round,
            state=ApprovalTask.State.PENDING,
            approver=person,
            is_signer=False,
        ).first()
        if locked.state == IN_APPROVAL
        else None
    )
    target = IN_APPROVAL
    following: list[ApprovalTask] = []
    if task is not None:
        others = ApprovalTask.objects.filter(
            process=locked,
            round=locked.round,
            group=task.group,
            state=ApprovalTask.State.PENDING,
        ).exclude(pk=task.pk)
        if not others.exists():
            following = _next_group(locked)
            if following and following[0].is_signer:
                target = AWAITING_SIGNATURE
    # The engine refuses a stale page, a wrong state and a person without a
    # pending step, before anything changes.
    locked = engine.transition(
        process=locked,
        action="approve",
        actor=actor,
        on_behalf_of=on_behalf_of,
        revision=revision,
        target=target,
        note=comment,
        details={"round": locked.round, "group": task.group if task else None},
    )
    task = _pending_task(locked, person)
    if task.is_signer:
        raise PermissionDenied(_("The signer approves by signing the document."))
    _act(task, ApprovalTask.State.APPROVED, actor, on_behalf_of, comment)
    if following:
        locked.current_group = following[0].group
        locked.save(update_fields=["current_group"])
        _open_turn(locked, following)
    process.__dict__.update(
        {k: getattr(locked, k) for k in ("state", "revision", "current_group")}
    )
    return locked


def _comment_on_latest_version(document: Document, text: str, actor: User) -> None:
    version = document.draft_versions.order_by("-number").first()
    if version is None:
        return
    if not actor.has_perm("documents.view_document", document):
        assign_perm(VIEW_DOCUMENT_CODENAME, actor, document)
        actor = User.objects.get(pk=actor.pk)  # a fresh permission cache
    draft_comment_add(version=version, text=text, actor=actor)


@transaction.atomic
def approval_return(
    *,
    process: Process,
    actor: User,
    comment: str,
    on_behalf_of: User | None = None,
    revision: int | None = None,
) -> Process:
    """Trả lại: the approver (or the signer) sends the draft back to the drafter
    with what to change. The round ends (its open tasks are cancelled), the
    comment is kept as a góp ý on the latest draft version, and the drafter gets
    the draft in their "to handle" queue to revise and submit again."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(_("Write what the drafter should change."))
    locked = engine.transition(
        process=process,
        action="return",
        actor=actor,
        on_behalf_of=on_behalf_of,
        revision=revision,
        target=DRAFTING,
        note=comment,
        details={"round": process.round},
    )
    person = engine.acting_person(actor=actor, on_behalf_of=on_behalf_of)
    task = _pending_task(locked, person)
    _act(task, ApprovalTask.State.RETURNED, actor, on_behalf_of, comment)
    _close_round(locked, actor)
    locked.current_group = 0
    locked.save(update_fields=["current_group"])
    document = locked.document
    _comment_on_latest_version(document, comment, actor)
    if locked.drafter is not None:
        engine.work_item_open(
            process=locked,
            assignee=locked.drafter,
            queue=Queue.HANDLE,
            due_at=locked.due_at,
            title=_("To revise: %(s)s") % {"s": document.subject},
        )
        notify(
            recipient=locked.drafter,
            kind="returned",
            title=_("Your draft was returned for revision: %(s)s")
            % {"s": document.subject},
            body=comment,
            url=engine.document_url(document),
            document=document,
            key=f"returned:{task.pk}",
        )
    process.__dict__.update({k: getattr(locked, k) for k in ("state", "revision")})
    return locked


@transaction.atomic
def approval_forward(
    *,
    process: Process,
    actor: User,
    to: User,
    comment: str = "",
    on_behalf_of: User | None = None,
    revision: int | None = None,
) -> Process:
    """Chuyển tiếp: the approver hands their step to another person of the
    organisation, who approves in their place (same group). The signer may hand
    the signature to another leader, who then becomes the signer."""
    locked = engine.process_lock(process)
    person = engine.acting_person(actor=actor, on_behalf_of=on_behalf_of)
    if to is None or to.organisation_id != locked.organisation_id or not to.is_active:
        raise ValidationError(
            _("Forward only to a person of %(organisation)s.")
            % {"organisation": locked.organisation}
        )
    if to.pk in (person.pk, actor.pk):
        raise ValidationError(_("Choose someone other than yourself."))
    locked = engine.transition(
        process=locked,
        action="forward",
        actor=actor,
        on_behalf_of=on_behalf_of,
        revision=revision,
        target=locked.state,
        note=comment,
        details={"round": locked.round, "to": to.pk},
    )
    task = _pending_task(locked, person)
    if task.is_signer and not _is_signer_candidate(to, locked.organisation):
        raise ValidationError(
            _("The signature can only be handed to a leader of %(organisation)s.")
            % {"organisation": locked.organisation}
        )
    if ApprovalTask.objects.filter(
        process=locked,
        round=locked.round,
        group=task.group,
        approver=to,
        state=ApprovalTask.State.PENDING,
    ).exists():
        raise ValidationError(
            _("%(name)s already has this step to approve.") % {"name": to}
        )
    _act(task, ApprovalTask.State.FORWARDED, actor, on_behalf_of, comment)
    new = ApprovalTask.objects.create(
        process=locked,
        round=locked.round,
        group=task.group,
        is_signer=task.is_signer,
        label=task.label,
        approver=to,
        forwarded_from=task,
    )
    if task.is_signer:
        locked.signer = to
        locked.save(update_fields=["signer"])
    engine.grant_view(locked.document, [to])
    _open_turn(locked, [new])
    process.__dict__.update(
        {k: getattr(locked, k) for k in ("state", "revision", "signer_id")}
    )
    return locked


@transaction.atomic
def draft_withdraw(
    *,
    process: Process,
    actor: User,
    on_behalf_of: User | None = None,
    note: str = "",
    revision: int | None = None,
) -> Process:
    """Rút lại: the drafter takes the draft back from approval (to change it);
    the round's open steps are cancelled."""
    locked = engine.transition(
        process=process,
        action="withdraw",
        actor=actor,
        on_behalf_of=on_behalf_of,
        revision=revision,
        target=DRAFTING,
        note=note,
        details={"round": process.round},
    )
    _close_round(locked, actor)
    locked.current_group = 0
    locked.save(update_fields=["current_group"])
    process.__dict__.update({k: getattr(locked, k) for k in ("state", "revision")})
    return locked


def approval_signed(
    *, document: Document, actor: User, on_behalf_of: User | None, details: dict
) -> Process:
    """The signer's signature is stored (workflow.issuing, in its transaction):
    the signer's step is approved, the process moves to "signed" and every
    records clerk (văn thư) of the organisation gets the document to number and
    seal (the first to act closes the others' items)."""
    process = engine.process_for(document)
    locked = engine.transition(
        process=process,
        action="sign",
        actor=actor,
        on_behalf_of=on_behalf_of,
        details=details,
    )
    person = engine.acting_person(actor=actor, on_behalf_of=on_behalf_of)
    task = (
        ApprovalTask.objects.filter(
            process=locked,
            round=locked.round,
            is_signer=True,
            approver=person,
            state=ApprovalTask.State.PENDING,
        )
        .select_related("process")
        .first()
    )
    if task is not None:
        _act(task, ApprovalTask.State.APPROVED, actor, on_behalf_of)
    engine.work_items_close(process=locked, by=actor, queue=Queue.SIGN)
    clerks = User.objects.filter(
        is_active=True,
        organisation_id=locked.organisation_id,
        roles__organisation_id=locked.organisation_id,
        roles__role__in=REGISTRARS,
    ).distinct()
    for clerk in clerks:
        engine.work_item_open(
            process=locked,
            assignee=clerk,
            queue=Queue.NUMBER_SEAL,
            due_at=locked.due_at,
        )
        notify(
            recipient=clerk,
            kind="number_seal",
            title=_("Signed, to number and seal: %(s)s") % {"s": document.subject},
            url=engine.document_url(document),
            document=document,
            key=f"number_seal:{locked.pk}:{clerk.pk}",
        )
    return locked


def _latest_draft_number(document: Document) -> int | None:
    return (
        document.draft_versions.order_by("-number")
        .values_list("number", flat=True)
        .first()
    )


def changed_since_submitted(process: Process) -> bool:
    """Whether the draft has a newer version (dự thảo) than the one submitted in
    the current round: what the approvers approved is not what would be signed."""
    submitted = (
        Transition.objects.filter(process=process, action="submit")
        .order_by("-created_at", "-pk")
        .values_list("details", flat=True)
        .first()
    )
    number = (submitted or {}).get("draft_version")
    return number is not None and _latest_draft_number(process.document) != number


def awaiting_signature_of(*, document: Document, person: User) -> bool:
    """Whether the draft waits for `person`'s signature now."""
    process = Process.objects.filter(document=document).only("state", "signer").first()
    return (
        process is not None
        and process.state == AWAITING_SIGNATURE
        and process.signer_id == person.pk
    )


def signable_by(user: User) -> Q:
    """Documents (as a Q on Document) waiting for the signature of `user` or of
    someone `user` may sign for now (ủy quyền in force)."""
    signers = [
        user.pk,
        *delegation_principals_for(user=user).values_list("pk", flat=True),
    ]
    return Q(process__state=AWAITING_SIGNATURE, process__signer_id__in=signers)


# ---------------------------------------------------------------------------
# Reads for the document page


def approval_rounds(process: Process) -> list[dict]:
    """The process's approval tasks by round (newest first) and group."""
    tasks = (
        ApprovalTask.objects.filter(process=process)
        .select_related(
            "approver", "acted_by", "on_behalf_of", "forwarded_from__approver"
        )
        .order_by("-round", "group", "pk")
    )
    rounds: dict[int, dict[int, list[ApprovalTask]]] = {}
    for task in tasks:
        rounds.setdefault(task.round, {}).setdefault(task.group, []).append(task)
    return [
        {
            "number": number,
            "current": number == process.round,
            "groups": [
                {"number": g, "tasks": members, "parallel": len(members) > 1}
                for g, members in sorted(groups.items())
            ],
        }
        for number, groups in rounds.items()
    ]


def latest_draft_version(document: Document) -> DraftVersion | None:
    return document.draft_versions.order_by("-number").first()
