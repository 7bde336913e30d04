"""Working days (ngày làm việc) and deadlines (thời hạn giải quyết).

A deadline counted in working days skips the weekend (settings.VANTHU_WEEKEND,
Saturday and Sunday by default) and the holidays (Holiday: national ones for
everybody, an organisation's own for it) and falls at the end of the working day
(settings.VANTHU_WORKDAY_END, 17:00 local time).

Urgency shortens it (NĐ 30 Đ8, Đ15, Đ22: văn bản khẩn are handled at once): a
hỏa tốc document is due within the hour, a thượng khẩn one by the end of the same
working day, a khẩn one by the end of the next working day."""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.constants import Urgency

from .models import Holiday

# How far ahead the calendar looks for the n-th working day: long enough for any
# deadline a person gives (a year of working days and every holiday in it).
_HORIZON_DAYS = 730


def weekend() -> set[int]:
    return set(getattr(settings, "VANTHU_WEEKEND", (5, 6)))


def workday_end() -> time:
    hours, minutes = getattr(settings, "VANTHU_WORKDAY_END", "17:00").split(":")
    return time(int(hours), int(minutes))


def default_handling_days() -> int:
    return int(getattr(settings, "VANTHU_DEFAULT_HANDLING_DAYS", 10))


def holidays(
    start: date, end: date, *, organisation_id: int | None = None
) -> set[date]:
    """The holidays from `start` to `end` inclusive that apply to the organisation
    (national ones and its own), in one query."""
    scope = Q(organisation__isnull=True)
    if organisation_id is not None:
        scope |= Q(organisation_id=organisation_id)
    return set(
        Holiday.objects.filter(scope, date__gte=start, date__lte=end).values_list(
            "date", flat=True
        )
    )


def is_working_day(day: date, *, organisation_id: int | None = None) -> bool:
    return day.weekday() not in weekend() and day not in holidays(
        day, day, organisation_id=organisation_id
    )


def _working_days_from(
    start: date, *, organisation_id: int | None, include_start: bool
):
    """Working days from `start` on (from the day after when not include_start)."""
    days_off = holidays(
        start, start + timedelta(days=_HORIZON_DAYS), organisation_id=organisation_id
    )
    off = weekend()
    day = start if include_start else start + timedelta(days=1)
    for _i in range(_HORIZON_DAYS):
        if day.weekday() not in off and day not in days_off:
            yield day
        day += timedelta(days=1)


def end_of_day(day: date) -> datetime:
    """The end of the working day `day`, aware in the current time zone."""
    return timezone.make_aware(datetime.combine(day, workday_end()))


def add_working_days(
    start: datetime, days: int, *, organisation_id: int | None = None
) -> datetime:
    """The end of the `days`-th working day after `start` (0: the end of `start`'s
    own day if it is a working day and not over, else of the next working day)."""
    if days < 0:
        raise ValueError("days must not be negative")
    local = timezone.localtime(start)
    include_today = local.time() < workday_end()
    for n, day in enumerate(
        _working_days_from(
            local.date(), organisation_id=organisation_id, include_start=include_today
        )
    ):
        if n == days:
            return end_of_day(day)
    raise ValueError("deadline beyond the calendar's horizon")


def working_days_between(start: date, end: date, *, organisation_id=None) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    if end <= start:
        return 0
    days_off = holidays(start, end, organisation_id=organisation_id)
    off = weekend()
    return sum(
        1
        for i in range(1, (end - start).days + 1)
        if (d := start + timedelta(days=i)).weekday() not in off and d not in days_off
    )


def deadline_for(
    *,
    start: datetime,
    urgency: int,
    days: int | None = None,
    organisation_id: int | None = None,
) -> datetime:
    """The default deadline of a step started at `start`: by urgency, else after
    `days` working days (VANTHU_DEFAULT_HANDLING_DAYS when not given)."""
    if urgency >= Urgency.HOA_TOC:
        return start + timedelta(hours=1)
    if urgency == Urgency.THUONG_KHAN:
        return add_working_days(start, 0, organisation_id=organisation_id)
    if urgency == Urgency.KHAN:
        return add_working_days(start, 1, organisation_id=organisation_id)
    return add_working_days(
        start,
        default_handling_days() if days is None else days,
        organisation_id=organisation_id,
    )


def deadline_on(day: date, *, organisation_id: int | None = None) -> datetime:
    """A deadline given as a date: the end of that day, or of the next working day
    when it falls on a day off (as the Civil Code, Đ148, moves a time limit that
    ends on a holiday)."""
    days_off = holidays(day, day + timedelta(days=30), organisation_id=organisation_id)
    off = weekend()
    while day.weekday() in off or day in days_off:
        day += timedelta(days=1)
    return end_of_day(day)


def check_deadline(due_at: datetime | None, *, now: datetime | None = None) -> None:
    """Refuse a deadline already past (a clear message, nothing stored)."""
    now = now or timezone.now()
    if due_at is not None and due_at <= now:
        raise ValidationError(
            {"due_date": _("The deadline is in the past: choose a later date.")}
        )


def reminder_at(due_at: datetime, urgency: int) -> datetime:
    """When the handler is reminded of a coming deadline: 15 minutes before for
    hỏa tốc, 2 hours before for thượng khẩn, one day before otherwise."""
    if urgency >= Urgency.HOA_TOC:
        return due_at - timedelta(minutes=15)
    if urgency == Urgency.THUONG_KHAN:
        return due_at - timedelta(hours=2)
    return due_at - timedelta(days=1)
