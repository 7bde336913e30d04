"""Handling of an incoming document in a real browser (Debian's Chromium driven
by Playwright against the live server): the văn thư submits it to the director,
the director assigns it to a unit with a co-handler and someone for information,
the head of the unit passes it on to his specialist, the co-handler sends his
contribution, and the specialist records progress and completes it. Screenshots
of the panel at each step, desktop and phone, go to test-artifacts/incoming/ for
a person to look at."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from directory.models import User
from tests.web import test_browser as web
from tests.workflow.test_incoming import register
from workflow.models import Assignment, Process

# Playwright's sync API runs an event loop in the test's thread: Django's
# database access from it needs this (the live server serves from its own thread).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "incoming"
PANEL = "#incoming"


@pytest.fixture
def live_demo(transactional_db, live_server):
    call_command("seed_demo", quiet_logins=True)
    return live_server


def person(username: str) -> User:
    return User.objects.get(username=username)


def as_person(browser, base: str, username: str, url: str, size="desktop"):
    context, page = web.open_page(browser, size)
    web.sign_in(page, base, username)
    page.goto(base + url)
    expect(page.locator(PANEL)).to_be_visible()
    return context, page


def shoot_both(browser, base, username, url, name):
    for size in web.SIZES:
        context, page = as_person(browser, base, username, url, size)
        for details in page.locator(f"{PANEL} details").all():
            details.evaluate("d => d.open = true")
        web.shoot_panel(page, ARTIFACTS, f"{name}-{size}", PANEL)
        context.close()


def test_an_incoming_document_is_handled_in_the_browser(live_demo):
    base = live_demo.url
    document = register(lambda u: person(u))
    url = reverse("documents:detail", args=[document.pk])
    with web.chromium() as browser:
        # The clerk submits it to the director (the top leader, preselected).
        shoot_both(browser, base, "vanthu.stc", url, "1-clerk")
        context, page = as_person(browser, base, "vanthu.stc", url)
        panel = page.locator(PANEL)
        expect(panel.locator("#incoming-leader")).to_have_value(
            str(person("lanhdao.stc").pk)
        )
        panel.locator("#incoming-note").fill("Kính trình Giám đốc")
        panel.get_by_role("button", name="Trình", exact=True).click()
        expect(page.locator(".message--success")).to_be_visible()
        context.close()

        # The director assigns the unit of truongphong.stc to lead.
        shoot_both(browser, base, "lanhdao.stc", url, "2-director")
        context, page = as_person(browser, base, "lanhdao.stc", url)
        panel = page.locator(PANEL)
        head = person("truongphong.stc")
        panel.locator("#assign-lead").select_option(f"unit-{head.unit_id}")
        co = person("chuyenvien2.stc")
        panel.locator(f'input[name="co"][value="{co.pk}"]').check()
        archivist = person("luutru.stc")
        panel.locator(f'input[name="info"][value="{archivist.pk}"]').check()
        panel.locator("#assign-directive").fill(
            "Giao Phòng chủ trì tham mưu, báo cáo trước thời hạn"
        )
        due = timezone.localdate() + timedelta(days=21)
        panel.locator("#assign-due").fill(due.isoformat())
        panel.get_by_role("button", name="Phân công", exact=True).click()
        expect(page.locator(".message--success")).to_be_visible()
        expect(panel.locator(".incoming-part")).to_have_count(3)
        context.close()
        process = Process.objects.get(document=document)
        assert process.state == "assigned"

        # The head of the unit passes the lead on to his specialist.
        shoot_both(browser, base, "truongphong.stc", url, "3-unit-head")
        context, page = as_person(browser, base, "truongphong.stc", url)
        panel = page.locator(PANEL)
        panel.get_by_text("Chuyển xử lý cho người trong đơn vị").click()
        panel.get_by_label("Chuyển cho").select_option(str(person("chuyenvien.stc").pk))
        panel.locator('textarea[name="directive"]').last.fill(
            "Đồng chí dự thảo văn bản trả lời"
        )
        panel.get_by_role("button", name="Chuyển xử lý", exact=True).click()
        expect(page.locator(".message--success")).to_be_visible()
        context.close()

        # The co-handler sends his contribution.
        context, page = as_person(browser, base, "chuyenvien2.stc", url)
        panel = page.locator(PANEL)
        panel.get_by_label("Ý kiến phối hợp gửi người chủ trì").fill(
            "Phòng 2 thống nhất, bổ sung số liệu quý III"
        )
        panel.get_by_role("button", name="Gửi ý kiến phối hợp").click()
        expect(page.locator(".message--success")).to_be_visible()
        context.close()

        # The specialist records progress, then completes.
        context, page = as_person(browser, base, "chuyenvien.stc", url)
        panel = page.locator(PANEL)
        expect(panel.get_by_role("link", name="Soạn văn bản trả lời")).to_be_visible()
        panel.get_by_text("Cập nhật tiến độ, ý kiến").click()
        panel.locator('input[name="percent"]').fill("80")
        panel.locator('textarea[name="text"]').first.fill("Đã tổng hợp số liệu")
        panel.get_by_role("button", name="Ghi nhận").click()
        expect(page.locator(".message--success")).to_be_visible()
        context.close()
        shoot_both(browser, base, "chuyenvien.stc", url, "4-specialist")
        context, page = as_person(browser, base, "chuyenvien.stc", url)
        panel = page.locator(PANEL)
        panel.locator("#complete-result").fill("Đã báo cáo Giám đốc bằng văn bản")
        panel.get_by_role("button", name="Hoàn thành", exact=True).click()
        expect(page.locator(".message--success")).to_be_visible()
        expect(panel.locator(".incoming-state")).to_have_text(
            "Đã hoàn thành", use_inner_text=True
        )
        context.close()
        shoot_both(browser, base, "lanhdao.stc", url, "5-completed")

    process.refresh_from_db()
    assert process.state == "completed"
    assert set(
        Assignment.objects.filter(process=process).values_list("role", "state")
    ) == {("lead", "delegated"), ("co", "done"), ("info", "done"), ("lead", "done")}
