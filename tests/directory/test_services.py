"""Directory services: bad input is refused with a Vietnamese message and changes
nothing; good input writes its rows, its audit entry and its outbox event."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from core.models import AuditEntry, OutboxEvent
from directory.models import Delegation, Organisation, RoleAssignment, Unit, User
from directory.permissions import members_group_name, role_group_name
from directory.services import (
    delegation_create,
    organisation_create,
    person_create,
    person_update,
    role_assign,
    role_revoke,
    unit_create,
)

from .conftest import make_person


def snapshot():
    """Row counts of everything a directory service may write."""
    return {
        model.__name__: model.objects.count()
        for model in (
            Organisation,
            Unit,
            User,
            RoleAssignment,
            Delegation,
            Group,
            AuditEntry,
            OutboxEvent,
        )
    }


def refused_in_vietnamese(call, expected_text, exc_type=ValidationError):
    """Run `call`; it must raise with `expected_text` in Vietnamese and write
    nothing."""
    before = snapshot()
    with translation.override("vi"), pytest.raises(exc_type) as exc:
        call()
    messages = exc.value.messages if exc_type is ValidationError else [str(exc.value)]
    assert any(expected_text in m for m in messages), messages
    assert snapshot() == before
    return exc.value


def test_organisation_create_writes_groups_audit_and_event(province):
    assert province.path == f"/{province.pk}/"
    assert Group.objects.filter(name=members_group_name(province.code)).exists()
    assert Group.objects.filter(
        name=role_group_name(province.code, "quan_tri")
    ).exists()
    entry = AuditEntry.objects.get(action="organisation.create")
    assert entry.object_id == str(province.pk)
    assert (
        OutboxEvent.objects.filter(topic="directory.organisation_created").count() == 1
    )


def test_child_organisation_path_extends_parent(province, department):
    assert department.path == f"{province.path}{department.pk}/"


@pytest.mark.parametrize(
    "code", ["000.00.05", "ABC.00.05.H98", "000.00.05.H98.1", "000.01.00.H98"]
)
def test_malformed_identifier_is_refused(province, code):
    refused_in_vietnamese(
        lambda: organisation_create(
            code=code,
            name="Sở Y tế",
            short_name="SYT",
            kind=Organisation.Kind.DEPARTMENT,
            place_name="Thử Nghiệm",
            parent=province,
            actor=None,
        ),
        "mã định danh",
    )


def test_identifier_outside_the_parent_is_refused(province):
    refused_in_vietnamese(
        lambda: organisation_create(
            code="000.00.05.H11",
            name="Sở Y tế",
            short_name="SYT",
            kind=Organisation.Kind.DEPARTMENT,
            place_name="Thử Nghiệm",
            parent=province,
            actor=None,
        ),
        "không thuộc",
    )


def test_duplicate_identifier_is_refused(province, department):
    refused_in_vietnamese(
        lambda: organisation_create(
            code=department.code,
            name="Sở trùng mã",
            short_name="STM",
            kind=Organisation.Kind.DEPARTMENT,
            place_name="Thử Nghiệm",
            parent=province,
            actor=None,
        ),
        "đã tồn tại",
    )


def test_duplicate_username_is_refused_case_insensitively(department, admin_stc):
    refused_in_vietnamese(
        lambda: make_person("QuanTri.STC", department, actor=admin_stc),
        "đã được sử dụng",
    )


def test_person_in_a_unit_of_another_organisation_is_refused(
    department, other_unit, admin_stc
):
    refused_in_vietnamese(
        lambda: make_person(
            "chuyenvien.stc", department, unit=other_unit, actor=admin_stc
        ),
        "thuộc Sở Nội vụ",
    )


def test_moving_a_person_to_a_unit_of_another_organisation_is_refused(
    department, other_unit, admin_stc, budget_unit
):
    person = make_person("chuyenvien.stc", department, unit=budget_unit)
    refused_in_vietnamese(
        lambda: person_update(person=person, unit=other_unit, actor=admin_stc),
        "thuộc Sở Nội vụ",
    )
    person.refresh_from_db()
    assert person.unit == budget_unit


def test_person_create_assigns_roles_groups_and_audits(
    department, budget_unit, admin_stc
):
    person = person_create(
        username="vanthu.stc",
        full_name="Trần Thị Hạnh",
        organisation=department,
        unit=budget_unit,
        roles=["van_thu", "luu_tru_vien"],
        password="mat-khau-thu-nghiem-1",
        actor=admin_stc,
    )
    assert set(person.roles.values_list("role", flat=True)) == {
        "van_thu",
        "luu_tru_vien",
    }
    assert set(person.groups.values_list("name", flat=True)) == {
        members_group_name(department.code),
        role_group_name(department.code, "van_thu"),
        role_group_name(department.code, "luu_tru_vien"),
    }
    actions = list(
        AuditEntry.objects.filter(object_id=str(person.pk)).values_list(
            "action", "actor"
        )
    )
    assert ("person.create", admin_stc.pk) in actions
    assert actions.count(("role.assign", admin_stc.pk)) == 2
    assert person.check_password("mat-khau-thu-nghiem-1")


def test_person_without_password_cannot_sign_in(department, admin_stc):
    person = person_create(
        username="khongmatkhau.stc",
        full_name="Lê Văn Nam",
        organisation=department,
        actor=admin_stc,
    )
    assert not person.has_usable_password()


def test_unknown_role_is_refused(department, admin_stc):
    refused_in_vietnamese(
        lambda: make_person("x.stc", department, roles=["giam_doc"], actor=admin_stc),
        "Vai trò không xác định",
    )


def test_administrator_of_one_department_cannot_touch_another(
    other_department, admin_stc
):
    refused_in_vietnamese(
        lambda: make_person("snv.person", other_department, actor=admin_stc),
        "Bạn không quản trị",
        exc_type=PermissionDenied,
    )


def test_province_administrator_manages_the_whole_subtree(
    department, other_department, admin_province
):
    person = make_person("chuyenvien.snv", other_department, actor=admin_province)
    assert person.organisation == other_department


def test_person_without_admin_role_cannot_create_people(department, leader):
    refused_in_vietnamese(
        lambda: make_person("x.stc", department, actor=leader),
        "Bạn không quản trị",
        exc_type=PermissionDenied,
    )


def test_duplicate_unit_abbreviation_is_refused(department, budget_unit):
    refused_in_vietnamese(
        lambda: unit_create(
            organisation=department, name="Phòng khác", short_name="NS", actor=None
        ),
        "đã được dùng",
    )


def test_administrator_cannot_remove_own_admin_role(admin_stc):
    refused_in_vietnamese(
        lambda: role_revoke(person=admin_stc, role="quan_tri", actor=admin_stc),
        "quyền quản trị của chính mình",
    )


def test_role_revoke_removes_group(department, admin_stc, leader):
    role_revoke(person=leader, role="lanh_dao_co_quan", actor=admin_stc)
    assert not leader.groups.filter(
        name=role_group_name(department.code, "lanh_dao_co_quan")
    ).exists()
    assert not RoleAssignment.objects.filter(user=leader).exists()
    # Assigning again is idempotent.
    role_assign(person=leader, role="chuyen_vien", actor=admin_stc)
    role_assign(person=leader, role="chuyen_vien", actor=admin_stc)
    assert RoleAssignment.objects.filter(user=leader).count() == 1


class TestDelegation:
    def test_delegation_to_oneself_is_refused(self, leader):
        now = timezone.now()
        refused_in_vietnamese(
            lambda: delegation_create(
                principal=leader,
                delegate=leader,
                starts_at=now,
                ends_at=now + timedelta(days=3),
                actor=leader,
            ),
            "chính mình",
        )

    def test_delegation_ending_before_it_starts_is_refused(self, leader, deputy):
        now = timezone.now()
        refused_in_vietnamese(
            lambda: delegation_create(
                principal=leader,
                delegate=deputy,
                starts_at=now + timedelta(days=3),
                ends_at=now + timedelta(days=1),
                actor=leader,
            ),
            "phải sau thời điểm bắt đầu",
        )

    def test_delegation_already_over_is_refused(self, leader, deputy):
        now = timezone.now()
        refused_in_vietnamese(
            lambda: delegation_create(
                principal=leader,
                delegate=deputy,
                starts_at=now - timedelta(days=3),
                ends_at=now - timedelta(days=1),
                actor=leader,
            ),
            "đã qua",
        )

    def test_delegation_to_another_organisation_is_refused(
        self, leader, other_department
    ):
        stranger = make_person("chuyenvien.snv", other_department)
        now = timezone.now()
        refused_in_vietnamese(
            lambda: delegation_create(
                principal=leader,
                delegate=stranger,
                starts_at=now,
                ends_at=now + timedelta(days=1),
                actor=leader,
            ),
            "cùng cơ quan",
        )

    def test_someone_else_cannot_delegate_for_the_principal(self, leader, deputy):
        now = timezone.now()
        refused_in_vietnamese(
            lambda: delegation_create(
                principal=leader,
                delegate=deputy,
                starts_at=now,
                ends_at=now + timedelta(days=1),
                actor=deputy,
            ),
            "Bạn không quản trị",
            exc_type=PermissionDenied,
        )

    def test_naive_datetimes_are_refused(self, leader, deputy):
        from datetime import datetime

        refused_in_vietnamese(
            lambda: delegation_create(
                principal=leader,
                delegate=deputy,
                starts_at=datetime(2030, 1, 1, 8, 0),
                ends_at=datetime(2030, 1, 2, 8, 0),
                actor=leader,
            ),
            "múi giờ",
        )

    def test_database_refuses_self_delegation_even_without_the_service(self, leader):
        from django.db import IntegrityError, transaction

        now = timezone.now()
        with pytest.raises(IntegrityError), transaction.atomic():
            Delegation.objects.create(
                principal=leader,
                delegate=leader,
                starts_at=now,
                ends_at=now + timedelta(days=1),
                created_by=leader,
            )
