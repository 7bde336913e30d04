"""Two deadline scans at once (two beat runs overlapping, or a worker restarted
mid-scan next to a new one): every alert is sent once. In a module of its own:
the threads need committed rows (transactional_db), not the module's demo."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from directory.models import User
from tests.workflow.test_deadlines import make_item
from workflow.deadlines import deadline_scan
from workflow.models import DeadlineAlert, Notification

NOW = timezone.now()


@pytest.fixture
def seeded(transactional_db):
    call_command("seed_demo", quiet_logins=True)


def test_two_scans_at_once_notify_once(seeded):
    handler = User.objects.get(username="chuyenvien.stc")
    for i in range(30):
        make_item(handler, due_at=NOW - timedelta(minutes=i + 1), title=f"Việc {i}")
    for i in range(30):
        make_item(handler, due_at=NOW + timedelta(minutes=i + 1), title=f"Sắp {i}")
    start = threading.Barrier(2)
    results, errors = [], []

    def scan():
        try:
            start.wait()
            results.append(deadline_scan(now=NOW, batch=7))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(r["late"] for r in results) == 30
    assert sum(r["escalation"] for r in results) == 30
    assert sum(r["reminder"] for r in results) == 30
    assert Notification.objects.filter(recipient=handler).count() == 60
    assert DeadlineAlert.objects.count() == 90
