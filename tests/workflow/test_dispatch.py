"""Issuing and dispatch (phát hành) through workflow.issuing and workflow.dispatch:
the seal moves the process to "issued" and builds the dispatch list from the
recipients; internal units get the document at once; the văn thư confirms the
dispatch, which hands the exchange rows off in one outbox event. Real
PostgreSQL, real signatures over the demo PKI."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation

from core.models import OutboxEvent
from directory.models import Organisation
from documents.models import Document, FileVersion
from documents.selectors import document_get_visible
from tests.workflow.dispatch_helpers import (
    approve_for_signing,
    issue,
    mixed_draft,
)
from tests.workflow.issuing_fixtures import (  # noqa: F401 - fixtures used by name
    STC,
    _fresh_signer_caches,
    _signing_settings,
    certs,
    demo_pki,
    draft,
    leader_sign,
    number_and_seal,
    pki_server,
    user,
)
from workflow import engine
from workflow.dispatch import (
    DispatchChange,
    dispatch_update,
    document_dispatch,
    document_recall,
    recipient_key,
)
from workflow.models import Dispatch, Notification, Queue, WorkItem

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture(autouse=True)
def _english():
    """Refusals are matched by their English msgid."""
    with translation.override("en"):
        yield


SNV, SXD, PROVINCE = "000.00.03.H99", "000.00.04.H99", "000.00.00.H99"


def _rows(document) -> dict[str, Dispatch]:
    return {d.name: d for d in Dispatch.objects.filter(document=document)}


def _events(topic: str, document) -> list[OutboxEvent]:
    return [
        e
        for e in OutboxEvent.objects.filter(topic=topic).order_by("pk")
        if e.payload.get("document_id") == document.pk
    ]


def test_recipient_keys_fold_accents_case_notes_and_abbreviations():
    """ "UBND tỉnh Lạc Hồng (để b/c);" and the directory's "Ủy ban nhân dân tỉnh
    Lạc Hồng (demo)" have one key."""
    assert recipient_key("- UBND tỉnh Lạc Hồng (để b/c);") == recipient_key(
        "Ủy ban nhân dân tỉnh Lạc Hồng (demo)"
    )
    assert recipient_key("SỞ NỘI VỤ") == "so noi vu"


def test_issue_builds_the_dispatch_list_of_mixed_recipients(certs):
    """Each recipient line gets its channel: agencies of the directory by
    exchange (with and without their province, UBND written short), a unit of
    the own organisation inside (delivered at once), anything else by post; the
    archive line and "Như trên" are not recipients."""
    document = issue(mixed_draft(), certs)
    assert document.state == Document.State.ISSUED
    process = engine.process_for(document)
    assert process.state == "issued"
    rows = _rows(document)
    assert set(rows) == {
        "Sở Nội vụ tỉnh Lạc Hồng",
        "UBND tỉnh Bình Thuận",
        "UBND tỉnh Lạc Hồng (để b/c)",
        "Sở Xây dựng",
        "Phòng Tài chính doanh nghiệp",
        "Báo Lạc Hồng",
    }
    exchange = {
        name: row.organisation.code
        for name, row in rows.items()
        if row.channel == Dispatch.Channel.EXCHANGE
    }
    assert exchange == {
        "Sở Nội vụ tỉnh Lạc Hồng": SNV,
        "UBND tỉnh Lạc Hồng (để b/c)": PROVINCE,
        "Sở Xây dựng": SXD,
    }
    assert rows["Sở Nội vụ tỉnh Lạc Hồng"].organ_id == SNV
    assert rows["UBND tỉnh Bình Thuận"].channel == Dispatch.Channel.POST
    assert rows["Báo Lạc Hồng"].channel == Dispatch.Channel.POST
    internal = rows["Phòng Tài chính doanh nghiệp"]
    assert internal.channel == Dispatch.Channel.INTERNAL
    assert internal.unit.short_name == "TCDN"
    assert internal.state == Dispatch.State.DELIVERED
    assert {r.state for n, r in rows.items() if r is not internal} == {
        Dispatch.State.PENDING
    }
    # The văn thư's NUMBER_SEAL item is closed, a DISPATCH item is open.
    items = WorkItem.objects.filter(process=process)
    assert not items.filter(queue=Queue.NUMBER_SEAL, state=WorkItem.State.OPEN)
    dispatch_item = items.get(queue=Queue.DISPATCH, state=WorkItem.State.OPEN)
    assert dispatch_item.assignee == user("vanthu.stc")
    assert dispatch_item.due_at is not None
    issue_move = process.transitions.get(action="issue")
    assert issue_move.actor == user("vanthu.stc")
    assert issue_move.from_state == "signed"


