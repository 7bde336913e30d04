"""Approval of outgoing drafts (workflow.approval): the default circuit, sequential
and parallel circuits, approve / return with comments / forward / withdraw, a
second round after a return, the refusals (not the drafter, not a leader as
signer, a step that is not yours, a raced page) and the signing hook (no
signature before approval, only the chosen signer or his delegate)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from core.models import AuditEntry, OutboxEvent
from directory.models import Organisation, Role
from documents.models import Document, DocumentType, DraftComment, FileVersion
from documents.services import draft_create, draft_revise
from tests.workflow.issuing_fixtures import (  # noqa: F401 - fixtures used by name
    PASSPHRASE,
    STC,
    _fresh_signer_caches,
    _signing_settings,
    certs,
    demo_pki,
    draft_content,
    pki_server,
    register_person_certificate,
)
from workflow import approval, engine, issuing
from workflow import batch as batch_service
from workflow.approval import StepSpec
from workflow.models import (
    ApprovalStep,
    ApprovalTask,
    Notification,
    Process,
    Queue,
    Transition,
    WorkItem,
)

pytestmark = pytest.mark.usefixtures("demo")

Kind = ApprovalStep.Kind
State = ApprovalTask.State


def make_draft(person, username="chuyenvien.stc", subject=None) -> Document:
    drafter = person(username)
    content = draft_content()
    if subject:
        content["subject"] = subject
    return draft_create(
        organisation=drafter.organisation, content=content, actor=drafter
    )


def circuit(person, steps, *, name="Quy trình thử", document_type="quyet_dinh"):
    return approval.circuit_create(
        organisation=Organisation.objects.get(code=STC),
        name=name,
        document_type=DocumentType.objects.get(code=document_type)
        if document_type
        else None,
        steps=steps,
        actor=person("quantri.stc"),
    )


def tasks_of(process) -> list[tuple[int, str, str, bool]]:
    return [
        (t.group, t.approver.username, t.state, t.is_signer)
        for t in ApprovalTask.objects.filter(
            process=process, round=process.round
        ).select_related("approver")
    ]


def open_items(process, queue=None) -> list[tuple[str, str]]:
    items = WorkItem.objects.filter(process=process, state=WorkItem.State.OPEN)
    if queue:
        items = items.filter(queue=queue)
    return sorted(items.values_list("assignee__username", "queue"))


def submit(person, document, signer="lanhdao.stc", **kwargs):
    return approval.draft_submit(
        document=document,
        signer=person(signer),
        actor=document.created_by,
        **kwargs,
    )


def approve(person, process, username, **kwargs):
    return approval.approval_approve(
        process=Process.objects.get(pk=process.pk), actor=person(username), **kwargs
    )


def messages_of(error) -> str:
    return " ".join(getattr(error, "messages", [str(error)]))


# ---------------------------------------------------------------------------
# The default circuit


def test_without_a_circuit_the_unit_head_approves_then_the_signer(person):
    document = make_draft(person)
    process = submit(person, document, note="Kính trình")
    assert process.state == "in_approval" and process.round == 1
    assert process.drafter.username == "chuyenvien.stc"
    assert process.signer.username == "lanhdao.stc"
    assert process.circuit is None and process.current_group == 1
    assert tasks_of(process) == [
        (1, "truongphong.stc", State.PENDING, False),
        (2, "lanhdao.stc", State.WAITING, True),
    ]
    assert open_items(process) == [("truongphong.stc", Queue.APPROVE)]
    assert Notification.objects.filter(
        recipient=person("truongphong.stc"), document=document, kind="approve"
    ).exists()
    move = Transition.objects.get(process=process)
    assert (move.action, move.to_state, move.note) == (
        "submit",
        "in_approval",
        "Kính trình",
    )

    process = approve(person, process, "truongphong.stc", comment="Đồng ý")
    assert process.state == "awaiting_signature" and process.current_group == 2
    assert tasks_of(process) == [
        (1, "truongphong.stc", State.APPROVED, False),
        (2, "lanhdao.stc", State.PENDING, True),
    ]
    assert open_items(process) == [("lanhdao.stc", Queue.SIGN)]
    done = WorkItem.objects.get(process=process, queue=Queue.APPROVE)
    assert done.state == WorkItem.State.DONE
    assert done.completed_by.username == "truongphong.stc"
    task = ApprovalTask.objects.get(process=process, group=1)
    assert task.comment == "Đồng ý" and task.acted_by.username == "truongphong.stc"
    assert Notification.objects.filter(
        recipient=person("lanhdao.stc"), document=document, kind="sign"
    ).exists()


def test_a_drafter_without_a_unit_head_goes_straight_to_the_signer(person):
    """chuyenvien2.stc's unit has no head: nothing comes before the signer."""
    document = make_draft(person, "chuyenvien2.stc")
    process = submit(person, document, signer="pholanhdao.stc")
    assert process.state == "awaiting_signature"
    assert tasks_of(process) == [(1, "pholanhdao.stc", State.PENDING, True)]
    assert open_items(process) == [("pholanhdao.stc", Queue.SIGN)]


