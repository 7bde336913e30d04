"""Reads of the certificate registry, always from a user's point of view.

A person may sign with their own active certificates and, when they are văn thư
(records clerk) of their organisation, with the organisation's seal certificates.
Administrators see the certificates of the organisations they manage."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from directory.models import Role, User
from directory.selectors import organisation_list_managed, roles_of

from .models import Certificate, PendingSignature, RevocationStatus


def _usable_q(at: datetime) -> Q:
    return Q(is_active=True, not_before__lte=at, not_after__gt=at) & ~Q(
        revocation_status=RevocationStatus.REVOKED
    )


def _signing_holders(user: User) -> Q:
    """The holders whose certificates `user` signs with: themselves, and their
    organisation if they are its văn thư."""
    holders = Q(person=user)
    if user.organisation_id and Role.VAN_THU in roles_of(user=user):
        holders |= Q(organisation_id=user.organisation_id)
    return holders


def certificate_list_usable(
    *, user: User, at: datetime | None = None
) -> QuerySet[Certificate]:
    """Certificates `user` may sign with now: their own, plus their organisation's
    seal certificates if they are its văn thư. Active, within their validity
    period, not known to be revoked."""
    if not user.is_authenticated or not user.is_active:
        return Certificate.objects.none()
    at = at or timezone.now()
    holders = _signing_holders(user)
    return (
        Certificate.objects.filter(holders & _usable_q(at))
        .select_related("person", "organisation")
        .order_by("-not_after")
    )


def certificate_get_usable(*, user: User, pk: int) -> Certificate:
    """One certificate `user` may sign with; Certificate.DoesNotExist otherwise."""
    return certificate_list_usable(user=user).get(pk=pk)


def certificate_list_visible(*, user: User) -> QuerySet[Certificate]:
    """The user's own certificates, their organisation's seal certificates when
    they are its văn thư, and every certificate of the organisations they
    administer (active or not)."""
    if not user.is_authenticated or not user.is_active:
        return Certificate.objects.none()
    managed = organisation_list_managed(user=user)
    q = (
        Q(person=user)
        | Q(organisation__in=managed)
        | Q(person__organisation__in=managed)
    )
    if user.organisation_id and Role.VAN_THU in roles_of(user=user):
        q |= Q(organisation_id=user.organisation_id)
    return Certificate.objects.filter(q).select_related("person", "organisation")


def certificate_list_expiring(
    *, user: User, within_days: int | None = None, at: datetime | None = None
) -> QuerySet[Certificate]:
    """Active certificates visible to `user` that expire within `within_days`
    (default settings.VANTHU_CERT_EXPIRY_WARNING_DAYS), soonest first; already
    expired active ones are included (they need replacing too)."""
    at = at or timezone.now()
    days = (
        settings.VANTHU_CERT_EXPIRY_WARNING_DAYS if within_days is None else within_days
    )
    return (
        certificate_list_visible(user=user)
        .filter(is_active=True, not_after__lte=at + timedelta(days=days))
        .order_by("not_after")
    )


def certificate_list_needing_renewal(
    *, user: User, at: datetime | None = None
) -> QuerySet[Certificate]:
    """The user's own active certificates, and the seal certificates they use as
    their organisation's văn thư, that expire within the warning horizon, have
    expired, or are revoked: they need replacing. Soonest expiry first; one
    query (after the person's roles)."""
    if not user.is_authenticated or not user.is_active:
        return Certificate.objects.none()
    at = at or timezone.now()
    holders = _signing_holders(user)
    horizon = at + timedelta(days=settings.VANTHU_CERT_EXPIRY_WARNING_DAYS)
    return (
        Certificate.objects.filter(holders, is_active=True)
        .filter(
            Q(not_after__lte=horizon) | Q(revocation_status=RevocationStatus.REVOKED)
        )
        .select_related("person", "organisation")
        .order_by("not_after")
    )


def certificate_revocation_is_fresh(
    certificate: Certificate, *, at: datetime | None = None
) -> bool:
    """Whether the cached revocation status is recent enough to reuse."""
    if certificate.revocation_checked_at is None:
        return False
    if certificate.revocation_status == RevocationStatus.REVOKED:
        return True  # revocation is final
    at = at or timezone.now()
    age = at - certificate.revocation_checked_at
    return age < timedelta(seconds=settings.VANTHU_REVOCATION_CACHE_SECONDS)


def pending_signature_get(*, token: str) -> PendingSignature:
    """A pending two-phase signature by its token (the token is the capability:
    whoever holds it may return the signature value)."""
    return PendingSignature.objects.select_related("certificate", "prepared_blob").get(
        token=token
    )
