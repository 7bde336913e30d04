"""Thu hồi (recall), thay thế (replacement) and sửa đổi, bổ sung (amendment) of an
issued document (workflow.dispatch, documents.services.draft_create with a
relation). Real PostgreSQL, real signatures over the demo PKI."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from core.models import AuditEntry, OutboxEvent
from directory.models import Organisation
from documents.models import Document, DocumentFile, DocumentRelation, FileVersion
from documents.selectors import document_get_visible
from documents.services import draft_create, file_version_store
from tests.workflow.dispatch_helpers import issue, mixed_draft
from tests.workflow.issuing_fixtures import (  # noqa: F401 - fixtures used by name
    _fresh_signer_caches,
    _signing_settings,
    certs,
    demo_pki,
    draft,
    draft_content,
    pki_server,
    user,
)
from workflow import engine
from workflow.dispatch import document_dispatch, document_recall
from workflow.models import Dispatch, Notification

pytestmark = pytest.mark.usefixtures("demo")
REASON = "Sai căn cứ pháp lý tại Điều 1."


@pytest.fixture(autouse=True)
def _english():
    """Refusals are matched by their English msgid."""
    with translation.override("en"):
        yield


def _events(topic: str, document) -> list[OutboxEvent]:
    return [
        e
        for e in OutboxEvent.objects.filter(topic=topic).order_by("pk")
        if e.payload.get("document_id") == document.pk
    ]


@pytest.fixture
def dispatched(certs):
    document = issue(mixed_draft(), certs)
    document_dispatch(document=document, actor=user("vanthu.stc"))
    return document


def test_a_leader_recalls_a_dispatched_document_with_the_reason(dispatched):
    """The document is RECALLED, every dispatch row recalled, the exchange told
    once with its rows, the internal recipient notified and without access, the
    recall audited with its reason."""
    reader = user("chuyenvien2.stc")
    assert document_get_visible(user=reader, pk=dispatched.pk) is not None
    document_recall(document=dispatched, reason=REASON, actor=user("lanhdao.stc"))
    dispatched.refresh_from_db()
    assert dispatched.state == Document.State.RECALLED
    process = engine.process_for(dispatched)
    assert process.state == "recalled"
    move = process.transitions.get(action="recall")
    assert move.note == REASON
    rows = Dispatch.objects.filter(document=dispatched)
    assert {r.state for r in rows} == {Dispatch.State.RECALLED}
    [event] = _events("workflow.recalled", dispatched)
    exchange = rows.filter(channel=Dispatch.Channel.EXCHANGE)
    assert sorted(event.payload["dispatch_ids"]) == sorted(r.pk for r in exchange)
    assert event.payload["reason"] == REASON
    assert document_get_visible(user=reader, pk=dispatched.pk) is None
    note = Notification.objects.get(recipient=reader, kind="recall")
    assert note.body == REASON
    # The issuing side keeps the frozen record.
    assert document_get_visible(user=user("vanthu.stc"), pk=dispatched.pk)
    assert AuditEntry.objects.filter(
        action="document.recall", object_id=str(dispatched.pk)
    ).exists()


def test_the_clerk_recalls_an_issued_document_before_dispatch(certs):
    """Recall before phát hành: the open DISPATCH item is cancelled, nothing
    was handed to the exchange."""
    document = issue(mixed_draft(), certs)
    document_recall(document=document, reason=REASON, actor=user("vanthu.stc"))
    process = engine.process_for(document)
    assert process.state == "recalled"
    assert not process.work_items.filter(state="open")
    [event] = _events("workflow.recalled", document)
    assert event.payload["dispatch_ids"] == []


def test_a_recall_without_reason_changes_nothing(dispatched):
    for reason in ("", "   "):
        with pytest.raises(ValidationError, match="reason"):
            document_recall(
                document=dispatched, reason=reason, actor=user("lanhdao.stc")
            )
    dispatched.refresh_from_db()
    assert dispatched.state == Document.State.ISSUED
    assert engine.process_for(dispatched).state == "dispatched"
    assert _events("workflow.recalled", dispatched) == []


def test_only_a_leader_or_the_clerk_recalls(dispatched):
    for username in ("chuyenvien.stc", "truongphong.stc", "lanhdao.snv"):
        with pytest.raises(PermissionDenied):
            document_recall(document=dispatched, reason=REASON, actor=user(username))
    dispatched.refresh_from_db()
    assert dispatched.state == Document.State.ISSUED


def test_a_deputy_recalls_for_the_leader_and_both_are_recorded(dispatched):
    document_recall(
        document=dispatched,
        reason=REASON,
        actor=user("pholanhdao.stc"),
        on_behalf_of=user("lanhdao.stc"),
    )
    move = engine.process_for(dispatched).transitions.get(action="recall")
    assert move.actor == user("pholanhdao.stc")
    assert move.on_behalf_of == user("lanhdao.stc")


def test_a_draft_or_a_recalled_document_cannot_be_recalled(draft, dispatched):
    with pytest.raises(ValidationError, match="Only an issued"):
        document_recall(document=draft, reason=REASON, actor=user("lanhdao.stc"))
    document_recall(document=dispatched, reason=REASON, actor=user("lanhdao.stc"))
    with pytest.raises(ValidationError, match="Only an issued"):
        document_recall(document=dispatched, reason=REASON, actor=user("lanhdao.stc"))
    assert len(_events("workflow.recalled", dispatched)) == 1


def test_a_recalled_document_is_frozen(dispatched):
    """No version is added to a recalled document's files."""
    document_recall(document=dispatched, reason=REASON, actor=user("lanhdao.stc"))
    main = dispatched.files.get(role=DocumentFile.Role.MAIN)
    before = FileVersion.objects.filter(file__document=dispatched).count()
    with pytest.raises(ValidationError, match="recalled"):
        file_version_store(
            file=main,
            stream=io.BytesIO(b"%PDF-1.7 changed"),
            kind=FileVersion.Kind.UPLOADED,
            filename="changed.pdf",
            page_count=1,
            facts={},
            created_by=user("vanthu.stc"),
        )
    assert FileVersion.objects.filter(file__document=dispatched).count() == before


