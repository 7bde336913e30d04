"""The home page's queues: which roles see which queues, the counts of open and late
items in one aggregate query, the order of items, and that nobody sees another
person's work except while acting for them under a delegation in force."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from directory.models import Delegation, Role
from documents.constants import Urgency
from workflow.models import Queue, WorkItem
from workflow.queues import queues_for_roles
from workflow.selectors import queue_items, queue_summary

NOW = timezone.now()


def make_item(person, queue, *, title="Công văn", urgency=Urgency.NORMAL, **fields):
    return WorkItem.objects.create(
        organisation=person.organisation,
        assignee=person,
        queue=queue,
        urgency=urgency,
        title=title,
        **fields,
    )


def summary_of(sections, index=0):
    return {c.queue: (c.open, c.late) for c in sections[index].queues}


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ([Role.VAN_THU], [Queue.RECEIVE, Queue.NUMBER_SEAL, Queue.DISPATCH]),
        ([Role.LANH_DAO_CO_QUAN], [Queue.ASSIGN, Queue.APPROVE, Queue.SIGN]),
        # A unit head passes leads on, handles them himself, approves drafts.
        ([Role.LANH_DAO_DON_VI], [Queue.ASSIGN, Queue.HANDLE, Queue.APPROVE]),
        ([Role.CHUYEN_VIEN], [Queue.HANDLE]),
        ([Role.LUU_TRU_VIEN], [Queue.ARCHIVE]),
        ([Role.QUAN_TRI], []),
        ([], []),
        (
            [Role.LANH_DAO_DON_VI, Role.CHUYEN_VIEN, Role.LANH_DAO_CO_QUAN],
            [Queue.ASSIGN, Queue.HANDLE, Queue.APPROVE, Queue.SIGN],
        ),
    ],
)
def test_each_role_sees_its_queues_once_in_document_order(roles, expected):
    assert queues_for_roles(roles) == expected


def test_summary_counts_open_and_late_items_of_the_persons_own_queues(person):
    clerk = person("vanthu.stc")
    make_item(clerk, Queue.RECEIVE, due_at=NOW - timedelta(hours=1))
    make_item(clerk, Queue.RECEIVE, due_at=NOW + timedelta(days=1))
    make_item(clerk, Queue.RECEIVE)
    make_item(clerk, Queue.DISPATCH, due_at=NOW - timedelta(days=2))
    # Neither finished nor cancelled items count.
    make_item(clerk, Queue.RECEIVE, state=WorkItem.State.DONE)
    make_item(clerk, Queue.DISPATCH, state=WorkItem.State.CANCELLED)
    # A queue outside the clerk's roles is not shown at all.
    make_item(clerk, Queue.SIGN)
    # Another person's items, even of the same queue and organisation, never count.
    make_item(person("vanthu.snv"), Queue.RECEIVE)
    make_item(person("lanhdao.stc"), Queue.RECEIVE, due_at=NOW - timedelta(days=1))

    sections = queue_summary(user=clerk, at=NOW)

    assert len(sections) == 1
    assert sections[0].person == clerk and not sections[0].is_principal
    assert summary_of(sections) == {
        Queue.RECEIVE: (3, 1),
        Queue.NUMBER_SEAL: (0, 0),
        Queue.DISPATCH: (1, 1),
    }
    assert (sections[0].open, sections[0].late) == (4, 2)


def test_summary_is_two_queries_whatever_the_number_of_items(
    person, django_assert_num_queries
):
    """One query for the roles, one aggregate for every count: no query per queue
    or per item."""
    leader = person("lanhdao.stc")
    for i in range(30):
        make_item(
            leader,
            [Queue.ASSIGN, Queue.APPROVE, Queue.SIGN][i % 3],
            due_at=NOW + timedelta(hours=i - 10),
        )
    with django_assert_num_queries(2):
        sections = queue_summary(user=leader, at=NOW)
    assert summary_of(sections) == {
        Queue.ASSIGN: (10, 4),
        Queue.APPROVE: (10, 3),
        Queue.SIGN: (10, 3),
    }


def test_an_administrator_has_no_queue_and_costs_one_query(
    person, django_assert_num_queries
):
    administrator = person("quantri.stc")
    with django_assert_num_queries(1):
        sections = queue_summary(user=administrator, at=NOW)
    assert [s.queues for s in sections] == [[]]


def test_acting_for_a_principal_adds_their_queues_in_the_same_two_queries(
    person, django_assert_num_queries
):
    deputy, director = person("pholanhdao.stc"), person("lanhdao.stc")
    # The demo delegation starts when the province is seeded, which may be after
    # this module's now was taken: look at the queues as of now.
    now = timezone.now()
    make_item(director, Queue.SIGN, due_at=now - timedelta(minutes=5))
    make_item(director, Queue.SIGN)
    make_item(deputy, Queue.APPROVE)

    with django_assert_num_queries(2):
        sections = queue_summary(user=deputy, acting_for=director, at=now)

    assert [(s.person, s.is_principal) for s in sections] == [
        (deputy, False),
        (director, True),
    ]
    assert summary_of(sections, 0)[Queue.APPROVE] == (1, 0)
    assert summary_of(sections, 0)[Queue.SIGN] == (0, 0)
    assert summary_of(sections, 1)[Queue.SIGN] == (2, 1)


def test_without_a_delegation_in_force_the_principals_work_stays_hidden(person):
    deputy, director = person("pholanhdao.stc"), person("lanhdao.stc")
    make_item(director, Queue.SIGN, title="Quyết định mật")
    Delegation.objects.filter(principal=director, delegate=deputy).update(
        revoked_at=NOW - timedelta(minutes=1)
    )
    sections = queue_summary(user=deputy, acting_for=director, at=NOW)
    assert sections[1].queues == []
    assert not queue_items(user=deputy, queue=Queue.SIGN, acting_for=director)

    # Someone who never delegated anything is no better.
    specialist = person("chuyenvien.stc")
    make_item(specialist, Queue.HANDLE)
    sections = queue_summary(user=deputy, acting_for=specialist, at=NOW)
    assert sections[1].queues == []
    assert not queue_items(user=deputy, queue=Queue.HANDLE, acting_for=specialist)


def test_items_come_most_urgent_first_then_by_deadline_with_none_last(person):
    clerk = person("vanthu.stc")
    make_item(clerk, Queue.RECEIVE, title="thường, không hạn")
    make_item(
        clerk, Queue.RECEIVE, title="thường, hạn sau", due_at=NOW + timedelta(days=3)
    )
    make_item(
        clerk,
        Queue.RECEIVE,
        title="thường, quá hạn",
        due_at=NOW - timedelta(days=1),
    )
    make_item(
        clerk,
        Queue.RECEIVE,
        title="khẩn, không hạn",
        urgency=Urgency.KHAN,
    )
    make_item(
        clerk,
        Queue.RECEIVE,
        title="hỏa tốc",
        urgency=Urgency.HOA_TOC,
        due_at=NOW + timedelta(days=5),
    )
    make_item(
        clerk,
        Queue.RECEIVE,
        title="thượng khẩn",
        urgency=Urgency.THUONG_KHAN,
        due_at=NOW + timedelta(hours=2),
    )
    make_item(clerk, Queue.RECEIVE, title="đã xong", state=WorkItem.State.DONE)
    make_item(clerk, Queue.DISPATCH, title="hàng đợi khác")
    make_item(person("vanthu.snv"), Queue.RECEIVE, title="người khác", urgency=3)

    items = list(queue_items(user=clerk, queue=Queue.RECEIVE, at=NOW))

    assert [i.title for i in items] == [
        "hỏa tốc",
        "thượng khẩn",
        "khẩn, không hạn",
        "thường, quá hạn",
        "thường, hạn sau",
        "thường, không hạn",
    ]
    assert [bool(i.is_late) for i in items] == [False, False, False, True, False, False]
    assert len(queue_items(user=clerk, queue=Queue.RECEIVE, limit=2, at=NOW)) == 2


def test_the_queue_page_lists_the_items_and_refuses_unknown_queues(person, client_for):
    clerk = person("vanthu.stc")
    make_item(clerk, Queue.RECEIVE, title="Công văn số 12/STC-VP", urgency=3)
    client = client_for("vanthu.stc")

    response = client.get(reverse("workflow:queue", args=["receive"]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Chờ tiếp nhận" in page
    assert "Công văn số 12/STC-VP" in page
    assert "Hỏa tốc" in page

    assert client.get(reverse("workflow:queue", args=["dispatch"])).status_code == 200
    assert "Không có văn bản nào đang chờ" in client.get(
        reverse("workflow:queue", args=["dispatch"])
    ).content.decode("utf-8")
    assert client.get("/hang-doi/khong-co/").status_code == 404
    # The principal's queue page exists only while acting for someone.
    assert (
        client.get(reverse("workflow:queue_acting", args=["receive"])).status_code
        == 404
    )


def test_the_home_page_lists_each_non_empty_queues_first_items(
    person, client_for, django_assert_max_num_queries
):
    leader = person("lanhdao.stc")
    for i in range(7):
        make_item(leader, Queue.SIGN, title=f"Tờ trình số {i}", urgency=i % 4)
    make_item(leader, Queue.APPROVE, title="Dự thảo quá hạn", due_at=NOW - timedelta(1))
    client = client_for("lanhdao.stc")

    page = client.get(reverse("home")).content.decode()

    assert "Tờ trình số 3" in page  # hỏa tốc, listed first
    assert page.count("Tờ trình số") == 5
    assert "Xem tất cả 7" in page
    assert "Dự thảo quá hạn" in page
    assert "1 trễ hạn" in page
    assert "Không có văn bản nào đang chờ" in page  # the empty assign queue
