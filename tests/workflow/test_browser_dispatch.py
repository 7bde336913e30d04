"""Phát hành and thu hồi in a real browser (Debian's Chromium driven by Playwright
against the live server): the văn thư opens an issued document, checks its
dispatch list, sends one recipient by exchange instead of post and dispatches;
the director recalls it with the reason. Screenshots of the dispatch panel and
page, desktop and phone, go to test-artifacts/dispatch-pages/ for a person to
look at."""

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections
from playwright.sync_api import expect

from documents.models import Document
from tests.web import test_browser as web
from tests.workflow.dispatch_helpers import issue, mixed_draft
from tests.workflow.issuing_fixtures import (  # noqa: F401 - fixtures used by name
    _fresh_signer_caches,
    _signing_settings,
    demo_pki,
    pki_server,
    register_person_certificate,
    register_seal_certificate,
)
from workflow import engine
from workflow.models import Dispatch

# Playwright's sync API runs an event loop in the test's thread: Django's
# database access from it needs this (the live server serves from its own thread).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dispatch-pages"


@pytest.fixture
def live_issued(transactional_db, live_server, demo_pki):  # noqa: F811
    """The demo province and an STC quyết định with mixed recipients, approved,
    signed and sealed before the browser starts (pyHanko's asyncio.run cannot
    run beside Playwright's loop)."""
    call_command("seed_demo", quiet_logins=True)
    certs = {
        "leader": register_person_certificate(demo_pki, "lanhdao.stc"),
        "seal": register_seal_certificate(demo_pki),
    }
    return live_server, issue(mixed_draft(), certs)


@pytest.fixture
def browser(live_issued):
    with web.chromium() as browser:
        yield browser


def shoot(page, name: str) -> None:
    web.shoot_panel(page, ARTIFACTS, name, "#dispatch")


def test_the_clerk_dispatches_and_the_director_recalls(live_issued, browser):
    server, document = live_issued
    url = f"{server.url}/van-ban/{document.pk}/"

    context, page = web.open_page(browser, "desktop")
    web.sign_in(page, server.url, "vanthu.stc")
    page.goto(url)
    panel = page.locator("#dispatch")
    expect(panel.get_by_role("heading", name="Phát hành")).to_be_visible()
    expect(panel).to_contain_text("Sở Nội vụ tỉnh Lạc Hồng")
    expect(panel.get_by_text("Qua bưu điện (bản giấy)").first).to_be_visible()
    shoot(page, "clerk-issued-desktop")

    # The dispatch page: "Báo Lạc Hồng" goes by exchange to Sở Nội vụ instead.
    panel.get_by_role("link", name="Sửa danh sách phát hành").click()
    expect(page.get_by_role("heading", name="Danh sách phát hành")).to_be_visible()
    row = page.locator("tr", has=page.locator('input[value="Báo Lạc Hồng"]'))
    row.locator("select").first.select_option("exchange")
    row.locator("select").nth(1).select_option(
        label="Sở Nội vụ tỉnh Lạc Hồng (demo) (000.00.03.H99)"
    )
    web.assert_fits_the_width(page)
    page.screenshot(path=str(ARTIFACTS / "dispatch-page-desktop.png"), full_page=True)
    page.get_by_role("button", name="Lưu danh sách").click()
    expect(page.get_by_text("Đã lưu danh sách phát hành.")).to_be_visible()
    assert (
        Dispatch.objects.get(document=document, name="Báo Lạc Hồng").channel
        == Dispatch.Channel.EXCHANGE
    )

    page.goto(url)
    panel = page.locator("#dispatch")
    panel.get_by_role("button", name="Phát hành").click()
    expect(
        page.get_by_text("Đã phát hành: 4 nơi nhận qua trục liên thông")
    ).to_be_visible()
    assert engine.process_for(document).state == "dispatched"
    expect(panel.get_by_text("Đã chuyển trục liên thông").first).to_be_visible()
    shoot(page, "clerk-dispatched-desktop")
    context.close()

    context, page = web.open_page(browser, "phone")
    web.sign_in(page, server.url, "lanhdao.stc")
    page.goto(url)
    panel = page.locator("#dispatch")
    expect(panel.get_by_role("link", name="Soạn văn bản thay thế")).to_be_visible()
    shoot(page, "director-dispatched-phone")
    panel.get_by_text("Thu hồi văn bản").click()
    panel.get_by_label("Lý do thu hồi").fill("Sai thẩm quyền ban hành.")
    shoot(page, "director-recall-form-phone")
    panel.get_by_role("button", name="Thu hồi", exact=True).click()
    expect(page.get_by_text("Đã thu hồi văn bản.")).to_be_visible()
    assert Document.objects.get(pk=document.pk).state == Document.State.RECALLED
    expect(
        page.locator("#dispatch").get_by_text("Sai thẩm quyền ban hành.")
    ).to_be_visible()
    shoot(page, "director-recalled-phone")
    context.close()
    connections.close_all()
