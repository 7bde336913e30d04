"""Reports of Phụ lục VI: how incoming and outgoing documents were processed, per
unit and period, and the leaders' dashboard of late items.

Everything here is a read from the workflow tables (workflow.models), permission
aware: `report_scope` decides what a person may see (an agency leader or the
records clerk: their whole organisation; a unit head: their unit; anyone else is
refused) and every selector takes that scope. The aggregates run in SQL, a fixed
handful of queries whatever the number of units and documents.

Incoming (văn bản đến). A document belongs to the period in which it was first
assigned to a lead (the earliest lead assignment that was not cancelled), and to
the unit of its current lead (the latest lead assignment in the chain that was
not cancelled: a unit head who passes the lead on keeps the document in the
unit). Its handling deadline is the lead's (or else the process's); it is

- completed on time: done (lead done or process completed) at or before the
  deadline, or without one;
- completed late: done after the deadline;
- in progress within the deadline: not done and the deadline (if any) not past;
- in progress late: not done and the deadline past.

Documents registered in the period and not yet assigned (registered, submitted
to the leader) are counted for the organisation.

Outgoing (văn bản đi), per unit of the drafter (or of the person who created the
draft): drafts submitted for approval in the period, documents issued in the
period, drafts submitted in the period still in approval, drafts returned for
revision in the period, and the replies issued in the period to incoming
documents (DocumentRelation reply_to), on time or late against the incoming
document's deadline (its process's deadline, or its due date)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directory.models import Organisation, Role, Unit, User
from directory.selectors import roles_of
from documents.models import Document, DocumentRelation

from .models import ApprovalTask, Assignment, Process, Transition, WorkItem

# ---------------------------------------------------------------------------
# Who sees what

WHOLE_ORGANISATION_ROLES = (Role.LANH_DAO_CO_QUAN, Role.VAN_THU)
DASHBOARD_ROLES = (Role.LANH_DAO_CO_QUAN, Role.LANH_DAO_DON_VI)


@dataclass(frozen=True)
class ReportScope:
    """What one person may see: the whole organisation or some of its units."""

    organisation: Organisation
    units: tuple[Unit, ...]
    whole_organisation: bool
    # Every unit of the organisation, active or not (for the index scans).
    all_unit_ids: tuple[int, ...] = ()

    @property
    def unit_ids(self) -> list[int]:
        return [unit.pk for unit in self.units]

    @property
    def label(self) -> str:
        if self.whole_organisation:
            return self.organisation.name
        return ", ".join(unit.name for unit in self.units)


def _scope(user: User, *, whole_roles, unit_roles) -> ReportScope | None:
    if not user.is_authenticated or not user.organisation_id:
        return None
    roles = roles_of(user=user)
    organisation = user.organisation
    if roles & set(whole_roles):
        every = list(Unit.objects.filter(organisation=organisation).order_by("name"))
        units = tuple(unit for unit in every if unit.is_active)
        return ReportScope(organisation, units, True, tuple(u.pk for u in every))
    if roles & set(unit_roles) and user.unit_id:
        every = tuple(
            Unit.objects.filter(organisation=organisation).values_list("pk", flat=True)
        )
        return ReportScope(organisation, (user.unit,), False, every)
    return None


def report_scope(*, user: User) -> ReportScope:
    """The reports' scope of `user`; PermissionDenied for anyone who may not read
    them (a chuyên viên, an archivist, a unit head without a unit)."""
    scope = _scope(
        user, whole_roles=WHOLE_ORGANISATION_ROLES, unit_roles=(Role.LANH_DAO_DON_VI,)
    )
    if scope is None:
        raise PermissionDenied(
            _(
                "Only the agency's leaders, its records clerks and the heads of "
                "units may read the processing reports."
            )
        )
    return scope


def dashboard_scope(*, user: User) -> ReportScope:
    """The dashboard's scope: an agency leader sees every unit, a unit head his
    own; PermissionDenied for anyone else."""
    scope = _scope(
        user,
        whole_roles=(Role.LANH_DAO_CO_QUAN,),
        unit_roles=(Role.LANH_DAO_DON_VI,),
    )
    if scope is None:
        raise PermissionDenied(_("Only leaders have a dashboard of late items."))
    return scope


def may_read_reports(roles) -> bool:
    return bool(set(roles) & {*WHOLE_ORGANISATION_ROLES, Role.LANH_DAO_DON_VI})


# ---------------------------------------------------------------------------
# The period


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included, in the agency's time zone."""

    start: date
    end: date
    label: str

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def end_before(self) -> datetime:
        """The first moment after the period."""
        return timezone.make_aware(
            datetime.combine(self.end + timedelta(days=1), time.min)
        )

    @property
    def slug(self) -> str:
        return f"{self.start:%Y%m%d}-{self.end:%Y%m%d}"


