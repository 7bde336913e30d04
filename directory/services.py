"""Every write to the directory. Each service checks its input and the actor's right
to act, then writes its rows, its audit entry and its outbox event in one
transaction: a refused call changes nothing."""

import io
from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from core.audit import audit_record
from core.blobstore import blob_put
from core.outbox import outbox_publish

from .identifiers import check_identifier_under, parse_identifier
from .images import check_seal_size, check_stamp_image
from .models import Delegation, Organisation, Position, Role, RoleAssignment, Unit, User
from .permissions import (
    MANAGE_ORGANISATION_CODENAME,
    VIEW_ORGANISATION_CODENAME,
    members_group_name,
    role_group_name,
)
from .selectors import can_manage_organisation, delegation_active


def _require_manager(actor: User | None, organisation: Organisation) -> None:
    """`actor=None` is the system itself (seed_demo, imports), which may do anything."""
    if actor is None:
        return
    if not can_manage_organisation(user=actor, organisation=organisation):
        raise PermissionDenied(
            _("You do not administer the organisation %(name)s.")
            % {"name": organisation.name}
        )


def _clean_text(value: str, field: str, label: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: _("%(label)s is required.") % {"label": label}})
    if len(value) > max_length:
        raise ValidationError(
            {
                field: _("%(label)s must be at most %(n)d characters.")
                % {"label": label, "n": max_length}
            }
        )
    return value


@transaction.atomic
def organisation_create(
    *,
    code: str,
    name: str,
    short_name: str,
    kind: str,
    place_name: str,
    parent: Organisation | None = None,
    is_demo: bool = False,
    actor: User | None,
) -> Organisation:
    """Create an organisation (cơ quan) with its mã định danh, its groups and its
    object permissions. Only the system or an administrator of the parent may."""
    ident = parse_identifier(code)
    code = str(ident)
    if parent is None:
        if actor is not None and not actor.is_superuser:
            raise PermissionDenied(
                _("Only a system administrator may create a top-level organisation.")
            )
    else:
        _require_manager(actor, parent)
        try:
            check_identifier_under(code, parent.code)
        except ValidationError as exc:
            raise ValidationError({"code": exc.messages}) from exc
    if kind not in Organisation.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of organisation.")})
    name = _clean_text(name, "name", _("Name"), 255)
    short_name = _clean_text(short_name, "short_name", _("Abbreviation"), 30)
    place_name = _clean_text(place_name, "place_name", _("Place name"), 100)
    if Organisation.objects.filter(code=code).exists():
        raise ValidationError(
            {
                "code": _("An organisation with identifier %(code)s already exists.")
                % {"code": code}
            }
        )
    organisation = Organisation.objects.create(
        code=code,
        name=name,
        short_name=short_name,
        kind=kind,
        place_name=place_name,
        parent=parent,
        is_demo=is_demo,
        path="",
    )
    organisation.path = f"{parent.path if parent else '/'}{organisation.pk}/"
    organisation.save(update_fields=["path"])

    members, _created = Group.objects.get_or_create(name=members_group_name(code))
    assign_perm(VIEW_ORGANISATION_CODENAME, members, organisation)
    for role in Role.values:
        Group.objects.get_or_create(name=role_group_name(code, role))
    admins = Group.objects.get(name=role_group_name(code, Role.QUAN_TRI))
    assign_perm(MANAGE_ORGANISATION_CODENAME, admins, organisation)

    audit_record(
        actor=actor,
        action="organisation.create",
        obj=organisation,
        details={"code": code, "parent": parent.code if parent else None},
    )
    outbox_publish(
        topic="directory.organisation_created",
        payload={"organisation_id": organisation.pk, "code": code},
    )
    return organisation


def _check_clearance(value) -> int:
    """Secrecy clearance: 0 none, 1 mật, 2 tối mật, 3 tuyệt mật."""
    if value not in (0, 1, 2, 3):
        raise ValidationError({"clearance": _("Unknown secrecy level.")})
    return value


