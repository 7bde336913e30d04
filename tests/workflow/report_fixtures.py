"""Rows for the report tests, written straight into the workflow tables: a month
(March 2026) of incoming documents with their lead assignments and of outgoing
drafts with their submissions, returns and replies, with the figures each unit
must show (EXPECTED_*)."""

from datetime import date, datetime

from django.utils import timezone

from directory.models import User
from documents.models import Document, DocumentRelation, DocumentType
from workflow.models import ApprovalTask, Assignment, Process, Transition

# The report is drawn on 15/04/2026 at noon, for March 2026.
AT = timezone.make_aware(datetime(2026, 4, 15, 12, 0))
MARCH = (date(2026, 3, 1), date(2026, 3, 31))

# Unit 1 is truongphong.stc's and chuyenvien.stc's; unit 2 is chuyenvien2.stc's.
EXPECTED_INCOMING = {
    1: {"total": 6, "on_time": 2, "late": 1, "open_on_time": 1, "open_late": 2},
    2: {"total": 2, "on_time": 0, "late": 1, "open_on_time": 1, "open_late": 0},
}
EXPECTED_INCOMING_TOTAL = {
    "total": 8,
    "on_time": 2,
    "late": 2,
    "open_on_time": 2,
    "open_late": 2,
}
EXPECTED_NOT_ASSIGNED = 2
EXPECTED_OUTGOING = {
    1: {
        "submitted": 2,
        "issued": 2,
        "in_approval": 1,
        "returned": 1,
        "replies_on_time": 1,
        "replies_late": 1,
    },
    2: {
        "submitted": 2,
        "issued": 0,
        "in_approval": 1,
        "returned": 0,
        "replies_on_time": 0,
        "replies_late": 0,
    },
}


def at(month: int, day: int, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime(2026, month, day, hour, 0))


def user(username: str) -> User:
    return User.objects.get(username=username)


def document(*, direction: str, subject: str, creator: User, **fields) -> Document:
    state = fields.pop("state", "registered" if direction == "den" else "draft")
    return Document.objects.create(
        organisation=creator.organisation,
        direction=direction,
        state=state,
        document_type=DocumentType.objects.order_by("pk").first(),
        organ_name=creator.organisation.name,
        subject=subject,
        created_by=creator,
        **fields,
    )


def incoming(subject: str, *, state: str = "assigned", **process_fields) -> Process:
    clerk = user("vanthu.stc")
    doc = document(direction="den", subject=subject, creator=clerk)
    return Process.objects.create(
        document=doc,
        organisation=clerk.organisation,
        kind=Process.Kind.INCOMING,
        state=state,
        **process_fields,
    )


def lead(process: Process, assignee: User, assigned: datetime, **fields) -> Assignment:
    return Assignment.objects.create(
        process=process,
        organisation=process.organisation,
        role=fields.pop("role", Assignment.Role.LEAD),
        assignee=assignee,
        unit=fields.pop("unit", assignee.unit),
        assigned_by=user("lanhdao.stc"),
        created_at=assigned,
        **fields,
    )


def seed_incoming() -> dict[str, Process]:
    """The incoming documents of EXPECTED_INCOMING (and some that must not count)."""
    head = user("truongphong.stc")
    officer = user("chuyenvien.stc")
    officer2 = user("chuyenvien2.stc")
    done = Assignment.State.DONE
    made = {}

    p = made["d1"] = incoming("Đúng hạn", state="completed", completed_at=at(3, 8))
    lead(p, officer, at(3, 2), due_at=at(3, 10), state=done, completed_at=at(3, 8))
    lead(p, officer2, at(3, 2), role=Assignment.Role.CO, due_at=at(3, 10))

    p = made["d2"] = incoming("Trễ hạn", state="completed", completed_at=at(3, 12))
    lead(p, officer, at(3, 3), due_at=at(3, 10), state=done, completed_at=at(3, 12))

    p = made["d3"] = incoming("Không có hạn", state="completed")
    lead(p, officer, at(3, 4), state=done, completed_at=at(3, 20))

    p = made["d4"] = incoming("Đang giải quyết trong hạn")
    lead(p, officer, at(3, 5), due_at=at(5, 1))

    p = made["d5"] = incoming("Đang giải quyết quá hạn")
    lead(p, officer, at(3, 6), due_at=at(3, 20))

    # Passed on inside unit 1: counted once, for the latest lead.
    p = made["d6"] = incoming("Chuyển tiếp trong phòng")
    first = lead(p, head, at(3, 7), state=Assignment.State.DELEGATED)
    lead(p, officer, at(3, 9), due_at=at(3, 25), parent=first)

    # First assigned in February: not in March, though passed on in March.
    p = made["d7"] = incoming("Phân công tháng hai")
    first = lead(p, head, at(2, 25), state=Assignment.State.DELEGATED)
    lead(p, officer, at(3, 2), due_at=at(3, 25), parent=first)

    # Given to unit 1, cancelled, given to unit 2: counts in unit 2 only.
    p = made["d8"] = incoming("Phân công lại")
    lead(p, head, at(3, 10), state=Assignment.State.CANCELLED, due_at=at(3, 12))
    lead(p, officer2, at(3, 11), due_at=at(5, 1))

    # Assigned in April: not in March.
    p = made["d9"] = incoming("Phân công tháng tư")
    lead(p, officer, at(4, 2), due_at=at(4, 5))

    # Completed by the process after the lead's deadline: late, in unit 2.
    p = made["d10"] = incoming(
        "Hoàn thành sau hạn", state="completed", completed_at=at(3, 15)
    )
    lead(p, officer2, at(3, 12), due_at=at(3, 14))

    # Not assigned yet: two registered in March, one in February.
    made["n1"] = incoming("Chờ trình", state="registered", started_at=at(3, 3))
    made["n2"] = incoming("Chờ phân công", state="submitted", started_at=at(3, 20))
    made["n3"] = incoming("Tồn tháng hai", state="registered", started_at=at(2, 10))
    return made


