"""A small organisation tree built through the services, as production builds it."""

import pytest

from directory.models import Organisation, Role
from directory.services import organisation_create, person_create, unit_create


@pytest.fixture
def province(db):
    return organisation_create(
        code="000.00.00.H98",
        name="Ủy ban nhân dân tỉnh Thử Nghiệm",
        short_name="UBND",
        kind=Organisation.Kind.PEOPLES_COMMITTEE,
        place_name="Thử Nghiệm",
        actor=None,
    )


@pytest.fixture
def department(province):
    return organisation_create(
        code="000.00.02.H98",
        name="Sở Tài chính",
        short_name="STC",
        kind=Organisation.Kind.DEPARTMENT,
        place_name="Thử Nghiệm",
        parent=province,
        actor=None,
    )


@pytest.fixture
def other_department(province):
    return organisation_create(
        code="000.00.03.H98",
        name="Sở Nội vụ",
        short_name="SNV",
        kind=Organisation.Kind.DEPARTMENT,
        place_name="Thử Nghiệm",
        parent=province,
        actor=None,
    )


@pytest.fixture
def budget_unit(department):
    return unit_create(
        organisation=department, name="Phòng Ngân sách", short_name="NS", actor=None
    )


@pytest.fixture
def other_unit(other_department):
    return unit_create(
        organisation=other_department,
        name="Phòng Tổ chức",
        short_name="TC",
        actor=None,
    )


def make_person(username, organisation, roles=(), unit=None, actor=None):
    return person_create(
        username=username,
        full_name=f"Người {username}",
        organisation=organisation,
        unit=unit,
        roles=roles,
        password="mat-khau-thu-nghiem-1",
        actor=actor,
    )


@pytest.fixture
def admin_stc(department):
    return make_person("quantri.stc", department, roles=[Role.QUAN_TRI])


@pytest.fixture
def admin_province(province):
    return make_person("quantri.tinh", province, roles=[Role.QUAN_TRI])


@pytest.fixture
def leader(department):
    return make_person("lanhdao.stc", department, roles=[Role.LANH_DAO_CO_QUAN])


@pytest.fixture
def deputy(department):
    return make_person("pholanhdao.stc", department, roles=[Role.LANH_DAO_CO_QUAN])
