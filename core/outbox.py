"""Transactional outbox (hộp thư đi sự kiện): events committed together with the state
change that causes them, then published to the broker.

A service calls `outbox_publish` inside its transaction. After the commit the event is
published at once (the on-commit path); when that fails, for instance because the
broker is down, the row stays pending and the relay (`outbox_relay`, run by beat every
few seconds and by `manage.py outbox_relay`) publishes it later. Each event becomes one
Celery task `core.tasks.deliver_event` whose task id is derived from the event id;
`core.events` hands it to the consumers, idempotently.

Written here rather than taken from the outbox packages on PyPI: the pattern is about a
hundred lines, and owning it lets the relay use row locks with SKIP LOCKED, publisher
confirms and a bounded publish retry, which is what keeps events from being lost
(DESIGN.md "Nothing lost"; reference/architecture-search-queues.md part C).
"""

import functools
import logging
import uuid
from collections.abc import Iterable

from celery import current_app
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from core.models import OutboxEvent

logger = logging.getLogger(__name__)

DELIVER_TASK = "core.tasks.deliver_event"
# Seconds to wait for the broker's publisher confirm. A broker that accepted the
# connection and then stalls (a RabbitMQ memory alarm blocks publishers) must not
# hold the relay, and the row locks it holds, for ever.
CONFIRM_TIMEOUT = 10


def outbox_publish(*, topic: str, payload: dict) -> OutboxEvent:
    """Write an outbox event (sự kiện) in the caller's transaction.

    The event is published right after the commit; a rolled-back transaction publishes
    nothing, and a failed publish never reaches the caller: the row stays pending for
    the relay."""
    if not transaction.get_connection().in_atomic_block:
        # Outside a transaction the event would commit on its own, apart from the
        # state change it reports: exactly what the outbox exists to prevent.
        raise transaction.TransactionManagementError(
            "outbox_publish() must be called inside transaction.atomic(), together "
            "with the change the event reports."
        )
    event = OutboxEvent.objects.create(topic=topic, payload=payload)
    transaction.on_commit(functools.partial(_publish_after_commit, event.pk))
    return event


def _publish_after_commit(event_pk: int) -> None:
    # Runs after the caller's commit, so an exception here would surface from the
    # caller's `with transaction.atomic()` although its work is saved. Whatever goes
    # wrong, the event is still pending and the relay sends it.
    try:
        outbox_relay(ids=[event_pk])
    except Exception:
        logger.exception("outbox: publishing event %s after commit failed", event_pk)


def outbox_relay(*, limit: int = 500, ids: Iterable[int] | None = None) -> int:
    """Publish pending outbox events in id order; return how many were published.

    Rows are locked with SKIP LOCKED, so relays running side by side (beat, the
    on-commit path, an operator's command) never publish the same row at once. The
    first broker error ends the run: that event gets its attempt and error recorded and
    it and the rest stay pending for the next run."""
    with transaction.atomic():
        pending = OutboxEvent.objects.filter(published_at__isnull=True).order_by("id")
        if ids is not None:
            pending = pending.filter(pk__in=list(ids))
        # SQLite has no row locks; it serialises writers instead, and the dev
        # settings begin every transaction IMMEDIATE, so two relays still cannot
        # read the same pending rows at once.
        if connection.features.has_select_for_update_skip_locked:
            pending = pending.select_for_update(skip_locked=True)
        events = list(pending.only("id", "event_id")[:limit])
        if not events:
            return 0

        published: list[int] = []
        # The event being published when an error strikes: the first one when the
        # broker cannot even be reached, none once all are sent.
        failed: OutboxEvent | None = events[0]
        error: Exception | None = None
        app = current_app
        try:
            with app.producer_or_acquire() as producer:
                for event in events:
                    failed = event
                    app.send_task(
                        DELIVER_TASK,
                        args=[event.pk],
                        task_id=f"outbox-{event.event_id}",
                        producer=producer,
                        confirm_timeout=CONFIRM_TIMEOUT,
                    )
                    published.append(event.pk)
                failed = None
        except Exception as exc:
            # Any error, not only the broker's connection errors: the relay must
            # record it on the row and go on living, not die in beat's log.
            error = exc

        OutboxEvent.objects.filter(pk__in=published).update(
            published_at=timezone.now(), attempts=F("attempts") + 1
        )
        if error is not None and failed is not None:
            OutboxEvent.objects.filter(pk=failed.pk).update(
                attempts=F("attempts") + 1,
                last_error=f"{type(error).__name__}: {error}"[:2000],
            )
        if error is not None:
            logger.warning(
                "outbox: publishing event %s failed, %d event(s) left pending: %r",
                failed.event_id if failed else "-",
                len(events) - len(published),
                error,
            )
    return len(published)


@transaction.atomic
def outbox_redeliver(*, event_ids: Iterable[uuid.UUID | str]) -> list[int]:
    """Mark published events pending again, so the next relay sends them once more.

    For operators after a consumer gave up on an event (its retries ran out): the
    consumers that already took effect skip the event (core.events), the others run.
    Returns the pks of the events found."""
    events = list(
        OutboxEvent.objects.select_for_update()
        .filter(event_id__in=list(event_ids))
        .values_list("pk", flat=True)
    )
    OutboxEvent.objects.filter(pk__in=events).update(published_at=None)
    return events
