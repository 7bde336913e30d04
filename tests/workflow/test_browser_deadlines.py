"""The header bell, the notifications page, the late card and page, and the
holidays page in Chromium, desktop and phone. Screenshots go to
test-artifacts/deadlines/."""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from directory.models import User
from documents.constants import Urgency
from tests.web import test_browser as web
from tests.web.test_browser import browser, live_demo  # noqa: F401 - fixtures
from tests.workflow.test_deadlines import make_item
from workflow.deadlines import deadline_scan

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "deadlines"


def late_work():
    handler = User.objects.get(username="chuyenvien.stc")
    now = timezone.now()
    make_item(
        handler,
        due_at=now - timedelta(days=2, hours=3),
        title="Báo cáo tình hình thực hiện dự toán ngân sách quý IV năm 2026",
        urgency=Urgency.KHAN,
    )
    make_item(handler, due_at=now - timedelta(hours=5), title="Tờ trình phê duyệt")
    make_item(handler, due_at=now + timedelta(hours=3), title="Công văn sắp đến hạn")
    deadline_scan(now=now)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_bell_the_notifications_and_the_late_work(live_demo, browser, size):
    late_work()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = live_demo.url
    context, page = web.open_page(browser, size)
    web.sign_in(page, base, "chuyenvien.stc")

    bell = page.locator("a.bell")
    expect(bell.locator(".bell__count")).to_have_text("3")
    card = page.locator(".late-card")
    expect(card.get_by_role("heading", name="Trễ hạn")).to_be_visible()
    expect(card.locator(".item")).to_have_count(2)
    expect(card.locator(".item").first).to_contain_text("Báo cáo tình hình")
    expect(card.locator(".badge--queue").first).to_have_text("Chờ xử lý")
    web.assert_fits_the_width(page)
    page.screenshot(path=str(ARTIFACTS / f"home-{size}.png"), full_page=True)

    bell.click()
    page.wait_for_url(f"{base}/thong-bao/")
    expect(page.get_by_role("heading", name="Thông báo")).to_be_visible()
    expect(page.locator(".notification--unread")).to_have_count(3)
    web.assert_fits_the_width(page)
    page.screenshot(path=str(ARTIFACTS / f"notifications-{size}.png"), full_page=True)

    page.locator(".notification__title", has_text="Tờ trình phê duyệt").first.click()
    page.wait_for_url(re.compile(r".*/hang-doi/handle/$"))
    expect(page.locator("a.bell .bell__count")).to_have_text("2")

    page.goto(f"{base}/thong-bao/")
    page.get_by_role("button", name="Đánh dấu tất cả là đã đọc").click()
    expect(page.get_by_text("Đã đánh dấu tất cả thông báo là đã đọc.")).to_be_visible()
    expect(page.locator("a.bell .bell__count")).to_have_count(0)

    page.goto(f"{base}/hang-doi-tre-han/")
    expect(page.locator(".item--late")).to_have_count(2)
    web.assert_fits_the_width(page)
    page.screenshot(path=str(ARTIFACTS / f"late-{size}.png"), full_page=True)
    context.close()


def test_the_holidays_page(live_demo, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = live_demo.url
    for size in ("desktop", "phone"):
        context, page = web.open_page(browser, size)
        web.sign_in(page, base, "quantri.stc")
        page.goto(f"{base}/quan-tri/ngay-nghi/")
        expect(page.get_by_role("heading", name="Ngày nghỉ lễ, tết")).to_be_visible()
        expect(
            page.get_by_text("Giỗ Tổ Hùng Vương (10/3 âm lịch)").first
        ).to_be_visible()
        page.get_by_label("Ngày tháng", exact=True).fill("2026-12-24")
        page.get_by_role("button", name="Thêm ngày nghỉ").click()
        expect(page.get_by_text("Nhập tên ngày nghỉ.").first).to_be_visible()
        web.assert_fits_the_width(page)
        page.screenshot(
            path=str(ARTIFACTS / f"holidays-error-{size}.png"), full_page=True
        )
        if size == "desktop":
            page.get_by_label("Tên", exact=True).fill(
                "Ngày truyền thống ngành Tài chính"
            )
            page.get_by_role("button", name="Thêm ngày nghỉ").click()
            expect(page.get_by_text("Đã thêm ngày nghỉ 24/12/2026")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / f"holidays-{size}.png"), full_page=True)
        context.close()
