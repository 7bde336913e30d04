"""The outbox against the real RabbitMQ broker and a real Celery worker process.

The worker (tests/core/conftest.py) consumes this session's queue and runs the probe
consumers (tests/outbox_probe/consumers.py) on the test database; the test process
publishes through a loopback proxy it can take down."""

import threading
import time
import uuid

import pytest
from celery import current_app
from django.core.management import call_command
from django.db import connection, transaction

from core.models import OutboxEvent, ProcessedEvent
from core.outbox import DELIVER_TASK, outbox_publish, outbox_relay
from tests.core.conftest import wait_for
from tests.outbox_probe.models import ProbeEffect

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]


def _effects(marker: str) -> int:
    return ProbeEffect.objects.filter(marker=marker).count()


def _ping(marker: str) -> OutboxEvent:
    with transaction.atomic():
        return outbox_publish(topic="probe.ping", payload={"marker": marker})


def _drain() -> None:
    """Wait until the worker has handled everything published before this call.

    The worker (one child process, prefetch 1) takes one message at a time in queue
    order, so once a sentinel event published now has taken effect, every earlier
    message has been handled."""
    sentinel = f"sentinel-{uuid.uuid4()}"
    _ping(sentinel)
    wait_for(lambda: _effects(sentinel) == 1)


def test_event_written_while_broker_is_down_is_delivered_once_it_is_back(broker):
    broker.stop()

    started = time.monotonic()
    event = _ping("down-then-up")  # the commit succeeds; the publish fails quietly
    elapsed = time.monotonic() - started

    assert elapsed < 10, f"a down broker held the commit for {elapsed:.1f} s"
    event.refresh_from_db()
    assert event.published_at is None
    assert event.attempts >= 1
    assert event.last_error
    assert outbox_relay() == 0  # still down: stays pending
    event.refresh_from_db()
    assert event.published_at is None
    assert event.attempts >= 2

    broker.start()
    assert outbox_relay() == 1

    event.refresh_from_db()
    assert event.published_at is not None
    wait_for(lambda: _effects("down-then-up") == 1)
    _drain()
    assert _effects("down-then-up") == 1


def test_on_commit_path_publishes_without_waiting_for_the_relay(broker):
    event = _ping("on-commit")

    event.refresh_from_db()
    assert event.published_at is not None
    assert event.attempts == 1
    wait_for(lambda: _effects("on-commit") == 1)
    effect = ProbeEffect.objects.get(marker="on-commit")
    assert effect.event_id == event.event_id


def test_rolled_back_transaction_publishes_nothing(broker):
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_publish(topic="probe.ping", payload={"marker": "rolled-back"})
        raise RuntimeError("the service failed")

    _drain()
    assert not OutboxEvent.objects.filter(payload__marker="rolled-back").exists()
    assert _effects("rolled-back") == 0


def test_event_delivered_twice_takes_effect_once(broker):
    event = _ping("twice")
    wait_for(lambda: _effects("twice") == 1)

    # A duplicate message, as when the relay's stamp was lost after the publish.
    current_app.send_task(
        DELIVER_TASK, args=[event.pk], task_id=f"outbox-{event.event_id}"
    )
    # And the relay sending it once more.
    OutboxEvent.objects.filter(pk=event.pk).update(published_at=None)
    assert outbox_relay() == 1
    _drain()

    assert _effects("twice") == 1
    assert ProcessedEvent.objects.filter(event_id=event.event_id).count() == 1


def test_failing_consumer_is_retried_without_rerunning_the_others(broker):
    with transaction.atomic():
        event = outbox_publish(topic="probe.gated", payload={"marker": "gated"})

    # The first delivery: record_gated takes effect, pass_gate fails (gate closed).
    wait_for(lambda: _effects("gated") == 1)
    assert _effects("gated:passed") == 0
    ProbeEffect.objects.create(marker="gated:open", event_id=event.event_id)

    # A retry (backoff of a second or two) passes the gate.
    wait_for(lambda: _effects("gated:passed") == 1)
    assert _effects("gated") == 1
    assert ProcessedEvent.objects.filter(event_id=event.event_id).count() == 2


def test_relay_publishes_pending_events_in_id_order_up_to_the_limit(broker):
    # Rows written without outbox_publish, so no on-commit publish: only the relay.
    events = [
        OutboxEvent.objects.create(topic="probe.ping", payload={"marker": f"r{i}"})
        for i in range(5)
    ]

    assert outbox_relay(limit=3) == 3
    published = set(
        OutboxEvent.objects.filter(published_at__isnull=False).values_list(
            "pk", flat=True
        )
    )
    assert published == {e.pk for e in events[:3]}
    assert outbox_relay(limit=3) == 2
    assert outbox_relay() == 0

    for i in range(5):
        wait_for(lambda i=i: _effects(f"r{i}") == 1)


def test_relay_skips_rows_another_relay_has_locked(broker):
    first = OutboxEvent.objects.create(topic="probe.ping", payload={"marker": "lk1"})
    second = OutboxEvent.objects.create(topic="probe.ping", payload={"marker": "lk2"})
    locked, release = threading.Event(), threading.Event()

    def hold_lock():
        try:
            with transaction.atomic():
                OutboxEvent.objects.select_for_update().get(pk=first.pk)
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert locked.wait(10)
        assert outbox_relay() == 1  # not blocked by the locked row
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.published_at is None
        assert second.published_at is not None
    finally:
        release.set()
        holder.join()
    assert outbox_relay() == 1
    wait_for(lambda: _effects("lk1") == 1 and _effects("lk2") == 1)


def test_outbox_relay_command_publishes_and_redelivers(broker, capsys):
    event = OutboxEvent.objects.create(topic="probe.ping", payload={"marker": "cmd"})

    call_command("outbox_relay")
    assert "published 1 event(s); 0 still pending" in capsys.readouterr().out
    wait_for(lambda: _effects("cmd") == 1)

    call_command("outbox_relay", "--redeliver", str(event.event_id))
    out = capsys.readouterr().out
    assert "marked 1 event(s) for redelivery" in out
    assert "published 1 event(s); 0 still pending" in out
    _drain()
    assert _effects("cmd") == 1
