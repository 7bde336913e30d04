"""The search page in a real browser (Debian's Chromium driven by Playwright
against the live server): a văn thư types an unaccented query in the header box
and finds the Quyết định first, its accented words highlighted; facets and the
phone layout. Screenshots in test-artifacts/search/ for a person to look at."""

from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from search.services import reindex_all
from tests.search.test_views import SNV, STC, _doc
from tests.web import test_browser as web

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "search"
TITLE = "Quyết định số 15/QĐ-UBND về việc cấp phép xây dựng"

browser = web.browser


@pytest.fixture
def live_search(transactional_db, live_server, search_index):
    call_command("seed_demo", quiet_logins=True)
    _doc(STC, "hướng dẫn hồ sơ cấp phép xây dựng nhà ở riêng lẻ", urgency=1)
    _doc(
        STC,
        "về việc cấp phép xây dựng",
        type="quyet_dinh",
        number="15",
        notation="QĐ-UBND",
        issued_date=date(2025, 3, 14),
    )
    _doc(
        STC,
        "việc cấp giấy phép theo quyết định, số liệu 15 công trình xây dựng",
        type="bao_cao",
    )
    _doc(SNV, "cấp phép xây dựng trụ sở tại Hoàng Liên")
    reindex_all()
    return live_server


def shoot(page, name: str) -> None:
    web.assert_fits_the_width(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_an_unaccented_query_finds_the_decision_first(live_search, browser, size):
    context, page = web.open_page(browser, size)
    web.sign_in(page, live_search.url, "vanthu.stc")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role(
        "link", name="Tìm kiếm", exact=True
    ).click()
    expect(page.get_by_role("heading", name="Tìm kiếm văn bản")).to_be_visible()
    shoot(page, f"search-empty-{size}")

    box = page.get_by_role("searchbox", name="Nội dung tìm kiếm")
    box.fill("quyet dinh 15 cap phep xay dung")
    box.press("Enter")

    expect(page.get_by_role("heading", name="Tìm thấy 2 văn bản")).to_be_visible()
    first = page.locator(".search-hit").first
    expect(first.get_by_role("link")).to_have_text(TITLE)
    marks = first.locator(".search-hit__title mark").all_inner_texts()
    assert marks[:2] == ["Quyết", "định"]
    assert {"cấp", "phép", "xây", "dựng"} <= set(marks)
    expect(page.get_by_text("Hoàng Liên")).to_have_count(0)
    facets = page.locator(".search-facets")
    expect(facets.get_by_role("link", name="Quyết định 1")).to_be_visible()
    expect(facets.get_by_role("link", name="Báo cáo 1")).to_be_visible()
    shoot(page, f"search-results-{size}")

    facets.get_by_role("link", name="Báo cáo 1").click()
    expect(page.get_by_role("heading", name="Tìm thấy 1 văn bản")).to_be_visible()
    expect(page.locator(".search-chips")).to_contain_text("Loại văn bản: Báo cáo")
    page.get_by_label("Tên tìm kiếm cần lưu").fill("Báo cáo cấp phép")
    page.get_by_role("button", name="Lưu tìm kiếm này").click()
    expect(page.get_by_text("Đã lưu tìm kiếm “Báo cáo cấp phép”.")).to_be_visible()
    expect(
        page.locator(".search-saved").get_by_role("link", name="Báo cáo cấp phép")
    ).to_be_visible()
    shoot(page, f"search-saved-{size}")

    page.locator(".search-hit").first.get_by_role("link").click()
    page.wait_for_url("**/van-ban/*/")
    context.close()
