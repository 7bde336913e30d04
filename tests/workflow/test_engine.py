"""The workflow engine: rules as data, one transition service that checks state,
revision, delegation and the rule's guard, and records, audits and announces
every move."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation

from core.models import AuditEntry, OutboxEvent
from directory.models import Delegation
from documents.models import Document, DocumentType
from workflow import engine
from workflow.models import Process, Transition, WorkItem


@pytest.fixture(autouse=True)
def _english_messages():
    """The refusals are checked by their English msgid: their Vietnamese wording
    belongs to the catalogue (tests/web/test_translations.py)."""
    with translation.override("en"):
        yield


def incoming(person, username="vanthu.stc", **fields) -> Document:
    clerk = person(username)
    return Document.objects.create(
        organisation=clerk.organisation,
        direction=Document.Direction.INCOMING,
        state=Document.State.REGISTERED,
        document_type=DocumentType.objects.get(code="cong_van"),
        organ_name="Ủy ban nhân dân tỉnh Lạc Hồng",
        subject="V/v triển khai dịch vụ công trực tuyến toàn trình",
        created_by=clerk,
        arrival_date=timezone.now(),
        **fields,
    )


def outgoing(person, username="chuyenvien.stc") -> Document:
    drafter = person(username)
    return Document.objects.create(
        organisation=drafter.organisation,
        direction=Document.Direction.OUTGOING,
        state=Document.State.DRAFT,
        document_type=DocumentType.objects.get(code="cong_van"),
        organ_name=drafter.organisation.name,
        subject="V/v báo cáo tình hình thực hiện dự toán quý IV",
        created_by=drafter,
    )


def test_the_rules_name_only_known_states_and_guards():
    for rule in engine.RULES:
        states = engine.STATES[rule.kind]
        assert set(rule.sources) <= set(states), rule
        assert set(rule.targets) <= set(states), rule
        assert rule.who in engine.GUARDS, rule
        assert rule.action in engine.ACTION_LABELS, rule
    for kind, terminal in engine.TERMINAL.items():
        assert terminal <= set(engine.STATES[kind])
        assert engine.INITIAL[kind] in engine.STATES[kind]


def test_process_for_creates_the_process_once_in_its_first_state(person):
    document = incoming(person)
    first = engine.process_for(document)
    again = engine.process_for(document)
    assert first.pk == again.pk
    assert (first.kind, first.state) == ("den", "registered")
    assert first.organisation_id == document.organisation_id
    draft = engine.process_for(outgoing(person))
    assert (draft.kind, draft.state) == ("di", "drafting")
    assert draft.drafter.username == "chuyenvien.stc"


@pytest.mark.django_db
def test_a_move_is_recorded_audited_and_announced(person):
    process = engine.process_for(incoming(person))
    audits, events = AuditEntry.objects.count(), OutboxEvent.objects.count()
    with transaction.atomic():
        moved = engine.transition(
            process=process,
            action="submit",
            actor=person("vanthu.stc"),
            revision=0,
            note="Kính trình Giám đốc",
        )
    assert (moved.state, moved.revision) == ("submitted", 1)
    process.refresh_from_db()
    assert (process.state, process.revision) == ("submitted", 1)
    row = Transition.objects.get(process=process)
    assert (row.action, row.from_state, row.to_state) == (
        "submit",
        "registered",
        "submitted",
    )
    assert row.actor.username == "vanthu.stc" and row.on_behalf_of is None
    assert row.note == "Kính trình Giám đốc"
    assert AuditEntry.objects.count() == audits + 1
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "workflow.den.submit"
    event = OutboxEvent.objects.exclude(pk__lte=events).get(topic="workflow.transition")
    assert event.payload["action"] == "submit"
    assert event.payload["document_id"] == process.document_id


def test_an_illegal_move_is_refused_and_leaves_nothing(person):
    process = engine.process_for(incoming(person))
    audits, moves = AuditEntry.objects.count(), Transition.objects.count()
    with pytest.raises(engine.IllegalTransition) as refused, transaction.atomic():
        engine.transition(
            process=process, action="complete", actor=person("vanthu.stc")
        )
    assert "not possible now" in " ".join(refused.value.messages)
    process.refresh_from_db()
    assert (process.state, process.revision) == ("registered", 0)
    assert (AuditEntry.objects.count(), Transition.objects.count()) == (audits, moves)
    with pytest.raises(engine.IllegalTransition), transaction.atomic():
        engine.transition(process=process, action="fly", actor=person("vanthu.stc"))


def test_the_guard_judges_the_person(person):
    process = engine.process_for(incoming(person))
    with pytest.raises(PermissionDenied, match="records clerk"), transaction.atomic():
        engine.transition(
            process=process, action="submit", actor=person("chuyenvien.stc")
        )
    # A clerk of another organisation is no clerk of this document.
    with pytest.raises(PermissionDenied), transaction.atomic():
        engine.transition(process=process, action="submit", actor=person("vanthu.sxd"))
    process.refresh_from_db()
    assert process.state == "registered"


def test_a_page_drawn_before_someone_else_acted_gets_a_clear_message(person):
    process = engine.process_for(incoming(person))
    clerk = person("vanthu.stc")
    with transaction.atomic():
        engine.transition(process=process, action="submit", actor=clerk, revision=0)
    # The second clerk's page still carries revision 0.
    with pytest.raises(engine.ConcurrentChange) as raced, transaction.atomic():
        engine.transition(process=process, action="return", actor=clerk, revision=0)
    message = " ".join(raced.value.messages)
    assert "Someone else has acted" in message and "Submitted" in message
    process.refresh_from_db()
    assert (process.state, process.revision) == ("submitted", 1)


def test_a_delegate_acts_for_the_signer_and_both_are_recorded(person):
    document = outgoing(person)
    process = engine.process_for(document)
    Process.objects.filter(pk=process.pk).update(
        state="awaiting_signature", signer=person("lanhdao.stc")
    )
    deputy = person("pholanhdao.stc")
    with pytest.raises(PermissionDenied, match="signer chosen"), transaction.atomic():
        engine.transition(process=process, action="sign", actor=deputy)
    with transaction.atomic():
        engine.transition(
            process=process,
            action="sign",
            actor=deputy,
            on_behalf_of=person("lanhdao.stc"),
        )
    row = Transition.objects.get(process=process, action="sign")
    assert row.actor == deputy and row.on_behalf_of.username == "lanhdao.stc"
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.actor_id == deputy.pk
    assert entry.on_behalf_of_id == person("lanhdao.stc").pk


def test_acting_for_someone_needs_a_delegation_in_force(person):
    process = engine.process_for(outgoing(person))
    Process.objects.filter(pk=process.pk).update(
        state="awaiting_signature", signer=person("lanhdao.stc")
    )
    # The demo delegation ends: the deputy may no longer act for the director.
    Delegation.objects.filter(principal__username="lanhdao.stc").update(
        ends_at=timezone.now() - timedelta(minutes=1)
    )
    denied = pytest.raises(PermissionDenied, match="no authorisation")
    with denied, transaction.atomic():
        engine.transition(
            process=process,
            action="sign",
            actor=person("pholanhdao.stc"),
            on_behalf_of=person("lanhdao.stc"),
        )
    with pytest.raises(PermissionDenied), transaction.atomic():
        engine.transition(
            process=process,
            action="sign",
            actor=person("chuyenvien.stc"),
            on_behalf_of=person("lanhdao.stc"),
        )


def test_terminal_states_stop_the_clock_and_reopening_restarts_it(person):
    process = engine.process_for(incoming(person))
    Process.objects.filter(pk=process.pk).update(state="assigned")
    with transaction.atomic():
        done = engine.transition(process=process, action="complete", actor=None)
    assert done.completed_at is not None
    with transaction.atomic():
        again = engine.transition(
            process=process, action="reopen", actor=person("lanhdao.stc")
        )
    assert again.state == "assigned" and again.completed_at is None


def test_work_items_open_once_and_close_by_step(person):
    process = engine.process_for(incoming(person))
    clerk, leader = person("vanthu.stc"), person("lanhdao.stc")
    first = engine.work_item_open(process=process, assignee=clerk, queue="receive")
    assert engine.work_item_open(process=process, assignee=clerk, queue="receive") == (
        first
    )
    engine.work_item_open(process=process, assignee=leader, queue="assign")
    assert first.title.endswith("dịch vụ công trực tuyến toàn trình")
    closed = engine.work_items_close(process=process, by=clerk, queue="receive")
    assert closed == 1
    first.refresh_from_db()
    assert (first.state, first.completed_by) == (WorkItem.State.DONE, clerk)
    assert WorkItem.objects.get(queue="assign").state == WorkItem.State.OPEN


def test_allowed_actions_follow_the_rules_and_the_guards(person):
    process = engine.process_for(incoming(person))
    assert engine.allowed_actions(process, person("vanthu.stc")) == {
        "submit",
        "return",
    }
    assert engine.allowed_actions(process, person("chuyenvien.stc")) == set()


def test_a_reply_is_due_when_the_document_it_answers_is(person):
    from documents.models import DocumentRelation

    answered = engine.process_for(incoming(person))
    due = timezone.now() + timedelta(days=5)
    Process.objects.filter(pk=answered.pk).update(due_at=due)
    reply = outgoing(person)
    DocumentRelation.objects.create(
        source=reply,
        target=answered.document,
        kind=DocumentRelation.Kind.REPLY_TO,
        created_by=person("chuyenvien.stc"),
    )
    assert engine.process_for(reply).due_at == due
    assert engine.process_for(outgoing(person)).due_at is None
