"""Organisation administration (quản trị tổ chức) and acting for someone (xử lý thay).

Thin views: objects are found only through the permission-aware selectors (another
organisation's object is a 404), the services decide and write; a ValidationError is
shown on the form in the person's language, a PermissionDenied is a 403."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import (
    DelegationForm,
    PersonCreateForm,
    PersonUpdateForm,
    UnitForm,
    add_service_errors,
)
from .middleware import SESSION_KEY
from .selectors import (
    delegation_list_visible,
    organisation_list_managed,
    person_list_managed,
    person_list_visible,
)
from .services import (
    acting_for_start,
    delegation_create,
    delegation_revoke,
    person_create,
    person_update,
    unit_create,
)

# Status of a page re-rendered with the service's refusal on it.
INVALID = 400


def administrator_required(view):
    """Only for people who administer at least one organisation; the rest get 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not organisation_list_managed(user=request.user).exists():
            raise PermissionDenied(
                _("This section is for the administrators (quản trị) of an agency.")
            )
        return view(request, *args, **kwargs)

    return wrapper


def _managed_organisation(request, pk: int):
    return get_object_or_404(organisation_list_managed(user=request.user), pk=pk)


@administrator_required
def organisation_list(request):
    """The organisations the person administers, as a tree."""
    organisations = list(
        organisation_list_managed(user=request.user)
        .annotate(
            unit_count=Count("units", distinct=True),
            people_count=Count("people", distinct=True),
        )
        .order_by("path")
    )
    top = min(org.path.count("/") for org in organisations)
    for org in organisations:
        org.depth = min(org.path.count("/") - top, 5)
    return render(
        request, "directory/organisation_list.html", {"organisations": organisations}
    )


@administrator_required
def organisation_detail(request, pk: int):
    """One organisation: its units, its people and their roles, its delegations."""
    organisation = _managed_organisation(request, pk)
    people = (
        person_list_managed(user=request.user)
        .filter(organisation=organisation)
        .prefetch_related("roles")
        .order_by("position__rank", "full_name")
    )
    units = organisation.units.annotate(
        people_count=Count("people", filter=Q(people__is_active=True))
    )
    delegations = (
        delegation_list_visible(user=request.user)
        .filter(principal__organisation=organisation)
        .order_by("-starts_at")[:50]
    )
    return render(
        request,
        "directory/organisation_detail.html",
        {
            "organisation": organisation,
            "units": units,
            "people": people,
            "delegations": delegations,
            "now": timezone.now(),
        },
    )


@administrator_required
def unit_add(request, pk: int):
    organisation = _managed_organisation(request, pk)
    form = UnitForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                unit = unit_create(
                    organisation=organisation,
                    name=form.cleaned_data["name"],
                    short_name=form.cleaned_data["short_name"],
                    actor=request.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request, _("Unit “%(name)s” created.") % {"name": unit.name}
                )
                return redirect("directory:organisation", pk=organisation.pk)
        status = INVALID
    return render(
        request,
        "directory/unit_form.html",
        {"form": form, "organisation": organisation},
        status=status,
    )


@administrator_required
def person_add(request, pk: int):
    organisation = _managed_organisation(request, pk)
    form = PersonCreateForm(
        request.POST or None, user=request.user, organisation=organisation
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                person = person_create(
                    username=data["username"],
                    full_name=data["full_name"],
                    organisation=organisation,
                    unit=data["unit"],
                    position=data["position"],
                    email=data["email"],
                    phone=data["phone"],
                    password=data["password"],
                    roles=data["roles"],
                    actor=request.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc, aliases={"role": "roles"})
            else:
                messages.success(
                    request,
                    _("%(name)s can now sign in as %(username)s.")
                    % {"name": person.full_name, "username": person.username},
                )
                return redirect("directory:organisation", pk=organisation.pk)
        status = INVALID
    return render(
        request,
        "directory/person_form.html",
        {"form": form, "organisation": organisation, "person": None},
        status=status,
    )


@administrator_required
def person_edit(request, pk: int):
    person = get_object_or_404(person_list_managed(user=request.user), pk=pk)
    organisation = person.organisation
    current_roles = set(
        person.roles.filter(organisation=organisation).values_list("role", flat=True)
    )
    form = PersonUpdateForm(
        request.POST or None,
        user=request.user,
        organisation=organisation,
        initial={
            "full_name": person.full_name,
            "unit": person.unit_id,
            "position": person.position_id,
            "email": person.email,
            "phone": person.phone,
            "is_active": person.is_active,
            "roles": sorted(current_roles),
        },
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                person_update(
                    person=person,
                    full_name=data["full_name"],
                    unit=data["unit"],
                    position=data["position"],
                    email=data["email"],
                    phone=data["phone"],
                    is_active=data["is_active"],
                    roles=data["roles"],
                    actor=request.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc, aliases={"role": "roles"})
            else:
                messages.success(
                    request,
                    _("The changes to %(name)s are saved.")
                    % {"name": person.get_full_name()},
                )
                return redirect("directory:organisation", pk=organisation.pk)
        status = INVALID
    return render(
        request,
        "directory/person_form.html",
        {"form": form, "organisation": organisation, "person": person},
        status=status,
    )


@administrator_required
def delegation_add(request, pk: int):
    organisation = _managed_organisation(request, pk)
    form = DelegationForm(
        request.POST or None, user=request.user, organisation=organisation
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                delegation = delegation_create(
                    principal=data["principal"],
                    delegate=data["delegate"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                    reason=data["reason"],
                    actor=request.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("%(delegate)s may now act for %(principal)s.")
                    % {
                        "delegate": delegation.delegate.get_full_name(),
                        "principal": delegation.principal.get_full_name(),
                    },
                )
                return redirect("directory:organisation", pk=organisation.pk)
        status = INVALID
    return render(
        request,
        "directory/delegation_form.html",
        {"form": form, "organisation": organisation},
        status=status,
    )


@require_POST
@login_required
def delegation_end(request, pk: int):
    """Revoke a delegation (thu hồi ủy quyền): its principal or an administrator."""
    delegation = get_object_or_404(delegation_list_visible(user=request.user), pk=pk)
    delegation_revoke(delegation=delegation, actor=request.user)
    messages.success(
        request,
        _("The delegation from %(principal)s to %(delegate)s is revoked.")
        % {
            "principal": delegation.principal.get_full_name(),
            "delegate": delegation.delegate.get_full_name(),
        },
    )
    return _redirect_back(request)


def _redirect_back(request):
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "home"
    return redirect(target)


@require_POST
@login_required
def acting_for_begin(request):
    """Start acting for a principal under a delegation in force (xử lý thay)."""
    principal_id = request.POST.get("principal", "")
    if not principal_id.isdigit():
        raise Http404
    principal = get_object_or_404(
        person_list_visible(user=request.user), pk=principal_id
    )
    acting_for_start(delegate=request.user, principal=principal)
    request.session[SESSION_KEY] = principal.pk
    messages.success(
        request,
        _("You are now acting for %(name)s.") % {"name": principal.get_full_name()},
    )
    return _redirect_back(request)


@require_POST
@login_required
def acting_for_end(request):
    request.session.pop(SESSION_KEY, None)
    messages.info(request, _("You are acting for yourself again."))
    return _redirect_back(request)
