"""Done when: "A document left past its deadline shows as late, its handler and
supervisor are reminded once, and restarting the worker sends no duplicate
reminders." Over the real RabbitMQ broker and a real Celery worker process: the
scan task runs in the worker, which notifies and sends the e-mails (the outbox
consumer, into files); the worker is killed, a new one starts, the scan runs
again and the notification events are delivered again: nothing is sent twice."""

import contextlib
import os
import signal
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import OutboxEvent
from core.outbox import outbox_redeliver, outbox_relay
from directory.models import User
from tests.core.conftest import _queue_config, use_broker, wait_for
from tests.worker import RABBITMQ_URL, queue_deleted_after, worker_running
from tests.workflow.test_deadlines import make_item
from vanthu.celery import app as celery_app
from workflow import tasks
from workflow.models import DeadlineAlert, Notification, Queue

pytestmark = [
    pytest.mark.broker,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def deadline_queue():
    prefix = os.environ.get("VANTHU_TASK_QUEUE", "vanthu-test")
    with queue_deleted_after(f"{prefix}-deadlines-{uuid.uuid4().hex[:8]}") as name:
        yield name


@pytest.fixture
def mail_dir(tmp_path):
    path = tmp_path / "mail"
    path.mkdir()
    return path


@pytest.fixture
def on_queue(deadline_queue):
    """This process publishes to the test's queue."""
    saved = {
        key: celery_app.conf[key]
        for key in ("broker_url", "task_default_queue", "task_queues")
    }
    use_broker(
        broker_url=RABBITMQ_URL,
        task_default_queue=deadline_queue,
        task_queues=_queue_config(deadline_queue),
    )
    yield deadline_queue
    use_broker(**saved)


def worker(queue: str, mail_dir: Path, log: Path):
    return worker_running(
        queue=queue,
        log=log,
        env={
            "DJANGO_SETTINGS_MODULE": "tests.workflow.deadline_worker_settings",
            "VANTHU_TEST_MAIL_DIR": str(mail_dir),
        },
    )


def kill(process) -> None:
    """SIGKILL the worker and its pool children: no warm shutdown, as when the
    machine or the container dies."""
    children_file = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    children = children_file.read_text().split() if children_file.exists() else []
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid), signal.SIGKILL)


def mails(mail_dir: Path) -> list[str]:
    return sorted(p.read_text(errors="replace") for p in mail_dir.iterdir())


def succeeded(worker_process, task: str) -> int:
    return sum(
        1
        for line in worker_process.output().splitlines()
        if f"Task {task}[" in line and " succeeded " in line
    )


def test_late_work_is_chased_once_across_a_worker_restart(on_queue, mail_dir, tmp_path):
    call_command("seed_demo", quiet_logins=True)
    handler = User.objects.get(username="chuyenvien.stc")
    head = User.objects.get(username="truongphong.stc")
    now = timezone.now()
    late = make_item(handler, due_at=now - timedelta(hours=3), title="Báo cáo quý IV")
    soon = make_item(handler, due_at=now + timedelta(hours=2), title="Tờ trình")

    # The handler sees it as late (the late page, the queue page).
    client = Client()
    client.force_login(handler)
    page = client.get(reverse("workflow:late")).content.decode()
    assert "Báo cáo quý IV" in page and "Tờ trình" not in page
    queue_page = client.get(reverse("workflow:queue", args=[Queue.HANDLE])).content
    assert b"item item--late" in queue_page

    with worker(on_queue, mail_dir, tmp_path / "worker-1.log") as first:
        tasks.deadline_scan.delay()
        wait_for(lambda: len(list(mail_dir.iterdir())) >= 3, timeout=60)
        assert succeeded(first, "workflow.tasks.deadline_scan") == 1, first.output()
        kill(first.process)

    assert {(a.work_item_id, a.kind) for a in DeadlineAlert.objects.all()} == {
        (soon.pk, "reminder"),
        (late.pk, "late"),
        (late.pk, "escalation"),
    }
    sent = mails(mail_dir)
    assert len(sent) == 3
    assert sum("To: chuyenvien.stc@demo.vanthu.invalid" in m for m in sent) == 2
    assert sum("To: truongphong.stc@demo.vanthu.invalid" in m for m in sent) == 1
    assert Notification.objects.filter(recipient=handler).count() == 2
    assert Notification.objects.filter(recipient=head).count() == 1

    # A new worker: beat's next scan, the relay, and every notification event
    # delivered once more (as after a crash before the acknowledgement).
    with worker(on_queue, mail_dir, tmp_path / "worker-2.log") as second:
        tasks.deadline_scan.delay()
        tasks.deadline_scan.delay()
        events = OutboxEvent.objects.filter(topic="workflow.notification")
        assert events.count() == 3
        outbox_redeliver(event_ids=list(events.values_list("event_id", flat=True)))
        assert outbox_relay() == 3
        wait_for(
            lambda: (
                succeeded(second, "workflow.tasks.deadline_scan") >= 2
                and succeeded(second, "core.tasks.deliver_event") >= 3
            ),
            timeout=60,
        )

    assert len(mails(mail_dir)) == 3
    assert Notification.objects.count() == 3
    assert DeadlineAlert.objects.count() == 3
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0
