"""The approval circuits page (quy trình duyệt) for an organisation's
administrators and agency leaders: list, create, edit and retire circuits. The
steps are rows of the form (order, approver kind, person or role, label); rows
left blank are ignored. The checks are workflow.approval's."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from directory.models import Organisation, Role, User
from documents.models import DocumentType
from documents.selectors import document_types_in_use

from . import approval
from .models import ApprovalCircuit, ApprovalStep

EMPTY_ROWS = 3
INVALID = 400


def _organisations(request):
    organisations = approval.circuit_organisations(user=request.user)
    if not organisations.exists():
        raise PermissionDenied(
            _(
                "Only an administrator or a leader of the organisation may "
                "configure its approval circuits."
            )
        )
    return organisations


@login_required
def circuit_list(request):
    organisations = list(_organisations(request))
    circuits = list(approval.circuit_list(user=request.user))
    by_org = [
        {
            "organisation": organisation,
            "circuits": [c for c in circuits if c.organisation_id == organisation.pk],
        }
        for organisation in organisations
    ]
    return render(
        request,
        "workflow/circuits/list.html",
        {"by_org": by_org, "several": len(organisations) > 1},
    )


def _rows_from_post(post) -> list[dict]:
    rows = []
    index = 0
    while f"step-{index}-kind" in post:
        rows.append(
            {
                "group": post.get(f"step-{index}-group", "").strip(),
                "kind": post.get(f"step-{index}-kind", "").strip(),
                "person": post.get(f"step-{index}-person", "").strip(),
                "role": post.get(f"step-{index}-role", "").strip(),
                "label": post.get(f"step-{index}-label", "").strip(),
            }
        )
        index += 1
    return rows


def _rows_from_circuit(circuit: ApprovalCircuit | None) -> list[dict]:
    if circuit is None:
        return []
    return [
        {
            "group": str(step.group),
            "kind": step.kind,
            "person": str(step.person_id or ""),
            "role": step.role,
            "label": step.label,
        }
        for step in circuit.steps.order_by("group", "pk")
    ]


def _specs(rows: list[dict]) -> list[approval.StepSpec]:
    """The filled rows as steps; a row with a label or a person but no approver
    kind is a step without an approver (the service refuses it)."""
    specs = []
    for row in rows:
        if not (row["kind"] or row["person"] or row["role"] or row["label"]):
            continue
        try:
            group = int(row["group"] or 1)
        except ValueError:
            group = 0
        person = None
        if row["person"]:
            try:
                person = User.objects.filter(pk=int(row["person"])).first()
            except ValueError:
                person = None
        specs.append(
            approval.StepSpec(
                group=group,
                kind=row["kind"],
                person=person,
                role=row["role"],
                label=row["label"],
            )
        )
    return specs


def _document_type(value: str) -> DocumentType | None:
    if not value:
        return None
    try:
        return DocumentType.objects.filter(pk=int(value)).first()
    except ValueError:
        return None


def _form_context(organisation, circuit, rows, values, errors) -> dict:
    while len(rows) < len([r for r in rows if r["kind"]]) + EMPTY_ROWS:
        rows.append({"group": "", "kind": "", "person": "", "role": "", "label": ""})
    return {
        "organisation": organisation,
        "circuit": circuit,
        "rows": rows,
        "values": values,
        "errors": errors,
        "document_types": document_types_in_use(),
        "people": User.objects.filter(organisation=organisation, is_active=True)
        .select_related("position", "unit")
        .order_by("full_name", "pk"),
        "kinds": ApprovalStep.Kind.choices,
        "roles": [(r, Role(r).label) for r in approval.STEP_ROLES],
    }


def _circuit_form(request, organisation: Organisation, circuit=None):
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        rows = _rows_from_post(request.POST)
        values = {
            "name": request.POST.get("name", ""),
            "document_type": request.POST.get("document_type", ""),
        }
        document_type = _document_type(values["document_type"])
        try:
            if circuit is None:
                saved = approval.circuit_create(
                    organisation=organisation,
                    name=values["name"],
                    document_type=document_type,
                    steps=_specs(rows),
                    actor=request.user,
                )
            else:
                saved = approval.circuit_update(
                    circuit=circuit,
                    name=values["name"],
                    document_type=document_type,
                    steps=_specs(rows),
                    actor=request.user,
                )
        except ValidationError as error:
            errors = error.messages
            status = INVALID
        else:
            messages.success(
                request,
                _("The circuit “%(name)s” is saved.") % {"name": saved.name},
            )
            return redirect("workflow:circuits")
    else:
        rows = _rows_from_circuit(circuit)
        values = {
            "name": circuit.name if circuit else "",
            "document_type": str(circuit.document_type_id or "") if circuit else "",
        }
    return render(
        request,
        "workflow/circuits/form.html",
        _form_context(organisation, circuit, rows, values, errors),
        status=status,
    )


@login_required
def circuit_new(request):
    organisations = _organisations(request)
    wanted = request.POST.get("organisation") or request.GET.get("organisation")
    if wanted:
        try:
            organisation = organisations.filter(pk=int(wanted)).first()
        except ValueError:
            organisation = None
        if organisation is None:
            raise Http404
    else:
        organisation = organisations.filter(pk=request.user.organisation_id).first()
        organisation = organisation or organisations.first()
    return _circuit_form(request, organisation)


@login_required
def circuit_edit(request, pk: int):
    circuit = approval.circuit_get_configurable(user=request.user, pk=pk)
    if circuit is None:
        raise Http404
    return _circuit_form(request, circuit.organisation, circuit)


@require_POST
@login_required
def circuit_retire(request, pk: int):
    circuit = approval.circuit_get_configurable(user=request.user, pk=pk)
    if circuit is None:
        raise Http404
    try:
        approval.circuit_retire(circuit=circuit, actor=request.user)
    except (ValidationError, PermissionDenied) as error:
        messages.error(
            request,
            " ".join(error.messages)
            if isinstance(error, ValidationError)
            else str(error),
        )
    else:
        messages.success(
            request,
            _("The circuit “%(name)s” is no longer in use.") % {"name": circuit.name},
        )
    return redirect("workflow:circuits")