def test_a_unit_head_who_drafts_is_not_asked_to_approve_his_own_draft(person):
    document = make_draft(person, "truongphong.stc")
    process = submit(person, document)
    assert tasks_of(process) == [(1, "lanhdao.stc", State.PENDING, True)]


# ---------------------------------------------------------------------------
# Configured circuits


def test_a_sequential_circuit_goes_group_by_group(person):
    made = circuit(
        person,
        [
            StepSpec(group=1, kind=Kind.UNIT_HEAD, label="Lãnh đạo phòng"),
            StepSpec(
                group=2,
                kind=Kind.PERSON,
                person=person("chuyenvien2.stc"),
                label="Kiểm tra thể thức",
            ),
        ],
    )
    document = make_draft(person)
    process = submit(person, document)
    assert process.circuit == made
    assert tasks_of(process) == [
        (1, "truongphong.stc", State.PENDING, False),
        (2, "chuyenvien2.stc", State.WAITING, False),
        (3, "lanhdao.stc", State.WAITING, True),
    ]
    labels = list(
        ApprovalTask.objects.filter(process=process).values_list("label", flat=True)
    )
    assert labels[:2] == ["Lãnh đạo phòng", "Kiểm tra thể thức"]
    # The named approver, a specialist, may now open the draft.
    assert person("chuyenvien2.stc").has_perm("documents.view_document", document)
    assert OutboxEvent.objects.filter(
        topic="documents.permissions_changed", payload__document_id=document.pk
    ).exists()

    process = approve(person, process, "truongphong.stc")
    assert process.state == "in_approval" and process.current_group == 2
    assert open_items(process) == [("chuyenvien2.stc", Queue.APPROVE)]
    process = approve(person, process, "chuyenvien2.stc")
    assert process.state == "awaiting_signature"
    assert open_items(process) == [("lanhdao.stc", Queue.SIGN)]


def test_a_parallel_group_waits_for_each_of_its_approvers(person):
    circuit(
        person,
        [
            StepSpec(group=1, kind=Kind.UNIT_HEAD),
            StepSpec(group=1, kind=Kind.PERSON, person=person("chuyenvien2.stc")),
        ],
    )
    process = submit(person, make_draft(person))
    assert tasks_of(process) == [
        (1, "truongphong.stc", State.PENDING, False),
        (1, "chuyenvien2.stc", State.PENDING, False),
        (2, "lanhdao.stc", State.WAITING, True),
    ]
    assert open_items(process) == [
        ("chuyenvien2.stc", Queue.APPROVE),
        ("truongphong.stc", Queue.APPROVE),
    ]
    process = approve(person, process, "chuyenvien2.stc")
    assert process.state == "in_approval" and process.current_group == 1
    assert open_items(process) == [("truongphong.stc", Queue.APPROVE)]
    process = approve(person, process, "truongphong.stc")
    assert process.state == "awaiting_signature"


