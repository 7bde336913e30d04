"""The Phụ lục VI processing reports and the leaders' dashboard, as selectors: the
exact counts of a seeded month (on time, late, in progress, not assigned; drafts
submitted, issued, in approval, returned; replies on time or late), the periods,
who may see what, and that the number of queries does not grow with the data."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tests.workflow.report_fixtures import (
    AT,
    EXPECTED_INCOMING,
    EXPECTED_INCOMING_TOTAL,
    EXPECTED_NOT_ASSIGNED,
    EXPECTED_OUTGOING,
    at,
    incoming,
    lead,
    seed_incoming,
    seed_outgoing,
    user,
)
from workflow.models import Assignment, Queue, WorkItem
from workflow.reports import (
    CUSTOM,
    MONTH,
    QUARTER,
    YEAR,
    PeriodForm,
    dashboard,
    dashboard_scope,
    period_for,
    processing_report,
    report_charts,
    report_scope,
)

MARCH_PERIOD = period_for(MONTH, year=2026, month=3)
INCOMING_FIELDS = ("total", "on_time", "late", "open_on_time", "open_late")
OUTGOING_FIELDS = (
    "submitted",
    "issued",
    "in_approval",
    "returned",
    "replies_on_time",
    "replies_late",
)


def figures(row, fields):
    return {name: getattr(row, name) for name in fields}


def unit_of(username):
    return user(username).unit


@pytest.fixture
def seeded(demo):
    return {**seed_incoming(), **seed_outgoing()}


def test_incoming_counts_of_the_month_per_unit_and_in_total(seeded):
    scope = report_scope(user=user("lanhdao.stc"))
    report = processing_report(scope=scope, period=MARCH_PERIOD, at=AT)

    rows = {row.unit_id: row for row in report.incoming}
    unit1, unit2 = unit_of("chuyenvien.stc"), unit_of("chuyenvien2.stc")
    assert figures(rows[unit1.pk], INCOMING_FIELDS) == EXPECTED_INCOMING[1]
    assert figures(rows[unit2.pk], INCOMING_FIELDS) == EXPECTED_INCOMING[2]
    assert rows[unit1.pk].unit_name == unit1.name
    assert figures(report.incoming_total, INCOMING_FIELDS) == EXPECTED_INCOMING_TOTAL
    assert report.not_assigned == EXPECTED_NOT_ASSIGNED
    # Every unit of the organisation has its row, with zeros where nothing happened.
    assert [row.unit_id for row in report.incoming] == [u.pk for u in scope.units]
    others = [r for r in report.incoming if r.unit_id not in (unit1.pk, unit2.pk)]
    assert others and all(r.total == 0 for r in others)


def test_outgoing_counts_of_the_month_per_drafters_unit(seeded):
    scope = report_scope(user=user("vanthu.stc"))
    report = processing_report(scope=scope, period=MARCH_PERIOD, at=AT)

    rows = {row.unit_id: row for row in report.outgoing}
    unit1, unit2 = unit_of("chuyenvien.stc"), unit_of("chuyenvien2.stc")
    assert figures(rows[unit1.pk], OUTGOING_FIELDS) == EXPECTED_OUTGOING[1]
    assert figures(rows[unit2.pk], OUTGOING_FIELDS) == EXPECTED_OUTGOING[2]
    total = {
        name: EXPECTED_OUTGOING[1][name] + EXPECTED_OUTGOING[2][name]
        for name in OUTGOING_FIELDS
    }
    assert figures(report.outgoing_total, OUTGOING_FIELDS) == total


def test_the_clock_decides_in_progress_late_or_within_the_deadline(seeded):
    """d4 is due on 01/05: within its deadline on 15/04, late on 02/05."""
    scope = report_scope(user=user("lanhdao.stc"))
    later = timezone.make_aware(timezone.datetime(2026, 5, 2, 9, 0))
    report = processing_report(scope=scope, period=MARCH_PERIOD, at=later)
    assert report.incoming_total.open_on_time == 0
    assert report.incoming_total.open_late == 4


def test_other_organisations_documents_never_count(seeded):
    other = report_scope(user=user("lanhdao.stc"))
    stranger = user("chuyenvien.stc")
    # The same rows seen from another organisation's leader: nothing.
    from directory.models import User

    leader = (
        User.objects.filter(roles__role="lanh_dao_co_quan")
        .exclude(organisation=stranger.organisation)
        .first()
    )
    scope = report_scope(user=leader)
    report = processing_report(scope=scope, period=MARCH_PERIOD, at=AT)
    assert report.incoming_total.total == 0
    assert report.outgoing_total.submitted == 0
    assert report.not_assigned == 0
    assert other.organisation != scope.organisation


def test_unit_head_sees_his_unit_only(seeded):
    scope = report_scope(user=user("truongphong.stc"))
    assert not scope.whole_organisation
    assert scope.unit_ids == [unit_of("truongphong.stc").pk]
    report = processing_report(scope=scope, period=MARCH_PERIOD, at=AT)
    assert [row.unit_id for row in report.incoming] == scope.unit_ids
    assert figures(report.incoming_total, INCOMING_FIELDS) == EXPECTED_INCOMING[1]
    assert figures(report.outgoing_total, OUTGOING_FIELDS) == EXPECTED_OUTGOING[1]
    # Documents not yet assigned belong to no unit: not on a unit's report.
    assert report.not_assigned is None


@pytest.mark.parametrize("username", ["chuyenvien.stc", "luutru.stc", "quantri.stc"])
def test_people_without_a_reporting_role_are_refused(demo, username):
    with pytest.raises(PermissionDenied):
        report_scope(user=user(username))
    with pytest.raises(PermissionDenied):
        dashboard_scope(user=user(username))


def test_the_clerk_reads_reports_but_has_no_dashboard(demo):
    assert report_scope(user=user("vanthu.stc")).whole_organisation
    with pytest.raises(PermissionDenied):
        dashboard_scope(user=user("vanthu.stc"))


def test_a_unit_head_without_a_unit_is_refused(demo):
    head = user("truongphong.stc")
    head.unit = None
    head.save(update_fields=["unit"])
    with pytest.raises(PermissionDenied):
        report_scope(user=head)


@pytest.mark.parametrize(
    ("kind", "extra", "start", "end"),
    [
        (MONTH, {"month": 2}, date(2026, 2, 1), date(2026, 2, 28)),
        (MONTH, {"month": 12}, date(2026, 12, 1), date(2026, 12, 31)),
        (QUARTER, {"quarter": 1}, date(2026, 1, 1), date(2026, 3, 31)),
        (QUARTER, {"quarter": 4}, date(2026, 10, 1), date(2026, 12, 31)),
        (YEAR, {}, date(2026, 1, 1), date(2026, 12, 31)),
        (
            CUSTOM,
            {"start": date(2026, 3, 5), "end": date(2026, 3, 9)},
            date(2026, 3, 5),
            date(2026, 3, 9),
        ),
    ],
)
def test_periods(kind, extra, start, end):
    period = period_for(kind, year=2026, **extra)
    assert (period.start, period.end) == (start, end)
    assert period.end_before - period.start_at == timedelta(days=(end - start).days + 1)


def test_the_period_form_refuses_a_range_that_starts_after_it_ends(demo):
    form = PeriodForm(
        {"kind": CUSTOM, "year": "2026", "start": "2026-03-10", "end": "2026-03-01"}
    )
    assert not form.is_valid()
    assert form.non_field_errors() == [
        "Khoảng thời gian bắt đầu ngày 10/03/2026, sau ngày cuối 01/03/2026: "
        "ngày bắt đầu phải đứng trước."
    ]


@pytest.mark.parametrize(
    "data",
    [
        {"kind": CUSTOM, "year": "2026", "start": "2026-03-10"},
        {"kind": MONTH, "year": "2026", "month": "13"},
        {"kind": "week", "year": "2026"},
        {"kind": YEAR, "year": "1990"},
        {"kind": CUSTOM, "year": "2026", "start": "2000-01-01", "end": "2026-01-01"},
    ],
)
def test_the_period_form_refuses_bad_input(demo, data):
    assert not PeriodForm(data).is_valid()


def test_quarter_and_year_take_in_the_months_documents(seeded):
    scope = report_scope(user=user("lanhdao.stc"))
    quarter = processing_report(
        scope=scope, period=period_for(QUARTER, year=2026, quarter=1), at=AT
    )
    # d7, first assigned on 25/02, joins the first quarter (open, late on 15/04).
    assert quarter.incoming_total.total == EXPECTED_INCOMING_TOTAL["total"] + 1
    year = processing_report(scope=scope, period=period_for(YEAR, year=2026), at=AT)
    # ... and d9 (assigned 02/04) the year.
    assert year.incoming_total.total == EXPECTED_INCOMING_TOTAL["total"] + 2
    custom = processing_report(
        scope=scope,
        period=period_for(
            CUSTOM, year=2026, start=date(2026, 3, 1), end=date(2026, 3, 4)
        ),
        at=AT,
    )
    # d1 (02/03), d2 (03/03), d3 (04/03).
    assert custom.incoming_total.total == 3


def test_the_report_takes_a_fixed_number_of_queries_whatever_the_data(
    seeded, django_assert_num_queries
):
    """Three reads, plus the SET LOCAL turning the JIT off and, inside the test's
    transaction, the savepoint around them."""
    scope = report_scope(user=user("lanhdao.stc"))
    with django_assert_num_queries(6):
        processing_report(scope=scope, period=MARCH_PERIOD, at=AT)
    # Ten times more documents: the same queries.
    officer = user("chuyenvien.stc")
    for n in range(40):
        process = incoming(f"Thêm {n}")
        lead(process, officer, at(3, 1 + n % 28), due_at=at(3, 20))
    with django_assert_num_queries(6):
        report = processing_report(scope=scope, period=MARCH_PERIOD, at=AT)
    assert report.incoming_total.total == EXPECTED_INCOMING_TOTAL["total"] + 40


def test_charts_say_their_figures_in_words(seeded):
    scope = report_scope(user=user("truongphong.stc"))
    report = processing_report(scope=scope, period=MARCH_PERIOD, at=AT)
    incoming_chart, outgoing_chart = report_charts(report)
    assert incoming_chart.title == "Văn bản đến theo đơn vị"
    assert "Đã giải quyết đúng hạn: 2" in incoming_chart.description
    assert "Đang giải quyết, quá hạn: 2" in incoming_chart.description
    (row,) = incoming_chart.rows
    assert sum(bar.value for bar in row.bars) == 6
    assert outgoing_chart.rows[0].total == 2


# ---------------------------------------------------------------------------
# Dashboard


def late_item(person, queue, due_at, title="Việc trễ", **fields):
    return WorkItem.objects.create(
        organisation=person.organisation,
        assignee=person,
        queue=queue,
        title=title,
        due_at=due_at,
        **fields,
    )


@pytest.fixture
def late_work(demo):
    now = timezone.now()
    officer, officer2 = user("chuyenvien.stc"), user("chuyenvien2.stc")
    p1 = incoming("Trễ ba ngày")
    a1 = lead(p1, officer, now - timedelta(days=10), due_at=now - timedelta(days=3))
    # Its work item is shown through the assignment, not twice.
    late_item(officer, Queue.HANDLE, a1.due_at, assignment=a1, process=p1)
    p2 = incoming("Trễ mười ngày")
    lead(p2, officer2, now - timedelta(days=20), due_at=now - timedelta(days=10))
    p3 = incoming("Còn hạn")
    lead(p3, officer, now - timedelta(days=1), due_at=now + timedelta(days=2))
    p4 = incoming("Đã xong")
    lead(
        p4,
        officer,
        now - timedelta(days=9),
        due_at=now - timedelta(days=5),
        state=Assignment.State.DONE,
    )
    late_item(
        user("truongphong.stc"), Queue.APPROVE, now - timedelta(hours=5), "Duyệt trễ"
    )
    late_item(officer, Queue.HANDLE, now + timedelta(days=1), "Chưa trễ")
    return now


def test_dashboard_of_the_agency_leader_lists_every_units_late_items(late_work):
    board = dashboard(scope=dashboard_scope(user=user("lanhdao.stc")), at=late_work)
    assert [item.title for item in board.items] == [
        "Trễ mười ngày",
        "Trễ ba ngày",
        "Duyệt trễ",
    ]
    assert [item.days_late for item in board.items] == [10, 3, 1]
    assert board.items[0].handler.username == "chuyenvien2.stc"
    assert board.items[0].unit_name == unit_of("chuyenvien2.stc").name
    assert board.late_total == 3
    loads = {load.unit_id: (load.open, load.late) for load in board.units}
    assert loads[unit_of("chuyenvien.stc").pk] == (4, 2)  # a1, p3; approve; handle
    assert loads[unit_of("chuyenvien2.stc").pk] == (1, 1)
    # The most loaded units first.
    assert board.units[0].unit_id == unit_of("chuyenvien.stc").pk


def test_dashboard_of_a_unit_head_is_his_unit(late_work):
    board = dashboard(scope=dashboard_scope(user=user("truongphong.stc")), at=late_work)
    assert [item.title for item in board.items] == ["Trễ ba ngày", "Duyệt trễ"]
    assert [load.unit_id for load in board.units] == [unit_of("truongphong.stc").pk]


def test_dashboard_queries_do_not_grow_with_the_items(
    late_work, django_assert_num_queries
):
    scope = dashboard_scope(user=user("lanhdao.stc"))
    with django_assert_num_queries(4):
        dashboard(scope=scope, at=late_work)
    officer = user("chuyenvien.stc")
    for n in range(30):
        p = incoming(f"Trễ {n}")
        lead(
            p,
            officer,
            late_work - timedelta(days=5),
            due_at=late_work - timedelta(days=1),
        )
        late_item(officer, Queue.HANDLE, late_work - timedelta(days=2), f"Việc {n}")
    with django_assert_num_queries(4):
        board = dashboard(scope=scope, at=late_work)
    assert board.late_total == 63