@transaction.atomic
def unit_create(
    *,
    organisation: Organisation,
    name: str,
    short_name: str,
    clearance: int = 0,
    actor: User | None,
) -> Unit:
    """Create a unit (phòng, ban) inside an organisation."""
    _require_manager(actor, organisation)
    name = _clean_text(name, "name", _("Name"), 255)
    short_name = _clean_text(short_name, "short_name", _("Abbreviation"), 30)
    if Unit.objects.filter(organisation=organisation, short_name=short_name).exists():
        raise ValidationError(
            {
                "short_name": _("The abbreviation %(abbr)s is already used in %(org)s.")
                % {"abbr": short_name, "org": organisation.name}
            }
        )
    unit = Unit.objects.create(
        organisation=organisation,
        name=name,
        short_name=short_name,
        clearance=_check_clearance(clearance),
    )
    audit_record(
        actor=actor, action="unit.create", obj=unit, details={"org": organisation.code}
    )
    return unit


@transaction.atomic
def position_create(
    *, name: str, is_leader: bool = False, rank: int = 100, actor: User | None
) -> Position:
    """Add a position (chức vụ) to the shared catalogue."""
    if actor is not None and not actor.is_superuser:
        raise PermissionDenied(_("Only a system administrator may add positions."))
    name = _clean_text(name, "name", _("Name"), 150)
    if Position.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("This position already exists.")})
    position = Position.objects.create(name=name, is_leader=is_leader, rank=rank)
    audit_record(actor=actor, action="position.create", obj=position)
    return position


def _check_placement(
    organisation: Organisation, unit: Unit | None, position: Position | None
) -> None:
    if unit is not None and unit.organisation_id != organisation.pk:
        raise ValidationError(
            {
                "unit": _(
                    "The unit “%(unit)s” belongs to %(unit_org)s, not to %(org)s."
                )
                % {
                    "unit": unit.name,
                    "unit_org": unit.organisation.name,
                    "org": organisation.name,
                }
            }
        )


@transaction.atomic
def person_create(
    *,
    username: str,
    full_name: str,
    organisation: Organisation,
    unit: Unit | None = None,
    position: Position | None = None,
    email: str = "",
    phone: str = "",
    password: str | None = None,
    roles: Iterable[str] = (),
    clearance: int = 0,
    actor: User | None,
) -> User:
    """Create a person (cán bộ) in an organisation, with their roles.

    Without a password the account cannot sign in until one is set."""
    _require_manager(actor, organisation)
    username = _clean_text(username, "username", _("Username"), 150)
    try:
        User.username_validator(username)
    except ValidationError as exc:
        raise ValidationError({"username": exc.messages}) from exc
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(
            {
                "username": _("The username “%(username)s” is already taken.")
                % {"username": username}
            }
        )
    full_name = _clean_text(full_name, "full_name", _("Full name"), 150)
    _check_placement(organisation, unit, position)
    roles = list(dict.fromkeys(roles))
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise ValidationError(
            {"roles": _("Unknown role: %(role)s.") % {"role": unknown[0]}}
        )

    clearance = _check_clearance(clearance)
    person = User(
        clearance=clearance,
        username=username,
        full_name=full_name,
        organisation=organisation,
        unit=unit,
        position=position,
        email=(email or "").strip(),
        phone=(phone or "").strip(),
    )
    if password:
        person.set_password(password)
    else:
        person.set_unusable_password()
    person.save()
    person.groups.add(Group.objects.get(name=members_group_name(organisation.code)))

    audit_record(
        actor=actor,
        action="person.create",
        obj=person,
        details={"org": organisation.code, "unit": unit.short_name if unit else None},
    )
    outbox_publish(
        topic="directory.person_created",
        payload={"user_id": person.pk, "organisation_id": organisation.pk},
    )
    for role in roles:
        role_assign(person=person, role=role, actor=actor)
    return person