def test_internal_recipients_can_open_it_at_once_and_are_notified(certs):
    """The people of the internal unit see the issued document and get a
    notification with its page; the people of other units do not."""
    document = issue(mixed_draft(), certs)
    reader = user("chuyenvien2.stc")  # Phòng Tài chính doanh nghiệp
    assert document_get_visible(user=reader, pk=document.pk) is not None
    note = Notification.objects.get(recipient=reader, document=document)
    assert note.kind == "dispatch"
    assert note.url == f"/van-ban/{document.pk}/" or str(document.pk) in note.url
    assert document.number_notation in note.title
    other = user("luutru.stc")  # Văn phòng Sở: not a recipient
    assert document_get_visible(user=other, pk=document.pk) is None
    assert not Notification.objects.filter(recipient=other, document=document)
    assert _events("documents.permissions_changed", document)


def test_confirm_dispatch_emits_one_event_with_the_exchange_rows(certs):
    """Phát hành: the exchange rows are handed off in exactly one
    workflow.dispatch_requested event, the post rows are sent, the process is
    dispatched and the DISPATCH item closed."""
    document = issue(mixed_draft(), certs)
    before = _events("workflow.dispatch_requested", document)
    assert before == []
    document_dispatch(document=document, actor=user("vanthu.stc"))
    rows = _rows(document)
    exchange = [r for r in rows.values() if r.channel == Dispatch.Channel.EXCHANGE]
    [event] = _events("workflow.dispatch_requested", document)
    assert sorted(event.payload["dispatch_ids"]) == sorted(r.pk for r in exchange)
    assert {r.state for r in exchange} == {Dispatch.State.HANDED_OFF}
    for name in ("UBND tỉnh Bình Thuận", "Báo Lạc Hồng"):
        assert rows[name].state == Dispatch.State.DELIVERED
        assert rows[name].sent_at is not None
    process = engine.process_for(document)
    assert process.state == "dispatched"
    assert process.completed_at is not None
    assert not WorkItem.objects.filter(
        process=process, queue=Queue.DISPATCH, state=WorkItem.State.OPEN
    )


def test_dispatch_twice_is_refused(certs):
    document = issue(mixed_draft(), certs)
    document_dispatch(document=document, actor=user("vanthu.stc"))
    with pytest.raises(ValidationError, match="dispatched already"):
        document_dispatch(document=document, actor=user("vanthu.stc"))
    assert len(_events("workflow.dispatch_requested", document)) == 1


def test_a_secret_document_never_goes_to_the_exchange(certs):
    """A mật document with an exchange recipient is refused until that
    recipient goes by post; then it is dispatched without any exchange event."""
    document = issue(
        mixed_draft(copies_to=["Như trên;", "Lưu: VT."], secrecy=1, actor="vanthu.stc"),
        certs,
    )
    assert document.secrecy == 1
    with pytest.raises(ValidationError, match="never goes through"):
        document_dispatch(document=document, actor=user("vanthu.stc"))
    assert engine.process_for(document).state == "issued"
    assert set(Dispatch.objects.filter(document=document).values_list("state")) == {
        (Dispatch.State.PENDING,)
    }
    snv = Dispatch.objects.get(document=document, organisation__code=SNV)
    dispatch_update(
        document=document,
        changes=[DispatchChange(pk=snv.pk, name=snv.name, channel="post")],
        actor=user("vanthu.stc"),
    )
    document_dispatch(document=document, actor=user("vanthu.stc"))
    assert _events("workflow.dispatch_requested", document) == []
    assert engine.process_for(document).state == "dispatched"


