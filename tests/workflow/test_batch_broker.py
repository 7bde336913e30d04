"""Batch signing (ký số hàng loạt) through the real RabbitMQ broker and a real
Celery worker process (prefork, two children) on the test database: the test
process starts a batch, the worker signs each document, the progress page
follows it in Chromium.

The worker reaches the demo PKI (its TSA) served by this process on loopback, and
the test's blob folder, through the environment."""

import os
import re
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from documents.models import Document
from tests.core.conftest import _queue_config, use_broker, wait_for
from tests.web import test_browser as web
from tests.worker import RABBITMQ_URL, queue_deleted_after, worker_running
from tests.workflow.issuing_fixtures import (  # noqa: F401 - fixtures used by name
    PASSPHRASE,
    _fresh_signer_caches,
    _signing_settings,
    certs,
    demo_pki,
    file_bytes,
    leader_sign,
    pdfsig,
    pki_server,
    user,
)
from tests.workflow.test_batch import make_drafts
from vanthu.celery import app as celery_app
from workflow import batch as batch_service
from workflow.models import SigningBatch, SigningBatchItem

# Playwright's sync API runs an event loop in the test's thread (tests/web/conftest).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.broker, pytest.mark.slow]

BASE_DIR = Path(__file__).resolve().parents[2]
ARTIFACTS = BASE_DIR / "test-artifacts" / "batch"


@pytest.fixture(scope="module")
def batch_queue():
    prefix = os.environ.get("VANTHU_TASK_QUEUE", "vanthu-test")
    with queue_deleted_after(f"{prefix}-batch-{uuid.uuid4().hex[:8]}") as name:
        yield name


@pytest.fixture(scope="module")
def shared_blobs(tmp_path_factory):
    return tmp_path_factory.mktemp("batch-blobs")


@pytest.fixture(scope="module")
def batch_worker(
    django_db_setup, batch_queue, shared_blobs, demo_pki, pki_server, tmp_path_factory
):
    """`celery -A vanthu worker --concurrency=2` on this module's queue, the test
    database, the test's blob folder and the demo PKI served by this process."""
    log = tmp_path_factory.mktemp("batch-worker") / "worker.log"
    env = {
        "VANTHU_BLOB_ROOT": str(shared_blobs),
        "VANTHU_PKI_DIR": str(demo_pki.directory),
        "VANTHU_DEMO_PKI_URL": pki_server.base_url,
        "VANTHU_TSA_URL": "",
        "VANTHU_TRUST_ROOTS": "",
    }
    with worker_running(queue=batch_queue, log=log, concurrency=2, env=env) as worker:
        yield worker


@pytest.fixture
def on_worker(settings, batch_worker, batch_queue, shared_blobs):
    """This test publishes to the worker's queue and shares its blob folder."""
    saved = {
        key: celery_app.conf[key]
        for key in ("broker_url", "task_default_queue", "task_queues")
    }
    settings.VANTHU_BLOBSTORE = {
        "BACKEND": settings.VANTHU_BLOBSTORE["BACKEND"],
        "OPTIONS": {"root": str(shared_blobs)},
    }
    use_broker(
        broker_url=RABBITMQ_URL,
        task_default_queue=batch_queue,
        task_queues=_queue_config(batch_queue),
    )
    yield batch_worker
    use_broker(**saved)


@pytest.fixture
def seeded(transactional_db):
    call_command("seed_demo", quiet_logins=True)


def _done(batch):
    batch.refresh_from_db()
    return batch.state == SigningBatch.State.DONE


def test_a_worker_signs_a_batch_and_one_failure_stops_nothing(on_worker, seeded, certs):
    drafts = make_drafts(5)
    leader_sign(drafts[2], certs)  # signed by another path: its item must fail

    batch = batch_service.batch_start(
        actor=user("lanhdao.stc"),
        documents=drafts,
        certificate=certs["leader"],
        secret=PASSPHRASE,
    )
    wait_for(lambda: _done(batch), timeout=60)

    assert (batch.signed_count, batch.failed_count) == (4, 1), on_worker.output()
    assert bytes(batch.secret_sealed) == b""
    items = {i.document_id: i for i in batch.items.select_related("version")}
    failed = items[drafts[2].pk]
    assert failed.state == SigningBatchItem.State.FAILED
    assert failed.error == "Lãnh đạo đã ký số văn bản này."
    for document in drafts[:2] + drafts[3:]:
        item = items[document.pk]
        assert item.state == SigningBatchItem.State.SIGNED, item.error
        report = pdfsig(file_bytes(item.version))
        assert "Signature is Valid" in report, report
    # Neither the passphrase nor a batch key (base64, 44 characters) is logged.
    assert PASSPHRASE not in on_worker.output()
    assert "workflow.tasks.sign_batch_item" in on_worker.output()
    assert not re.search(r"[A-Za-z0-9_-]{43}=", on_worker.output())


