"""seed_demo builds the demo province with every role and is idempotent."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.models import AuditEntry
from directory.models import Organisation, Role, RoleAssignment, Unit, User


def run_seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_seed_demo_builds_the_province_with_every_role():
    output = run_seed()
    province = Organisation.objects.get(code="000.00.00.H99")
    assert province.is_demo and "(demo)" in province.name
    departments = Organisation.objects.filter(kind=Organisation.Kind.DEPARTMENT)
    communes = Organisation.objects.filter(kind=Organisation.Kind.COMMUNE)
    assert departments.count() >= 3 and communes.count() >= 2
    assert Organisation.objects.filter(kind=Organisation.Kind.OFFICE).exists()
    for department in departments:
        assert department.parent == province
        assert Unit.objects.filter(organisation=department).count() >= 2
    held = set(RoleAssignment.objects.values_list("role", flat=True))
    assert held == set(Role.values)
    assert "vanthu.stc" in output and "demo-test-password" in output
    assert User.objects.get(username="lanhdao.stc").check_password("demo-test-password")


@pytest.mark.django_db
def test_seed_demo_is_idempotent():
    run_seed()
    counts = (
        Organisation.objects.count(),
        User.objects.count(),
        RoleAssignment.objects.count(),
        AuditEntry.objects.count(),
    )
    run_seed()
    assert counts == (
        Organisation.objects.count(),
        User.objects.count(),
        RoleAssignment.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.mark.django_db
def test_seed_demo_is_refused_where_demo_data_is_off(settings):
    settings.VANTHU_ALLOW_DEMO = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert not Organisation.objects.exists()
