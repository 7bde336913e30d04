"""Acting for someone under a delegation (xử lý thay): only with a delegation in
force, recorded in the audit chain with both people, shown in a banner on every
page until the person stops or the delegation ends."""

from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from directory.middleware import SESSION_KEY
from directory.models import Delegation

BANNER = "Đang xử lý thay: <strong>{}</strong>"


def act_for(client, principal):
    return client.post(
        reverse("directory:acting_for_begin"), {"principal": principal.pk}
    )


def test_the_deputy_acts_for_the_director(
    client_for, person, django_assert_max_num_queries
):
    director, deputy = person("lanhdao.stc"), person("pholanhdao.stc")
    client = client_for("pholanhdao.stc")

    response = act_for(client, director)

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == director.pk
    entry = AuditEntry.objects.get(action="delegation.act")
    assert entry.actor == deputy
    assert entry.on_behalf_of == director
    with django_assert_max_num_queries(18):
        page = client.get(reverse("home")).content.decode()
    assert BANNER.format(director.full_name) in page
    assert f"Công việc của {director.full_name} (đang xử lý thay)" in page
    assert "Thôi xử lý thay" in page
    # The banner is on every page, not only the home page.
    queue = client.get(reverse("workflow:queue", args=["sign"])).content.decode()
    assert BANNER.format(director.full_name) in queue
    acting_queue = client.get(reverse("workflow:queue_acting", args=["sign"]))
    assert acting_queue.status_code == 200
    assert f"Hàng đợi của {director.full_name}" in acting_queue.content.decode()


def test_stopping_removes_the_banner(client_for, person):
    director = person("lanhdao.stc")
    client = client_for("pholanhdao.stc")
    act_for(client, director)

    response = client.post(reverse("directory:acting_for_end"))

    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    page = client.get(reverse("home")).content.decode()
    assert "Đang xử lý thay:" not in page
    assert "Bạn đã trở lại xử lý công việc của chính mình." in page


def test_nobody_acts_for_someone_without_a_delegation(client_for, person):
    client = client_for("pholanhdao.stc")
    before = AuditEntry.objects.count()

    response = act_for(client, person("chuyenvien.stc"))

    assert response.status_code == 403
    assert "Bạn không có ủy quyền còn hiệu lực của" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert AuditEntry.objects.count() == before
    # The director cannot act for their own deputy either: delegation is one-way.
    assert (
        act_for(client_for("lanhdao.stc"), person("pholanhdao.stc")).status_code == 403
    )


def test_someone_of_another_organisation_is_not_found(client_for, person):
    response = act_for(client_for("pholanhdao.stc"), person("lanhdao.snv"))
    assert response.status_code == 404
    assert (
        client_for("pholanhdao.stc")
        .post(reverse("directory:acting_for_begin"), {"principal": "x"})
        .status_code
        == 404
    )


def test_acting_ends_when_the_delegation_is_revoked(client_for, person):
    director = person("lanhdao.stc")
    client = client_for("pholanhdao.stc")
    act_for(client, director)
    Delegation.objects.filter(principal=director).update(revoked_at=timezone.now())

    page = client.get(reverse("home")).content.decode()

    assert "Đang xử lý thay:" not in page
    assert f"Công việc của {director.full_name}" not in page
    assert SESSION_KEY not in client.session


def test_acting_for_is_a_post(client_for):
    client = client_for("pholanhdao.stc")
    assert client.get(reverse("directory:acting_for_begin")).status_code == 405
    assert client.get(reverse("directory:acting_for_end")).status_code == 405