def test_a_role_step_goes_to_the_person_chosen_or_the_first_holder(person):
    made = circuit(
        person,
        [StepSpec(group=1, kind=Kind.ROLE, role=Role.VAN_THU, label="Thể thức")],
    )
    process = submit(person, make_draft(person))
    assert tasks_of(process)[0][:2] == (1, "vanthu.stc")
    # Another holder of the role, chosen when submitting.
    from directory.services import role_assign

    role_assign(person=person("luutru.stc"), role=Role.VAN_THU, actor=None)
    step = made.steps.get()
    process = submit(person, make_draft(person), chosen={step.pk: person("luutru.stc")})
    assert tasks_of(process)[0][:2] == (1, "luutru.stc")
    # Someone who does not hold the role cannot be chosen.
    with pytest.raises(ValidationError):
        submit(person, make_draft(person), chosen={step.pk: person("chuyenvien2.stc")})


def test_a_default_circuit_applies_to_types_without_their_own(person):
    circuit(
        person,
        [StepSpec(group=1, kind=Kind.PERSON, person=person("chuyenvien2.stc"))],
        name="Mặc định",
        document_type=None,
    )
    own = circuit(
        person,
        [StepSpec(group=1, kind=Kind.PERSON, person=person("vanthu.stc"))],
        name="Quyết định",
    )
    stc = Organisation.objects.get(code=STC)
    quyet_dinh = DocumentType.objects.get(code="quyet_dinh")
    cong_van = DocumentType.objects.get(code="cong_van")
    assert approval.circuit_for(stc, quyet_dinh) == own
    assert approval.circuit_for(stc, cong_van).name == "Mặc định"
    assert (
        approval.circuit_for(Organisation.objects.get(code="000.00.03.H99"), None)
        is None
    )


# ---------------------------------------------------------------------------
# Return, revise, resubmit; forward; withdraw


def test_return_with_comments_then_revise_and_resubmit(person):
    document = make_draft(person)
    process = submit(person, document)
    with pytest.raises(ValidationError) as empty:
        approval.approval_return(
            process=process, actor=person("truongphong.stc"), comment="  "
        )
    assert "người soạn thảo chỉnh sửa" in messages_of(empty.value)

    process = approval.approval_return(
        process=process,
        actor=person("truongphong.stc"),
        comment="Bổ sung căn cứ pháp lý tại phần mở đầu.",
    )
    assert process.state == "drafting" and process.current_group == 0
    assert tasks_of(process) == [
        (1, "truongphong.stc", State.RETURNED, False),
        (2, "lanhdao.stc", State.CANCELLED, True),
    ]
    comment = DraftComment.objects.get(version__document=document)
    assert comment.text == "Bổ sung căn cứ pháp lý tại phần mở đầu."
    assert comment.author.username == "truongphong.stc" and comment.version.number == 1
    assert open_items(process) == [("chuyenvien.stc", Queue.HANDLE)]
    assert Notification.objects.filter(
        recipient=person("chuyenvien.stc"), kind="returned", document=document
    ).exists()

    content = draft_content()
    content["body"] += "\n\nCăn cứ Luật Ngân sách nhà nước năm 2015;"
    draft_revise(document=document, content=content, actor=person("chuyenvien.stc"))
    process = submit(person, document)
    assert process.round == 2 and process.state == "in_approval"
    assert tasks_of(process) == [
        (1, "truongphong.stc", State.PENDING, False),
        (2, "lanhdao.stc", State.WAITING, True),
    ]
    # The drafter's "to revise" item is done; round 1 stays as it was.
    assert open_items(process) == [("truongphong.stc", Queue.APPROVE)]
    assert ApprovalTask.objects.filter(process=process, round=1).count() == 2
    rounds = approval.approval_rounds(process)
    assert [r["number"] for r in rounds] == [2, 1]
    assert rounds[1]["groups"][0]["tasks"][0].comment.startswith("Bổ sung")


def test_the_signer_may_return_the_approved_draft(person):
    process = submit(person, make_draft(person, "chuyenvien2.stc"))
    assert process.state == "awaiting_signature"
    process = approval.approval_return(
        process=process, actor=person("lanhdao.stc"), comment="Sửa lại trích yếu."
    )
    assert process.state == "drafting"
    assert open_items(process) == [("chuyenvien2.stc", Queue.HANDLE)]


