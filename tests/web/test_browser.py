"""The interface in a real browser: Debian's Chromium driven by Playwright against
the live server, at desktop and phone widths. Each page is saved as a screenshot in
test-artifacts/screenshots/ for a person to look at."""

import contextlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect, sync_playwright

from directory.models import User
from tests.web.conftest import DEMO_PASSWORD
from workflow.models import WorkItem
from workflow.queues import queues_for_roles

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}

# Each demo login and the Vietnamese headings its home page must show.
ROLES = {
    "vanthu.stc": ["Chờ tiếp nhận", "Chờ cấp số, đóng dấu", "Chờ phát hành"],
    "lanhdao.stc": ["Chờ phân công", "Chờ duyệt", "Chờ ký"],
    "luutru.stc": ["Hồ sơ chờ tiếp nhận"],
    "quantri.stc": ["Quản trị"],
}


@contextlib.contextmanager
def chromium():
    """Debian's Chromium, launched by Playwright's sync API (which runs an event
    loop in this thread while it is open) and closed on leaving."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def live_demo(transactional_db, live_server):
    call_command("seed_demo", quiet_logins=True)
    return live_server


def open_page(browser, size: str):
    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="vi-VN"
    )
    return context, context.new_page()


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base_url}/")


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def shoot_panel(page, directory: Path, name: str, panel: str) -> None:
    """Screenshots of the whole page (`name`.png) and of the element `panel`
    (`name`-panel.png) in `directory`, after checking the page fits its width."""
    assert_fits_the_width(page)
    directory.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(directory / f"{name}.png"), full_page=True)
    page.locator(panel).screenshot(path=str(directory / f"{name}-panel.png"))


def assert_fits_the_width(page) -> None:
    """Nothing sticks out sideways: the page never scrolls horizontally."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


@pytest.mark.parametrize("size", SIZES)
def test_the_sign_in_page_is_vietnamese_and_announces_demo_data(
    live_demo, browser, size
):
    context, page = open_page(browser, size)
    page.goto(f"{live_demo.url}/dang-nhap/")
    expect(page.get_by_role("heading", name="Vanthu")).to_be_visible()
    expect(
        page.get_by_text("Hệ thống quản lý văn bản và điều hành").first
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    expect(page.get_by_text("Bản cài đặt này có dữ liệu demo")).to_be_visible()
    assert_fits_the_width(page)
    shoot(page, f"login-{size}")
    context.close()


def give_work(username: str) -> None:
    """A few waiting items, so the screenshots show full queues as well as empty
    ones: every urgency, a late one, one without deadline."""
    person = User.objects.get(username=username)
    queue = queues_for_roles(person.roles.values_list("role", flat=True))[0]
    now = timezone.now()
    for title, urgency, due in [
        ("Công văn số 215/UBND-KT về việc triển khai dịch vụ công trực tuyến", 3, 4),
        ("Quyết định số 12/QĐ-STC phê duyệt dự toán năm 2026", 2, -20),
        ("Tờ trình về việc điều chỉnh kế hoạch đầu tư công", 1, 72),
        ("Giấy mời họp giao ban tháng 12", 0, None),
    ]:
        WorkItem.objects.create(
            organisation=person.organisation,
            assignee=person,
            queue=queue,
            urgency=urgency,
            title=title,
            due_at=now + timedelta(hours=due) if due is not None else None,
        )


@pytest.mark.parametrize("username", ROLES)
def test_each_role_sees_its_home_page(live_demo, browser, username):
    if username in ("vanthu.stc", "lanhdao.stc"):
        give_work(username)
    for size in SIZES:
        context, page = open_page(browser, size)
        sign_in(page, live_demo.url, username)
        expect(
            page.get_by_role("heading", name="Công việc của tôi", exact=True)
        ).to_be_visible()
        for heading in ROLES[username]:
            expect(
                page.get_by_role("heading", name=heading, exact=True)
            ).to_be_visible()
        assert_fits_the_width(page)
        shoot(page, f"{username.split('.')[0]}-{size}")

        if username.startswith("quantri"):
            page.get_by_role("link", name="Mở trang quản trị").click()
            expect(
                page.get_by_role("heading", name="Quản trị", exact=True)
            ).to_be_visible()
            page.get_by_role("link", name="Sở Tài chính tỉnh Lạc Hồng (demo)").click()
            expect(page.get_by_role("heading", name="Cán bộ")).to_be_visible()
            assert_fits_the_width(page)
            shoot(page, f"{username.split('.')[0]}-organisation-{size}")
            page.get_by_role("link", name="Thêm cán bộ").click()
            page.get_by_role("button", name="Tạo cán bộ").click()
            expect(page.get_by_text("Chưa lưu được")).to_be_visible()
            assert_fits_the_width(page)
            shoot(page, f"{username.split('.')[0]}-person-form-{size}")
        context.close()


def test_a_deputy_acts_for_the_director_and_sees_the_banner(live_demo, browser):
    for size in SIZES:
        context, page = open_page(browser, size)
        sign_in(page, live_demo.url, "pholanhdao.stc")
        page.get_by_label("Xử lý thay").select_option(label=director_name())
        page.get_by_role("button", name="Bắt đầu").click()
        expect(page.get_by_text("Đang xử lý thay:")).to_be_visible()
        expect(
            page.get_by_role(
                "heading", name=f"Công việc của {director_name()} (đang xử lý thay)"
            )
        ).to_be_visible()
        assert_fits_the_width(page)
        shoot(page, f"pholanhdao-acting-{size}")
        page.get_by_role("button", name="Thôi xử lý thay").click()
        expect(page.get_by_text("Đang xử lý thay:")).to_have_count(0)
        context.close()


def test_the_lockout_page_after_five_wrong_passwords(live_demo, browser):
    context, page = open_page(browser, "phone")
    for _ in range(5):
        page.goto(f"{live_demo.url}/dang-nhap/")
        page.get_by_label("Tên đăng nhập").fill("luutru.stc")
        page.get_by_label("Mật khẩu").fill("sai-mat-khau")
        page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", name="Tạm khóa đăng nhập")).to_be_visible()
    expect(page.get_by_text("Vui lòng thử lại sau 15 phút.")).to_be_visible()
    assert_fits_the_width(page)
    shoot(page, "locked-out-phone")
    context.close()


def test_the_english_interface(live_demo, browser):
    context, page = open_page(browser, "desktop")
    sign_in(page, live_demo.url, "vanthu.stc")
    page.get_by_role("button", name="English").first.click()
    expect(page.get_by_role("heading", name="My work", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="To receive")).to_be_visible()
    assert_fits_the_width(page)
    shoot(page, "vanthu-english-desktop")
    context.close()


def director_name() -> str:
    return User.objects.get(username="lanhdao.stc").full_name
