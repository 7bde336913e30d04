"""The outbox without a worker: publishing rules, the relay with the broker down,
and delivery to consumers in this process."""

import socket
import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from core.events import ConsumerFailed, consumers_for, event_deliver
from core.models import OutboxEvent, ProcessedEvent
from core.outbox import outbox_publish, outbox_redeliver, outbox_relay
from tests.core.conftest import use_broker
from tests.outbox_probe.models import ProbeEffect


@pytest.mark.django_db(transaction=True)
def test_publish_outside_a_transaction_raises_and_writes_nothing():
    with pytest.raises(transaction.TransactionManagementError):
        outbox_publish(topic="probe.ping", payload={"marker": "loose"})
    assert not OutboxEvent.objects.exists()


@pytest.mark.django_db
def test_publish_writes_a_pending_row_and_publishes_on_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as callbacks:
        event = outbox_publish(topic="probe.ping", payload={"marker": "m"})

    assert len(callbacks) == 1
    event.refresh_from_db()
    assert event.topic == "probe.ping"
    assert event.payload == {"marker": "m"}
    assert event.published_at is None
    assert event.attempts == 0


@pytest.mark.django_db
def test_rolled_back_publish_leaves_no_row_and_no_callback(
    django_capture_on_commit_callbacks,
):
    capture = django_capture_on_commit_callbacks()
    with capture as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        outbox_publish(topic="probe.ping", payload={"marker": "gone"})
        raise RuntimeError("the service failed")

    assert callbacks == []
    assert not OutboxEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_commit_succeeds_when_the_broker_is_down_and_the_event_stays_pending(
    broker_down,
):
    with transaction.atomic():
        event = outbox_publish(topic="probe.ping", payload={"marker": "m"})

    event.refresh_from_db()
    assert event.published_at is None
    assert event.attempts == 1
    assert "Connection refused" in event.last_error


@pytest.mark.django_db(transaction=True)
def test_relay_with_the_broker_down_stops_at_the_first_event(broker_down):
    events = [
        OutboxEvent.objects.create(topic="probe.ping", payload={"marker": f"m{i}"})
        for i in range(3)
    ]

    assert outbox_relay() == 0

    first, *rest = (OutboxEvent.objects.get(pk=e.pk) for e in events)
    assert first.published_at is None
    assert first.attempts == 1
    assert first.last_error
    assert all(e.attempts == 0 and e.published_at is None for e in rest)


@pytest.mark.django_db(transaction=True)
def test_relay_gives_up_within_seconds_on_a_broker_that_accepts_and_stays_silent(
    settings,
):
    """A broker that is reachable but does not answer (hung, or a firewall that
    swallows packets) must cost the relay seconds, not minutes."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # the kernel accepts; nobody ever speaks AMQP
    from vanthu.celery import app

    saved = app.conf.broker_url
    use_broker(broker_url=f"amqp://guest:guest@127.0.0.1:{silent.getsockname()[1]}//")
    try:
        OutboxEvent.objects.create(topic="probe.ping", payload={"marker": "m"})
        started = time.monotonic()
        assert outbox_relay() == 0
        elapsed = time.monotonic() - started
    finally:
        use_broker(broker_url=saved)
        silent.close()
    assert elapsed < 3 * settings.CELERY_BROKER_CONNECTION_TIMEOUT
    assert OutboxEvent.objects.get().last_error


@pytest.mark.django_db
def test_delivering_an_event_twice_takes_effect_once():
    with transaction.atomic():
        event = outbox_publish(topic="probe.ping", payload={"marker": "once"})

    assert event_deliver(event_pk=event.pk) == [
        "tests.outbox_probe.consumers.record_ping"
    ]
    assert event_deliver(event_pk=event.pk) == []

    assert ProbeEffect.objects.filter(marker="once").count() == 1
    processed = ProcessedEvent.objects.get(event_id=event.event_id)
    assert processed.consumer == "tests.outbox_probe.consumers.record_ping"


@pytest.mark.django_db
def test_failing_consumer_raises_and_the_others_do_not_run_again():
    event = OutboxEvent.objects.create(topic="probe.gated", payload={"marker": "g"})

    with pytest.raises(ConsumerFailed) as failed:
        event_deliver(event_pk=event.pk)
    assert [name for name, _ in failed.value.failures] == [
        "tests.outbox_probe.consumers.pass_gate"
    ]
    assert ProbeEffect.objects.filter(marker="g").count() == 1
    assert not ProbeEffect.objects.filter(marker="g:passed").exists()

    ProbeEffect.objects.create(marker="g:open", event_id=event.event_id)
    assert event_deliver(event_pk=event.pk) == [
        "tests.outbox_probe.consumers.pass_gate"
    ]
    assert ProbeEffect.objects.filter(marker="g").count() == 1
    assert ProbeEffect.objects.filter(marker="g:passed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_event_take_effect_once():
    event = OutboxEvent.objects.create(topic="probe.ping", payload={"marker": "race"})
    barrier = threading.Barrier(4)
    errors = []

    def deliver():
        try:
            barrier.wait(10)
            event_deliver(event_pk=event.pk)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert ProbeEffect.objects.filter(marker="race").count() == 1


@pytest.mark.django_db
def test_delivering_a_missing_event_does_nothing():
    assert event_deliver(event_pk=987654321) == []


def test_consumers_are_registered_by_dotted_path_in_order():
    assert [name for name, _ in consumers_for("probe.gated")] == [
        "tests.outbox_probe.consumers.record_gated",
        "tests.outbox_probe.consumers.pass_gate",
    ]
    assert consumers_for("no.such.topic") == []


@pytest.mark.django_db
def test_redeliver_marks_published_events_pending_again():
    event = OutboxEvent.objects.create(topic="probe.ping", payload={"marker": "m"})
    OutboxEvent.objects.filter(pk=event.pk).update(published_at="2026-01-01T00:00Z")

    assert outbox_redeliver(event_ids=[str(event.event_id)]) == [event.pk]
    event.refresh_from_db()
    assert event.published_at is None


@pytest.mark.django_db(transaction=True)
def test_outbox_relay_command_prints_what_it_did(broker_down, capsys):
    OutboxEvent.objects.create(topic="probe.ping", payload={"marker": "m"})

    call_command("outbox_relay")

    out = capsys.readouterr().out
    assert "published 0 event(s); 1 still pending" in out
    assert "last publish error: OperationalError" in out


@pytest.mark.django_db
def test_outbox_relay_command_refuses_a_malformed_event_id():
    with pytest.raises(CommandError, match="not an event id"):
        call_command("outbox_relay", "--redeliver", "../etc")
