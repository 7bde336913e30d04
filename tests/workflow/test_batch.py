"""Batch signing (ký số hàng loạt, workflow.batch) at the service level: the tasks
are run in this process by calling the service they wrap with the key the
on-commit hook would have published (the real worker: test_batch_broker.py)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.models import AuditEntry
from directory.models import Organisation
from documents.models import FileVersion
from documents.services import draft_create
from signing.signers import WrongPassphrase
from tests.core.conftest import broker_down  # noqa: F401 - fixture used by name
from tests.workflow.issuing_fixtures import (  # noqa: F401 - fixtures used by name
    PASSPHRASE,
    STC,
    _fresh_signer_caches,
    _signing_settings,
    approve_for_signing,
    certs,
    demo_pki,
    draft_content,
    file_bytes,
    leader_sign,
    pdfsig,
    pki_server,
    user,
)
from workflow import batch as batch_service
from workflow.models import SigningBatch, SigningBatchItem

pytestmark = pytest.mark.usefixtures("demo")


def make_drafts(count: int) -> list:
    """`count` STC drafts, approved and waiting for lanhdao.stc's signature."""
    stc = Organisation.objects.get(code=STC)
    drafts = []
    for i in range(count):
        content = draft_content()
        content["subject"] = f"{content['subject']} (đợt {i + 1})"
        document = draft_create(
            organisation=stc, content=content, actor=user("chuyenvien.stc")
        )
        approve_for_signing(document)
        drafts.append(document)
    return drafts


def start(capture, documents, certs, *, actor="lanhdao.stc", secret=PASSPHRASE):
    """batch_start, returning the batch and the key its on-commit hook holds."""
    with capture(execute=False) as callbacks:
        batch = batch_service.batch_start(
            actor=user(actor),
            documents=documents,
            certificate=certs["leader"],
            secret=secret,
        )
    (hook,) = callbacks
    return batch, hook.args[2]


def run_all(batch, key):
    for item_id in batch.items.values_list("pk", flat=True):
        batch_service.batch_item_sign(item_id=item_id, key=key)
    batch.refresh_from_db()


def test_selector_lists_the_drafts_the_leader_can_sign_now(certs):
    first, second, third = make_drafts(3)
    leader_sign(third, certs)  # no longer a draft with an empty leader field

    listed = list(batch_service.batch_signable_drafts(user=user("lanhdao.stc")))

    assert first in listed and second in listed
    assert third not in listed
    assert list(batch_service.batch_signable_drafts(user=user("chuyenvien.stc"))) == []


def test_a_batch_signs_every_draft_and_one_failure_stops_nothing(
    certs, django_capture_on_commit_callbacks
):
    drafts = make_drafts(3)
    batch, key = start(django_capture_on_commit_callbacks, drafts, certs)
    assert batch.state == SigningBatch.State.QUEUED
    assert bytes(batch.secret_sealed) and PASSPHRASE.encode() not in bytes(
        batch.secret_sealed
    )
    # Drafts in an unfinished batch are not offered again.
    assert not batch_service.batch_signable_drafts(user=user("lanhdao.stc")).filter(
        pk__in=[d.pk for d in drafts]
    )
    # The second draft is signed by another path before its task runs.
    leader_sign(drafts[1], certs)

    run_all(batch, key)

    assert batch.state == SigningBatch.State.DONE
    assert (batch.signed_count, batch.failed_count, batch.total) == (2, 1, 3)
    assert batch.finished_at is not None
    assert bytes(batch.secret_sealed) == b""  # wiped when the batch ended
    items = {i.document_id: i for i in batch.items.all()}
    failed = items[drafts[1].pk]
    assert failed.state == SigningBatchItem.State.FAILED
    assert failed.error == "Lãnh đạo đã ký số văn bản này."
    assert failed.version is None
    for document in (drafts[0], drafts[2]):
        item = items[document.pk]
        assert item.state == SigningBatchItem.State.SIGNED, item.error
        assert item.version.kind == FileVersion.Kind.SIGNED
        assert item.version.facts["step"] == "leader_signed"
        assert item.started_at <= item.finished_at
        assert "Signature is Valid" in pdfsig(file_bytes(item.version))
    assert AuditEntry.objects.filter(action="signing_batch.start").count() == 1
    assert AuditEntry.objects.filter(action="document.sign_leader").count() == 3


