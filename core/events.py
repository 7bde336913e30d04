"""Outbox consumers (bên xử lý sự kiện) and the delivery of one event to them.

An app declares its consumers in `<app>/consumers.py` (imported by CoreConfig.ready):

    @consumer("document.registered")
    def index_document(event: OutboxEvent) -> None: ...

Delivery is at least once (relay retries, redelivery when a worker dies), so each
consumer call runs in its own transaction that first inserts ProcessedEvent(consumer,
event_id): a second delivery finds the row and skips the consumer, and a consumer that
fails rolls its row back and runs again on the next delivery while the others, already
recorded, do not.
"""

import logging
from collections.abc import Callable

from django.db import IntegrityError, transaction

from core.models import OutboxEvent, ProcessedEvent

logger = logging.getLogger(__name__)

Consumer = Callable[[OutboxEvent], None]

# topic -> consumer name -> function, in registration order. The name is the
# function's dotted path: it is what ProcessedEvent remembers, so renaming or moving
# a consumer makes it see old events as new.
_consumers: dict[str, dict[str, Consumer]] = {}


def consumer(topic: str) -> Callable[[Consumer], Consumer]:
    """Register the decorated function as a consumer of `topic`."""

    def register(func: Consumer) -> Consumer:
        name = f"{func.__module__}.{func.__qualname__}"
        _consumers.setdefault(topic, {})[name] = func
        return func

    return register


def consumers_for(topic: str) -> list[tuple[str, Consumer]]:
    """The registered consumers of `topic` as (name, function) pairs."""
    return list(_consumers.get(topic, {}).items())


class ConsumerFailed(Exception):
    """One or more consumers of an event raised; the task retries the event."""

    def __init__(self, event: OutboxEvent, failures: list[tuple[str, Exception]]):
        self.event_id = event.event_id
        self.failures = failures
        names = ", ".join(f"{name}: {exc!r}" for name, exc in failures)
        super().__init__(f"event {event.topic} {event.event_id}: {names}")


def event_deliver(*, event_pk: int) -> list[str]:
    """Hand the outbox event `event_pk` to every consumer of its topic, each once.

    Returns the names of the consumers that took effect this time. Raises
    ConsumerFailed, after giving every consumer its chance, when any of them
    raised."""
    event = OutboxEvent.objects.filter(pk=event_pk).first()
    if event is None:
        # Only published after its commit, so the row existed; it can be gone only
        # if someone deleted it. Retrying would not bring it back.
        logger.warning("outbox: event %s no longer exists, nothing delivered", event_pk)
        return []
    acted: list[str] = []
    failures: list[tuple[str, Exception]] = []
    for name, func in consumers_for(event.topic):
        try:
            if _consume_once(name, func, event):
                acted.append(name)
        except Exception as exc:
            # Go on with the other consumers: one broken consumer must not hold
            # back the effects of the rest.
            logger.exception(
                "outbox: consumer %s failed on event %s", name, event.event_id
            )
            failures.append((name, exc))
    if failures:
        raise ConsumerFailed(event, failures)
    return acted


def _consume_once(name: str, func: Consumer, event: OutboxEvent) -> bool:
    with transaction.atomic():
        try:
            # A savepoint of its own, so a duplicate leaves the outer transaction
            # usable. A concurrent delivery of the same event waits here on the
            # unique index until the other transaction ends.
            with transaction.atomic():
                ProcessedEvent.objects.create(consumer=name, event_id=event.event_id)
        except IntegrityError:
            return False
        func(event)
    return True
