"""Deadlines that are chased (đôn đốc): the periodic scan and the late queue.

`deadline_scan` (beat, every VANTHU_DEADLINE_SCAN_SECONDS) walks the open work
items that have a deadline, in keyset pages over the partial index
workitem_open_due_idx, and for each:

- from calendar.reminder_at(due_at, urgency) until the deadline: reminds the
  assignee (nhắc hạn), once;
- past the deadline: tells the assignee it is late (trễ hạn), once, and escalates
  to the assignee's supervisor (directory.selectors.supervisor_of), once.

"Once" is the unique (work_item, kind) of DeadlineAlert: the alert rows of a page
are inserted with INSERT … ON CONFLICT DO NOTHING RETURNING, and only the rows
this run inserted are notified, in the same transaction. Two scans running at
once, a scan re-run after a crash or a restarted worker never notify twice; the
notifications carry a key as well (f"deadline:{kind}:{item.pk}").

Lateness itself is not stored: an open item is late when its due_at has passed
(workflow.selectors computes `is_late`), a finished step when it was completed
after its due_at (`finished_late`, for the reports)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from directory.models import User
from directory.selectors import supervisor_of

from .calendar import reminder_at
from .models import DeadlineAlert, Queue, WorkItem
from .notifications import notify

Kind = DeadlineAlert.Kind

# The longest reminder lead of calendar.reminder_at (one day, normal documents):
# items due further away than this cannot need a reminder yet.
REMINDER_HORIZON = timedelta(days=1)


def finished_late(due_at: datetime | None, completed_at: datetime | None) -> bool:
    """A finished step (assignment, process, work item) was late when it was
    completed after its deadline."""
    return bool(due_at and completed_at and completed_at > due_at)


def is_late(due_at: datetime | None, *, at: datetime | None = None) -> bool:
    """An open step is late once its deadline has passed."""
    return bool(due_at and due_at < (at or timezone.now()))


def _pending(now: datetime) -> QuerySet[WorkItem]:
    """Open items with a deadline that may still need an alert: due within the
    reminder horizon and not yet reminded, or past due and not yet both told late
    and escalated. The filter keeps an item late for months out of every scan."""
    alert = DeadlineAlert.objects.filter(work_item=OuterRef("pk"))
    reminded = Exists(alert.filter(kind=Kind.REMINDER))
    told_late = Exists(alert.filter(kind=Kind.LATE))
    escalated = Exists(alert.filter(kind=Kind.ESCALATION))
    return WorkItem.objects.filter(
        Q(due_at__gte=now, due_at__lte=now + REMINDER_HORIZON) & ~reminded
        | Q(due_at__lt=now) & ~(told_late & escalated),
        state=WorkItem.State.OPEN,
        # Said again outside the OR, so that it bounds the index range scan.
        due_at__lte=now + REMINDER_HORIZON,
    )


def _claim(rows: list[tuple[int, str, int]], now: datetime) -> set[tuple[int, str]]:
    """Insert the alert rows (work item, kind, recipient) that do not exist yet;
    return the (work item, kind) pairs this call inserted. A concurrent scan
    inserting the same row waits on the unique index, then inserts nothing."""
    if not rows:
        return set()
    table = connection.ops.quote_name(DeadlineAlert._meta.db_table)
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    params: list = []
    for work_item_id, kind, recipient_id in rows:
        params += [work_item_id, kind, recipient_id, now]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (work_item_id, kind, recipient_id, created_at) "  # noqa: S608 - table name from the model, values as parameters
            f"VALUES {values} ON CONFLICT (work_item_id, kind) DO NOTHING "
            "RETURNING work_item_id, kind",
            params,
        )
        return {(row[0], row[1]) for row in cursor.fetchall()}


def item_url(item: WorkItem) -> str:
    """Where a notification about the item leads: its document, else its queue."""
    if item.document_id:
        return reverse("documents:detail", args=[item.document_id])
    return reverse("workflow:queue", args=[item.queue])


def _due(item: WorkItem) -> str:
    return date_format(timezone.localtime(item.due_at), "d/m/Y H:i")


@dataclass
class _Alert:
    item: WorkItem
    kind: str
    recipient: User


def _notify(alert: _Alert) -> bool:
    item = alert.item
    values = {"title": item.title, "due": _due(item)}
    if alert.kind == Kind.REMINDER:
        title = _("Deadline soon: “%(title)s” is due %(due)s") % values
        body = _("Please finish it before the deadline.")
    elif alert.kind == Kind.LATE:
        title = _("Late: “%(title)s” was due %(due)s") % values
        body = _("The deadline has passed. Please finish it as soon as possible.")
    else:
        values["person"] = item.assignee.get_full_name()
        title = _("Late: %(person)s has not finished “%(title)s” (due %(due)s)") % (
            values
        )
        body = _("%(queue)s of %(person)s is past its deadline.") % {
            "queue": Queue(item.queue).label,
            "person": values["person"],
        }
    notification = notify(
        recipient=alert.recipient,
        kind=f"deadline_{alert.kind}",
        title=title,
        body=body,
        url=item_url(item),
        document=item.document,
        key=f"deadline:{alert.kind}:{item.pk}",
    )
    return notification is not None


def deadline_scan(now: datetime | None = None, batch: int = 500) -> dict[str, int]:
    """One run of the deadline scan; returns how many alerts of each kind it sent
    (and how many items it looked at). Safe to run twice, or twice at once."""
    now = now or timezone.now()
    counts = {"scanned": 0, Kind.REMINDER: 0, Kind.LATE: 0, Kind.ESCALATION: 0}
    supervisors: dict[int, User | None] = {}
    after: tuple[datetime, int] | None = None
    with translation.override(settings.LANGUAGE_CODE):
        while True:
            page = _pending(now)
            if after is not None:
                page = page.filter(
                    Q(due_at__gt=after[0]) | Q(due_at=after[0], pk__gt=after[1])
                )
            page = page.select_related("assignee", "document")
            items = list(page.order_by("due_at", "pk")[:batch])
            if not items:
                break
            after = (items[-1].due_at, items[-1].pk)
            counts["scanned"] += len(items)
            wanted: list[_Alert] = []
            for item in items:
                if item.due_at >= now:
                    if reminder_at(item.due_at, item.urgency) <= now:
                        wanted.append(_Alert(item, Kind.REMINDER, item.assignee))
                    continue
                wanted.append(_Alert(item, Kind.LATE, item.assignee))
                if item.assignee_id not in supervisors:
                    supervisors[item.assignee_id] = supervisor_of(item.assignee)
                # Nobody above the top leader: the row is still written (to the
                # leader himself, without a notification) so the scan is done
                # with the item.
                wanted.append(
                    _Alert(
                        item,
                        Kind.ESCALATION,
                        supervisors[item.assignee_id] or item.assignee,
                    )
                )
            with transaction.atomic():
                mine = _claim(
                    [(a.item.pk, a.kind, a.recipient.pk) for a in wanted], now
                )
                for alert in wanted:
                    if (alert.item.pk, alert.kind) not in mine:
                        continue
                    if (
                        alert.kind == Kind.ESCALATION
                        and alert.recipient.pk == alert.item.assignee_id
                    ):
                        continue
                    # An inactive person gets nothing; the alert row stays.
                    if _notify(alert):
                        counts[alert.kind] += 1
            if len(items) < batch:
                break
    return {str(key): value for key, value in counts.items()}


def late_items(
    *, user: User, at: datetime | None = None, limit: int | None = None
) -> QuerySet[WorkItem]:
    """The person's own open items past their deadline, in every queue, most late
    first: one query on the partial index workitem_open_queue_idx (assignee,
    open) — the assignee's open items are few, their late ones fewer."""
    if not user.is_authenticated:
        return WorkItem.objects.none()
    at = at or timezone.now()
    items = (
        WorkItem.objects.filter(assignee=user, state=WorkItem.State.OPEN, due_at__lt=at)
        .select_related("document")
        .order_by(F("due_at").asc(), "pk")
    )
    return items[:limit] if limit is not None else items