# ---------------------------------------------------------------------------
# Replacement and amendment


def test_the_issued_replacement_replaces_the_old_document(dispatched, certs):
    """A draft that replaces an issued document is linked at creation; when it
    is issued the old one is REPLACED and its internal recipients told."""
    replacement = mixed_draft(
        relation=(DocumentRelation.Kind.REPLACES, dispatched, REASON),
        subject="Về việc phê duyệt dự toán (thay thế)",
    )
    link = DocumentRelation.objects.get(source=replacement)
    assert (link.target, link.kind, link.reason) == (
        dispatched,
        DocumentRelation.Kind.REPLACES,
        REASON,
    )
    issue(replacement, certs)
    dispatched.refresh_from_db()
    assert dispatched.state == Document.State.REPLACED
    process = engine.process_for(dispatched)
    assert process.state == "replaced"
    assert process.transitions.get(action="replace").details == {
        "replaced_by": replacement.pk
    }
    reader = user("chuyenvien2.stc")
    assert Notification.objects.filter(
        recipient=reader, kind="replaced", document=dispatched
    ).exists()
    [event] = _events("workflow.replaced", dispatched)
    assert event.payload["replaced_by"] == replacement.pk


def test_an_amendment_links_and_leaves_the_document_in_force(dispatched, certs):
    amendment = mixed_draft(
        relation=(DocumentRelation.Kind.AMENDS, dispatched, REASON),
        subject="Về việc sửa đổi, bổ sung Điều 1",
    )
    issue(amendment, certs)
    dispatched.refresh_from_db()
    assert dispatched.state == Document.State.ISSUED
    assert engine.process_for(dispatched).state == "dispatched"
    assert DocumentRelation.objects.filter(
        source=amendment, target=dispatched, kind=DocumentRelation.Kind.AMENDS
    ).exists()


def test_a_replacement_needs_a_reason_and_an_issued_document(draft, dispatched):
    """No reason, a draft as target, a document of another organisation or one
    the drafter may not open: refused, no draft created."""
    before = Document.objects.count()
    with pytest.raises(ValidationError, match="reason"):
        mixed_draft(relation=(DocumentRelation.Kind.REPLACES, dispatched, " "))
    with pytest.raises(ValidationError, match="Only an issued"):
        mixed_draft(
            relation=(DocumentRelation.Kind.REPLACES, draft, REASON),
            actor="chuyenvien.stc",
        )
    with pytest.raises(PermissionDenied):
        # The drafter of another organisation cannot open it.
        draft_create(
            organisation=Organisation.objects.get(code="000.00.03.H99"),
            content=draft_content(),
            actor=user("chuyenvien.snv"),
            relation=(DocumentRelation.Kind.AMENDS, dispatched, REASON),
        )
    with pytest.raises(ValidationError, match="kind"):
        mixed_draft(relation=("reply_to", dispatched, REASON))
    assert Document.objects.count() == before
    assert not DocumentRelation.objects.exists()


def test_a_unit_that_never_got_the_document_is_not_told_of_its_recall(certs):
    """A mật document's internal unit without clearance never received it:
    the recall tells nobody there."""
    document = issue(
        mixed_draft(
            recipients=["UBND tỉnh Bình Thuận"],
            copies_to=["Như trên;", "Phòng Tài chính doanh nghiệp;", "Lưu: VT."],
            secrecy=1,
            actor="vanthu.stc",
        ),
        certs,
    )
    document_recall(document=document, reason=REASON, actor=user("lanhdao.stc"))
    assert not Notification.objects.filter(
        recipient=user("chuyenvien2.stc"), document=document
    ).exists()
    assert {d.state for d in Dispatch.objects.filter(document=document)} == {
        Dispatch.State.RECALLED
    }
