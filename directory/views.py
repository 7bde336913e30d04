"""Organisation administration (quản trị tổ chức) and acting for someone (xử lý thay).

Thin views: objects are found only through the permission-aware selectors (another
organisation's object is a 404), the services decide and write; a ValidationError is
shown on the form in the person's language, a PermissionDenied is a 403."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.blobstore import get_blob_store

from .forms import (
    DelegationForm,
    PersonCreateForm,
    PersonUpdateForm,
    SealImageForm,
    SignatureImageForm,
    UnitForm,
    add_service_errors,
)
from .images import MAX_IMAGE_BYTES
from .middleware import SESSION_KEY
from .models import User
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
    organisation_seal_image_set,
    person_create,
    person_signature_image_set,
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


# ---------------------------------------------------------------------------
# Signature and seal images


def _read_upload(upload) -> bytes:
    """An uploaded image's bytes; anything far larger than an image may be is
    cut short, so the check refuses it without reading it all."""
    return upload.read(MAX_IMAGE_BYTES + 1)


def _png_response(blob_id: str) -> HttpResponse:
    with get_blob_store().open(blob_id) as stream:
        response = HttpResponse(stream.read(), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


def _signature_person(request, pk: int) -> User:
    """The person whose signature image the requester may see and change:
    themselves, or someone of an organisation they administer."""
    if pk == request.user.pk:
        return request.user
    return get_object_or_404(person_list_managed(user=request.user), pk=pk)


def _image_post(request, form, *, remove, save, removed, saved, url):
    """The POST of a signature or seal image page: `remove()` when asked to,
    else `save(cleaned_data)` of a valid form, then back to `url` with the
    message `removed` or `saved`. None when nothing was done: the form holds
    the errors (the service's too)."""
    try:
        if request.POST.get("remove") == "1":
            remove()
            messages.success(request, removed)
            return redirect(url)
        if form.is_valid():
            save(form.cleaned_data)
            messages.success(request, saved)
            return redirect(url)
    except ValidationError as exc:
        add_service_errors(form, exc)
    return None


@login_required
def person_signature(request, pk: int):
    person = _signature_person(request, pk)
    form = SignatureImageForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        done = _image_post(
            request,
            form,
            remove=lambda: person_signature_image_set(
                person=person, data=None, actor=request.user
            ),
            save=lambda data: person_signature_image_set(
                person=person,
                data=_read_upload(data["signature_image"]),
                actor=request.user,
            ),
            removed=_("The signature image was removed."),
            saved=_("The signature image is saved."),
            url=reverse("directory:person_signature", args=[person.pk]),
        )
        if done:
            return done
        status = INVALID
    person.refresh_from_db(fields=["signature_image"])
    return render(
        request,
        "directory/stamp_image.html",
        {
            "form": form,
            "kind": "signature",
            "person": person,
            "organisation": person.organisation,
            "has_image": bool(person.signature_image_id),
            "image_url": reverse("directory:person_signature_png", args=[person.pk]),
            "can_manage_organisation": person.organisation is not None
            and organisation_list_managed(user=request.user)
            .filter(pk=person.organisation_id)
            .exists(),
        },
        status=status,
    )


@login_required
def person_signature_png(request, pk: int):
    person = _signature_person(request, pk)
    if not person.signature_image_id:
        raise Http404
    return _png_response(person.signature_image_id)


@administrator_required
def organisation_seal(request, pk: int):
    organisation = _managed_organisation(request, pk)
    form = SealImageForm(
        request.POST or None,
        request.FILES or None,
        initial={"seal_size_mm": organisation.seal_size_mm or 36},
    )
    status = 200
    if request.method == "POST":
        done = _image_post(
            request,
            form,
            remove=lambda: organisation_seal_image_set(
                organisation=organisation, data=None, actor=request.user
            ),
            save=lambda data: organisation_seal_image_set(
                organisation=organisation,
                data=_read_upload(data["seal_image"]),
                size_mm=data["seal_size_mm"],
                actor=request.user,
            ),
            removed=_("The seal image was removed."),
            saved=_("The seal image is saved."),
            url=reverse("directory:organisation_seal", args=[organisation.pk]),
        )
        if done:
            return done
        status = INVALID
    organisation.refresh_from_db(fields=["seal_image", "seal_size_mm"])
    return render(
        request,
        "directory/stamp_image.html",
        {
            "form": form,
            "kind": "seal",
            "organisation": organisation,
            "has_image": bool(organisation.seal_image_id),
            "image_url": reverse(
                "directory:organisation_seal_png", args=[organisation.pk]
            ),
            "can_manage_organisation": True,
        },
        status=status,
    )


@administrator_required
def organisation_seal_png(request, pk: int):
    organisation = _managed_organisation(request, pk)
    if not organisation.seal_image_id:
        raise Http404
    return _png_response(organisation.seal_image_id)