def test_forward_hands_the_step_to_someone_else_of_the_organisation(person):
    document = make_draft(person)
    process = submit(person, document)
    with pytest.raises(ValidationError):
        approval.approval_forward(
            process=process, actor=person("truongphong.stc"), to=person("lanhdao.snv")
        )
    process = approval.approval_forward(
        process=process,
        actor=person("truongphong.stc"),
        to=person("chuyenvien2.stc"),
        comment="Nhờ đồng chí kiểm tra số liệu.",
    )
    assert process.state == "in_approval"
    forwarded, new = ApprovalTask.objects.filter(process=process, group=1)
    assert forwarded.state == State.FORWARDED
    assert (new.approver.username, new.state, new.forwarded_from) == (
        "chuyenvien2.stc",
        State.PENDING,
        forwarded,
    )
    assert open_items(process) == [("chuyenvien2.stc", Queue.APPROVE)]
    assert person("chuyenvien2.stc").has_perm("documents.view_document", document)
    # The one who forwarded has nothing left to approve.
    with pytest.raises(PermissionDenied):
        approve(person, process, "truongphong.stc")
    process = approve(person, process, "chuyenvien2.stc")
    assert process.state == "awaiting_signature"


def test_the_signer_may_hand_the_signature_to_another_leader(person):
    process = submit(person, make_draft(person, "chuyenvien2.stc"))
    with pytest.raises(ValidationError):
        approval.approval_forward(
            process=process, actor=person("lanhdao.stc"), to=person("vanthu.stc")
        )
    process = approval.approval_forward(
        process=process, actor=person("lanhdao.stc"), to=person("pholanhdao.stc")
    )
    assert process.state == "awaiting_signature"
    assert process.signer.username == "pholanhdao.stc"
    assert open_items(process) == [("pholanhdao.stc", Queue.SIGN)]


def test_the_drafter_withdraws_and_only_the_drafter(person):
    process = submit(person, make_draft(person))
    with pytest.raises(PermissionDenied):
        approval.draft_withdraw(process=process, actor=person("chuyenvien2.stc"))
    process = approval.draft_withdraw(process=process, actor=person("chuyenvien.stc"))
    assert process.state == "drafting"
    assert {t[2] for t in tasks_of(process)} == {State.CANCELLED}
    assert open_items(process) == []


# ---------------------------------------------------------------------------
# Refusals


def test_submit_refusals_change_nothing(person):
    document = make_draft(person)
    with translation.override("vi"), pytest.raises(PermissionDenied) as refused:
        approval.draft_submit(
            document=document,
            signer=person("lanhdao.stc"),
            actor=person("chuyenvien2.stc"),
        )
    assert "người soạn thảo" in str(refused.value)
    for signer in ("truongphong.stc", "lanhdao.snv"):
        with translation.override("vi"), pytest.raises(ValidationError) as refused:
            submit(person, document, signer=signer)
        assert "lãnh đạo cơ quan" in messages_of(refused.value)
    process = engine.process_for(document)
    assert (process.state, process.revision, process.round) == ("drafting", 0, 0)
    assert not ApprovalTask.objects.filter(process=process).exists()
    assert not Transition.objects.filter(process=process).exists()
    # Submitted twice: the second is not a draft being drafted.
    submit(person, document)
    with pytest.raises(ValidationError):
        submit(person, document)


def test_approving_a_step_that_is_not_yours_is_refused(person):
    circuit(
        person,
        [
            StepSpec(group=1, kind=Kind.UNIT_HEAD),
            StepSpec(group=2, kind=Kind.PERSON, person=person("chuyenvien2.stc")),
        ],
    )
    process = submit(person, make_draft(person))
    moves = Transition.objects.count()
    for username in ("chuyenvien2.stc", "vanthu.stc", "lanhdao.stc", "lanhdao.snv"):
        with translation.override("vi"), pytest.raises(PermissionDenied) as refused:
            approve(person, process, username)
        assert "không chờ anh/chị duyệt" in str(refused.value), username
    # Nor return nor forward.
    with pytest.raises(PermissionDenied):
        approval.approval_return(
            process=process, actor=person("chuyenvien2.stc"), comment="Không"
        )
    process.refresh_from_db()
    assert (process.state, process.revision) == ("in_approval", 1)
    assert Transition.objects.count() == moves
    assert tasks_of(process)[0][2] == State.PENDING


