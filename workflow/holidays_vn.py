"""Vietnam's public holidays (ngày nghỉ lễ, tết) and the services that keep the
holiday calendar (workflow.Holiday) used by workflow.calendar.

The days come from the Labour Code 2019 (Bộ luật Lao động 45/2019/QH14), Điều 112:
Tết Dương lịch (1/1), Tết Âm lịch (5 days), Giỗ Tổ Hùng Vương (10/3 âm lịch),
Ngày Chiến thắng (30/4), Quốc tế Lao động (1/5) and Quốc khánh (2/9 and one day
before or after it); a holiday that falls on the weekly day off is made up on the
next working day (Đ112.3, nghỉ bù).

Which 5 days of Tết and which day next to 2/9 are off is decided every year by the
government's notice (thông báo of the Prime Minister / Bộ Nội vụ for cán bộ, công
chức, viên chức): the days below follow the notice for 2026 (Tết Bính Ngọ, mùng 1
on 17/02/2026: off Monday 16/02 to Friday 20/02) and the usual pattern for 2027
(Tết Đinh Mùi, mùng 1 on 06/02/2027). When a notice differs, an administrator
corrects the day on the holidays page (/quan-tri/ngay-nghi/) or here, and
`manage.py load_holidays` adds what is missing (it never deletes)."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from core.audit import audit_record
from directory.models import Organisation, User
from directory.selectors import organisation_list_managed

from .models import Holiday

TET_DUONG_LICH = "Tết Dương lịch"
TET_AM_LICH = "Tết Nguyên đán"
GIO_TO = "Giỗ Tổ Hùng Vương (10/3 âm lịch)"
CHIEN_THANG = "Ngày Chiến thắng (30/4)"
LAO_DONG = "Ngày Quốc tế Lao động (1/5)"
QUOC_KHANH = "Quốc khánh (2/9)"

NATIONAL_HOLIDAYS: list[tuple[date, str]] = [
    # 2026 (Bính Ngọ)
    (date(2026, 1, 1), TET_DUONG_LICH),
    (date(2026, 2, 16), f"{TET_AM_LICH} (29 tháng Chạp)"),
    (date(2026, 2, 17), f"{TET_AM_LICH} (mùng 1)"),
    (date(2026, 2, 18), f"{TET_AM_LICH} (mùng 2)"),
    (date(2026, 2, 19), f"{TET_AM_LICH} (mùng 3)"),
    (date(2026, 2, 20), f"{TET_AM_LICH} (mùng 4)"),
    (date(2026, 4, 26), GIO_TO),
    (date(2026, 4, 27), f"Nghỉ bù {GIO_TO}"),  # 26/04 is a Sunday
    (date(2026, 4, 30), CHIEN_THANG),
    (date(2026, 5, 1), LAO_DONG),
    (date(2026, 9, 1), f"{QUOC_KHANH}, ngày liền kề"),
    (date(2026, 9, 2), QUOC_KHANH),
    # 2027 (Đinh Mùi): Tết's 5 days around mùng 1 (Saturday 06/02), as the
    # yearly notice usually sets them; check against the notice.
    (date(2027, 1, 1), TET_DUONG_LICH),
    (date(2027, 2, 4), f"{TET_AM_LICH} (trước Tết)"),
    (date(2027, 2, 5), f"{TET_AM_LICH} (tất niên)"),
    (date(2027, 2, 8), f"{TET_AM_LICH} (mùng 3)"),
    (date(2027, 2, 9), f"{TET_AM_LICH} (mùng 4)"),
    (date(2027, 2, 10), f"{TET_AM_LICH} (mùng 5)"),
    (date(2027, 4, 16), GIO_TO),
    (date(2027, 4, 30), CHIEN_THANG),
    (date(2027, 5, 1), LAO_DONG),
    (date(2027, 5, 3), f"Nghỉ bù {LAO_DONG}"),  # 01/05 is a Saturday
    (date(2027, 9, 2), QUOC_KHANH),
    (date(2027, 9, 3), f"{QUOC_KHANH}, ngày liền kề"),
]


@transaction.atomic
def national_holidays_load() -> int:
    """Add the national holidays above that are missing; return how many were
    added. Idempotent; a day already there (perhaps renamed) is left alone."""
    existing = set(
        Holiday.objects.filter(organisation__isnull=True).values_list("date", flat=True)
    )
    new = [
        Holiday(date=day, name=name)
        for day, name in NATIONAL_HOLIDAYS
        if day not in existing
    ]
    Holiday.objects.bulk_create(new, ignore_conflicts=True)
    if new:
        audit_record(
            actor=None,
            action="holiday.load",
            details={"dates": [h.date.isoformat() for h in new]},
        )
    return len(new)


# --- the holidays page ------------------------------------------------------------


def holiday_list_visible(*, user: User) -> QuerySet[Holiday]:
    """The national holidays and those of the organisations the user administers
    or belongs to."""
    if not user.is_authenticated:
        return Holiday.objects.none()
    managed = organisation_list_managed(user=user)
    return Holiday.objects.filter(
        Q(organisation__isnull=True)
        | Q(organisation_id=user.organisation_id)
        | Q(organisation__in=managed)
    ).select_related("organisation")


def can_edit_holiday(*, user: User, organisation: Organisation | None) -> bool:
    """National holidays: superusers; an organisation's own: its administrators."""
    if not user.is_authenticated or not user.is_active:
        return False
    if organisation is None:
        return user.is_superuser
    return organisation_list_managed(user=user).filter(pk=organisation.pk).exists()


@transaction.atomic
def holiday_create(
    *, actor: User, day: date | None, name: str, organisation: Organisation | None
) -> Holiday:
    if not can_edit_holiday(user=actor, organisation=organisation):
        raise PermissionDenied(
            _("Only a system administrator may change the national holidays.")
            if organisation is None
            else _("You do not administer this organisation.")
        )
    name = (name or "").strip()
    errors = {}
    if day is None:
        errors["date"] = _("Enter the date of the holiday.")
    if not name:
        errors["name"] = _("Enter the name of the holiday.")
    if errors:
        raise ValidationError(errors)
    clash = Holiday.objects.filter(date=day).filter(
        Q(organisation__isnull=True) | Q(organisation=organisation)
    )
    if clash.exists():
        raise ValidationError(
            {"date": _("%(date)s is already a holiday.") % {"date": f"{day:%d/%m/%Y}"}}
        )
    try:
        with transaction.atomic():
            holiday = Holiday.objects.create(
                date=day, name=name[:200], organisation=organisation
            )
    except IntegrityError as exc:  # the same day added at the same moment
        raise ValidationError(
            {"date": _("%(date)s is already a holiday.") % {"date": f"{day:%d/%m/%Y}"}}
        ) from exc
    audit_record(
        actor=actor,
        action="holiday.create",
        obj=holiday,
        details={
            "date": day.isoformat(),
            "organisation": organisation.code if organisation else None,
        },
    )
    return holiday


@transaction.atomic
def holiday_delete(*, actor: User, holiday: Holiday) -> None:
    if not can_edit_holiday(user=actor, organisation=holiday.organisation):
        raise PermissionDenied(
            _("Only a system administrator may change the national holidays.")
            if holiday.organisation_id is None
            else _("You do not administer this organisation.")
        )
    audit_record(
        actor=actor,
        action="holiday.delete",
        obj=holiday,
        details={"date": holiday.date.isoformat(), "name": holiday.name},
    )
    holiday.delete()