def outgoing(
    subject: str,
    drafter: User,
    *,
    state: str,
    submitted: list[datetime],
    updated: datetime,
    issued: date | None = None,
) -> Process:
    doc = document(
        direction="di",
        subject=subject,
        creator=drafter,
        state="issued" if issued else "draft",
        issued_date=issued,
    )
    process = Process.objects.create(
        document=doc,
        organisation=drafter.organisation,
        kind=Process.Kind.OUTGOING,
        state=state,
        drafter=drafter,
        updated_at=updated,
    )
    for when in submitted:
        Transition.objects.create(
            process=process,
            action="submit",
            from_state="drafting",
            to_state="in_approval",
            actor=drafter,
            created_at=when,
        )
    return process


def reply(source: Process, target: Document) -> None:
    DocumentRelation.objects.create(
        source=source.document,
        target=target,
        kind=DocumentRelation.Kind.REPLY_TO,
        created_by=source.drafter,
    )


def seed_outgoing() -> dict[str, Process]:
    """The outgoing drafts of EXPECTED_OUTGOING."""
    officer = user("chuyenvien.stc")
    officer2 = user("chuyenvien2.stc")
    head = user("truongphong.stc")
    made = {}

    # Returned once, submitted again, issued 12/03 replying to a document due on
    # 15/03 (its process's deadline): on time.
    o1 = made["o1"] = outgoing(
        "Trả lời đúng hạn",
        officer,
        state="dispatched",
        submitted=[at(3, 5), at(3, 8)],
        updated=at(3, 12),
        issued=date(2026, 3, 12),
    )
    ApprovalTask.objects.create(
        process=o1,
        round=1,
        group=1,
        approver=head,
        state=ApprovalTask.State.RETURNED,
        acted_at=at(3, 6),
    )
    target = incoming("Công văn hỏi ý kiến", due_at=at(3, 15))
    reply(o1, target.document)

    made["o2"] = outgoing(
        "Đang duyệt",
        officer,
        state="in_approval",
        submitted=[at(3, 10)],
        updated=at(3, 10),
    )

    # Submitted in February, issued 02/03 replying to a document due 28/02 (its
    # due date, no process): late.
    o3 = made["o3"] = outgoing(
        "Trả lời trễ",
        officer,
        state="issued",
        submitted=[at(2, 20)],
        updated=at(3, 2),
        issued=date(2026, 3, 2),
    )
    late_target = document(
        direction="den",
        subject="Đề nghị báo cáo",
        creator=user("vanthu.stc"),
        due_date=date(2026, 2, 28),
    )
    reply(o3, late_target)

    made["o4"] = outgoing(
        "Chờ ký",
        officer2,
        state="awaiting_signature",
        submitted=[at(3, 15)],
        updated=at(3, 16),
    )
    made["o5"] = outgoing(
        "Trình tháng tư",
        officer2,
        state="in_approval",
        submitted=[at(4, 2)],
        updated=at(4, 2),
    )
    made["o6"] = outgoing(
        "Phát hành tháng tư",
        officer2,
        state="issued",
        submitted=[at(3, 20)],
        updated=at(4, 3),
        issued=date(2026, 4, 3),
    )
    return made
