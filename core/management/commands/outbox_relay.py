"""`manage.py outbox_relay`: publish pending outbox events once, as beat does."""

import uuid

from django.core.management.base import BaseCommand, CommandError

from core.models import OutboxEvent
from core.outbox import outbox_redeliver, outbox_relay


class Command(BaseCommand):
    help = (
        "Publish pending outbox events to the broker once and print how many were "
        "published. With --redeliver, first mark the given events pending again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit",
            type=int,
            default=500,
            help="Most events to publish in this run (default 500).",
        )
        parser.add_argument(
            "--redeliver",
            nargs="+",
            metavar="EVENT_ID",
            default=[],
            help="Event ids (UUID) to send again, e.g. after a consumer gave up; "
            "consumers that already took effect skip them.",
        )

    def handle(self, *args, limit: int, redeliver: list[str], **options) -> None:
        if redeliver:
            try:
                event_ids = [uuid.UUID(value) for value in redeliver]
            except ValueError as exc:
                raise CommandError(f"not an event id (UUID): {exc}") from None
            found = outbox_redeliver(event_ids=event_ids)
            self.stdout.write(f"marked {len(found)} event(s) for redelivery")
            published = outbox_relay(limit=limit, ids=found)
        else:
            published = outbox_relay(limit=limit)
        pending = OutboxEvent.objects.filter(published_at__isnull=True).count()
        self.stdout.write(f"published {published} event(s); {pending} still pending")
        if pending:
            last = (
                OutboxEvent.objects.filter(published_at__isnull=True)
                .exclude(last_error="")
                .order_by("-id")
                .values_list("last_error", flat=True)
                .first()
            )
            if last:
                self.stdout.write(f"last publish error: {last}")