def test_a_task_run_twice_does_not_sign_twice(
    certs, django_capture_on_commit_callbacks
):
    (document,) = make_drafts(1)
    batch, key = start(django_capture_on_commit_callbacks, [document], certs)
    run_all(batch, key)
    versions = FileVersion.objects.filter(file__document=document).count()
    (item,) = batch.items.all()

    # A redelivered message after the batch ended, and one for a signed item.
    again = batch_service.batch_item_sign(item_id=item.pk, key=key)

    assert again.state == SigningBatchItem.State.SIGNED
    assert FileVersion.objects.filter(file__document=document).count() == versions
    batch.refresh_from_db()
    assert (batch.signed_count, batch.failed_count) == (1, 0)


def test_wrong_passphrase_creates_nothing(certs, django_capture_on_commit_callbacks):
    drafts = make_drafts(2)
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(WrongPassphrase) as caught,
    ):
        batch_service.batch_start(
            actor=user("lanhdao.stc"),
            documents=drafts,
            certificate=certs["leader"],
            secret="not-the-passphrase",
        )
    assert str(caught.value) == "Sai mật khẩu của tệp khóa, hoặc tệp bị hỏng."
    assert not callbacks
    assert not SigningBatch.objects.exists()
    assert not SigningBatchItem.objects.exists()


def test_a_person_who_is_not_a_leader_is_refused(certs):
    drafts = make_drafts(1)
    with pytest.raises(PermissionDenied) as caught:
        batch_service.batch_start(
            actor=user("chuyenvien.stc"),
            documents=drafts,
            certificate=certs["leader"],
            secret=PASSPHRASE,
        )
    assert str(caught.value) == "Chỉ lãnh đạo cơ quan mới ký số hàng loạt."
    assert not SigningBatch.objects.exists()


def test_another_persons_certificate_is_refused(certs):
    drafts = make_drafts(1)
    with pytest.raises(PermissionDenied):
        batch_service.batch_start(
            actor=user("lanhdao.stc"),
            documents=drafts,
            certificate=certs["other_leader"],
            secret=PASSPHRASE,
        )
    assert not SigningBatch.objects.exists()


def test_an_empty_selection_is_refused(certs):
    with pytest.raises(ValidationError) as caught:
        batch_service.batch_start(
            actor=user("lanhdao.stc"),
            documents=[],
            certificate=certs["leader"],
            secret=PASSPHRASE,
        )
    assert caught.value.messages == ["Hãy chọn ít nhất một văn bản để ký."]
    assert not SigningBatch.objects.exists()


