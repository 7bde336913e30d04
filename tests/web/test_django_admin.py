"""Django's admin for superusers: the directory, the work items and the core tables,
the core ones read-only (the audit chain above all)."""

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEntry, OutboxEvent
from directory.models import User


@pytest.fixture
def superuser_client(demo):
    client = Client()
    client.force_login(
        User.objects.create_superuser(
            username="root", email="root@example.invalid", password="x" * 12
        )
    )
    return client


@pytest.mark.parametrize(
    "model",
    [
        "directory/organisation",
        "directory/unit",
        "directory/position",
        "directory/user",
        "directory/delegation",
        "workflow/workitem",
        "core/outboxevent",
        "core/auditentry",
        "core/blob",
        "core/processedevent",
    ],
)
def test_every_model_has_a_working_list(superuser_client, model):
    response = superuser_client.get(f"/admin/{model}/")
    assert response.status_code == 200


def test_a_person_page_shows_their_placement_and_roles(superuser_client):
    person = User.objects.get(username="vanthu.stc")
    response = superuser_client.get(
        reverse("admin:directory_user_change", args=[person.pk])
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="full_name"' in page
    assert 'name="organisation"' in page
    assert 'name="roles-0-role"' in page


def test_the_audit_chain_cannot_be_added_to_changed_or_deleted(superuser_client):
    entry = AuditEntry.objects.order_by("seq").first()
    assert superuser_client.get(reverse("admin:core_auditentry_add")).status_code == 403
    change = superuser_client.get(
        reverse("admin:core_auditentry_change", args=[entry.pk])
    )
    assert change.status_code == 200
    assert 'name="action"' not in change.content.decode()  # shown, not editable
    assert (
        superuser_client.post(
            reverse("admin:core_auditentry_change", args=[entry.pk]),
            {"action": "forged"},
        ).status_code
        == 403
    )
    assert (
        superuser_client.post(
            reverse("admin:core_auditentry_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    entry.refresh_from_db()
    assert entry.action != "forged"


def test_outbox_events_are_read_only(superuser_client):
    event = OutboxEvent.objects.first()
    assert (
        superuser_client.get(reverse("admin:core_outboxevent_add")).status_code == 403
    )
    assert (
        superuser_client.post(
            reverse("admin:core_outboxevent_delete", args=[event.pk]), {"post": "yes"}
        ).status_code
        == 403
    )


def test_agency_administrators_do_not_reach_django_admin(client_for):
    response = client_for("quantri.tinh").get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
