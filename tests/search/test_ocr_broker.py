"""OCR end to end over the real broker: the registration of a scan is relayed to
RabbitMQ; a Celery worker process runs search's consumers (index, then OCR), stores
the derived copy, publishes documents.ocr_done, and re-indexes the document with
the recognised text; this process then finds the scan by its words."""

import uuid

import pytest
from django.core.management import call_command

from core.models import OutboxEvent
from directory.models import User
from documents.models import FileVersion
from search.backends import reset_backends
from search.services import search
from tests.core.conftest import _queue_config, use_broker, wait_for
from tests.worker import RABBITMQ_URL, queue_deleted_after, worker_running
from vanthu.celery import app as celery_app

from .test_ocr import _blob_sha256, _register, scanned_pdf

pytestmark = [
    pytest.mark.broker,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def ocr_worker(settings, tmp_path):
    """A worker of this test's own that shares this test's blob folder and index."""
    index = tmp_path / "index"
    settings.VANTHU_SEARCH = {
        "BACKEND": "search.backends.tantivy.TantivyBackend",
        "OPTIONS": {"path": str(index), "lock_timeout": 30},
        "TEXT_CACHE": "",
    }
    reset_backends()
    env = {
        "VANTHU_BLOB_ROOT": settings.VANTHU_BLOBSTORE["OPTIONS"]["root"],
        "VANTHU_SEARCH_PATH": str(index),
    }
    with queue_deleted_after(f"vanthu-test-ocr-{uuid.uuid4().hex[:12]}") as queue:
        queues = _queue_config(queue)
        saved = {
            key: celery_app.conf[key]
            for key in ("broker_url", "task_default_queue", "task_queues")
        }
        settings.CELERY_BROKER_URL = RABBITMQ_URL
        settings.CELERY_TASK_DEFAULT_QUEUE = queue
        settings.CELERY_TASK_QUEUES = queues
        use_broker(
            broker_url=RABBITMQ_URL, task_default_queue=queue, task_queues=queues
        )
        try:
            with worker_running(
                queue=queue, log=tmp_path / "worker.log", env=env
            ) as worker:
                yield worker
        finally:
            use_broker(**saved)
            reset_backends()


def test_scan_registered_is_found_after_the_worker_ocrs_it(ocr_worker):
    call_command("seed_demo", quiet_logins=True)
    clerk = User.objects.get(username="vanthu.stc")
    document = _register(scanned_pdf())  # commits; the event goes to the worker
    original = document.files.get().versions.get()
    found = wait_for(
        lambda: search(user=clerk, query="cap phep xay dung").hits,
        timeout=90,
    )
    assert [h.id for h in found] == [document.pk], ocr_worker.output()[-2000:]
    derived = FileVersion.objects.get(kind=FileVersion.Kind.DERIVED)
    assert derived.facts["derived_from"] == original.pk
    assert _blob_sha256(original) == original.blob_id
    assert OutboxEvent.objects.filter(topic="documents.ocr_done").count() == 1
