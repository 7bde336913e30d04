"""Handling of incoming documents (workflow.incoming): the clerk submits, the
leader assigns a lead unit, co-handlers and people for information, the unit
head passes the lead on, the handlers record progress and contributions, the
lead completes with the reply linked; and every refusal of the issue (outside
the organisation, co-handlers still open, a past deadline, a raced page, acting
for an absent leader) leaves nothing written."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from core.events import event_deliver
from core.models import AuditEntry, OutboxEvent
from directory.models import Unit
from documents.models import Document, DocumentRelation
from documents.services import document_register_incoming, draft_create
from tests.documents.pdf_samples import text_pdf
from workflow import calendar, engine, incoming
from workflow.models import (
    Assignment,
    Notification,
    Process,
    ProgressNote,
    Queue,
    Transition,
    WorkItem,
)


@pytest.fixture(autouse=True)
def _english_messages():
    """Refusals are checked by their English msgid (their Vietnamese wording is
    the catalogue's business: tests/web/test_translations.py)."""
    with translation.override("en"):
        yield


SUBJECT = "V/v triển khai dịch vụ công trực tuyến toàn trình năm 2027"


def register(person, username="vanthu.stc", **metadata) -> Document:
    """A document registered by the clerk, with its process and RECEIVE item made
    by the consumer of `documents.incoming_registered` (as the worker would)."""
    clerk = person(username)
    upload = io.BytesIO(text_pdf(1))
    upload.name = "cong-van-den.pdf"
    document = document_register_incoming(
        organisation=clerk.organisation,
        main_file=upload,
        metadata={
            "document_type": "cong_van",
            "code_number": "215",
            "code_notation": "UBND-KGVX",
            "issued_date": timezone.localdate().isoformat(),
            "organ_name": "Ủy ban nhân dân tỉnh Lạc Hồng",
            "subject": SUBJECT,
            **metadata,
        },
        actor=clerk,
        allow_duplicate=True,
    )
    event = OutboxEvent.objects.filter(
        topic="documents.incoming_registered", payload__document_id=document.pk
    ).get()
    event_deliver(event_pk=event.pk)
    return document


def submitted(person, **metadata) -> Process:
    document = register(person, **metadata)
    incoming.incoming_submit(
        document=document,
        leader=person("lanhdao.stc"),
        note="Kính trình Giám đốc",
        actor=person("vanthu.stc"),
        revision=0,
    )
    return Process.objects.get(document=document)


def unit_of(person, username="truongphong.stc") -> Unit:
    return person(username).unit


def assigned(person, **kwargs) -> Process:
    """Submitted, then assigned by the director to the unit of truongphong.stc
    with chuyenvien2.stc co-handling."""
    process = submitted(person)
    arguments = {
        "lead": unit_of(person),
        "co": [person("chuyenvien2.stc")],
        "directive": "Giao phòng chủ trì tham mưu",
        **kwargs,
    }
    incoming.incoming_assign(
        process=process,
        actor=person("lanhdao.stc"),
        revision=process.revision,
        **arguments,
    )
    process.refresh_from_db()
    return process


def open_items(process, queue=None):
    items = WorkItem.objects.filter(process=process, state=WorkItem.State.OPEN)
    if queue is not None:
        items = items.filter(queue=queue)
    return sorted(items.values_list("assignee__username", "queue"))


def draft_reply(person, document, username="chuyenvien.stc") -> Document:
    drafter = person(username)
    return draft_create(
        organisation=drafter.organisation,
        content={
            "document_type": "cong_van",
            "subject": "V/v báo cáo kết quả triển khai dịch vụ công trực tuyến",
            "body": "Sở Tài chính báo cáo kết quả như sau.",
            "recipients": ["Ủy ban nhân dân tỉnh Lạc Hồng"],
            "signer_capacity": "",
            "signer_title": "GIÁM ĐỐC",
            "signer_name": person("lanhdao.stc").full_name,
            "copies_to": ["Lưu: VT."],
            "urgency": 0,
            "secrecy": 0,
        },
        actor=drafter,
        reply_to=document,
    )


def messages_of(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def test_the_whole_journey_of_an_incoming_document(person):
    """register → submit → assign (lead unit, co, info) → pass on → progress →
    contribution → complete with the reply linked: queues, notifications, audit,
    outbox and history all follow."""
    clerk, director = person("vanthu.stc"), person("lanhdao.stc")
    head, specialist = person("truongphong.stc"), person("chuyenvien.stc")
    co, archivist = person("chuyenvien2.stc"), person("luutru.stc")
    events_before = OutboxEvent.objects.count()
    document = register(person)
    process = Process.objects.get(document=document)
    assert (process.kind, process.state) == ("den", "registered")
    assert open_items(process) == [("vanthu.stc", Queue.RECEIVE)]

    # Trình: to the director's "to assign" queue, due the same or next working day.
    before = timezone.now()
    incoming.incoming_submit(
        document=document, leader=director, note="Kính trình", actor=clerk, revision=0
    )
    process.refresh_from_db()
    assert (process.state, process.leader) == ("submitted", director)
    assert open_items(process) == [("lanhdao.stc", Queue.ASSIGN)]
    item = WorkItem.objects.get(process=process, state="open")
    assert (
        before
        < item.due_at
        <= calendar.deadline_for(
            start=timezone.now(),
            urgency=0,
            days=1,
            organisation_id=process.organisation_id,
        )
    )
    assert WorkItem.objects.get(process=process, queue=Queue.RECEIVE).state == "done"
    assert Notification.objects.filter(
        recipient=director, kind="incoming_submitted", document=document
    ).exists()

    # Phân công: the unit of truongphong.stc leads, chuyenvien2 co-handles, the
    # archivist is told.
    due = timezone.now() + timedelta(days=10)
    incoming.incoming_assign(
        process=process,
        actor=director,
        revision=process.revision,
        lead=head.unit,
        co=[co],
        info=[archivist],
        directive="Giao Phòng chủ trì, phối hợp báo cáo trước ngày 15",
        due_at=due,
    )
    process.refresh_from_db()
    assert process.state == "assigned"
    assert (process.due_at, process.lead_unit) == (due, head.unit)
    assert open_items(process) == [
        ("chuyenvien2.stc", Queue.HANDLE),
        ("truongphong.stc", Queue.ASSIGN),
    ]
    lead = Assignment.objects.get(process=process, role="lead")
    assert (lead.assignee, lead.unit, lead.state) == (head, head.unit, "open")
    assert lead.assigned_by == director and lead.on_behalf_of is None
    co_part = Assignment.objects.get(process=process, role="co")
    assert (co_part.due_at, co_part.state) == (due, "open")
    info = Assignment.objects.get(process=process, role="info")
    assert (info.assignee, info.state) == (archivist, "done")
    assert not WorkItem.objects.filter(process=process, assignee=archivist).exists()
    for who, kind in [
        (head, "incoming_assigned"),
        (co, "incoming_assigned"),
        (archivist, "incoming_for_information"),
    ]:
        assert Notification.objects.filter(recipient=who, kind=kind).count() == 1
    # The co-handler and the archivist now see the document.
    assert person("chuyenvien2.stc").has_perm("documents.view_document", document)
    assert OutboxEvent.objects.filter(
        topic="documents.permissions_changed", payload__document_id=document.pk
    ).exists()

    # The unit head passes the lead on to his specialist.
    child = incoming.incoming_pass_on(
        assignment=lead,
        to=specialist,
        directive="Đồng chí Chuyên viên dự thảo báo cáo",
        due_at=due - timedelta(days=2),
        actor=head,
        revision=process.revision,
    )
    lead.refresh_from_db()
    assert lead.state == "delegated"
    assert (child.parent, child.role, child.assignee) == (lead, "lead", specialist)
    process.refresh_from_db()
    assert open_items(process) == [
        ("chuyenvien.stc", Queue.HANDLE),
        ("chuyenvien2.stc", Queue.HANDLE),
    ]

    incoming.progress_record(
        assignment=child,
        text="Đã tổng hợp số liệu của các phòng",
        percent=50,
        actor=specialist,
        revision=process.revision,
    )
    child.refresh_from_db()
    assert child.progress == 50
    process.refresh_from_db()

    # Not while the co-handler has not contributed.
    reply = draft_reply(person, document)
    with pytest.raises(ValidationError) as refused:
        incoming.incoming_complete(
            process=process,
            actor=specialist,
            result="Đã báo cáo",
            reply_document=reply,
            revision=process.revision,
        )
    assert co.get_full_name() in messages_of(refused.value)
    assert "contribution" in messages_of(refused.value)
    process.refresh_from_db()
    assert process.state == "assigned"

    incoming.contribution_send(
        assignment=co_part,
        text="Phòng 2 thống nhất, bổ sung số liệu quý III",
        actor=co,
        revision=process.revision,
    )
    co_part.refresh_from_db()
    assert (co_part.state, co_part.result) == (
        "done",
        "Phòng 2 thống nhất, bổ sung số liệu quý III",
    )
    assert Notification.objects.filter(
        recipient=specialist, kind="incoming_contribution"
    ).exists()
    assert open_items(process) == [("chuyenvien.stc", Queue.HANDLE)]

    process.refresh_from_db()
    incoming.incoming_complete(
        process=process,
        actor=specialist,
        result="Đã dự thảo văn bản trả lời",
        reply_document=reply,
        revision=process.revision,
    )
    process.refresh_from_db()
    document.refresh_from_db()
    assert process.state == "completed" and process.completed_at is not None
    assert document.state == Document.State.COMPLETED
    assert open_items(process) == []
    child.refresh_from_db()
    assert (child.state, child.result) == ("done", "Đã dự thảo văn bản trả lời")
    assert (
        DocumentRelation.objects.filter(
            source=reply, target=document, kind="reply_to"
        ).count()
        == 1
    )
    assert Notification.objects.filter(
        recipient=director, kind="incoming_completed"
    ).exists()

    moves = list(
        Transition.objects.filter(process=process).values_list(
            "action", "from_state", "to_state", "actor__username"
        )
    )
    assert moves == [
        ("submit", "registered", "submitted", "vanthu.stc"),
        ("assign", "submitted", "assigned", "lanhdao.stc"),
        ("pass_on", "assigned", "assigned", "truongphong.stc"),
        ("progress", "assigned", "assigned", "chuyenvien.stc"),
        ("contribute", "assigned", "assigned", "chuyenvien2.stc"),
        ("complete", "assigned", "completed", "chuyenvien.stc"),
    ]
    audited = list(
        AuditEntry.objects.filter(action__startswith="workflow.den.")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert audited[-6:] == [f"workflow.den.{m[0]}" for m in moves]
    topics = list(
        OutboxEvent.objects.filter(pk__gt=0)
        .exclude(pk__in=range(0, events_before + 1))
        .values_list("topic", flat=True)
    )
    assert topics.count("workflow.transition") == 6

    trace = incoming.trace_header_list(process)
    assert [(t["role"], t["to_person"], t["state"]) for t in trace] == [
        ("lead", head.get_full_name(), "delegated"),
        ("co", co.get_full_name(), "done"),
        ("info", archivist.get_full_name(), "done"),
        ("lead", specialist.get_full_name(), "done"),
    ]
    assert trace[0]["organ_id"] == process.organisation.code
    assert trace[0]["from_person"] == director.get_full_name()
    assert trace[0]["to_unit"] == head.unit.name
    assert trace[3]["parent_id"] == trace[0]["assignment_id"]
    assert trace[3]["directive"] == "Đồng chí Chuyên viên dự thảo báo cáo"
    assert trace[0]["deadline"] == due.isoformat()


def test_a_leader_assigns_only_inside_the_organisation(person):
    """A leader of another organisation, a person or a unit of another
    organisation: refused, nothing written."""
    process = submitted(person)
    foreign_leader = person("lanhdao.sxd")
    with pytest.raises(PermissionDenied):
        incoming.incoming_assign(
            process=process,
            actor=foreign_leader,
            lead=person("chuyenvien.stc"),
            revision=process.revision,
        )
    for field, kwargs in [
        ("lead", {"lead": person("chuyenvien.sxd")}),
        ("lead", {"lead": person("truongphong.sxd").unit}),
        ("co", {"lead": person("chuyenvien.stc"), "co": [person("chuyenvien.sxd")]}),
        (
            "info",
            {"lead": person("chuyenvien.stc"), "info": [person("vanthu.sxd")]},
        ),
    ]:
        with pytest.raises(ValidationError) as refused:
            incoming.incoming_assign(
                process=process,
                actor=person("lanhdao.stc"),
                revision=process.revision,
                **kwargs,
            )
        assert field in refused.value.message_dict
        assert "only inside its organisation" in messages_of(refused.value)
    process.refresh_from_db()
    assert (process.state, process.revision) == ("submitted", 1)
    assert not Assignment.objects.filter(process=process).exists()
    assert open_items(process) == [("lanhdao.stc", Queue.ASSIGN)]


def test_the_other_bad_assignments_are_refused(person):
    """No lead, a person twice, an inactive person, a co deadline after the
    lead's."""
    process = submitted(person)
    director = person("lanhdao.stc")
    specialist = person("chuyenvien.stc")
    cases = [
        ({"lead": None}, "lead"),
        ({"lead": specialist, "co": [specialist]}, "co"),
        ({"lead": specialist, "info": [person("chuyenvien2.stc")] * 2}, "info"),
        (
            {
                "lead": specialist,
                "co": [person("chuyenvien2.stc")],
                "due_at": timezone.now() + timedelta(days=3),
                "co_due_at": timezone.now() + timedelta(days=5),
            },
            "co_due_date",
        ),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as refused:
            incoming.incoming_assign(
                process=process, actor=director, revision=1, **kwargs
            )
        assert field in refused.value.message_dict, kwargs
    person_off = person("chuyenvien2.stc")
    person_off.is_active = False
    person_off.save(update_fields=["is_active"])
    with pytest.raises(ValidationError, match="can no longer sign in"):
        incoming.incoming_assign(
            process=process, actor=director, revision=1, lead=person_off
        )
    assert not Assignment.objects.filter(process=process).exists()


def test_a_deadline_in_the_past_is_refused(person):
    process = submitted(person)
    yesterday = timezone.now() - timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        incoming.incoming_assign(
            process=process,
            actor=person("lanhdao.stc"),
            revision=1,
            lead=person("chuyenvien.stc"),
            due_at=yesterday,
        )
    assert "in the past" in messages_of(refused.value)
    process.refresh_from_db()
    assert process.state == "submitted"
    # Passing on: not in the past, not later than the head's own deadline.
    process = assigned(person, due_at=timezone.now() + timedelta(days=5))
    lead = Assignment.objects.get(process=process, role="lead")
    for due, text in [
        (yesterday, "in the past"),
        (timezone.now() + timedelta(days=9), "later than your own"),
    ]:
        with pytest.raises(ValidationError, match=text):
            incoming.incoming_pass_on(
                assignment=lead,
                to=person("chuyenvien.stc"),
                due_at=due,
                actor=person("truongphong.stc"),
            )
    lead.refresh_from_db()
    assert lead.state == "open"


def test_the_default_deadline_is_the_documents_due_date(person):
    due_date = timezone.localdate() + timedelta(days=20)
    process = submitted(person, due_date=due_date.isoformat())
    incoming.incoming_assign(
        process=process,
        actor=person("lanhdao.stc"),
        lead=person("chuyenvien.stc"),
        co=[person("chuyenvien2.stc")],
    )
    process.refresh_from_db()
    expected = calendar.deadline_on(due_date, organisation_id=process.organisation_id)
    assert process.due_at == expected
    assert {a.due_at for a in Assignment.objects.filter(process=process)} == {expected}


def test_passing_on_stays_inside_the_unit(person):
    process = assigned(person)
    lead = Assignment.objects.get(process=process, role="lead")
    head = person("truongphong.stc")
    for to, text in [
        (head, "yourself"),
        (person("chuyenvien2.stc"), "not a person of your unit"),
        (person("chuyenvien.sxd"), "only inside its organisation"),
    ]:
        with pytest.raises(ValidationError, match=text):
            incoming.incoming_pass_on(assignment=lead, to=to, actor=head)
    # Only the holder passes it on.
    with pytest.raises(PermissionDenied):
        incoming.incoming_pass_on(
            assignment=lead, to=person("chuyenvien.stc"), actor=person("lanhdao.stc")
        )
    lead.refresh_from_db()
    assert lead.state == "open" and not lead.children.exists()


def test_completing_with_co_handlers_open_is_refused_with_their_names(person):
    specialist = person("chuyenvien.stc")
    process = assigned(
        person,
        lead=specialist,
        co=[person("chuyenvien2.stc"), person("truongphong.stc")],
    )
    with pytest.raises(ValidationError) as refused:
        incoming.incoming_complete(
            process=process, actor=specialist, result="Xong", revision=process.revision
        )
    message = messages_of(refused.value)
    assert person("chuyenvien2.stc").get_full_name() in message
    assert person("truongphong.stc").get_full_name() in message
    process.refresh_from_db()
    assert (process.state, process.completed_at) == ("assigned", None)
    assert Document.objects.get(pk=process.document_id).state == "registered"
    assert not Transition.objects.filter(process=process, action="complete").exists()
    # A co-handler may not complete it either.
    with pytest.raises(PermissionDenied, match="lead handler"):
        incoming.incoming_complete(
            process=process, actor=person("chuyenvien2.stc"), result="Xong"
        )


def test_the_reply_must_be_an_outgoing_document_the_lead_may_open(person):
    clerk = person("vanthu.stc")
    process = assigned(person, lead=clerk, co=[])
    other = register(person)  # the clerk sees it, but it is no reply
    with pytest.raises(ValidationError, match="outgoing document"):
        incoming.incoming_complete(
            process=process, actor=clerk, result="Xong", reply_document=other
        )
    foreign = draft_reply(person, None, username="chuyenvien.sxd")
    with pytest.raises(PermissionDenied):
        incoming.incoming_complete(
            process=process, actor=clerk, result="Xong", reply_document=foreign
        )
    process.refresh_from_db()
    assert process.state == "assigned"
    assert not DocumentRelation.objects.filter(target=process.document).exists()


def test_a_transition_raced_by_two_users_one_wins(person):
    """Two leaders act on the same page (same revision): the first assigns, the
    second gets ConcurrentChange's message and changes nothing."""
    process = submitted(person)
    page_revision = process.revision
    incoming.incoming_assign(
        process=process,
        actor=person("lanhdao.stc"),
        revision=page_revision,
        lead=person("chuyenvien.stc"),
    )
    with pytest.raises(engine.ConcurrentChange) as raced:
        incoming.incoming_assign(
            process=process,
            actor=person("pholanhdao.stc"),
            revision=page_revision,
            lead=person("chuyenvien2.stc"),
        )
    assert "Someone else has acted" in messages_of(raced.value)
    assert list(
        Assignment.objects.filter(process=process).values_list(
            "assignee__username", "state"
        )
    ) == [("chuyenvien.stc", "open")]
    assert Transition.objects.filter(process=process, action="assign").count() == 1


def test_the_deputy_assigns_for_the_director_and_both_are_recorded(person):
    process = submitted(person)
    deputy, director = person("pholanhdao.stc"), person("lanhdao.stc")
    incoming.incoming_assign(
        process=process,
        actor=deputy,
        on_behalf_of=director,
        revision=process.revision,
        lead=person("chuyenvien.stc"),
        directive="Thừa ủy quyền Giám đốc giao",
    )
    move = Transition.objects.get(process=process, action="assign")
    assert (move.actor, move.on_behalf_of) == (deputy, director)
    lead = Assignment.objects.get(process=process)
    assert (lead.assigned_by, lead.on_behalf_of) == (deputy, director)
    entry = AuditEntry.objects.filter(action="workflow.den.assign").latest("seq")
    assert (entry.actor_id, entry.on_behalf_of_id) == (deputy.pk, director.pk)
    trace = incoming.trace_header_list(process)
    assert trace[0]["from_person"] == deputy.get_full_name()
    assert trace[0]["on_behalf_of"] == director.get_full_name()
    # Without a delegation a specialist cannot act for the director.
    process.refresh_from_db()
    with pytest.raises(PermissionDenied, match="no authorisation"):
        incoming.incoming_assign(
            process=process,
            actor=person("chuyenvien2.stc"),
            on_behalf_of=director,
            lead=person("chuyenvien2.stc"),
        )


def test_assigning_again_cancels_the_open_parts_and_keeps_them_in_the_trace(person):
    process = assigned(person)
    first = set(Assignment.objects.filter(process=process).values_list("pk", flat=True))
    incoming.incoming_assign(
        process=process,
        actor=person("lanhdao.stc"),
        revision=process.revision,
        lead=person("chuyenvien.stc"),
    )
    states = dict(
        Assignment.objects.filter(pk__in=first).values_list(
            "assignee__username", "state"
        )
    )
    assert states == {"truongphong.stc": "cancelled", "chuyenvien2.stc": "cancelled"}
    assert open_items(process) == [("chuyenvien.stc", Queue.HANDLE)]
    assert len(incoming.trace_header_list(process)) == 3
    assert Notification.objects.filter(
        recipient=person("chuyenvien2.stc"), kind="incoming_unassigned"
    ).exists()


def test_progress_and_opinions_need_the_holder_and_text(person):
    process = assigned(person, lead=person("chuyenvien.stc"), co=[])
    lead = Assignment.objects.get(process=process, role="lead")
    with pytest.raises(ValidationError):
        incoming.progress_record(
            assignment=lead, text="", percent=10, actor=person("chuyenvien.stc")
        )
    with pytest.raises(ValidationError):
        incoming.progress_record(
            assignment=lead,
            text="Đang làm",
            percent=120,
            actor=person("chuyenvien.stc"),
        )
    with pytest.raises(PermissionDenied):
        incoming.progress_record(
            assignment=lead,
            text="Đang làm",
            percent=10,
            actor=person("chuyenvien2.stc"),
        )
    note = incoming.progress_record(
        assignment=lead,
        text="Đề nghị xin ý kiến Sở Nội vụ",
        kind=ProgressNote.Kind.OPINION,
        actor=person("chuyenvien.stc"),
    )
    assert (note.kind, note.progress) == ("opinion", None)
    # Only a co-handler sends a contribution.
    with pytest.raises(PermissionDenied):
        incoming.contribution_send(
            assignment=lead, text="Ý kiến", actor=person("chuyenvien.stc")
        )


def test_the_clerk_returns_a_document_to_its_sender_with_a_reason(person):
    process = submitted(person)
    document = process.document
    clerk = person("vanthu.stc")
    with pytest.raises(ValidationError, match="reason"):
        incoming.incoming_return(document=document, reason="  ", actor=clerk)
    with pytest.raises(PermissionDenied):
        incoming.incoming_return(
            document=document, reason="Sai nơi nhận", actor=person("chuyenvien.stc")
        )
    incoming.incoming_return(
        document=document,
        reason="Gửi nhầm nơi nhận",
        actor=clerk,
        revision=process.revision,
    )
    process.refresh_from_db()
    document.refresh_from_db()
    assert (process.state, document.state) == ("returned", "returned")
    assert open_items(process) == []
    event = OutboxEvent.objects.filter(topic="workflow.incoming_returned").latest("pk")
    assert event.payload == {"document_id": document.pk, "reason": "Gửi nhầm nơi nhận"}
    assert Notification.objects.filter(
        recipient=person("lanhdao.stc"), kind="incoming_returned"
    ).exists()
    # Once assigned, it can no longer be returned.
    later = assigned(person)
    with pytest.raises(engine.IllegalTransition):
        incoming.incoming_return(document=later.document, reason="Trả", actor=clerk)


def test_submitting_needs_a_leader_of_the_agency(person):
    document = register(person)
    clerk = person("vanthu.stc")
    for leader in [None, person("truongphong.stc"), person("lanhdao.sxd")]:
        with pytest.raises(ValidationError):
            incoming.incoming_submit(document=document, leader=leader, actor=clerk)
    process = Process.objects.get(document=document)
    assert (process.state, process.leader) == ("registered", None)
    assert open_items(process) == [("vanthu.stc", Queue.RECEIVE)]


def test_the_leader_reopens_a_completed_document(person):
    specialist = person("chuyenvien.stc")
    process = assigned(person, lead=specialist, co=[])
    incoming.incoming_complete(process=process, actor=specialist, result="Xong")
    process.refresh_from_db()
    with pytest.raises(PermissionDenied):
        incoming.incoming_reopen(process=process, actor=specialist, reason="Chưa đạt")
    incoming.incoming_reopen(
        process=process,
        actor=person("lanhdao.stc"),
        reason="Bổ sung số liệu",
        revision=process.revision,
    )
    process.refresh_from_db()
    assert (process.state, process.completed_at) == ("assigned", None)
    assert Document.objects.get(pk=process.document_id).state == "registered"
    assert open_items(process) == [("chuyenvien.stc", Queue.HANDLE)]
    assert Assignment.objects.get(process=process).state == "open"


def test_a_reply_draft_is_linked_when_created(person):
    """draft_create(reply_to=…) links the reply in its own transaction, and only
    to an incoming document the drafter may open."""
    document = register(person)
    # chuyenvien.stc does not see an incoming document nobody gave him.
    with pytest.raises(PermissionDenied):
        draft_reply(person, document)
    assert not DocumentRelation.objects.filter(target=document).exists()
    process = assigned(person, lead=person("chuyenvien.stc"), co=[])
    document = process.document
    reply = draft_reply(person, document)
    relation = DocumentRelation.objects.get(target=document)
    assert (relation.source, relation.kind) == (reply, "reply_to")
    assert incoming.reply_candidates(document=document, user=person("chuyenvien.stc"))
    entry = AuditEntry.objects.filter(action="draft.create").latest("seq")
    assert entry.details["reply_to"] == document.pk
