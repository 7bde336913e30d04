"""Reads of the directory, always from the point of view of a user.

A person sees their own organisation and, when they administer (quản trị) an
organisation, its whole subtree; nothing of any other organisation. The one
exception is the public directory of agencies (names and mã định danh), which every
agency needs to address documents and which the national axis publishes anyway."""

from datetime import datetime

from django.db.models import F, Q, QuerySet
from django.utils import timezone
from guardian.shortcuts import get_objects_for_user

from .models import Delegation, Organisation, Role, RoleAssignment, Unit, User
from .permissions import MANAGE_ORGANISATION


def _subtree_q(roots) -> Q:
    q = Q(pk__in=[])
    for root in roots:
        q |= Q(path__startswith=root.path)
    return q


def organisation_list_managed(*, user: User) -> QuerySet[Organisation]:
    """Organisations the user administers: those granted to them and all below."""
    if not user.is_authenticated or not user.is_active:
        return Organisation.objects.none()
    if user.is_superuser:
        return Organisation.objects.all()
    roots = get_objects_for_user(
        user, MANAGE_ORGANISATION, klass=Organisation, accept_global_perms=False
    )
    return Organisation.objects.filter(_subtree_q(roots))


def organisation_list_visible(*, user: User) -> QuerySet[Organisation]:
    """The user's own organisation and the ones they administer."""
    if not user.is_authenticated or not user.is_active:
        return Organisation.objects.none()
    managed = organisation_list_managed(user=user)
    return Organisation.objects.filter(
        Q(pk=user.organisation_id) | Q(pk__in=managed.values("pk"))
    )


def organisation_directory() -> QuerySet[Organisation]:
    """The public directory of active agencies: for addressing, not for browsing
    another agency's people or documents."""
    return Organisation.objects.filter(is_active=True).only(
        "pk", "code", "name", "short_name", "parent_id", "path"
    )


def can_manage_organisation(*, user: User, organisation: Organisation) -> bool:
    return organisation_list_managed(user=user).filter(pk=organisation.pk).exists()


def unit_list_visible(*, user: User) -> QuerySet[Unit]:
    return Unit.objects.filter(
        organisation__in=organisation_list_visible(user=user)
    ).select_related("organisation")


def person_list_visible(*, user: User) -> QuerySet[User]:
    """People of the user's organisation and of the organisations they administer."""
    return User.objects.filter(
        organisation__in=organisation_list_visible(user=user)
    ).select_related("organisation", "unit", "position")


def person_list_managed(*, user: User) -> QuerySet[User]:
    return User.objects.filter(
        organisation__in=organisation_list_managed(user=user)
    ).select_related("organisation", "unit", "position")


def roles_of(*, user: User) -> set[str]:
    """The roles the user holds in their own organisation."""
    if not user.is_authenticated or not user.organisation_id:
        return set()
    return set(
        RoleAssignment.objects.filter(
            user=user, organisation_id=user.organisation_id
        ).values_list("role", flat=True)
    )


def delegation_list_visible(*, user: User) -> QuerySet[Delegation]:
    """Delegations the user gave or received, and those inside organisations they
    administer."""
    managed = organisation_list_managed(user=user)
    return Delegation.objects.filter(
        Q(principal=user) | Q(delegate=user) | Q(principal__organisation__in=managed)
    ).select_related("principal", "delegate")


def delegation_active(
    *, principal: User, delegate: User, at: datetime | None = None
) -> Delegation | None:
    """The delegation that lets `delegate` act for `principal` at `at`, if any."""
    at = at or timezone.now()
    return (
        Delegation.objects.filter(
            principal=principal,
            delegate=delegate,
            revoked_at__isnull=True,
            starts_at__lte=at,
            ends_at__gt=at,
            principal__is_active=True,
        )
        .order_by("-starts_at")
        .first()
    )


def delegation_principals_for(
    *, user: User, at: datetime | None = None
) -> QuerySet[User]:
    """The people `user` may act for right now (ủy quyền in force)."""
    at = at or timezone.now()
    return User.objects.filter(
        delegations_given__delegate=user,
        delegations_given__revoked_at__isnull=True,
        delegations_given__starts_at__lte=at,
        delegations_given__ends_at__gt=at,
        is_active=True,
    ).distinct()


def supervisor_of(person: User) -> User | None:
    """Who is told when `person` lets a deadline pass (cấp trên trực tiếp): the
    head of their unit (lãnh đạo đơn vị of the same unit, not themselves); for a
    unit head, a leader or a person without a unit (or whose unit has no head),
    the organisation's top leader (lãnh đạo cơ quan of the lowest position rank,
    then the oldest account). None for the top leader and outside organisations."""
    if person.organisation_id is None:
        return None
    roles = roles_of(user=person)
    leaders = User.objects.filter(
        is_active=True,
        organisation_id=person.organisation_id,
        roles__organisation_id=person.organisation_id,
    ).order_by(F("position__rank").asc(nulls_last=True), "pk")
    if person.unit_id and not roles & {Role.LANH_DAO_DON_VI, Role.LANH_DAO_CO_QUAN}:
        head = (
            leaders.filter(unit_id=person.unit_id, roles__role=Role.LANH_DAO_DON_VI)
            .exclude(pk=person.pk)
            .first()
        )
        if head is not None:
            return head
    top = leaders.filter(roles__role=Role.LANH_DAO_CO_QUAN).first()
    if top is None or top.pk == person.pk:
        return None
    return top
