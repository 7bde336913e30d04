"""Notifications (thông báo): in the app, counted in the header, and by e-mail.

`notify` writes the notification in the caller's transaction and, when the person
has an e-mail address, an outbox event `workflow.notification` whose consumer
(workflow.consumers) sends the e-mail once. A `key` makes a notification
idempotent: the deadline scan and the consumers pass one, so a second run, a
redelivered event or a restarted worker never notifies twice."""

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.outbox import outbox_publish
from directory.models import User
from documents.models import Document

from .models import Notification


def notify(
    *,
    recipient: User,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    document: Document | None = None,
    key: str | None = None,
) -> Notification | None:
    """Notify `recipient`; None when `key` was notified already."""
    if not recipient.is_active:
        return None
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient,
                kind=kind,
                title=title[:300],
                body=body,
                url=url[:300],
                document=document,
                key=key,
            )
    except IntegrityError:
        if key is not None and Notification.objects.filter(key=key).exists():
            return None
        raise
    if recipient.email:
        outbox_publish(
            topic="workflow.notification",
            payload={"notification_id": notification.pk},
        )
    return notification


def notification_list(*, user: User) -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).select_related("document")


def unread_count(*, user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_mark_read(*, user: User, ids=None) -> int:
    """Mark the user's notifications read (all, or those of `ids`)."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
