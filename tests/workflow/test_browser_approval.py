"""The approval panel and the circuits page in a real browser (Chromium driven by
Playwright against the live server): the specialist submits a draft to a circuit
with a parallel group, the unit head returns it with comments, the specialist
submits again, both approvers approve, and the director finds it waiting for his
signature with every round, comment and approver shown; the administrator's
Quy trình duyệt page and its form. Screenshots, desktop and phone, go to
test-artifacts/approval/."""

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections
from playwright.sync_api import expect

from directory.models import Organisation, User
from documents.models import DocumentType
from documents.services import draft_create
from tests.web import test_browser as web
from tests.workflow.issuing_fixtures import draft_content
from workflow import approval
from workflow.approval import StepSpec
from workflow.models import ApprovalStep, Process

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "approval"
STC = "000.00.02.H99"


def _setup():
    """The demo province, a circuit for quyết định (the unit head and the văn thư
    "Kiểm tra thể thức" in parallel) and a rendered draft, made before the
    browser starts."""
    call_command("seed_demo", quiet_logins=True)
    organisation = Organisation.objects.get(code=STC)
    approval.circuit_create(
        organisation=organisation,
        name="Quyết định của Sở",
        document_type=DocumentType.objects.get(code="quyet_dinh"),
        steps=[
            StepSpec(group=1, kind=ApprovalStep.Kind.UNIT_HEAD, label="Lãnh đạo phòng"),
            StepSpec(
                group=1,
                kind=ApprovalStep.Kind.PERSON,
                person=User.objects.get(username="vanthu.stc"),
                label="Kiểm tra thể thức",
            ),
        ],
        actor=User.objects.get(username="quantri.stc"),
    )
    return draft_create(
        organisation=organisation,
        content=draft_content(),
        actor=User.objects.get(username="chuyenvien.stc"),
    )


@pytest.fixture
def live_approval(transactional_db, live_server):
    return live_server, _setup()


@pytest.fixture
def browser(live_approval):
    with web.chromium() as browser:
        yield browser


def shoot(page, name: str) -> None:
    web.shoot_panel(page, ARTIFACTS, name, "#approval")


def _as(browser, server, username: str, size: str = "desktop"):
    context, page = web.open_page(browser, size)
    web.sign_in(page, server.url, username)
    return context, page


def test_a_draft_goes_through_its_circuit_in_the_browser(live_approval, browser):
    server, draft = live_approval
    url = f"{server.url}/van-ban/{draft.pk}/"

    context, page = _as(browser, server, "chuyenvien.stc")
    page.goto(url)
    panel = page.locator("#approval")
    expect(page.locator("#approval-title")).to_have_text("Trình duyệt")
    expect(panel.get_by_text("Quy trình: Quyết định của Sở")).to_be_visible()
    shoot(page, "drafter-before-desktop")
    director = User.objects.get(username="lanhdao.stc")
    panel.get_by_label("Lãnh đạo ký").select_option(value=str(director.pk))
    panel.get_by_label("Ghi chú cho người duyệt").fill("Kính trình anh chị cho ý kiến.")
    panel.get_by_role("button", name="Trình duyệt").click()
    expect(page.get_by_text("Đã trình duyệt dự thảo.")).to_be_visible()
    context.close()

    context, page = _as(browser, server, "truongphong.stc")
    page.goto(url)
    panel = page.locator("#approval")
    panel.get_by_label("Ý kiến để người soạn thảo chỉnh sửa").fill(
        "Bổ sung căn cứ Luật Ngân sách nhà nước năm 2015."
    )
    panel.get_by_role("button", name="Trả lại kèm ý kiến").click()
    expect(page.get_by_text("Đã trả lại dự thảo cho người soạn thảo")).to_be_visible()
    context.close()

    context, page = _as(browser, server, "chuyenvien.stc")
    page.goto(url)
    panel = page.locator("#approval")
    expect(panel.get_by_text("Trả lại kèm ý kiến")).to_be_visible()
    panel.get_by_role("button", name="Trình duyệt").click()
    expect(page.get_by_text("Đã trình duyệt dự thảo.")).to_be_visible()
    context.close()

    for username, comment in (("truongphong.stc", "Đồng ý"), ("vanthu.stc", "")):
        context, page = _as(browser, server, username)
        page.goto(url)
        panel = page.locator("#approval")
        if comment:
            panel.locator("#approve-comment").fill(comment)
            shoot(page, "unit-head-desktop")
        panel.get_by_role("button", name="Duyệt", exact=True).click()
        expect(page.get_by_text("Anh/chị đã duyệt dự thảo.")).to_be_visible()
        context.close()
    assert Process.objects.get(document=draft).state == "awaiting_signature"

    for size in ("desktop", "phone"):
        context, page = _as(browser, server, "lanhdao.stc", size)
        page.goto(url)
        panel = page.locator("#approval")
        expect(panel.get_by_text("Lượt trình 2")).to_be_visible()
        expect(panel.get_by_text("Việc ký số văn bản là ý kiến duyệt")).to_be_visible()
        expect(page.locator("#issuing")).to_be_visible()
        panel.locator("summary", has_text="Lượt trình 1").click()
        expect(panel.get_by_text("Bổ sung căn cứ Luật Ngân sách")).to_be_visible()
        shoot(page, f"signer-{size}")
        context.close()

    for size in ("desktop", "phone"):
        context, page = _as(browser, server, "quantri.stc", size)
        page.goto(f"{server.url}/quy-trinh-duyet/")
        expect(page.get_by_role("heading", name="Quy trình duyệt")).to_be_visible()
        expect(
            page.get_by_role("strong").filter(has_text="Quyết định của Sở")
        ).to_be_visible()
        web.assert_fits_the_width(page)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"circuits-{size}.png"), full_page=True)
        page.get_by_role("link", name="Sửa Quyết định của Sở").click()
        expect(page.get_by_role("heading", name="Sửa quy trình")).to_be_visible()
        web.assert_fits_the_width(page)
        page.screenshot(
            path=str(ARTIFACTS / f"circuit-form-{size}.png"), full_page=True
        )
        context.close()
    connections.close_all()
