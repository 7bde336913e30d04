"""Outbox consumers of the workflow.

- A registered incoming document gets its process and lands in the registering
  clerk's "to receive" queue, to be submitted to a leader (trình).
- A new draft gets its process (drafting), so the drafter can submit it.
- A notification with an e-mail address is e-mailed once.

Each runs once per event (core.events); each is also safe to run twice."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from core.events import consumer
from core.models import OutboxEvent
from documents.models import Document

from .engine import process_for, work_item_open
from .models import Notification, Queue

logger = logging.getLogger(__name__)


@consumer("documents.incoming_registered")
def incoming_process(event: OutboxEvent) -> None:
    document = Document.objects.filter(pk=event.payload.get("document_id")).first()
    if document is None:
        return
    process = process_for(document)
    if process.state == "registered" and document.created_by.is_active:
        with transaction.atomic():
            work_item_open(
                process=process, assignee=document.created_by, queue=Queue.RECEIVE
            )


@consumer("documents.draft_created")
def draft_process(event: OutboxEvent) -> None:
    document = Document.objects.filter(pk=event.payload.get("document_id")).first()
    if document is not None:
        process_for(document)


def absolute_url(url: str) -> str:
    """A link in an e-mail leads back to the site (settings.VANTHU_BASE_URL)."""
    if url.startswith("/"):
        return settings.VANTHU_BASE_URL.rstrip("/") + url
    return url


@consumer("workflow.notification")
def notification_email(event: OutboxEvent) -> None:
    """Send the notification's e-mail, once: the row remembers it was sent."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=event.payload.get("notification_id"), emailed_at__isnull=True)
            .first()
        )
        if notification is None or not notification.recipient.email:
            return
        body = notification.body or notification.title
        if notification.url:
            body = f"{body}\n\n{absolute_url(notification.url)}"
        send_mail(
            subject=f"[Vanthu] {notification.title}"[:200],
            message=body,
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
