"""Notifications in the app (the header bell, the list, opening one), the late
queue (home card and page) and the holidays page."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from directory.models import User
from documents.constants import Urgency
from tests.workflow.test_deadlines import make_document, make_item
from workflow.context_processors import notifications as bell_context
from workflow.holidays_vn import NATIONAL_HOLIDAYS
from workflow.models import Holiday, Notification, Queue
from workflow.notifications import notify

NOW = timezone.now()


def note(user, title="Văn bản mới", **kw):
    return notify(recipient=user, kind="test", title=title, **kw)


class FakeRequest:
    def __init__(self, user):
        self.user = user


# --- the bell -------------------------------------------------------------------


def test_the_bell_counts_unread_in_one_query(person):
    user = person("chuyenvien.stc")
    for i in range(3):
        note(user, title=f"Thông báo {i}")
    read = note(user, title="Đã đọc")
    Notification.objects.filter(pk=read.pk).update(read_at=NOW)
    note(person("vanthu.stc"))
    with CaptureQueriesContext(connection) as queries:
        context = bell_context(FakeRequest(user))
    assert context == {"unread_notifications": 3}
    assert len(queries) == 1


def test_no_bell_and_no_query_for_anonymous_visitors(db):
    from django.contrib.auth.models import AnonymousUser

    with CaptureQueriesContext(connection) as queries:
        assert bell_context(FakeRequest(AnonymousUser())) == {}
    assert len(queries) == 0
    response = Client().get(reverse("login"))
    assert b"bell__count" not in response.content


def test_the_header_shows_the_unread_count(client_for, person):
    user = person("chuyenvien.stc")
    note(user)
    note(user)
    page = client_for("chuyenvien.stc").get(reverse("home")).content.decode()
    assert 'data-unread="2"' in page
    assert "2 chưa đọc" in page
    assert reverse("workflow:notifications") in page


# --- the list -----------------------------------------------------------------


def test_the_list_is_the_persons_own_newest_first_unread_highlighted(
    client_for, person
):
    user = person("chuyenvien.stc")
    old = note(user, title="Cũ")
    Notification.objects.filter(pk=old.pk).update(
        created_at=NOW - timedelta(days=1), read_at=NOW
    )
    note(user, title="Mới")
    note(person("vanthu.stc"), title="Của người khác")
    response = client_for("chuyenvien.stc").get(reverse("workflow:notifications"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("Mới") < page.index("Cũ")
    assert "Của người khác" not in page
    assert page.count("notification--unread") == 1
    assert "Đánh dấu tất cả là đã đọc" in page


def test_the_list_is_paginated(client_for, person):
    user = person("chuyenvien.stc")
    for i in range(35):
        note(user, title=f"Thông báo số {i:02d}")
    client = client_for("chuyenvien.stc")
    first = client.get(reverse("workflow:notifications")).content.decode()
    assert "Thông báo số 34" in first and "Thông báo số 04" not in first
    second = client.get(reverse("workflow:notifications") + "?page=2")
    assert "Thông báo số 04" in second.content.decode()


def test_mark_all_read(client_for, person):
    user = person("chuyenvien.stc")
    note(user)
    note(user)
    other = note(person("vanthu.stc"))
    client = client_for("chuyenvien.stc")
    response = client.post(reverse("workflow:notifications_read"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("workflow:notifications")
    assert "Đã đánh dấu tất cả thông báo là đã đọc." in response.content.decode()
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True)
    other.refresh_from_db()
    assert other.read_at is None
    # Nothing left: said so; a GET does nothing.
    again = client.post(reverse("workflow:notifications_read"), follow=True)
    assert "Không có thông báo nào chưa đọc." in again.content.decode()
    assert client.get(reverse("workflow:notifications_read")).status_code == 405


def test_opening_one_marks_it_read_and_leads_to_its_page(client_for, person):
    user = person("chuyenvien.stc")
    document = make_document(person)
    url = reverse("documents:detail", args=[document.pk])
    notification = note(user, url=url, document=document)
    other = note(user)
    client = client_for("chuyenvien.stc")
    response = client.get(reverse("workflow:notification_open", args=[notification.pk]))
    assert response.status_code == 302
    assert response["Location"] == url
    notification.refresh_from_db()
    other.refresh_from_db()
    assert notification.read_at is not None
    assert other.read_at is None
    # Without a link, back to the list.
    response = client.get(reverse("workflow:notification_open", args=[other.pk]))
    assert response["Location"] == reverse("workflow:notifications")


def test_another_persons_notification_is_not_found(client_for, person):
    theirs = note(person("vanthu.stc"), url="/")
    response = client_for("chuyenvien.stc").get(
        reverse("workflow:notification_open", args=[theirs.pk])
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_an_outside_link_is_not_followed(client_for, person):
    evil = note(person("chuyenvien.stc"), url="https://evil.example/")
    response = client_for("chuyenvien.stc").get(
        reverse("workflow:notification_open", args=[evil.pk])
    )
    assert response["Location"] == reverse("workflow:notifications")


def test_pages_need_signing_in(db):
    for name in ("workflow:notifications", "workflow:late", "workflow:holidays"):
        response = Client().get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# --- the late queue -------------------------------------------------------------


def test_the_late_card_lists_own_late_items_most_late_first_in_one_query(
    client_for, person, django_assert_num_queries
):
    from workflow.deadlines import late_items

    user = person("truongphong.stc")
    make_item(user, due_at=NOW - timedelta(hours=1), title="Trễ một giờ")
    make_item(
        user,
        due_at=NOW - timedelta(days=3),
        title="Trễ ba ngày",
        queue=Queue.APPROVE,
        urgency=Urgency.KHAN,
    )
    make_item(user, due_at=NOW + timedelta(hours=1), title="Chưa đến hạn")
    make_item(user, due_at=None, title="Không hạn")
    make_item(person("chuyenvien.stc"), due_at=NOW - timedelta(days=9), title="Khác")

    with django_assert_num_queries(1):
        items = list(late_items(user=user, at=NOW, limit=6))
    assert [i.title for i in items] == ["Trễ ba ngày", "Trễ một giờ"]

    page = client_for("truongphong.stc").get(reverse("home")).content.decode()
    card = page[page.index('id="late-title"') : page.index("</section>")]
    assert card.index("Trễ ba ngày") < card.index("Trễ một giờ")
    assert "Chưa đến hạn" not in card and "Khác" not in card
    assert "Chờ duyệt" in card  # the queue's name
    assert "Trễ hạn" in page


def test_the_late_query_uses_an_index(person):
    user = person("truongphong.stc")
    from workflow.deadlines import late_items

    plan = late_items(user=user, at=NOW, limit=6).explain()
    assert "workitem_open_queue_idx" in plan or "workitem_open_due_idx" in plan, plan


def test_the_late_page_and_the_see_all_link(client_for, person):
    user = person("chuyenvien.stc")
    for i in range(7):
        make_item(user, due_at=NOW - timedelta(hours=i + 1), title=f"Việc trễ {i}")
    client = client_for("chuyenvien.stc")
    home = client.get(reverse("home")).content.decode()
    card = home[home.index('id="late-title"') : home.index("</section>")]
    assert "Việc trễ 6" in card and "Việc trễ 2" in card
    assert "Việc trễ 1" not in card
    assert "Xem tất cả việc trễ hạn" in home
    response = client.get(reverse("workflow:late"))
    assert response.status_code == 200
    page = response.content.decode()
    assert all(f"Việc trễ {i}" in page for i in range(7))
    assert page.index("Việc trễ 6") < page.index("Việc trễ 0")


def test_nothing_late(client_for):
    client = client_for("chuyenvien.stc")
    assert "Không có việc trễ hạn." in client.get(reverse("home")).content.decode()
    late = client.get(reverse("workflow:late")).content.decode()
    assert "Không có việc trễ hạn." in late


# --- holidays -------------------------------------------------------------------


def test_load_holidays_is_idempotent(demo):
    # seed_demo loaded them already.
    national = Holiday.objects.filter(organisation__isnull=True)
    assert national.count() == len(NATIONAL_HOLIDAYS)
    call_command("load_holidays", verbosity=0)
    assert national.count() == len(NATIONAL_HOLIDAYS)
    assert national.filter(date=date(2026, 2, 17)).exists()  # mùng 1 Tết Bính Ngọ
    assert national.filter(date=date(2026, 4, 26)).exists()  # Giỗ Tổ
    assert national.filter(date=date(2027, 4, 16)).exists()
    assert national.filter(date=date(2026, 9, 2)).exists()
    # A day removed comes back; a renamed one is left alone.
    national.filter(date=date(2026, 5, 1)).delete()
    national.filter(date=date(2026, 4, 30)).update(name="Giải phóng miền Nam")
    call_command("load_holidays", verbosity=0)
    assert national.get(date=date(2026, 5, 1)).name.startswith("Ngày Quốc tế")
    assert national.get(date=date(2026, 4, 30)).name == "Giải phóng miền Nam"


def test_the_holidays_page_lists_and_adds_an_organisations_own(client_for, person):
    admin = person("quantri.stc")
    client = client_for("quantri.stc")
    response = client.get(reverse("workflow:holidays"))
    assert response.status_code == 200
    assert "Giỗ Tổ Hùng Vương" in response.content.decode()
    response = client.post(
        reverse("workflow:holidays"),
        {"date": "2026-12-24", "name": "Ngày truyền thống ngành", "organisation": ""},
        follow=True,
    )
    # An administrator of an organisation must choose it.
    assert response.status_code == 422
    assert not Holiday.objects.filter(date=date(2026, 12, 24)).exists()
    response = client.post(
        reverse("workflow:holidays"),
        {
            "date": "2026-12-24",
            "name": "Ngày truyền thống ngành",
            "organisation": admin.organisation_id,
        },
        follow=True,
    )
    assert response.status_code == 200
    holiday = Holiday.objects.get(date=date(2026, 12, 24))
    assert holiday.organisation == admin.organisation
    assert "24/12/2026" in response.content.decode()
    assert AuditEntry.objects.filter(action="holiday.create").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date": "2026-09-02", "name": "Trùng"}, "02/09/2026 đã là ngày nghỉ."),
        ({"date": "2026-12-24", "name": "   "}, "Nhập tên ngày nghỉ."),
        ({"date": "", "name": "Không ngày"}, "Nhập ngày nghỉ."),
    ],
)
def test_bad_holidays_are_refused_with_a_message(client_for, person, data, message):
    org = person("quantri.stc").organisation_id
    before = Holiday.objects.count()
    response = client_for("quantri.stc").post(
        reverse("workflow:holidays"), {**data, "organisation": org}
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert Holiday.objects.count() == before


def test_the_same_own_day_twice_is_refused(client_for, person):
    org = person("quantri.stc").organisation_id
    client = client_for("quantri.stc")
    data = {"date": "2026-12-24", "name": "Ngày A", "organisation": org}
    client.post(reverse("workflow:holidays"), data)
    response = client.post(reverse("workflow:holidays"), {**data, "name": "Ngày B"})
    assert response.status_code == 422
    assert "24/12/2026 đã là ngày nghỉ." in response.content.decode()
    assert Holiday.objects.filter(date=date(2026, 12, 24)).count() == 1


def test_national_holidays_are_for_superusers(client_for, person):
    national = Holiday.objects.get(date=date(2026, 9, 2), organisation__isnull=True)
    client = client_for("quantri.stc")
    page = client.get(reverse("workflow:holidays")).content.decode()
    assert reverse("workflow:holiday_delete", args=[national.pk]) not in page
    response = client.post(reverse("workflow:holiday_delete", args=[national.pk]))
    assert response.status_code == 403
    assert Holiday.objects.filter(pk=national.pk).exists()

    root = User.objects.create_superuser("root-c", "root@example.invalid", "x")
    superclient = Client()
    superclient.force_login(root)
    response = superclient.post(
        reverse("workflow:holidays"),
        {"date": "2026-12-31", "name": "Nghỉ cuối năm", "organisation": ""},
    )
    assert response.status_code == 302
    assert Holiday.objects.get(date=date(2026, 12, 31)).organisation is None
    response = superclient.post(
        reverse("workflow:holiday_delete", args=[national.pk]), follow=True
    )
    assert "02/09/2026 không còn là ngày nghỉ." in response.content.decode()
    assert not Holiday.objects.filter(pk=national.pk).exists()


def test_another_organisations_holiday_is_out_of_reach(client_for, person):
    other = Holiday.objects.create(
        date=date(2026, 12, 24),
        name="Của Sở Nội vụ",
        organisation=person("quantri.snv").organisation,
    )
    client = client_for("quantri.stc")
    assert (
        "Của Sở Nội vụ" not in client.get(reverse("workflow:holidays")).content.decode()
    )
    response = client.post(reverse("workflow:holiday_delete", args=[other.pk]))
    assert response.status_code == 404
    assert Holiday.objects.filter(pk=other.pk).exists()


def test_people_who_administer_nothing_may_not_open_the_page(client_for):
    assert (
        client_for("chuyenvien.stc").get(reverse("workflow:holidays")).status_code
        == 403
    )
