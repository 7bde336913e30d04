"""The certificate registry pages (chứng thư số): a person's own certificates and,
for a văn thư or an administrator, their organisation's seal certificates; the
registration of a PKCS#12 file or of a certificate whose key stays on the
signer's own device; taking a certificate out of use; a fresh revocation check.

Views stay thin: the rules and refusals are signing.services' (their Vietnamese
messages are shown on the form, nothing is stored then)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from directory.models import Role
from directory.selectors import can_manage_organisation, roles_of

from . import services
from .forms import (
    HOLDER_ORGANISATION,
    DeactivateForm,
    Pkcs12RegisterForm,
    RemoteRegisterForm,
)
from .models import Certificate, RevocationStatus
from .selectors import certificate_list_expiring, certificate_list_visible
from .signers import SigningError


def may_register_seal(user) -> bool:
    """Whether `user` may register their organisation's seal certificate: its
    văn thư or an administrator of it (signing.services' rule)."""
    organisation = user.organisation
    if organisation is None:
        return False
    return Role.VAN_THU in roles_of(user=user) or can_manage_organisation(
        user=user, organisation=organisation
    )


def _holder(form, user) -> dict:
    if form.cleaned_data["holder"] == HOLDER_ORGANISATION:
        return {"organisation": user.organisation}
    return {"person": user}


def _form_kwargs(user) -> dict:
    return {
        "organisation": user.organisation,
        "may_register_seal": may_register_seal(user),
    }


def days_left(certificate: Certificate, now) -> int:
    return (certificate.not_after - now).days


def issuer_name(certificate: Certificate) -> str:
    """The issuer's common name out of the stored human-friendly name
    ("Common Name: X, Organization: Y, ..."), or the whole name."""
    head, found, rest = certificate.issuer.partition("Common Name: ")
    return rest.split(", ")[0] if found else certificate.issuer


@login_required
def certificate_list(request):
    user = request.user
    now = timezone.now()
    expiring = {row.pk for row in certificate_list_expiring(user=user, at=now)}
    rows = list(
        certificate_list_visible(user=user)
        .select_related("registered_by")
        .annotate(
            seal_first=Case(
                When(organisation__isnull=False, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("-is_active", "seal_first", "person__full_name", "-not_after")
    )
    for row in rows:
        row.days_left = days_left(row, now)
        row.issuer_name = issuer_name(row)
        row.is_expired = row.not_after <= now
        row.expiring = row.pk in expiring and not row.is_expired
        row.is_revoked = row.revocation_status == RevocationStatus.REVOKED
    return render(
        request,
        "signing/certificate_list.html",
        {
            "certificates": rows,
            "deactivate_form": DeactivateForm(),
            "warning_days": _warning_days(),
            "now": now,
        },
    )


def _warning_days() -> int:
    from django.conf import settings

    return settings.VANTHU_CERT_EXPIRY_WARNING_DAYS


def _registration_page(request, form, kind: str, register, success):
    """A certificate registration page: with a valid POST, `register(**holder)`
    (a signing.services registration) and back to the list with the message
    `success(row)`; a SigningError is shown on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            row = register(**_holder(form, request.user))
        except SigningError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, success(row))
            return redirect("signing:certificates")
    return render(
        request,
        "signing/certificate_form.html",
        {"form": form, "kind": kind},
    )


@sensitive_post_parameters("passphrase")
@login_required
def certificate_register_pkcs12(request):
    user = request.user
    form = Pkcs12RegisterForm(
        request.POST or None, request.FILES or None, **_form_kwargs(user)
    )
    return _registration_page(
        request,
        form,
        "pkcs12",
        lambda **holder: services.certificate_register_pkcs12(
            data=form.cleaned_data["file"],
            passphrase=form.cleaned_data["passphrase"],
            actor=user,
            **holder,
        ),
        lambda row: (
            _("Certificate registered: %(name)s, valid until %(until)s.")
            % {
                "name": row.common_name,
                "until": timezone.localtime(row.not_after).strftime("%d/%m/%Y"),
            }
        ),
    )


@login_required
def certificate_register_remote(request):
    user = request.user
    form = RemoteRegisterForm(
        request.POST or None, request.FILES or None, **_form_kwargs(user)
    )

    def register(**holder):
        certificate_der, chain_der = form.certificate_and_chain()
        return services.certificate_register_remote(
            certificate_der=certificate_der,
            chain_der=chain_der,
            actor=user,
            **holder,
        )

    return _registration_page(
        request,
        form,
        "remote",
        register,
        lambda row: (
            _("Certificate registered: %(name)s. You sign with it on your own device.")
            % {"name": row.common_name}
        ),
    )


def _visible_certificate(request, pk: int) -> Certificate:
    # Whoever sees a certificate here is its holder, the văn thư of the
    # organisation holding it or an administrator: those who may register it.
    row = certificate_list_visible(user=request.user).filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


@require_POST
@login_required
def certificate_deactivate(request, pk: int):
    row = _visible_certificate(request, pk)
    form = DeactivateForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("Give the reason for taking the certificate out of use.")
        )
        return redirect("signing:certificates")
    services.certificate_deactivate(
        certificate=row, actor=request.user, reason=form.cleaned_data["reason"]
    )
    messages.success(
        request,
        _("The certificate %(name)s (serial %(serial)s) is no longer in use.")
        % {"name": row.common_name, "serial": row.serial},
    )
    return redirect("signing:certificates")


@require_POST
@login_required
def certificate_check_revocation(request, pk: int):
    row = _visible_certificate(request, pk)
    row = services.certificate_check_revocation(certificate=row, force=True)
    level = {
        RevocationStatus.GOOD: messages.SUCCESS,
        RevocationStatus.REVOKED: messages.ERROR,
    }.get(row.revocation_status, messages.WARNING)
    messages.add_message(
        request,
        level,
        _("Revocation status of %(name)s: %(status)s.")
        % {"name": row.common_name, "status": row.get_revocation_status_display()},
    )
    return redirect("signing:certificates")