def test_an_exchange_row_without_agency_is_refused(certs):
    document = issue(mixed_draft(), certs)
    post = Dispatch.objects.get(document=document, name="Báo Lạc Hồng")
    dispatch_update(
        document=document,
        changes=[DispatchChange(pk=post.pk, name=post.name, channel="exchange")],
        actor=user("vanthu.stc"),
    )
    with pytest.raises(ValidationError, match="Báo Lạc Hồng"):
        document_dispatch(document=document, actor=user("vanthu.stc"))
    assert engine.process_for(document).state == "issued"
    assert _events("workflow.dispatch_requested", document) == []


def test_the_clerk_edits_the_list_before_sending(certs):
    """Names, channels and agencies change, rows are added and removed; the own
    agency and unknown agencies are refused; a specialist may not edit."""
    document = issue(mixed_draft(), certs)
    rows = _rows(document)
    clerk = user("vanthu.stc")
    snv = Organisation.objects.get(code=SNV)
    dispatch_update(
        document=document,
        changes=[
            DispatchChange(
                pk=rows["Báo Lạc Hồng"].pk,
                name="Sở Nội vụ (bản điện tử)",
                channel="exchange",
                organisation=str(snv.pk),
            ),
            DispatchChange(pk=rows["Sở Xây dựng"].pk, name="", channel="", remove=True),
            DispatchChange(pk=None, name="Công an tỉnh Lạc Hồng;", channel="post"),
            DispatchChange(pk=None, name="", channel="post"),
        ],
        actor=clerk,
    )
    rows = _rows(document)
    assert "Sở Xây dựng" not in rows
    assert rows["Sở Nội vụ (bản điện tử)"].organ_id == SNV
    assert rows["Công an tỉnh Lạc Hồng"].channel == Dispatch.Channel.POST
    stc = Organisation.objects.get(code=STC)
    row = rows["Công an tỉnh Lạc Hồng"]
    with pytest.raises(ValidationError, match="own agency"):
        dispatch_update(
            document=document,
            changes=[DispatchChange(row.pk, row.name, "exchange", organisation=stc.pk)],
            actor=clerk,
        )
    with pytest.raises(ValidationError, match="Unknown agency"):
        dispatch_update(
            document=document,
            changes=[DispatchChange(row.pk, row.name, "exchange", organisation="x")],
            actor=clerk,
        )
    with pytest.raises(PermissionDenied):
        dispatch_update(
            document=document,
            changes=[DispatchChange(row.pk, "Khác", "post")],
            actor=user("chuyenvien.stc"),
        )
    assert _rows(document)["Công an tỉnh Lạc Hồng"].channel == Dispatch.Channel.POST


def test_only_the_clerk_dispatches(certs):
    document = issue(mixed_draft(), certs)
    with pytest.raises(PermissionDenied):
        document_dispatch(document=document, actor=user("chuyenvien.stc"))
    with pytest.raises(PermissionDenied):
        document_dispatch(document=document, actor=user("vanthu.snv"))
    assert engine.process_for(document).state == "issued"


def test_a_raced_dispatch_gets_the_concurrent_change_message(certs):
    document = issue(mixed_draft(), certs)
    revision = engine.process_for(document).revision
    document_dispatch(document=document, actor=user("vanthu.stc"), revision=revision)
    with pytest.raises(ValidationError):
        document_dispatch(
            document=document, actor=user("vanthu.stc"), revision=revision
        )


def test_numbering_before_the_leader_signed_is_refused(draft, certs):
    """A draft the leader has not signed, and a leader-signed file whose
    process did not reach "signed", are both refused: no number is taken."""
    with pytest.raises(ValidationError, match="has not signed"):
        number_and_seal(draft, certs)
    approve_for_signing(draft)
    with pytest.raises(ValidationError, match="has not signed"):
        number_and_seal(draft, certs)
    draft.refresh_from_db()
    assert draft.state == Document.State.DRAFT
    assert draft.register_number is None
    assert not Dispatch.objects.filter(document=draft)
    assert engine.process_for(draft).state == "awaiting_signature"