def test_two_approvers_racing_with_the_same_page_one_wins(person):
    """Both parallel approvers drew the page at the same revision: the first
    approval moves the process, the second gets ConcurrentChange's message and
    changes nothing; after reloading, it goes through."""
    circuit(
        person,
        [
            StepSpec(group=1, kind=Kind.UNIT_HEAD),
            StepSpec(group=1, kind=Kind.PERSON, person=person("chuyenvien2.stc")),
        ],
    )
    process = submit(person, make_draft(person))
    drawn = process.revision
    approve(person, process, "truongphong.stc", revision=drawn)
    with translation.override("vi"), pytest.raises(engine.ConcurrentChange) as raced:
        approve(person, process, "chuyenvien2.stc", revision=drawn)
    assert "Hãy tải lại trang" in messages_of(raced.value)
    task = ApprovalTask.objects.get(
        process=process, approver__username="chuyenvien2.stc"
    )
    assert task.state == State.PENDING
    process.refresh_from_db()
    assert process.revision == drawn + 1
    process = approve(person, process, "chuyenvien2.stc", revision=process.revision)
    assert process.state == "awaiting_signature"


def test_a_delegate_approves_for_the_unit_head_and_the_record_shows_both(person):
    from datetime import timedelta

    from django.utils import timezone

    from directory.models import Delegation

    Delegation.objects.create(
        principal=person("truongphong.stc"),
        delegate=person("chuyenvien2.stc"),
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(days=1),
        created_by=person("truongphong.stc"),
    )
    process = submit(person, make_draft(person))
    process = approve(
        person,
        process,
        "chuyenvien2.stc",
        on_behalf_of=person("truongphong.stc"),
    )
    assert process.state == "awaiting_signature"
    task = ApprovalTask.objects.get(process=process, group=1)
    assert task.acted_by.username == "chuyenvien2.stc"
    assert task.on_behalf_of.username == "truongphong.stc"
    move = Transition.objects.filter(process=process, action="approve").get()
    assert move.actor.username == "chuyenvien2.stc"
    assert move.on_behalf_of.username == "truongphong.stc"
    # Without a delegation nobody acts for anyone.
    process = submit(person, make_draft(person))
    with pytest.raises(PermissionDenied):
        approve(person, process, "vanthu.stc", on_behalf_of=person("truongphong.stc"))


# ---------------------------------------------------------------------------
# The signing hook (workflow.issuing)


def _versions(document) -> int:
    return FileVersion.objects.filter(file__document=document).count()


def test_signing_before_approval_is_refused_and_stores_nothing(person, certs):
    document = make_draft(person)
    for prepare in (None, submit):
        if prepare:
            prepare(person, document)  # in approval: still not approved
        before = (_versions(document), Transition.objects.count())
        with translation.override("vi"), pytest.raises(ValidationError) as refused:
            issuing.document_sign_as_leader(
                document=document,
                certificate=certs["leader"],
                secret=PASSPHRASE,
                actor=person("lanhdao.stc"),
            )
        assert "chưa được duyệt" in messages_of(refused.value)
        assert (_versions(document), Transition.objects.count()) == before
        assert issuing.issuing_step(document=document) == "draft"
    assert not AuditEntry.objects.filter(action="document.sign_leader").exists()


def test_the_chosen_signer_signs_and_the_clerks_get_it_to_number_and_seal(
    person, certs
):
    document = make_draft(person, "chuyenvien2.stc")
    process = submit(person, document)
    version = issuing.document_sign_as_leader(
        document=document,
        certificate=certs["leader"],
        secret=PASSPHRASE,
        actor=person("lanhdao.stc"),
    )
    assert version.facts["step"] == "leader_signed"
    process.refresh_from_db()
    assert process.state == "signed"
    assert tasks_of(process) == [(1, "lanhdao.stc", State.APPROVED, True)]
    sign_item = WorkItem.objects.get(process=process, queue=Queue.SIGN)
    assert sign_item.state == WorkItem.State.DONE
    assert open_items(process) == [("vanthu.stc", Queue.NUMBER_SEAL)]
    move = Transition.objects.get(process=process, action="sign")
    assert move.details["version"] == version.pk


