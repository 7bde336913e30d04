"""The approval panel of an outgoing draft on the document page (trình duyệt,
duyệt, trả lại, chuyển tiếp, rút lại) and its POST views.

The panel shows every submission round with its steps, approvers, states and
comments (and who acted for whom), and the forms of the actions the person (or
the leader they act for) may take now (workflow.engine.allowed_actions). Each
form carries the process's revision: a page drawn before someone else acted is
refused with ConcurrentChange's message. The rules are workflow.approval's."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from directory.models import User
from documents.models import Document
from documents.panels import Panel

from . import approval, engine
from .models import ApprovalStep, ApprovalTask, Process
from .web import act_on_document
from .web import person as _person
from .web import posted_revision as _revision


def _submit_context(process: Process, document: Document, person: User) -> dict:
    organisation = document.organisation
    circuit = approval.circuit_for(organisation, document.document_type)
    role_steps = []
    if circuit is not None:
        for step in circuit.steps.filter(kind=ApprovalStep.Kind.ROLE):
            holders = list(
                approval.role_holders(organisation, step.role).exclude(pk=person.pk)
            )
            if len(holders) > 1:
                role_steps.append({"step": step, "holders": holders})
    steps = (
        list(circuit.steps.select_related("person").order_by("group", "pk"))
        if circuit
        else []
    )
    return {
        "signers": list(approval.signers_for(organisation)),
        "signer_id": process.signer_id,
        "circuit": circuit,
        "circuit_steps": steps,
        "role_steps": role_steps,
        "unit_head": approval.unit_head(process.drafter or person)
        if circuit is None
        else None,
    }


def _pending_task(process: Process, person: User) -> ApprovalTask | None:
    return (
        ApprovalTask.objects.filter(
            process=process,
            round=process.round,
            state=ApprovalTask.State.PENDING,
            approver=person,
        )
        .select_related("forwarded_from")
        .first()
    )


def _forward_candidates(process: Process, task: ApprovalTask, person: User):
    organisation = process.organisation
    if task.is_signer:
        people = approval.signers_for(organisation)
    else:
        people = User.objects.filter(
            organisation=organisation, is_active=True
        ).select_related("position", "unit")
    return list(
        people.exclude(pk=person.pk)
        .exclude(pk=process.drafter_id or 0)
        .order_by("full_name", "pk")
    )


def approval_panels(request, document) -> list[Panel]:
    """The approval panel of an outgoing draft, and of an outgoing document that
    went through approval (its rounds stay readable)."""
    if document.direction != Document.Direction.OUTGOING:
        return []
    process = Process.objects.filter(document=document).first()
    if process is None:
        if document.state != Document.State.DRAFT:
            return []
        process = engine.process_for(document)
    if process.kind != Process.Kind.OUTGOING:
        return []
    if document.state != Document.State.DRAFT and not process.round:
        return []
    user = request.user
    person = request.acting_for or user
    actions = (
        engine.allowed_actions(process, person)
        if document.state == Document.State.DRAFT
        else set()
    )
    actions &= {"submit", "approve", "return", "forward", "withdraw"}
    context = {
        "document": document,
        "process": process,
        "state_label": engine.state_label(process.kind, process.state),
        "rounds": approval.approval_rounds(process),
        "actions": actions,
        "acting_for": request.acting_for,
        "revision": process.revision,
        "can_configure": document.state == Document.State.DRAFT
        and approval.can_configure_circuits(
            user=user, organisation=document.organisation
        ),
    }
    if "submit" in actions:
        context.update(_submit_context(process, document, person))
    task = _pending_task(process, person) if actions - {"submit", "withdraw"} else None
    if task is not None:
        context["task"] = task
        context["forward_to"] = _forward_candidates(process, task, person)
    return [Panel("workflow/approval/panel.html", context, "main", 20)]


# ---------------------------------------------------------------------------
# POST views


def _process(document: Document) -> Process:
    process = Process.objects.filter(document=document).first()
    if process is None or process.kind != Process.Kind.OUTGOING:
        raise ValidationError(_("This document has no approval."))
    return process


def _act(request, pk: int, run, success: str):
    return act_on_document(request, pk, run, success, "#approval")


@require_POST
@login_required
def draft_submit(request, pk: int):
    """Trình duyệt: the drafter submits the draft with the leader who signs."""
    chosen = {}
    for key, value in request.POST.items():
        step = key.removeprefix("role-")
        if key.startswith("role-") and step.isdigit() and value:
            person = _person(value)
            if person is not None:
                chosen[int(step)] = person

    def run(document):
        approval.draft_submit(
            document=document,
            signer=_person(request.POST.get("signer")),
            actor=request.user,
            on_behalf_of=request.acting_for,
            note=request.POST.get("note", "").strip(),
            revision=_revision(request),
            chosen=chosen,
        )

    return _act(request, pk, run, _("The draft is submitted for approval."))


@require_POST
@login_required
def approve(request, pk: int):
    def run(document):
        approval.approval_approve(
            process=_process(document),
            actor=request.user,
            on_behalf_of=request.acting_for,
            comment=request.POST.get("comment", "").strip(),
            revision=_revision(request),
        )

    return _act(request, pk, run, _("You approved the draft."))


@require_POST
@login_required
def send_back(request, pk: int):
    def run(document):
        approval.approval_return(
            process=_process(document),
            actor=request.user,
            on_behalf_of=request.acting_for,
            comment=request.POST.get("comment", ""),
            revision=_revision(request),
        )

    return _act(
        request, pk, run, _("The draft is returned to its drafter with your comments.")
    )


@require_POST
@login_required
def forward(request, pk: int):
    def run(document):
        approval.approval_forward(
            process=_process(document),
            actor=request.user,
            on_behalf_of=request.acting_for,
            to=_person(request.POST.get("to")),
            comment=request.POST.get("comment", "").strip(),
            revision=_revision(request),
        )

    return _act(request, pk, run, _("The draft is forwarded."))


@require_POST
@login_required
def withdraw(request, pk: int):
    def run(document):
        approval.draft_withdraw(
            process=_process(document),
            actor=request.user,
            on_behalf_of=request.acting_for,
            note=request.POST.get("note", "").strip(),
            revision=_revision(request),
        )

    return _act(
        request, pk, run, _("The draft is withdrawn from approval: you can change it.")
    )