MONTH = "month"
QUARTER = "quarter"
YEAR = "year"
CUSTOM = "custom"

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def _last_day(year: int, month: int) -> date:
    if month == 12:
        return date(year, 12, 31)
    return date(year, month + 1, 1) - timedelta(days=1)


def period_for(
    kind: str,
    *,
    year: int,
    month: int | None = None,
    quarter: int | None = None,
    start: date | None = None,
    end: date | None = None,
) -> Period:
    """The period of a kind (month, quarter, year, custom), labelled in words."""
    if kind == MONTH:
        month = month or 1
        return Period(
            date(year, month, 1),
            _last_day(year, month),
            _("Month %(month)s/%(year)s") % {"month": f"{month:02d}", "year": year},
        )
    if kind == QUARTER:
        quarter = quarter or 1
        first = 3 * (quarter - 1) + 1
        return Period(
            date(year, first, 1),
            _last_day(year, first + 2),
            _("Quarter %(quarter)s/%(year)s") % {"quarter": quarter, "year": year},
        )
    if kind == YEAR:
        return Period(
            date(year, 1, 1), date(year, 12, 31), _("Year %(year)s") % {"year": year}
        )
    assert start is not None and end is not None
    return Period(
        start,
        end,
        _("From %(start)s to %(end)s")
        % {"start": f"{start:%d/%m/%Y}", "end": f"{end:%d/%m/%Y}"},
    )


class PeriodForm(forms.Form):
    """The report's period: a month, a quarter, a year or a range of days."""

    kind = forms.ChoiceField(
        label=gettext_lazy("Report period"),
        choices=[
            (MONTH, gettext_lazy("Month")),
            (QUARTER, gettext_lazy("Quarter")),
            (YEAR, gettext_lazy("Year")),
            (CUSTOM, gettext_lazy("Range of days")),
        ],
    )
    year = forms.IntegerField(
        label=gettext_lazy("Year"), min_value=2000, max_value=2100
    )
    month = forms.TypedChoiceField(
        label=gettext_lazy("Month"),
        coerce=int,
        required=False,
        choices=[(m, f"{m:02d}") for m in range(1, 13)],
    )
    quarter = forms.TypedChoiceField(
        label=gettext_lazy("Quarter"),
        coerce=int,
        required=False,
        choices=[(q, str(q)) for q in range(1, 5)],
    )
    start = forms.DateField(
        label=gettext_lazy("First day"), required=False, widget=DATE_WIDGET
    )
    end = forms.DateField(
        label=gettext_lazy("Last day"), required=False, widget=DATE_WIDGET
    )

    @classmethod
    def initial_for(cls, today: date) -> dict:
        return {
            "kind": MONTH,
            "year": today.year,
            "month": today.month,
            "quarter": _quarter_of(today),
        }

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == MONTH and not data.get("month"):
            self.add_error("month", _("Choose the month."))
        if kind == QUARTER and not data.get("quarter"):
            self.add_error("quarter", _("Choose the quarter."))
        if kind == CUSTOM:
            start, end = data.get("start"), data.get("end")
            if not start:
                self.add_error("start", _("Enter the first day of the range."))
            if not end:
                self.add_error("end", _("Enter the last day of the range."))
            if start and end and start > end:
                raise ValidationError(
                    _(
                        "The range starts on %(start)s, after its last day "
                        "%(end)s: the start must come first."
                    )
                    % {"start": f"{start:%d/%m/%Y}", "end": f"{end:%d/%m/%Y}"},
                    code="start_after_end",
                )
            if start and end and (end - start).days > 3660:
                raise ValidationError(
                    _("A range may cover ten years at most."), code="too_long"
                )
        return data

    @property
    def period(self) -> Period:
        data = self.cleaned_data
        year = data.get("year") or timezone.localdate().year
        return period_for(
            data["kind"],
            year=year,
            month=data.get("month"),
            quarter=data.get("quarter"),
            start=data.get("start"),
            end=data.get("end"),
        )


def period_from_query(query) -> tuple[PeriodForm, Period | None]:
    """The period form bound to the page's query (the current month when the
    query names none) and its period, or None when the form is invalid."""
    today = timezone.localdate()
    if "kind" in query:
        data = query.copy()
        if not data.get("year"):
            data["year"] = str(today.year)
        form = PeriodForm(data)
    else:
        initial = PeriodForm.initial_for(today)
        form = PeriodForm({k: str(v) for k, v in initial.items()})
    if not form.is_valid():
        return form, None
    return form, form.period