def test_a_leader_who_is_not_the_signer_is_refused_and_his_delegate_allowed(
    person, demo_pki
):
    """The draft waits for lanhdao.stc: pholanhdao.stc, a leader too, may not
    sign it in his own name; acting for lanhdao.stc under the delegation in
    force he may, and the records show both."""
    certificate = register_person_certificate(demo_pki, "pholanhdao.stc")
    document = make_draft(person, "chuyenvien2.stc")
    process = submit(person, document, signer="lanhdao.stc")
    deputy, director = person("pholanhdao.stc"), person("lanhdao.stc")
    with translation.override("vi"), pytest.raises(PermissionDenied) as refused:
        issuing.document_sign_as_leader(
            document=document,
            certificate=certificate,
            secret=PASSPHRASE,
            actor=deputy,
        )
    assert director.get_full_name() in str(refused.value)
    assert _versions(document) == 1
    # Batch selection: the deputy sees it only through his principal.
    assert (
        batch_service.batch_signable_drafts(user=deputy).filter(pk=document.pk).exists()
    )
    assert not batch_service.batch_signable_drafts(user=person("lanhdao.snv")).exists()

    issuing.document_sign_as_leader(
        document=document,
        certificate=certificate,
        secret=PASSPHRASE,
        actor=deputy,
        on_behalf_of=director,
    )
    process.refresh_from_db()
    assert process.state == "signed"
    move = Transition.objects.get(process=process, action="sign")
    assert (move.actor, move.on_behalf_of) == (deputy, director)
    task = ApprovalTask.objects.get(process=process, is_signer=True)
    assert (task.state, task.acted_by, task.on_behalf_of) == (
        State.APPROVED,
        deputy,
        director,
    )
    entry = AuditEntry.objects.get(action="document.sign_leader")
    assert (entry.actor_id, entry.on_behalf_of_id) == (deputy.pk, director.pk)


def test_batch_selection_lists_only_drafts_awaiting_the_leaders_signature(person):
    waiting = make_draft(person, "chuyenvien2.stc", subject="Chờ ký Giám đốc")
    submit(person, waiting)
    in_approval = make_draft(person, subject="Đang duyệt")
    submit(person, in_approval)
    other = make_draft(person, "chuyenvien2.stc", subject="Chờ ký Phó Giám đốc")
    submit(person, other, signer="pholanhdao.stc")
    make_draft(person, subject="Chưa trình")
    listed = set(
        batch_service.batch_signable_drafts(user=person("lanhdao.stc")).values_list(
            "subject", flat=True
        )
    )
    assert listed == {"Chờ ký Giám đốc"}
    deputy = set(
        batch_service.batch_signable_drafts(user=person("pholanhdao.stc")).values_list(
            "subject", flat=True
        )
    )
    # His own, and his principal's under the delegation in force.
    assert deputy == {"Chờ ký Giám đốc", "Chờ ký Phó Giám đốc"}


def test_a_draft_changed_after_submission_is_not_signed(person, certs):
    """What the approvers approved is what is signed: a new version of the draft
    made after the submission stops the signature until it is submitted again."""
    document = make_draft(person, "chuyenvien2.stc")
    process = submit(person, document)
    content = draft_content()
    content["subject"] = "Về việc phê duyệt dự toán (đã sửa sau khi trình)"
    draft_revise(document=document, content=content, actor=person("chuyenvien2.stc"))
    before = _versions(document)
    with translation.override("vi"), pytest.raises(ValidationError) as refused:
        issuing.document_sign_as_leader(
            document=document,
            certificate=certs["leader"],
            secret=PASSPHRASE,
            actor=person("lanhdao.stc"),
        )
    assert "đã được sửa sau khi trình" in messages_of(refused.value)
    assert _versions(document) == before
    process.refresh_from_db()
    assert process.state == "awaiting_signature"
    # Returned and submitted again, it is signed.
    approval.approval_return(
        process=process, actor=person("lanhdao.stc"), comment="Trình lại bản mới."
    )
    submit(person, document)
    issuing.document_sign_as_leader(
        document=document,
        certificate=certs["leader"],
        secret=PASSPHRASE,
        actor=person("lanhdao.stc"),
    )
    process.refresh_from_db()
    assert process.state == "signed"
