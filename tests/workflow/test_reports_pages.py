"""The report page (/bao-cao/xu-ly-van-ban/), its PDF and XLSX exports and the
leaders' dashboard (/bang-dieu-khien/): Vietnamese headings, the organisation and
the period on them, the same figures everywhere, refusals, a constant number of
queries, and one browser test with screenshots."""

import io
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.workflow.report_fixtures import (
    EXPECTED_INCOMING,
    EXPECTED_NOT_ASSIGNED,
    EXPECTED_OUTGOING,
    at,
    incoming,
    lead,
    seed_incoming,
    seed_outgoing,
    user,
)
from workflow.reports import (
    MONTH,
    period_for,
    processing_report,
    report_scope,
)

REPORT = reverse("workflow:reports")
MARCH = {"kind": "month", "year": "2026", "month": "3"}


@pytest.fixture
def seeded(demo):
    return {**seed_incoming(), **seed_outgoing()}


def march_report(username):
    return processing_report(
        scope=report_scope(user=user(username)),
        period=period_for(MONTH, year=2026, month=3),
        at=timezone.now(),
    )


def test_the_report_page_shows_both_reports_for_the_period(seeded, client_for):
    response = client_for("lanhdao.stc").get(REPORT, MARCH)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Báo cáo tình hình xử lý văn bản đến" in html
    assert "Báo cáo tình hình xử lý văn bản đi" in html
    assert "Sở Tài chính tỉnh Lạc Hồng (demo)" in html
    assert "Tháng 03/2026" in html
    assert "2 văn bản đến đã đăng ký trong kỳ chưa được phân công." in html
    # Two charts drawn on the server, each with its title and its figures in words.
    assert html.count('<svg class="report-chart__svg"') == 2
    assert '<title id="chart-incoming-title">Văn bản đến theo đơn vị</title>' in html
    assert "Đã giải quyết đúng hạn: 2" in html
    assert "<script" not in html.split("<main", 1)[-1]
    # The totals row.
    report = march_report("lanhdao.stc")
    assert report.incoming_total.total == 8
    context = response.context
    assert context["report"].incoming_total.total == 8
    assert context["report"].not_assigned == EXPECTED_NOT_ASSIGNED
    # Links to the exports keep the period.
    assert f"{reverse('workflow:reports_pdf')}?kind=month" in html


def test_without_a_query_the_page_shows_the_current_month(seeded, client_for):
    response = client_for("vanthu.stc").get(REPORT)
    assert response.status_code == 200
    today = timezone.localdate()
    assert response.context["report"].period.start == today.replace(day=1)


def test_a_range_that_starts_after_its_end_is_refused_in_vietnamese(demo, client_for):
    response = client_for("lanhdao.stc").get(
        REPORT,
        {"kind": "custom", "year": "2026", "start": "2026-03-10", "end": "2026-03-01"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "ngày bắt đầu phải đứng trước" in html
    assert response.context["report"] is None
    pdf = client_for("lanhdao.stc").get(
        reverse("workflow:reports_pdf"),
        {"kind": "custom", "year": "2026", "start": "2026-03-10", "end": "2026-03-01"},
    )
    assert pdf.status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        reverse("workflow:reports"),
        reverse("workflow:reports_pdf"),
        reverse("workflow:reports_xlsx"),
        reverse("workflow:dashboard"),
    ],
)
def test_a_specialist_is_refused(demo, client_for, url):
    assert client_for("chuyenvien.stc").get(url).status_code == 403


def test_signed_out_people_are_sent_to_sign_in(demo, client):
    response = client.get(REPORT)
    assert response.status_code == 302
    assert "/dang-nhap/" in response["Location"]


def test_a_unit_head_sees_his_unit_only(seeded, client_for):
    response = client_for("truongphong.stc").get(REPORT, MARCH)
    assert response.status_code == 200
    report = response.context["report"]
    unit = user("truongphong.stc").unit
    assert [row.unit_id for row in report.incoming] == [unit.pk]
    assert report.incoming_total.total == EXPECTED_INCOMING[1]["total"]
    assert report.outgoing_total.submitted == EXPECTED_OUTGOING[1]["submitted"]
    html = response.content.decode()
    assert user("chuyenvien2.stc").unit.name not in html
    assert "chưa được phân công" not in html


def test_the_page_takes_the_same_queries_with_more_documents(seeded, client_for):
    client = client_for("lanhdao.stc")
    client.get(REPORT, MARCH)
    with CaptureQueriesContext(connection) as before:
        client.get(REPORT, MARCH)
    officer = user("chuyenvien.stc")
    for n in range(30):
        lead(incoming(f"Thêm {n}"), officer, at(3, 1 + n % 28), due_at=at(3, 20))
    with CaptureQueriesContext(connection) as after:
        response = client.get(REPORT, MARCH)
    assert response.context["report"].incoming_total.total == 38
    assert len(after) == len(before)
    assert len(after) <= 16


def pdf_text(content: bytes) -> str:
    assert shutil.which("pdftotext"), "poppler-utils is needed"
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"],
        input=content,
        capture_output=True,
        check=True,
    )
    return result.stdout.decode()