def test_a_leader_signed_file_outside_the_circuit_is_not_numbered(draft, certs):
    """The process is the gate: even with a leader-signed file (stored here
    the way workflow.issuing stores it), a process still in approval refuses."""
    approve_for_signing(draft)
    leader_sign(draft, certs)
    process = engine.process_for(draft)
    assert process.state == "signed"
    # Put the process back as if the signature had happened outside it.
    with transaction.atomic():
        process.state = "awaiting_signature"
        process.save(update_fields=["state"])
    with pytest.raises(ValidationError, match="approval circuit"):
        number_and_seal(draft, certs)
    draft.refresh_from_db()
    assert draft.register_number is None
    assert (
        FileVersion.objects.filter(file__document=draft, facts__step="sealed").count()
        == 0
    )


def test_a_unit_not_cleared_for_a_secret_document_does_not_get_it(certs):
    """A mật document to a unit without clearance: nobody of the unit gets it,
    the row waits, the dispatch is refused until the clerk removes it."""
    document = issue(
        mixed_draft(
            recipients=["UBND tỉnh Bình Thuận"],
            copies_to=["Như trên;", "Phòng Tài chính doanh nghiệp;", "Lưu: VT."],
            secrecy=1,
            actor="vanthu.stc",
        ),
        certs,
    )
    row = Dispatch.objects.get(document=document, channel=Dispatch.Channel.INTERNAL)
    assert row.state == Dispatch.State.PENDING
    assert document_get_visible(user=user("chuyenvien2.stc"), pk=document.pk) is None
    assert not Notification.objects.filter(document=document, kind="dispatch")
    with pytest.raises(ValidationError, match="not authorised"):
        document_dispatch(document=document, actor=user("vanthu.stc"))
    dispatch_update(
        document=document,
        changes=[DispatchChange(pk=row.pk, name="", channel="", remove=True)],
        actor=user("vanthu.stc"),
    )
    document_dispatch(document=document, actor=user("vanthu.stc"))
    assert engine.process_for(document).state == "dispatched"


def test_a_unit_added_by_the_clerk_receives_it_at_dispatch_and_loses_it_on_recall(
    certs,
):
    """A row turned into a unit of the agency is delivered at "Phát hành" (view
    permission, notification); a recall takes the permission back from those
    it gave it to, not from the drafter who had it already."""
    document = issue(mixed_draft(), certs)
    row = Dispatch.objects.get(document=document, name="Báo Lạc Hồng")
    unit = user("luutru.stc").unit  # Văn phòng Sở
    with pytest.raises(ValidationError, match="Choose the unit"):
        dispatch_update(
            document=document,
            changes=[DispatchChange(row.pk, row.name, "internal")],
            actor=user("vanthu.stc"),
        )
    dispatch_update(
        document=document,
        changes=[DispatchChange(row.pk, "", "internal", unit=str(unit.pk))],
        actor=user("vanthu.stc"),
    )
    row.refresh_from_db()
    assert (row.channel, row.unit, row.name) == ("internal", unit, unit.name)
    reader = user("luutru.stc")
    assert document_get_visible(user=reader, pk=document.pk) is None
    document_dispatch(document=document, actor=user("vanthu.stc"))
    row.refresh_from_db()
    assert row.state == Dispatch.State.DELIVERED
    assert document_get_visible(user=reader, pk=document.pk) is not None
    assert Notification.objects.filter(recipient=reader, kind="dispatch").exists()
    document_recall(document=document, reason="Sai số liệu.", actor=user("lanhdao.stc"))
    assert document_get_visible(user=reader, pk=document.pk) is None
    assert document_get_visible(user=user("chuyenvien.stc"), pk=document.pk)