@transaction.atomic
def person_update(
    *,
    person: User,
    actor: User | None,
    full_name: str | None = None,
    unit: Unit | None = None,
    position: Position | None = None,
    email: str | None = None,
    phone: str | None = None,
    is_active: bool | None = None,
    roles: Iterable[str] | None = None,
    clearance: int | None = None,
) -> User:
    """Change a person's name, unit, position, contact, whether they may sign in and
    their roles, all or nothing. `None` keeps a value as it is."""
    _require_manager(actor, person.organisation)
    changes: dict[str, object] = {}
    if full_name is not None:
        changes["full_name"] = _clean_text(full_name, "full_name", _("Full name"), 150)
    if unit is not None:
        _check_placement(person.organisation, unit, None)
        changes["unit"] = unit
    if position is not None:
        changes["position"] = position
    if email is not None:
        changes["email"] = email.strip()
    if phone is not None:
        changes["phone"] = phone.strip()
    if is_active is not None:
        if actor is not None and actor.pk == person.pk and not is_active:
            raise ValidationError(_("You cannot deactivate your own account."))
        changes["is_active"] = is_active
    if clearance is not None:
        changes["clearance"] = _check_clearance(clearance)
    for field, value in changes.items():
        setattr(person, field, value)
    if changes:
        person.save(update_fields=list(changes))
        audit_record(
            actor=actor,
            action="person.update",
            obj=person,
            details={
                k: (getattr(v, "pk", v) if k in ("unit", "position") else v)
                for k, v in changes.items()
            },
        )
    if roles is not None:
        person_roles_set(person=person, roles=roles, actor=actor)
    return person


@transaction.atomic
def person_roles_set(*, person: User, roles: Iterable[str], actor: User | None) -> None:
    """Make `roles` exactly the person's roles in their organisation."""
    wanted = set(roles)
    unknown = sorted(wanted - set(Role.values))
    if unknown:
        raise ValidationError(
            {"roles": _("Unknown role: %(role)s.") % {"role": unknown[0]}}
        )
    current = set(
        person.roles.filter(organisation=person.organisation).values_list(
            "role", flat=True
        )
    )
    for role in sorted(wanted - current):
        role_assign(person=person, role=role, actor=actor)
    for role in sorted(current - wanted):
        role_revoke(person=person, role=role, actor=actor)


@transaction.atomic
def role_assign(*, person: User, role: str, actor: User | None) -> RoleAssignment:
    """Give a person a role (vai trò) in their own organisation."""
    organisation = person.organisation
    if organisation is None:
        raise ValidationError(_("This person belongs to no organisation."))
    _require_manager(actor, organisation)
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role: %(role)s.") % {"role": role}})
    assignment, created = RoleAssignment.objects.get_or_create(
        user=person, organisation=organisation, role=role
    )
    if created:
        person.groups.add(
            Group.objects.get(name=role_group_name(organisation.code, role)),
            Group.objects.get(name=members_group_name(organisation.code)),
        )
        audit_record(
            actor=actor,
            action="role.assign",
            obj=person,
            details={"role": role, "org": organisation.code},
        )
    return assignment


@transaction.atomic
def role_revoke(*, person: User, role: str, actor: User | None) -> None:
    """Take a role away; an administrator cannot remove their own administration."""
    organisation = person.organisation
    _require_manager(actor, organisation)
    if actor is not None and actor.pk == person.pk and role == Role.QUAN_TRI:
        raise ValidationError(_("You cannot remove your own administrator role."))
    deleted, _rows = RoleAssignment.objects.filter(
        user=person, organisation=organisation, role=role
    ).delete()
    if deleted:
        person.groups.remove(
            Group.objects.get(name=role_group_name(organisation.code, role))
        )
        audit_record(
            actor=actor,
            action="role.revoke",
            obj=person,
            details={"role": role, "org": organisation.code},
        )


