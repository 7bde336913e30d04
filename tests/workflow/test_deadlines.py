"""The deadline scan (đôn đốc): a reminder before the deadline, a late notice and an
escalation to the supervisor after it, each once however often the scan runs, even
two scans at once; supervisors; lateness; the notification e-mail sent once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from core.events import event_deliver
from core.models import OutboxEvent
from directory.models import Role, RoleAssignment, User
from directory.selectors import supervisor_of
from documents.constants import Urgency
from documents.models import Document, DocumentType
from workflow import consumers
from workflow.deadlines import deadline_scan, finished_late, is_late
from workflow.models import DeadlineAlert, Notification, Queue, WorkItem

NOW = timezone.now()


def make_item(person, *, due_at, urgency=Urgency.NORMAL, queue=Queue.HANDLE, **kw):
    return WorkItem.objects.create(
        organisation=person.organisation,
        assignee=person,
        queue=queue,
        urgency=urgency,
        title=kw.pop("title", "Công văn về dự toán"),
        due_at=due_at,
        **kw,
    )


def make_document(person) -> Document:
    clerk = person("vanthu.stc")
    return Document.objects.create(
        organisation=clerk.organisation,
        direction=Document.Direction.INCOMING,
        state=Document.State.REGISTERED,
        document_type=DocumentType.objects.get(code="cong_van"),
        organ_name="Ủy ban nhân dân tỉnh Lạc Hồng",
        subject="V/v báo cáo tình hình giải ngân",
        created_by=clerk,
        arrival_date=timezone.now(),
    )


def notes(user, kind=None):
    found = Notification.objects.filter(recipient=user)
    if kind:
        found = found.filter(kind=kind)
    return list(found)


# --- supervisors -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("login", "expected"),
    [
        ("chuyenvien.stc", "truongphong.stc"),  # the head of their unit
        ("chuyenvien2.stc", "lanhdao.stc"),  # a unit without a head
        ("vanthu.stc", "lanhdao.stc"),
        ("truongphong.stc", "lanhdao.stc"),  # a unit head: the top leader
        ("pholanhdao.stc", "lanhdao.stc"),  # a deputy: the top leader
        ("lanhdao.stc", None),  # nobody above the top leader
        ("chuyenvien.snv", "truongphong.snv"),  # each in their own organisation
    ],
)
def test_supervisor_of(person, login, expected):
    found = supervisor_of(person(login))
    assert (found.username if found else None) == expected


def test_supervisor_skips_inactive_heads_and_people_outside_organisations(person):
    head = person("truongphong.stc")
    head.is_active = False
    head.save(update_fields=["is_active"])
    assert supervisor_of(person("chuyenvien.stc")) == person("lanhdao.stc")
    loner = User.objects.create(username="loner", organisation=None)
    assert supervisor_of(loner) is None


def test_the_top_leader_is_the_lowest_rank_then_the_oldest(person):
    deputy = person("pholanhdao.stc")
    top = person("lanhdao.stc")
    top.position = deputy.position
    top.save(update_fields=["position"])
    # Same rank now: the older account (lower pk) leads.
    first, second = sorted([top, deputy], key=lambda u: u.pk)
    assert supervisor_of(person("truongphong.stc")) == first
    assert supervisor_of(first) is None
    assert supervisor_of(second) == first


def test_a_second_head_of_a_unit_is_not_his_own_supervisor(person):
    head = person("truongphong.stc")
    assert not RoleAssignment.objects.filter(
        user=person("chuyenvien.stc"), role=Role.LANH_DAO_DON_VI
    ).exists()
    assert supervisor_of(head) == person("lanhdao.stc")


# --- the scan ----------------------------------------------------------------------


def test_a_reminder_comes_in_its_window_once(person):
    handler = person("chuyenvien.stc")
    soon = make_item(handler, due_at=NOW + timedelta(hours=3))
    later = make_item(handler, due_at=NOW + timedelta(days=3))

    counts = deadline_scan(now=NOW)

    assert counts["reminder"] == 1
    assert counts["late"] == counts["escalation"] == 0
    (note,) = notes(handler, "deadline_reminder")
    assert note.key == f"deadline:reminder:{soon.pk}"
    assert "Công văn về dự toán" in note.title
    assert note.title.startswith("Sắp đến hạn")
    assert note.url == f"/hang-doi/{Queue.HANDLE.value}/"
    assert not DeadlineAlert.objects.filter(work_item=later).exists()
    assert deadline_scan(now=NOW)["reminder"] == 0
    assert len(notes(handler)) == 1
    # Two days later the other one's window has come.
    assert deadline_scan(now=NOW + timedelta(days=2, hours=1))["reminder"] == 1


@pytest.mark.parametrize(
    ("urgency", "before", "reminded"),
    [
        (Urgency.HOA_TOC, timedelta(minutes=20), False),
        (Urgency.HOA_TOC, timedelta(minutes=10), True),
        (Urgency.THUONG_KHAN, timedelta(hours=3), False),
        (Urgency.THUONG_KHAN, timedelta(hours=1), True),
        (Urgency.KHAN, timedelta(hours=20), True),
        (Urgency.NORMAL, timedelta(hours=25), False),
    ],
)
def test_urgency_decides_when_the_reminder_comes(person, urgency, before, reminded):
    handler = person("chuyenvien.stc")
    make_item(handler, due_at=NOW + before, urgency=urgency)
    assert deadline_scan(now=NOW)["reminder"] == int(reminded)


def test_a_late_item_is_told_late_and_escalated_once(person):
    handler = person("chuyenvien.stc")
    head = person("truongphong.stc")
    document = make_document(person)
    item = make_item(handler, due_at=NOW - timedelta(hours=2), document=document)

    counts = deadline_scan(now=NOW)

    assert (counts["reminder"], counts["late"], counts["escalation"]) == (0, 1, 1)
    (late,) = notes(handler)
    assert late.kind == "deadline_late"
    assert late.title.startswith("Trễ hạn")
    assert late.url == f"/van-ban/{document.pk}/"
    assert late.document == document
    (escalation,) = notes(head)
    assert escalation.kind == "deadline_escalation"
    assert handler.get_full_name() in escalation.title
    assert {(a.kind, a.recipient_id) for a in item.alerts.all()} == {
        ("late", handler.pk),
        ("escalation", head.pk),
    }
    # Re-runs (a restarted worker, the next beat) send nothing more.
    for _ in range(3):
        assert deadline_scan(now=NOW + timedelta(hours=1))["scanned"] == 0
    assert Notification.objects.count() == 2


def test_an_item_reminded_before_is_still_told_late(person):
    handler = person("chuyenvien.stc")
    make_item(handler, due_at=NOW + timedelta(hours=1))
    assert deadline_scan(now=NOW)["reminder"] == 1
    counts = deadline_scan(now=NOW + timedelta(hours=2))
    assert (counts["reminder"], counts["late"], counts["escalation"]) == (0, 1, 1)


def test_the_top_leader_late_is_told_but_escalated_to_nobody(person):
    leader = person("lanhdao.stc")
    item = make_item(leader, due_at=NOW - timedelta(days=1), queue=Queue.SIGN)
    counts = deadline_scan(now=NOW)
    assert (counts["late"], counts["escalation"]) == (1, 0)
    assert [n.kind for n in Notification.objects.all()] == ["deadline_late"]
    # Done with the item: the next scan does not look at it again.
    assert item.alerts.count() == 2
    assert deadline_scan(now=NOW)["scanned"] == 0


def test_closed_items_and_items_without_deadline_are_left_alone(person):
    handler = person("chuyenvien.stc")
    make_item(handler, due_at=None)
    make_item(handler, due_at=NOW - timedelta(days=1), state=WorkItem.State.DONE)
    make_item(handler, due_at=NOW - timedelta(days=1), state=WorkItem.State.CANCELLED)
    assert deadline_scan(now=NOW) == {
        "scanned": 0,
        "reminder": 0,
        "late": 0,
        "escalation": 0,
    }


def test_the_scan_pages_through_many_items(person, django_assert_max_num_queries):
    handler = person("chuyenvien.stc")
    for i in range(25):
        make_item(handler, due_at=NOW - timedelta(minutes=i + 1), title=f"Việc {i}")
    counts = deadline_scan(now=NOW, batch=10)
    assert (counts["scanned"], counts["late"], counts["escalation"]) == (25, 25, 25)
    assert len(notes(handler)) == 25
    assert len(notes(person("truongphong.stc"))) == 25
    # Nothing pending: one query.
    with django_assert_max_num_queries(1):
        deadline_scan(now=NOW, batch=10)


def test_an_inactive_handler_gets_no_notification_but_is_escalated(person):
    handler = person("chuyenvien.stc")
    handler.is_active = False
    handler.save(update_fields=["is_active"])
    make_item(handler, due_at=NOW - timedelta(hours=1))
    counts = deadline_scan(now=NOW)
    assert (counts["late"], counts["escalation"]) == (0, 1)
    assert notes(handler) == []
    assert len(notes(person("truongphong.stc"))) == 1


def test_lateness_of_open_and_finished_steps():
    assert is_late(NOW - timedelta(seconds=1), at=NOW)
    assert not is_late(NOW + timedelta(seconds=1), at=NOW)
    assert not is_late(None, at=NOW)
    assert finished_late(NOW, NOW + timedelta(minutes=1))
    assert not finished_late(NOW, NOW)
    assert not finished_late(None, NOW)
    assert not finished_late(NOW, None)


# --- e-mail -------------------------------------------------------------------------


def test_one_notification_is_one_email_even_when_delivered_twice(person, settings):
    settings.VANTHU_BASE_URL = "https://vanthu.example.gov.vn/"
    handler = person("chuyenvien.stc")
    document = make_document(person)
    make_item(handler, due_at=NOW - timedelta(hours=1), document=document)
    deadline_scan(now=NOW)
    events = OutboxEvent.objects.filter(topic="workflow.notification")
    assert events.count() == 2  # the handler's and the head's
    mail.outbox.clear()
    for event in events:
        event_deliver(event_pk=event.pk)
        event_deliver(event_pk=event.pk)  # redelivered: skipped
        consumers.notification_email(event)  # even called again: sent already
    assert sorted(m.to[0] for m in mail.outbox) == [
        "chuyenvien.stc@demo.vanthu.invalid",
        "truongphong.stc@demo.vanthu.invalid",
    ]
    message = next(m for m in mail.outbox if m.to[0].startswith("chuyenvien"))
    assert message.subject.startswith("[Vanthu] Trễ hạn")
    assert f"https://vanthu.example.gov.vn/van-ban/{document.pk}/" in message.body
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0


def test_beat_runs_the_scan_in_make_run(settings):
    from pathlib import Path

    from workflow import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["deadline-scan"]
    assert entry["task"] == tasks.deadline_scan.name == "workflow.tasks.deadline_scan"
    assert entry["schedule"] == 300.0
    procfile = Path(settings.BASE_DIR) / "deploy" / "Procfile.embedded"
    assert "celery -A vanthu beat" in procfile.read_text()