# ---------------------------------------------------------------------------
# The report


@dataclass
class IncomingRow:
    unit_id: int | None
    unit_name: str
    total: int = 0
    on_time: int = 0
    late: int = 0
    open_on_time: int = 0
    open_late: int = 0

    @property
    def completed(self) -> int:
        return self.on_time + self.late

    @property
    def in_progress(self) -> int:
        return self.open_on_time + self.open_late

    def add(self, other: IncomingRow) -> None:
        for name in ("total", "on_time", "late", "open_on_time", "open_late"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class OutgoingRow:
    unit_id: int | None
    unit_name: str
    submitted: int = 0
    issued: int = 0
    in_approval: int = 0
    returned: int = 0
    replies_on_time: int = 0
    replies_late: int = 0

    @property
    def replies(self) -> int:
        return self.replies_on_time + self.replies_late

    def add(self, other: OutgoingRow) -> None:
        for name in (
            "submitted",
            "issued",
            "in_approval",
            "returned",
            "replies_on_time",
            "replies_late",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class ProcessingReport:
    scope: ReportScope
    period: Period
    made_at: datetime
    incoming: list[IncomingRow] = field(default_factory=list)
    incoming_total: IncomingRow | None = None
    not_assigned: int | None = None
    outgoing: list[OutgoingRow] = field(default_factory=list)
    outgoing_total: OutgoingRow | None = None


_T = {
    "assignment": Assignment._meta.db_table,
    "process": Process._meta.db_table,
    "document": Document._meta.db_table,
    "user": User._meta.db_table,
    "transition": Transition._meta.db_table,
    "task": ApprovalTask._meta.db_table,
    "relation": DocumentRelation._meta.db_table,
}

# Incoming: the processes with a lead given in the period (through the index on
# (organisation, unit, created_at): every unit of the organisation, or none), kept
# when no lead was given before the period; then, per process, its latest lead
# through the index on the assignments' process.
_INCOMING_SQL = """
WITH touched AS MATERIALIZED (
    SELECT DISTINCT a.process_id
    FROM {assignment} a
    WHERE a.organisation_id = %(org)s
      AND (a.unit_id = ANY(%(all_units)s) OR a.unit_id IS NULL)
      AND a.created_at >= %(start)s AND a.created_at < %(end)s
      AND a.role = 'lead' AND a.state <> 'cancelled'
), lead AS (
    SELECT c.unit_id,
           (c.state = 'done' OR p.state = 'completed') AS done,
           COALESCE(c.completed_at, p.completed_at) AS done_at,
           COALESCE(c.due_at, p.due_at) AS due
    FROM touched t
    JOIN {process} p ON p.id = t.process_id AND p.kind = 'den'
    CROSS JOIN LATERAL (
        SELECT a.unit_id, a.state, a.due_at, a.completed_at
        FROM {assignment} a
        WHERE a.process_id = t.process_id AND a.role = 'lead'
          AND a.state <> 'cancelled'
        ORDER BY a.created_at DESC, a.id DESC
        LIMIT 1
    ) c
    WHERE NOT EXISTS (
        SELECT 1 FROM {assignment} e
        WHERE e.process_id = t.process_id AND e.role = 'lead'
          AND e.state <> 'cancelled' AND e.created_at < %(start)s
    )
    {unit_filter}
)
SELECT unit_id,
       count(*),
       count(*) FILTER (WHERE done AND (due IS NULL OR done_at IS NULL
                                        OR done_at <= due)),
       count(*) FILTER (WHERE done AND due IS NOT NULL AND done_at > due),
       count(*) FILTER (WHERE NOT done AND (due IS NULL OR due >= %(now)s)),
       count(*) FILTER (WHERE NOT done AND due < %(now)s)
FROM lead
GROUP BY unit_id
"""

# Outgoing: every move of a process (submit, return, issue) bumps its
# updated_at, so the processes touched in the period are among those updated
# since its start; each is then probed through the indexes on process (its
# transitions, its approval tasks, its reply links).
_OUTGOING_SQL = """
WITH candidate AS MATERIALIZED (
    SELECT p.id, p.state, p.document_id, p.drafter_id
    FROM {process} p
    WHERE p.organisation_id = %(org)s AND p.kind = 'di'
      AND p.updated_at >= %(start)s
), base AS (
    SELECT c.id, c.state, c.document_id,
           COALESCE(du.unit_id, cu.unit_id) AS unit_id,
           s.yes IS NOT NULL AS submitted,
           k.yes IS NOT NULL AS returned,
           (d.issued_date >= %(start_day)s AND d.issued_date <= %(end_day)s
            AND d.state IN ('issued', 'recalled', 'replaced')) AS issued
    FROM candidate c
    JOIN {document} d ON d.id = c.document_id
    LEFT JOIN {user} du ON du.id = c.drafter_id
    LEFT JOIN {user} cu ON cu.id = d.created_by_id
    LEFT JOIN LATERAL (
        SELECT true AS yes FROM {transition} t
        WHERE t.process_id = c.id AND t.action = 'submit'
          AND t.created_at >= %(start)s AND t.created_at < %(end)s
        LIMIT 1
    ) s ON true
    LEFT JOIN LATERAL (
        SELECT true AS yes FROM {task} k
        WHERE k.process_id = c.id AND k.state = 'returned'
          AND k.acted_at >= %(start)s AND k.acted_at < %(end)s
        LIMIT 1
    ) k ON true
)
SELECT b.unit_id,
       count(*) FILTER (WHERE b.submitted),
       count(*) FILTER (WHERE b.issued),
       count(*) FILTER (WHERE b.submitted
                        AND b.state IN ('in_approval', 'awaiting_signature')),
       count(*) FILTER (WHERE b.returned),
       count(*) FILTER (WHERE b.issued AND r.replies > 0 AND NOT r.late),
       count(*) FILTER (WHERE b.issued AND r.replies > 0 AND r.late)
FROM base b
LEFT JOIN LATERAL (
    SELECT count(*) AS replies,
           COALESCE(bool_or(
               COALESCE((tp.due_at AT TIME ZONE %(tz)s)::date, target.due_date)
               < source.issued_date
           ), false) AS late
    FROM {relation} rel
    JOIN {document} source ON source.id = rel.source_id
    JOIN {document} target ON target.id = rel.target_id
    LEFT JOIN {process} tp ON tp.document_id = target.id
    WHERE rel.source_id = b.document_id AND rel.kind = 'reply_to' AND b.issued
) r ON true
WHERE (b.submitted OR b.issued OR b.returned) {unit_filter}
GROUP BY b.unit_id
"""


def _rows(scope: ReportScope, found: dict, make):
    """One row per unit of the scope (zero when nothing happened there), then the
    rows of units outside it (inactive units, no unit) that hold documents."""
    rows = []
    names = {unit.pk: unit.name for unit in scope.units}
    for unit in scope.units:
        row = found.pop(unit.pk, None) or make(unit.pk, unit.name)
        row.unit_name = unit.name
        rows.append(row)
    if scope.whole_organisation and found:
        others = dict(
            Unit.objects.filter(pk__in=[k for k in found if k]).values_list(
                "pk", "name"
            )
        )
        for unit_id, row in sorted(
            found.items(), key=lambda item: (item[0] is None, str(item[0]))
        ):
            row.unit_name = (
                others.get(unit_id) or names.get(unit_id) or _("Without a unit")
            )
            rows.append(row)
    return rows


def incoming_rows(
    *, scope: ReportScope, period: Period, at: datetime
) -> list[IncomingRow]:
    unit_filter = "" if scope.whole_organisation else "AND c.unit_id = ANY(%(units)s)"
    sql = _INCOMING_SQL.format(unit_filter=unit_filter, **_T)
    params = {
        "org": scope.organisation.pk,
        "start": period.start_at,
        "end": period.end_before,
        "now": at,
        "units": scope.unit_ids,
        "all_units": list(scope.all_unit_ids),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = {row[0]: IncomingRow(row[0], "", *row[1:]) for row in cursor.fetchall()}
    return _rows(scope, found, IncomingRow)


def outgoing_rows(*, scope: ReportScope, period: Period) -> list[OutgoingRow]:
    unit_filter = "" if scope.whole_organisation else "AND b.unit_id = ANY(%(units)s)"
    sql = _OUTGOING_SQL.format(unit_filter=unit_filter, **_T)
    params = {
        "org": scope.organisation.pk,
        "start": period.start_at,
        "end": period.end_before,
        "start_day": period.start,
        "end_day": period.end,
        "tz": settings.TIME_ZONE,
        "units": scope.unit_ids,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = {row[0]: OutgoingRow(row[0], "", *row[1:]) for row in cursor.fetchall()}
    return _rows(scope, found, OutgoingRow)


def not_assigned_count(*, scope: ReportScope, period: Period) -> int:
    """Incoming documents registered in the period that no lead has been given
    yet (registered, or submitted to the leader)."""
    return Process.objects.filter(
        organisation=scope.organisation,
        kind=Process.Kind.INCOMING,
        state__in=("registered", "submitted"),
        started_at__gte=period.start_at,
        started_at__lt=period.end_before,
    ).count()


def processing_report(
    *, scope: ReportScope, period: Period, at: datetime | None = None
) -> ProcessingReport:
    """The report of one period for one scope: two or three queries (and the
    SET LOCAL that turns the JIT off for them)."""
    at = at or timezone.now()
    report = ProcessingReport(scope=scope, period=period, made_at=at)
    with transaction.atomic():
        # A year's report probes tens of thousands of rows through indexes: the
        # planner's estimate passes PostgreSQL's JIT threshold and compiling
        # would cost more (about a second) than the query itself.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        report.incoming = incoming_rows(scope=scope, period=period, at=at)
        if scope.whole_organisation:
            report.not_assigned = not_assigned_count(scope=scope, period=period)
        report.outgoing = outgoing_rows(scope=scope, period=period)
    report.incoming_total = IncomingRow(None, _("Total"))
    for row in report.incoming:
        report.incoming_total.add(row)
    report.outgoing_total = OutgoingRow(None, _("Total"))
    for row in report.outgoing:
        report.outgoing_total.add(row)
    return report


# ---------------------------------------------------------------------------
# Charts: horizontal bars drawn as inline SVG on the server (no script)


# The bars' colours, written on the SVG elements themselves (WeasyPrint, which
# draws the PDF's charts, does not apply stylesheet fills to SVG).
BAR_COLOURS = {
    "bar--ok": "#1e6b3a",
    "bar--late-done": "#b86e00",
    "bar--open": "#3b78b5",
    "bar--late": "#a61b1b",
}


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    value: int
    label: str

    @property
    def colour(self) -> str:
        return BAR_COLOURS.get(self.css, "#4f5967")


@dataclass
class ChartRow:
    label: str
    short_label: str
    y: float
    total: int
    bars: list[Bar]
    total_x: float


@dataclass
class Chart:
    id: str
    title: str
    description: str
    width: int
    height: int
    rows: list[ChartRow]
    legend: list[tuple[str, str, str]]
    axis_x: float
    plot_width: float

    @property
    def pdf_width_mm(self) -> float:
        """The chart's width on an A4 landscape page: 125 mm, narrower when it
        would otherwise be taller than 150 mm (a chart does not break across
        pages)."""
        return round(min(125.0, 150.0 * self.width / self.height), 1)


_CHART_WIDTH = 640
_LABEL_WIDTH = 190
_VALUE_ROOM = 44
_ROW_HEIGHT = 30
_BAR_HEIGHT = 18


def _short(text: str, length: int = 28) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def bar_chart(
    *,
    chart_id: str,
    title: str,
    series: list[tuple[str, str, str]],
    rows: list,
    stacked: bool,
) -> Chart:
    """A horizontal bar chart: one row per unit, the `series` (attribute, label,
    css class) stacked in one bar or side by side in thin bars. The description
    says every figure in words, for screen readers."""
    plot_width = _CHART_WIDTH - _LABEL_WIDTH - _VALUE_ROOM
    values = [[int(getattr(row, name)) for name, _l, _c in series] for row in rows]
    if stacked:
        peak = max((sum(v) for v in values), default=0)
    else:
        peak = max((max(v) for v in values if v), default=0)
    scale = plot_width / peak if peak else 0
    per_row = _ROW_HEIGHT if stacked else max(_ROW_HEIGHT, 10 * len(series) + 12)
    chart_rows = []
    for index, (row, figures) in enumerate(zip(rows, values, strict=True)):
        top = 8 + index * per_row
        bars = []
        x = float(_LABEL_WIDTH)
        for position, ((_name, label, css), value) in enumerate(
            zip(series, figures, strict=True)
        ):
            width = value * scale
            if stacked:
                bars.append(Bar(x, top + 4, width, _BAR_HEIGHT, css, value, str(label)))
                x += width
            else:
                thin = (per_row - 8) / len(series)
                bars.append(
                    Bar(
                        _LABEL_WIDTH,
                        top + 4 + position * thin,
                        width,
                        thin - 2,
                        css,
                        value,
                        str(label),
                    )
                )
                x = max(x, _LABEL_WIDTH + width)
        total = sum(figures) if stacked else max(figures, default=0)
        chart_rows.append(
            ChartRow(
                label=row.unit_name,
                short_label=_short(row.unit_name),
                y=top + per_row / 2,
                total=total,
                bars=[bar for bar in bars if bar.width > 0],
                total_x=x + 6,
            )
        )
    height = 16 + max(len(rows), 1) * per_row
    parts = []
    for row, figures in zip(rows, values, strict=True):
        said = ", ".join(
            f"{label}: {value}"
            for (_n, label, _c), value in zip(series, figures, strict=True)
        )
        parts.append(f"{row.unit_name} — {said}")
    description = "; ".join(parts) if parts else _("No figures for this period.")
    return Chart(
        id=chart_id,
        title=title,
        description=description,
        width=_CHART_WIDTH,
        height=height,
        rows=chart_rows,
        legend=[
            (css, str(label), BAR_COLOURS.get(css, "#4f5967"))
            for _n, label, css in series
        ],
        axis_x=_LABEL_WIDTH,
        plot_width=plot_width,
    )


def report_charts(report: ProcessingReport) -> list[Chart]:
    incoming = bar_chart(
        chart_id="chart-incoming",
        title=_("Incoming documents by unit"),
        series=[
            ("on_time", _("Completed on time"), "bar--ok"),
            ("late", _("Completed late"), "bar--late-done"),
            ("open_on_time", _("In progress, within the deadline"), "bar--open"),
            ("open_late", _("In progress, late"), "bar--late"),
        ],
        rows=report.incoming,
        stacked=True,
    )
    outgoing = bar_chart(
        chart_id="chart-outgoing",
        title=_("Outgoing documents by unit"),
        series=[
            ("submitted", _("Drafts submitted"), "bar--open"),
            ("issued", _("Issued"), "bar--ok"),
            ("returned", _("Returned for revision"), "bar--late-done"),
        ],
        rows=report.outgoing,
        stacked=False,
    )
    return [incoming, outgoing]


# ---------------------------------------------------------------------------
# The dashboard: late items of the leader's units

DASHBOARD_ITEMS = 50


@dataclass
class LateItem:
    kind: str  # "assignment" or "work_item"
    document_id: int | None
    title: str
    handler: User
    unit_name: str
    due_at: datetime
    days_late: int
    step: str
    urgency: int


@dataclass
class UnitLoad:
    unit_id: int | None
    unit_name: str
    open: int = 0
    late: int = 0


@dataclass
class Dashboard:
    scope: ReportScope
    at: datetime
    items: list[LateItem]
    units: list[UnitLoad]
    late_total: int
    shown_limit: int


def _days_late(due_at: datetime, at: datetime) -> int:
    return max(1, math.ceil((at - due_at).total_seconds() / 86400))


# Each source of late work is read in one pass: a CTE of its open rows (id, unit,
# deadline), then, in the same query, the counts per unit and the ids of the most
# overdue. Open lead and co-handling assignments belong to incoming documents
# being handled (process state "assigned"): the index on (organisation, kind,
# state) finds those, then the index on the assignments' process, instead of
# reading every assignment the organisation ever made. For-information
# assignments (để biết) are nobody's work to be late with. Open work items that
# belong to no assignment (an approval, a signature, numbering, dispatching...)
# are read through the partial index of open items by assignee.
_OPEN_ASSIGNMENTS_SQL = """
    SELECT a.id, a.unit_id, a.due_at
    FROM {assignment} a JOIN {process} p ON p.id = a.process_id
    WHERE p.organisation_id = %(org)s AND p.kind = 'den' AND p.state = 'assigned'
      AND a.state = 'open' AND a.role IN ('lead', 'co') {unit_filter}
"""
_OPEN_WORK_ITEMS_SQL = """
    SELECT w.id, u.unit_id, w.due_at
    FROM {work_item} w JOIN {user} u ON u.id = w.assignee_id
    WHERE u.organisation_id = %(org)s AND w.state = 'open'
      AND w.assignment_id IS NULL {unit_filter}
"""
_LOAD_SQL = """
WITH open_rows AS MATERIALIZED ({rows})
SELECT unit_id, count(*), count(*) FILTER (WHERE due_at < %(at)s), NULL
FROM open_rows GROUP BY unit_id
UNION ALL
(SELECT NULL, NULL, NULL, id FROM open_rows WHERE due_at < %(at)s
 ORDER BY due_at, id LIMIT %(limit)s)
"""


def _loads_and_most_overdue(
    rows_sql: str, unit_column: str, *, scope: ReportScope, at: datetime, limit: int
) -> tuple[list[tuple], list[int]]:
    """[(unit_id, open, late)] and the ids of the `limit` most overdue rows."""
    unit_filter = (
        "" if scope.whole_organisation else f"AND {unit_column} = ANY(%(units)s)"
    )
    rows = rows_sql.format(
        unit_filter=unit_filter, work_item=WorkItem._meta.db_table, **_T
    )
    with connection.cursor() as cursor:
        cursor.execute(
            _LOAD_SQL.format(rows=rows),
            {
                "org": scope.organisation.pk,
                "units": scope.unit_ids,
                "at": at,
                "limit": limit,
            },
        )
        found = cursor.fetchall()
    loads = [(unit_id, n, late) for unit_id, n, late, pk in found if pk is None]
    ids = [pk for _u, _n, _l, pk in found if pk is not None]
    return loads, ids


@dataclass
class _Late:
    loads: list[tuple]
    ids: list[int]


def _late_work(*, scope: ReportScope, at: datetime, limit: int):
    return (
        _Late(
            *_loads_and_most_overdue(
                _OPEN_ASSIGNMENTS_SQL, "a.unit_id", scope=scope, at=at, limit=limit
            )
        ),
        _Late(
            *_loads_and_most_overdue(
                _OPEN_WORK_ITEMS_SQL, "u.unit_id", scope=scope, at=at, limit=limit
            )
        ),
    )


def _late_items(assignments: _Late, items: _Late, *, at: datetime, limit: int):
    """The rows of the most overdue ids, joined to their document, person and
    unit: two queries."""
    found = [
        LateItem(
            kind="assignment",
            document_id=a.process.document_id,
            title=a.process.document.subject,
            handler=a.assignee,
            unit_name=a.unit.name if a.unit else "",
            due_at=a.due_at,
            days_late=_days_late(a.due_at, at),
            step=str(a.get_role_display()),
            urgency=a.process.urgency,
        )
        for a in Assignment.objects.filter(pk__in=assignments.ids).select_related(
            "assignee", "unit", "process__document"
        )
    ]
    found += [
        LateItem(
            kind="work_item",
            document_id=w.document_id,
            title=w.title,
            handler=w.assignee,
            unit_name=w.assignee.unit.name if w.assignee.unit else "",
            due_at=w.due_at,
            days_late=_days_late(w.due_at, at),
            step=str(w.get_queue_display()),
            urgency=w.urgency,
        )
        for w in WorkItem.objects.filter(pk__in=items.ids).select_related(
            "assignee__unit"
        )
    ]
    found.sort(key=lambda item: (item.due_at, -item.urgency))
    return found[:limit]


def _unit_loads(scope: ReportScope, *sources: _Late) -> list[UnitLoad]:
    loads: dict[int | None, UnitLoad] = {
        unit.pk: UnitLoad(unit.pk, unit.name) for unit in scope.units
    }
    for source in sources:
        for unit_id, open_count, late_count in source.loads:
            load = loads.setdefault(unit_id, UnitLoad(unit_id, _("Without a unit")))
            load.open += open_count
            load.late += late_count
    return sorted(
        loads.values(), key=lambda load: (-load.late, -load.open, load.unit_name)
    )


def dashboard(
    *, scope: ReportScope, at: datetime | None = None, limit: int = DASHBOARD_ITEMS
) -> Dashboard:
    """The late work of the scope's units: per unit, the open assignments and
    stand-alone work items and how many are late; the `limit` most overdue with
    their document, handler, unit, deadline and days late. Four queries whatever
    the number of items: one pass over each source, then the rows shown."""
    at = at or timezone.now()
    assignments, items = _late_work(scope=scope, at=at, limit=limit)
    units = _unit_loads(scope, assignments, items)
    return Dashboard(
        scope=scope,
        at=at,
        items=_late_items(assignments, items, at=at, limit=limit),
        units=units,
        late_total=sum(load.late for load in units),
        shown_limit=limit,
    )


# ---------------------------------------------------------------------------
# Exports: PDF (WeasyPrint, the documents' embedded Vietnamese serif) and XLSX

INCOMING_HEADINGS = (
    "Đơn vị",
    "Tổng số",
    "Đã giải quyết đúng hạn",
    "Đã giải quyết trễ hạn",
    "Đang giải quyết trong hạn",
    "Đang giải quyết quá hạn",
)
OUTGOING_HEADINGS = (
    "Đơn vị",
    "Dự thảo đã trình",
    "Đã ban hành",
    "Đang trình duyệt",
    "Trả lại để sửa",
    "Trả lời đúng hạn",
    "Trả lời trễ hạn",
)


def incoming_values(row: IncomingRow) -> list:
    return [
        row.unit_name,
        row.total,
        row.on_time,
        row.late,
        row.open_on_time,
        row.open_late,
    ]


def outgoing_values(row: OutgoingRow) -> list:
    return [
        row.unit_name,
        row.submitted,
        row.issued,
        row.in_approval,
        row.returned,
        row.replies_on_time,
        row.replies_late,
    ]


def report_filename(report: ProcessingReport, extension: str) -> str:
    return f"bao-cao-xu-ly-van-ban-{report.period.slug}.{extension}"


def report_pdf(report: ProcessingReport) -> bytes:
    """The report as an A4 landscape PDF, always in Vietnamese (a record kept by
    the agency): heading with the organisation and the period, both tables with
    their totals, the charts."""
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe
    from django.utils.translation import override
    from weasyprint import HTML

    from documents import fonts
    from documents.exports import FONT_FAMILY

    with override("vi"):
        html = render_to_string(
            "workflow/reports/pdf.html",
            {
                "font_face_css": mark_safe(fonts.font_face_css()),  # noqa: S308
                "font_family": mark_safe(FONT_FAMILY),  # noqa: S308 - a constant
                "report": report,
                "charts": report_charts(report),
                "made_at": timezone.localtime(report.made_at),
            },
        )
        return HTML(string=html).write_pdf()


def report_xlsx(report: ProcessingReport) -> bytes:
    """The report as an XLSX workbook: one sheet for incoming and one for
    outgoing documents, the same figures as the page, numbers as numbers."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    font = "Times New Roman"
    workbook = Workbook()
    workbook.properties.title = "Báo cáo tình hình xử lý văn bản"
    workbook.properties.creator = "Vanthu"
    workbook.properties.language = "vi"

    def sheet_for(sheet, title, headings, rows, total, values, notes):
        width = len(headings)
        last = get_column_letter(width)
        lines = [
            (report.scope.organisation.name.upper(), Font(name=font, bold=True)),
            (title.upper(), Font(name=font, bold=True, size=14)),
            (f"Kỳ báo cáo: {report.period.label}", Font(name=font, italic=True)),
        ]
        if not report.scope.whole_organisation:
            lines.append((f"Đơn vị: {report.scope.label}", Font(name=font)))
        for index, (text, style) in enumerate(lines, start=1):
            cell = sheet.cell(row=index, column=1, value=text)
            cell.font = style
            cell.alignment = Alignment(horizontal="center")
            sheet.merge_cells(f"A{index}:{last}{index}")
        head_row = len(lines) + 2
        for column, heading in enumerate(headings, start=1):
            cell = sheet.cell(row=head_row, column=column, value=heading)
            cell.font = Font(name=font, bold=True)
            cell.border = border
            cell.alignment = Alignment(
                horizontal="center", vertical="center", wrap_text=True
            )
        for offset, row in enumerate([*rows, total], start=1):
            is_total = offset == len(rows) + 1
            figures = values(row)
            if is_total:
                figures[0] = "Tổng số"
            for column, value in enumerate(figures, start=1):
                cell = sheet.cell(row=head_row + offset, column=column, value=value)
                cell.font = Font(name=font, bold=is_total)
                cell.border = border
                if column > 1:
                    cell.alignment = Alignment(horizontal="center")
        note_row = head_row + len(rows) + 3
        for offset, note in enumerate(notes):
            sheet.cell(row=note_row + offset, column=1, value=note).font = Font(
                name=font, italic=True
            )
        sheet.column_dimensions["A"].width = 40
        for column in range(2, width + 1):
            sheet.column_dimensions[get_column_letter(column)].width = 16
        sheet.freeze_panes = f"B{head_row + 1}"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4

    incoming_notes = []
    if report.not_assigned is not None:
        incoming_notes.append(
            f"Văn bản đến đã đăng ký trong kỳ, chưa phân công: {report.not_assigned}"
        )
    incoming_notes.append(
        f"Số liệu tính đến {timezone.localtime(report.made_at):%H:%M %d/%m/%Y}."
    )
    first = workbook.active
    first.title = "Van ban den"
    sheet_for(
        first,
        "Báo cáo tình hình xử lý văn bản đến",
        INCOMING_HEADINGS,
        report.incoming,
        report.incoming_total,
        incoming_values,
        incoming_notes,
    )
    sheet_for(
        workbook.create_sheet("Van ban di"),
        "Báo cáo tình hình xử lý văn bản đi",
        OUTGOING_HEADINGS,
        report.outgoing,
        report.outgoing_total,
        outgoing_values,
        [],
    )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