@transaction.atomic
def delegation_create(
    *,
    principal: User,
    delegate: User,
    starts_at: datetime,
    ends_at: datetime,
    reason: str = "",
    actor: User | None,
) -> Delegation:
    """Ủy quyền: let `delegate` act for `principal` from `starts_at` to `ends_at`.

    The principal may delegate themself; an administrator may record it for them."""
    if actor is not None and actor.pk != principal.pk:
        _require_manager(actor, principal.organisation)
    if principal.pk == delegate.pk:
        raise ValidationError({"delegate": _("A person cannot delegate to themself.")})
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValidationError(_("Delegation times must carry a time zone."))
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The end must be after the start.")})
    if ends_at <= timezone.now():
        raise ValidationError({"ends_at": _("The end of the delegation has passed.")})
    if delegate.organisation_id != principal.organisation_id:
        raise ValidationError(
            {"delegate": _("The delegate must belong to the same organisation.")}
        )
    if not delegate.is_active:
        raise ValidationError({"delegate": _("The delegate's account is disabled.")})
    delegation = Delegation.objects.create(
        principal=principal,
        delegate=delegate,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=(reason or "").strip()[:255],
        created_by=actor or principal,
    )
    audit_record(
        actor=actor,
        action="delegation.create",
        obj=delegation,
        details={
            "principal": principal.username,
            "delegate": delegate.username,
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
        },
    )
    outbox_publish(
        topic="directory.delegation_created",
        payload={"delegation_id": delegation.pk},
    )
    return delegation


@transaction.atomic
def delegation_revoke(*, delegation: Delegation, actor: User | None) -> Delegation:
    """End a delegation now (thu hồi ủy quyền)."""
    if actor is not None and actor.pk != delegation.principal_id:
        _require_manager(actor, delegation.principal.organisation)
    if delegation.revoked_at is None:
        delegation.revoked_at = timezone.now()
        delegation.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="delegation.revoke", obj=delegation)
    return delegation


@transaction.atomic
def acting_for_start(*, delegate: User, principal: User) -> Delegation:
    """Start acting for `principal` under a delegation in force; recorded with both
    people, as every action done under the delegation will be."""
    delegation = delegation_active(principal=principal, delegate=delegate)
    if delegation is None:
        raise PermissionDenied(
            _("You have no delegation in force from %(name)s.")
            % {"name": principal.get_full_name()}
        )
    audit_record(
        actor=delegate,
        on_behalf_of=principal,
        action="delegation.act",
        obj=delegation,
    )
    return delegation


# ---------------------------------------------------------------------------
# Signature and seal images (hình ảnh chữ ký, hình ảnh con dấu)


@transaction.atomic
def person_signature_image_set(
    *, person: User, data: bytes | None, actor: User | None
) -> User:
    """Store (or, with `data=None`, remove) the person's signature image, drawn in
    blue in the signer block when they sign. The person themselves or an
    administrator of their organisation may set it."""
    person = User.objects.select_for_update().get(pk=person.pk)
    if actor is not None and actor.pk != person.pk:
        _require_manager(actor, person.organisation)
    if data is None:
        blob = None
        details: dict = {"removed": True}
    else:
        facts = check_stamp_image(data, field="signature_image")
        blob = blob_put(stream=io.BytesIO(data))
        details = {"sha256": blob.sha256, "width": facts.width, "height": facts.height}
    person.signature_image = blob
    person.save(update_fields=["signature_image"])
    audit_record(
        actor=actor, action="person.signature_image", obj=person, details=details
    )
    return person


@transaction.atomic
def organisation_seal_image_set(
    *,
    organisation: Organisation,
    data: bytes | None,
    size_mm=None,
    actor: User | None,
) -> Organisation:
    """Store (or, with `data=None`, remove) the organisation's seal image and its
    real diameter in millimetres, drawn in red over the left third of the
    leader's signature. Only an administrator of the organisation may."""
    _require_manager(actor, organisation)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if data is None:
        organisation.seal_image = None
        organisation.seal_size_mm = None
        details: dict = {"removed": True}
    else:
        size = check_seal_size(size_mm)
        facts = check_stamp_image(data, field="seal_image")
        blob = blob_put(stream=io.BytesIO(data))
        organisation.seal_image = blob
        organisation.seal_size_mm = size
        details = {
            "sha256": blob.sha256,
            "width": facts.width,
            "height": facts.height,
            "size_mm": str(size),
        }
    organisation.save(update_fields=["seal_image", "seal_size_mm"])
    audit_record(
        actor=actor,
        action="organisation.seal_image",
        obj=organisation,
        details=details,
    )
    return organisation
