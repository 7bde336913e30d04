"""Celery tasks of the outbox. Thin: the work is in core.outbox and core.events."""

from celery import shared_task

from core.events import event_deliver
from core.outbox import outbox_relay


@shared_task(name="core.tasks.outbox_relay_task")
def outbox_relay_task() -> int:
    """Beat's periodic relay run: publish the events the on-commit path could not."""
    return outbox_relay()


@shared_task(
    name="core.tasks.deliver_event",
    # Any error, a consumer's or the database's, is retried with growing pauses:
    # 1, 2, 4 ... s, capped at 15 min (RabbitMQ closes a channel whose delivery stays
    # unacknowledged past its 30 min consumer_timeout, and a retry waits unacked in
    # the worker), about 1 h 45 min in all at most. Consumers that already took
    # effect are skipped on every retry. After the last one the failure stays in
    # the log and `manage.py outbox_relay --redeliver <event id>` sends it again.
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=16,
)
def deliver_event(event_pk: int) -> None:
    """Deliver one outbox event to its consumers (core.events.event_deliver)."""
    event_deliver(event_pk=event_pk)