def test_the_pdf_has_the_vietnamese_headings_organisation_and_period(
    seeded, client_for
):
    response = client_for("lanhdao.stc").get(reverse("workflow:reports_pdf"), MARCH)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        'filename="bao-cao-xu-ly-van-ban-20260301-20260331.pdf"'
        in (response["Content-Disposition"])
    )
    text = pdf_text(response.content)
    assert "BÁO CÁO TÌNH HÌNH XỬ LÝ VĂN BẢN ĐẾN" in text
    assert "BÁO CÁO TÌNH HÌNH XỬ LÝ VĂN BẢN ĐI" in text
    assert "SỞ TÀI CHÍNH TỈNH LẠC HỒNG (DEMO)" in text
    assert "Tháng 03/2026" in text
    assert "Văn bản đến theo đơn vị" in text


def test_the_xlsx_holds_the_same_numbers_as_the_page(seeded, client_for):
    response = client_for("lanhdao.stc").get(reverse("workflow:reports_xlsx"), MARCH)
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    incoming_sheet, outgoing_sheet = workbook.worksheets
    report = march_report("lanhdao.stc")

    def table(sheet):
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][0] == "SỞ TÀI CHÍNH TỈNH LẠC HỒNG (DEMO)"
        assert rows[2][0] == "Kỳ báo cáo: Tháng 03/2026"
        head = next(i for i, row in enumerate(rows) if row[0] == "Đơn vị")
        body = []
        for row in rows[head + 1 :]:
            if row[0] is None:
                break
            body.append(list(row))
        return rows[1][0], body

    title, body = table(incoming_sheet)
    assert title == "BÁO CÁO TÌNH HÌNH XỬ LÝ VĂN BẢN ĐẾN"
    expected = [
        [r.unit_name, r.total, r.on_time, r.late, r.open_on_time, r.open_late]
        for r in [*report.incoming, report.incoming_total]
    ]
    assert body == expected
    assert body[-1][0] == "Tổng số"
    assert body[-1][1] == 8

    title, body = table(outgoing_sheet)
    assert title == "BÁO CÁO TÌNH HÌNH XỬ LÝ VĂN BẢN ĐI"
    expected = [
        [
            r.unit_name,
            r.submitted,
            r.issued,
            r.in_approval,
            r.returned,
            r.replies_on_time,
            r.replies_late,
        ]
        for r in [*report.outgoing, report.outgoing_total]
    ]
    assert body == expected
    notes = [row[0] for row in incoming_sheet.iter_rows(values_only=True) if row[0]]
    assert "Văn bản đến đã đăng ký trong kỳ, chưa phân công: 2" in notes


# ---------------------------------------------------------------------------
# Dashboard and navigation


@pytest.fixture
def late_work(demo):
    now = timezone.now()
    officer, officer2 = user("chuyenvien.stc"), user("chuyenvien2.stc")
    lead(
        incoming("Báo cáo quý chậm"),
        officer,
        now - timedelta(days=10),
        due_at=now - timedelta(days=3),
    )
    lead(
        incoming("Kế hoạch năm chậm"),
        officer2,
        now - timedelta(days=20),
        due_at=now - timedelta(days=8),
    )
    return now


def test_the_dashboard_lists_late_items_most_overdue_first(late_work, client_for):
    response = client_for("lanhdao.stc").get(reverse("workflow:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Bảng điều khiển: việc trễ hạn" in html
    assert html.index("Kế hoạch năm chậm") < html.index("Báo cáo quý chậm")
    assert user("chuyenvien2.stc").get_full_name() in html


def test_the_unit_heads_dashboard_shows_his_unit(late_work, client_for):
    response = client_for("truongphong.stc").get(reverse("workflow:dashboard"))
    html = response.content.decode()
    assert "Báo cáo quý chậm" in html
    assert "Kế hoạch năm chậm" not in html


def test_the_clerk_has_reports_but_no_dashboard(demo, client_for):
    client = client_for("vanthu.stc")
    assert client.get(reverse("workflow:dashboard")).status_code == 403
    home = client.get(reverse("home")).content.decode()
    assert f'href="{REPORT}"' in home
    assert f'href="{reverse("workflow:dashboard")}"' not in home


@pytest.mark.parametrize("username", ["lanhdao.stc", "truongphong.stc"])
def test_leaders_find_the_dashboard_and_reports_from_home(demo, client_for, username):
    html = client_for(username).get(reverse("home")).content.decode()
    assert f'href="{reverse("workflow:dashboard")}"' in html
    assert "Mở bảng điều khiển" in html
    assert f'href="{REPORT}"' in html


def test_a_specialist_has_neither_in_the_navigation(demo, client_for):
    html = client_for("chuyenvien.stc").get(reverse("home")).content.decode()
    assert f'href="{REPORT}"' not in html
    assert f'href="{reverse("workflow:dashboard")}"' not in html


def test_the_dashboard_takes_the_same_queries_with_more_late_items(
    late_work, client_for
):
    client = client_for("lanhdao.stc")
    client.get(reverse("workflow:dashboard"))
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("workflow:dashboard"))
    officer = user("chuyenvien.stc")
    for n in range(30):
        lead(
            incoming(f"Trễ {n}"),
            officer,
            late_work - timedelta(days=4),
            due_at=late_work - timedelta(days=1),
        )
    with CaptureQueriesContext(connection) as after:
        client.get(reverse("workflow:dashboard"))
    assert len(after) == len(before)