@pytest.mark.browser
def test_the_progress_page_follows_the_worker(on_worker, seeded, certs, live_server):
    drafts = make_drafts(5)
    # Made unsignable: no longer a draft.
    Document.objects.filter(pk=drafts[3].pk).update(state=Document.State.ISSUED)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    # The database is used outside the Chromium blocks only: Playwright's sync
    # API runs its own loop (and greenlets) in this thread, which forbids
    # asyncio.run and keeps stray database connections.
    with web.chromium() as browser:
        context, page = web.open_page(browser, "phone")
        web.sign_in(page, live_server.url, "lanhdao.stc")
        page.goto(f"{live_server.url}/ky-hang-loat/")
        page.get_by_label("Chọn tất cả").check()
        web.assert_fits_the_width(page)
        page.screenshot(path=str(ARTIFACTS / "batch-new-phone.png"), full_page=True)
        context.close()

        context, page = web.open_page(browser, "desktop")
        web.sign_in(page, live_server.url, "lanhdao.stc")
        page.goto(f"{live_server.url}/ky-hang-loat/")
        expect(page.get_by_role("heading", name="Ký số hàng loạt")).to_be_visible()
        select_all = page.get_by_label("Chọn tất cả")
        expect(select_all).to_be_visible()  # shown by batch.js
        select_all.check()
        expect(page.get_by_text("Đã chọn 4 văn bản")).to_be_visible()
        # The issued one is not offered.
        assert page.locator(f'input[value="{drafts[3].pk}"]').count() == 0
        page.locator(f'input[value="{drafts[4].pk}"]').uncheck()
        expect(page.get_by_text("Đã chọn 3 văn bản")).to_be_visible()
        page.get_by_label("Mật khẩu hoặc mã PIN").fill(PASSPHRASE)
        web.assert_fits_the_width(page)
        page.screenshot(path=str(ARTIFACTS / "batch-new-desktop.png"), full_page=True)
        page.get_by_role("button", name="Ký số các văn bản đã chọn").click()
        page.wait_for_url(re.compile(r".*/ky-hang-loat/\d+/$"))
        batch_pk = int(page.url.rstrip("/").rsplit("/", 1)[1])
        # The rows change through batch.js, never by reloading the page.
        page.evaluate("window.__sameDocument = true")
        page.screenshot(
            path=str(ARTIFACTS / "batch-progress-running-desktop.png"), full_page=True
        )

        expect(page.get_by_text("Đã xong 3/3: 3 đã ký, 0 lỗi")).to_be_visible(
            timeout=60_000
        )
        rows = page.locator("[data-batch-item]")
        expect(rows).to_have_count(3)
        for i in range(3):
            expect(rows.nth(i).locator("[data-batch-item-state]")).to_have_text("Đã ký")
        expect(page.locator("[data-batch-state-label]")).to_have_text("Hoàn thành")
        assert page.evaluate("window.__sameDocument === true")
        web.assert_fits_the_width(page)
        page.screenshot(
            path=str(ARTIFACTS / "batch-progress-desktop.png"), full_page=True
        )
        context.close()

    batch = SigningBatch.objects.get(pk=batch_pk)
    assert set(batch.items.values_list("document_id", flat=True)) == {
        d.pk for d in drafts[:3]
    }
    # A batch with a failure, followed at phone width.
    failing = batch_service.batch_start(
        actor=user("lanhdao.stc"),
        documents=[drafts[3], drafts[4]],
        certificate=certs["leader"],
        secret=PASSPHRASE,
    )
    with web.chromium() as browser:
        context, page = web.open_page(browser, "phone")
        web.sign_in(page, live_server.url, "lanhdao.stc")
        page.goto(f"{live_server.url}/ky-hang-loat/{failing.pk}/")
        expect(page.get_by_text("Đã xong 2/2: 1 đã ký, 1 lỗi")).to_be_visible(
            timeout=60_000
        )
        expect(
            page.get_by_text("Chỉ dự thảo văn bản đi mới được ký số để ban hành.")
        ).to_be_visible()
        web.assert_fits_the_width(page)
        page.screenshot(
            path=str(ARTIFACTS / "batch-progress-phone.png"), full_page=True
        )
        context.close()