def test_a_wrong_key_fails_the_item_and_signs_nothing(
    certs, django_capture_on_commit_callbacks
):
    (document,) = make_drafts(1)
    batch, _key = start(django_capture_on_commit_callbacks, [document], certs)
    (item,) = batch.items.all()

    item = batch_service.batch_item_sign(
        item_id=item.pk, key="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    )

    assert item.state == SigningBatchItem.State.FAILED
    assert item.error == "Khóa của đợt ký không hợp lệ."
    assert (
        FileVersion.objects.filter(
            file__document=document, kind=FileVersion.Kind.SIGNED
        ).count()
        == 0
    )


def test_the_sweep_ends_expired_batches_and_wipes_their_secret(
    certs, django_capture_on_commit_callbacks, settings
):
    drafts = make_drafts(2)
    batch, key = start(django_capture_on_commit_callbacks, drafts, certs)
    first = batch.items.first()
    batch_service.batch_item_sign(item_id=first.pk, key=key)

    assert batch_service.batch_sweep() == 0  # not expired yet
    later = timezone.now() + timedelta(
        seconds=settings.VANTHU_PENDING_SIGNATURE_SECONDS + 1
    )
    assert batch_service.batch_sweep(now=later) == 1

    batch.refresh_from_db()
    assert batch.state == SigningBatch.State.DONE
    assert bytes(batch.secret_sealed) == b""
    assert (batch.signed_count, batch.failed_count) == (1, 1)
    last = batch.items.last()
    assert last.state == SigningBatchItem.State.FAILED
    assert "hết hạn" in last.error
    # Its task, arriving late, signs nothing.
    assert batch_service.batch_item_sign(item_id=last.pk, key=key).state == "failed"


def test_pages_sign_a_batch_and_show_its_progress(
    certs, client_for, django_capture_on_commit_callbacks
):
    drafts = make_drafts(2)
    leader = client_for("lanhdao.stc")

    page = leader.get("/ky-hang-loat/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ký số các văn bản đã chọn" in html
    for document in drafts:
        assert f'value="{document.pk}"' in html

    wrong = leader.post(
        "/ky-hang-loat/",
        {
            "documents": [d.pk for d in drafts],
            "certificate": certs["leader"].pk,
            "secret": "sai-mat-khau",
        },
    )
    assert wrong.status_code == 200
    assert "Sai mật khẩu của tệp khóa, hoặc tệp bị hỏng." in wrong.content.decode()
    assert not SigningBatch.objects.exists()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        started = leader.post(
            "/ky-hang-loat/",
            {
                "documents": [d.pk for d in drafts],
                "certificate": certs["leader"].pk,
                "secret": PASSPHRASE,
            },
        )
    batch = SigningBatch.objects.get()
    assert started.status_code == 302
    assert started["Location"] == f"/ky-hang-loat/{batch.pk}/"
    progress = leader.get(started["Location"]).content.decode()
    assert progress.count("data-batch-item-state>Chờ ký<") == 2
    assert 'http-equiv="refresh"' in progress  # without JS, while running
    run_all(batch, callbacks[0].args[2])

    status = leader.get(f"/ky-hang-loat/{batch.pk}/trang-thai.json").json()
    assert status["state"] == "done"
    assert [i["label"] for i in status["items"]] == ["Đã ký", "Đã ký"]
    done = leader.get(started["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in done
    # Nobody else sees the batch.
    other = client_for("pholanhdao.stc")
    assert other.get(started["Location"]).status_code == 404
    assert other.get(f"/ky-hang-loat/{batch.pk}/trang-thai.json").status_code == 404


def test_the_page_refuses_an_empty_selection(certs, client_for):
    make_drafts(1)
    response = client_for("lanhdao.stc").post(
        "/ky-hang-loat/", {"certificate": certs["leader"].pk, "secret": PASSPHRASE}
    )
    assert response.status_code == 200
    assert "Hãy chọn ít nhất một văn bản để ký." in response.content.decode()
    assert not SigningBatch.objects.exists()


@pytest.mark.slow
def test_tasks_that_cannot_be_published_fail_their_items_at_once(
    certs, broker_down, django_capture_on_commit_callbacks
):
    """The key exists only in the process that publishes: with the broker down
    the items are failed with a clear message, never left waiting for ever."""
    drafts = make_drafts(2)
    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_service.batch_start(
            actor=user("lanhdao.stc"),
            documents=drafts,
            certificate=certs["leader"],
            secret=PASSPHRASE,
        )

    batch.refresh_from_db()
    assert batch.state == SigningBatch.State.DONE
    assert (batch.signed_count, batch.failed_count) == (0, 2)
    assert bytes(batch.secret_sealed) == b""
    assert {i.error for i in batch.items.all()} == {
        "Dịch vụ ký số đang không hoạt động: văn bản này chưa được ký. Vui lòng ký lại."
    }
    assert not FileVersion.objects.filter(
        file__document__in=drafts, kind=FileVersion.Kind.SIGNED
    ).exists()


def _deputy_certificate(demo_pki):  # noqa: F811
    from signing import services as signing_services
    from tests.workflow.issuing_fixtures import label_of

    return signing_services.certificate_register_pkcs12(
        data=demo_pki.pkcs12(label_of("pholanhdao.stc"), PASSPHRASE.encode()),
        passphrase=PASSPHRASE,
        person=user("pholanhdao.stc"),
        actor=user("pholanhdao.stc"),
    )


def test_a_deputy_signs_a_batch_for_the_director_under_a_delegation(
    demo_pki,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    drafts = make_drafts(2)
    certificate = _deputy_certificate(demo_pki)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch = batch_service.batch_start(
            actor=user("pholanhdao.stc"),
            documents=drafts,
            certificate=certificate,
            secret=PASSPHRASE,
            on_behalf_of=user("lanhdao.stc"),
        )
    run_all(batch, callbacks[0].args[2])

    assert (batch.signed_count, batch.failed_count) == (2, 0)
    entries = AuditEntry.objects.filter(action="document.sign_leader")
    assert {e.on_behalf_of_id for e in entries} == {user("lanhdao.stc").pk}
    # The director sees the batch signed for them.
    assert batch_service.batch_get_visible(user=user("lanhdao.stc"), pk=batch.pk)


def test_signing_for_someone_without_a_delegation_is_refused(demo_pki):  # noqa: F811
    drafts = make_drafts(1)
    certificate = _deputy_certificate(demo_pki)
    with pytest.raises(PermissionDenied) as caught:
        batch_service.batch_start(
            actor=user("pholanhdao.stc"),
            documents=drafts,
            certificate=certificate,
            secret=PASSPHRASE,
            on_behalf_of=user("truongphong.stc"),
        )
    assert str(caught.value) == "Anh/chị không được ủy quyền ký thay người này."
    assert not SigningBatch.objects.exists()
