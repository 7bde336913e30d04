"""Delegation in force, acting for someone, and what each person may see."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.models import AuditEntry
from directory.selectors import (
    can_manage_organisation,
    delegation_active,
    delegation_principals_for,
    organisation_list_managed,
    organisation_list_visible,
    person_list_visible,
    roles_of,
)
from directory.services import acting_for_start, delegation_create, delegation_revoke

from .conftest import make_person


@pytest.fixture
def delegation(leader, deputy):
    now = timezone.now()
    return delegation_create(
        principal=leader,
        delegate=deputy,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(days=2),
        reason="Đi công tác",
        actor=leader,
    )


def test_delegation_in_force_only_between_its_times(leader, deputy, delegation):
    now = timezone.now()
    assert delegation_active(principal=leader, delegate=deputy) == delegation
    assert (
        delegation_active(principal=leader, delegate=deputy, at=now + timedelta(days=3))
        is None
    )
    assert (
        delegation_active(
            principal=leader, delegate=deputy, at=now - timedelta(hours=1)
        )
        is None
    )
    assert list(delegation_principals_for(user=deputy)) == [leader]
    # Not the other way round.
    assert delegation_active(principal=deputy, delegate=leader) is None


def test_acting_for_records_both_people(leader, deputy, delegation):
    acting_for_start(delegate=deputy, principal=leader)
    entry = AuditEntry.objects.get(action="delegation.act")
    assert entry.actor == deputy
    assert entry.on_behalf_of == leader
    assert entry.actor_repr and entry.on_behalf_of_repr


def test_acting_without_delegation_is_refused(leader, deputy):
    with pytest.raises(PermissionDenied):
        acting_for_start(delegate=deputy, principal=leader)
    assert not AuditEntry.objects.filter(action="delegation.act").exists()


def test_revoked_delegation_stops_at_once(leader, deputy, delegation):
    delegation_revoke(delegation=delegation, actor=leader)
    assert delegation_active(principal=leader, delegate=deputy) is None
    with pytest.raises(PermissionDenied):
        acting_for_start(delegate=deputy, principal=leader)


def test_person_sees_only_their_own_organisation(department, other_department, leader):
    stranger = make_person("chuyenvien.snv", other_department)
    assert list(organisation_list_visible(user=leader)) == [department]
    assert stranger not in person_list_visible(user=leader)
    assert leader not in person_list_visible(user=stranger)
    assert not organisation_list_managed(user=leader).exists()


def test_department_administrator_manages_only_their_department(
    province, department, other_department, admin_stc
):
    assert list(organisation_list_managed(user=admin_stc)) == [department]
    assert can_manage_organisation(user=admin_stc, organisation=department)
    assert not can_manage_organisation(user=admin_stc, organisation=other_department)
    assert not can_manage_organisation(user=admin_stc, organisation=province)


def test_province_administrator_manages_the_province_subtree(
    province, department, other_department, admin_province
):
    managed = set(organisation_list_managed(user=admin_province))
    assert managed == {province, department, other_department}
    snv_person = make_person("chuyenvien.snv", other_department)
    assert snv_person in person_list_visible(user=admin_province)


def test_inactive_or_anonymous_users_see_nothing(department, admin_stc):
    from django.contrib.auth.models import AnonymousUser

    assert not organisation_list_visible(user=AnonymousUser()).exists()
    admin_stc.is_active = False
    assert not organisation_list_managed(user=admin_stc).exists()


def test_roles_of(admin_stc, leader):
    assert roles_of(user=admin_stc) == {"quan_tri"}
    assert roles_of(user=leader) == {"lanh_dao_co_quan"}
