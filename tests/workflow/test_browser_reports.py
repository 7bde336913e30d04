"""The processing report and the leaders' dashboard in a real browser (Chromium
driven by Playwright against the live server): the leader reaches both from the
navigation, picks a period, sees the tables and the charts, a range that starts
after its end is refused in Vietnamese, and the dashboard lists the late items.
Screenshots, desktop and phone, go to test-artifacts/reports/.

A module of its own: the live server needs committed rows (transactional_db),
which the module-wide demo province of the other report tests would hide."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from tests.web import test_browser as web
from tests.workflow.report_fixtures import (
    incoming,
    lead,
    seed_incoming,
    seed_outgoing,
    user,
)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"


@pytest.fixture
def live_reports(transactional_db, live_server):
    """The demo province, March 2026 of report_fixtures, and two late handlings."""
    call_command("seed_demo", quiet_logins=True)
    seed_incoming()
    seed_outgoing()
    now = timezone.now()
    lead(
        incoming("Báo cáo tình hình giải ngân vốn đầu tư công quý III"),
        user("chuyenvien.stc"),
        now - timedelta(days=12),
        due_at=now - timedelta(days=4),
    )
    lead(
        incoming("Kế hoạch kiểm tra quyết toán ngân sách năm 2025"),
        user("chuyenvien2.stc"),
        now - timedelta(days=20),
        due_at=now - timedelta(days=9),
    )
    return live_server


@pytest.fixture
def browser(live_reports):
    with web.chromium() as browser:
        yield browser


def shoot(page, name: str) -> None:
    web.assert_fits_the_width(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_the_leader_reads_the_report_and_the_dashboard(live_reports, browser):
    base = live_reports.url
    context, page = web.open_page(browser, "desktop")
    web.sign_in(page, base, "lanhdao.stc")

    # From the home page's card to the dashboard.
    page.get_by_role("link", name="Mở bảng điều khiển").click()
    expect(
        page.get_by_role("heading", name="Bảng điều khiển: việc trễ hạn")
    ).to_be_visible()
    # March's six handlings still open, then the two of this month: the most
    # overdue first (due 20/03/2026).
    rows = page.locator(".report-table--late tbody tr")
    expect(rows).to_have_count(8)
    expect(rows.first).to_contain_text("Đang giải quyết quá hạn")
    expect(rows.last).to_contain_text("Báo cáo tình hình giải ngân vốn đầu tư công")
    expect(rows.nth(6)).to_contain_text("Kế hoạch kiểm tra quyết toán ngân sách")
    shoot(page, "dashboard-desktop")

    # The report from the navigation, for March 2026.
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role(
        "link", name="Báo cáo"
    ).click()
    expect(
        page.get_by_role("heading", name="Báo cáo tình hình xử lý văn bản đến")
    ).to_be_visible()
    page.get_by_role("combobox", name="Kỳ báo cáo").select_option("month")
    page.get_by_role("spinbutton", name="Năm").fill("2026")
    page.get_by_role("combobox", name="Tháng").select_option("3")
    page.get_by_role("button", name="Xem").click()
    expect(page.locator(".page-head__lead")).to_contain_text("Tháng 03/2026")
    total = page.locator(".report-table__total").first
    expect(total).to_contain_text("8")
    expect(page.get_by_role("img", name="Văn bản đến theo đơn vị")).to_be_visible()
    expect(page.get_by_role("img", name="Văn bản đi theo đơn vị")).to_be_visible()
    expect(page.get_by_role("link", name="Tải bản PDF")).to_be_visible()
    shoot(page, "report-desktop")

    # A range that starts after its end.
    page.get_by_role("combobox", name="Kỳ báo cáo").select_option("custom")
    page.get_by_label("Từ ngày").fill("2026-03-10")
    page.get_by_label("Đến ngày").fill("2026-03-01")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_role("alert")).to_contain_text("ngày bắt đầu phải đứng trước")
    shoot(page, "report-error-desktop")
    context.close()

    context, page = web.open_page(browser, "phone")
    web.sign_in(page, base, "truongphong.stc")
    page.goto(f"{base}/bao-cao/xu-ly-van-ban/?kind=month&year=2026&month=3")
    expect(
        page.get_by_role("heading", name="Báo cáo tình hình xử lý văn bản đi")
    ).to_be_visible()
    shoot(page, "report-unit-head-phone")
    page.goto(f"{base}/bang-dieu-khien/")
    late = page.locator(".report-table--late")
    expect(late).to_contain_text("Báo cáo tình hình giải ngân vốn đầu tư công")
    expect(late).not_to_contain_text("Kế hoạch kiểm tra quyết toán ngân sách")
    shoot(page, "dashboard-unit-head-phone")
    context.close()
