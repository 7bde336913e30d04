"""Working days and deadlines (workflow.calendar): weekends and holidays skipped,
a deadline on a day off moved to the next working day, urgency deadlines, a past
deadline refused, reminders by urgency."""

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from directory.models import Organisation
from documents.constants import Urgency
from workflow import calendar
from workflow.models import Holiday

# 2026-09-01 (Tue) and 09-02 (Wed) are Quốc khánh; 09-05/06 a weekend.


def at(day: str, hm: str = "09:00") -> datetime:
    return timezone.make_aware(datetime.fromisoformat(f"{day}T{hm}"))


@pytest.fixture
def holidays(db):
    Holiday.objects.create(date=date(2026, 9, 1), name="Quốc khánh, ngày liền kề")
    Holiday.objects.create(date=date(2026, 9, 2), name="Quốc khánh")


@pytest.fixture
def organisation(db):
    return Organisation.objects.create(
        code="000.00.99.H99",
        name="Sở Thử nghiệm",
        short_name="STN",
        kind=Organisation.Kind.DEPARTMENT,
        place_name="Lạc Hồng",
        path="/999/",
    )


def test_working_days_skip_the_weekend(db):
    friday = at("2026-11-20")
    assert calendar.add_working_days(friday, 0) == at("2026-11-20", "17:00")
    assert calendar.add_working_days(friday, 1) == at("2026-11-23", "17:00")  # Mon
    assert calendar.add_working_days(friday, 5) == at("2026-11-27", "17:00")
    # Friday after work: the day is over, the count starts on Monday.
    assert calendar.add_working_days(at("2026-11-20", "18:00"), 0) == at(
        "2026-11-23", "17:00"
    )
    # Started on a Saturday: Monday is the first working day.
    assert calendar.add_working_days(at("2026-11-21"), 0) == at("2026-11-23", "17:00")
    assert calendar.working_days_between(date(2026, 11, 20), date(2026, 11, 23)) == 1
    assert calendar.working_days_between(date(2026, 11, 23), date(2026, 11, 20)) == 0


def test_working_days_skip_holidays(holidays):
    monday = at("2026-08-31")
    # Mon 31/8 → Tue 1/9 and Wed 2/9 off → Thu 3/9.
    assert calendar.add_working_days(monday, 1) == at("2026-09-03", "17:00")
    assert calendar.add_working_days(monday, 3) == at("2026-09-07", "17:00")
    assert not calendar.is_working_day(date(2026, 9, 2))
    assert not calendar.is_working_day(date(2026, 9, 5))
    assert calendar.is_working_day(date(2026, 9, 3))
    assert calendar.working_days_between(date(2026, 8, 28), date(2026, 9, 4)) == 3


def test_an_organisations_own_holiday_counts_for_it_alone(holidays, organisation):
    Holiday.objects.create(
        date=date(2026, 9, 3), name="Ngày truyền thống", organisation=organisation
    )
    monday = at("2026-08-31")
    assert calendar.add_working_days(monday, 1) == at("2026-09-03", "17:00")
    assert calendar.add_working_days(monday, 1, organisation_id=organisation.pk) == at(
        "2026-09-04", "17:00"
    )
    assert not calendar.is_working_day(
        date(2026, 9, 3), organisation_id=organisation.pk
    )


def test_a_deadline_on_a_day_off_moves_to_the_next_working_day(holidays):
    assert calendar.deadline_on(date(2026, 11, 22)) == at("2026-11-23", "17:00")  # Sun
    assert calendar.deadline_on(date(2026, 11, 21)) == at("2026-11-23", "17:00")  # Sat
    assert calendar.deadline_on(date(2026, 9, 1)) == at("2026-09-03", "17:00")
    assert calendar.deadline_on(date(2026, 11, 24)) == at("2026-11-24", "17:00")


def test_urgency_deadlines(holidays, settings):
    settings.VANTHU_DEFAULT_HANDLING_DAYS = 10
    start = at("2026-08-31", "10:00")  # Monday before the holidays
    deadline = calendar.deadline_for
    assert deadline(start=start, urgency=Urgency.HOA_TOC) == start + timedelta(hours=1)
    assert deadline(start=start, urgency=Urgency.THUONG_KHAN) == at(
        "2026-08-31", "17:00"
    )
    assert deadline(start=start, urgency=Urgency.KHAN) == at("2026-09-03", "17:00")
    # Normal: 10 working days (two holidays, two weekends skipped).
    assert deadline(start=start, urgency=Urgency.NORMAL) == at("2026-09-16", "17:00")
    assert deadline(start=start, urgency=Urgency.NORMAL, days=2) == at(
        "2026-09-04", "17:00"
    )
    # Thượng khẩn received after work: the end of the next working day.
    assert deadline(start=at("2026-08-31", "17:30"), urgency=Urgency.THUONG_KHAN) == (
        at("2026-09-03", "17:00")
    )


def test_a_deadline_in_the_past_is_refused():
    now = at("2026-11-23", "10:00")
    with pytest.raises(ValidationError) as refused:
        calendar.check_deadline(now - timedelta(minutes=1), now=now)
    assert list(refused.value.message_dict) == ["due_date"]
    with pytest.raises(ValidationError):
        calendar.check_deadline(now, now=now)
    calendar.check_deadline(now + timedelta(minutes=1), now=now)
    calendar.check_deadline(None, now=now)


def test_reminders_come_earlier_for_slower_documents():
    due = at("2026-11-24", "17:00")
    assert calendar.reminder_at(due, Urgency.HOA_TOC) == due - timedelta(minutes=15)
    assert calendar.reminder_at(due, Urgency.THUONG_KHAN) == due - timedelta(hours=2)
    assert calendar.reminder_at(due, Urgency.KHAN) == due - timedelta(days=1)
    assert calendar.reminder_at(due, Urgency.NORMAL) == due - timedelta(days=1)


def test_negative_days_are_refused(db):
    with pytest.raises(ValueError):
        calendar.add_working_days(at("2026-11-23"), -1)
