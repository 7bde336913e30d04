"""The whole journey of issue 5 in a real browser (Debian's Chromium driven by
Playwright against the live server, the demo PKI on 127.0.0.1), with the demo
people of Sở Tài chính:

the văn thư registers an incoming document and submits it to the director; the
director assigns it to a specialist with a deadline and a directive; the
specialist drafts the reply from the incoming document's page and submits it;
the head of his unit approves; the director signs; the văn thư numbers, seals and
dispatches it; the specialist completes the incoming document with the reply
linked; the processing report counts it handled on time.

Screenshots of every step go to test-artifacts/journey/ for a person to look at."""

import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections
from playwright.sync_api import expect

from documents.models import Document, DocumentRelation
from tests.documents.pdf_samples import signed_pdf
from tests.web import test_browser as web
from tests.workflow.issuing_fixtures import (  # noqa: F401 - fixtures used by name
    PASSPHRASE,
    _fresh_signer_caches,
    _signing_settings,
    demo_pki,
    pdfsig,
    pki_server,
    register_person_certificate,
    register_seal_certificate,
)
from workflow.models import Process, WorkItem

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "journey"
SUBJECT_IN = "V/v báo cáo tình hình giải ngân vốn đầu tư công năm 2026"
SUBJECT_OUT = "V/v báo cáo tình hình giải ngân vốn đầu tư công năm 2026 (trả lời)"


@pytest.fixture
def live_journey(transactional_db, live_server, demo_pki, settings, tmp_path):  # noqa: F811
    """The demo province with the director's and the seal certificates, and the
    received PDF, all made before the browser starts (pyHanko's asyncio.run
    cannot run beside Playwright's loop)."""
    settings.VANTHU_UPLOAD_STAGING = str(tmp_path / "uploads")
    call_command("seed_demo", quiet_logins=True)
    register_person_certificate(demo_pki, "lanhdao.stc")
    register_seal_certificate(demo_pki)
    received = tmp_path / "cong-van-215-ubnd.pdf"
    received.write_bytes(signed_pdf())
    return live_server, received


@pytest.fixture
def browser(live_journey):
    with web.chromium() as browser:
        yield browser


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    web.assert_fits_the_width(page)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def as_person(browser, server, username: str):
    context, page = web.open_page(browser, "desktop")
    web.sign_in(page, server.url, username)
    return context, page


def test_the_whole_journey_of_a_reply(live_journey, browser):
    server, received = live_journey

    # 1. The văn thư registers the incoming document and submits it (trình).
    context, page = as_person(browser, server, "vanthu.stc")
    page.goto(f"{server.url}/van-ban-den/tiep-nhan/")
    page.get_by_label("Tệp chính (PDF)").set_input_files(str(received))
    page.get_by_role("button", name="Kiểm tra tệp").click()
    expect(page.get_by_role("heading", name="Kiểm tra và vào sổ")).to_be_visible()
    page.get_by_label("Loại văn bản").select_option(label="Công văn")
    page.get_by_role("textbox", name="Cơ quan ban hành", exact=True).fill(
        "Ủy ban nhân dân tỉnh Lạc Hồng"
    )
    page.get_by_label("Số", exact=True).fill("215")
    page.get_by_label("Ký hiệu").fill("UBND-KT")
    page.get_by_label("Trích yếu").fill(SUBJECT_IN)
    page.get_by_label(
        "Tôi đã xem cảnh báo về chữ ký số và vẫn tiếp nhận văn bản"
    ).check()
    page.get_by_role("button", name="Vào sổ").click()
    expect(page.get_by_text("Đã vào sổ: số đến 1.")).to_be_visible()
    incoming = Document.objects.get(direction=Document.Direction.INCOMING)
    incoming_url = f"{server.url}/van-ban/{incoming.pk}/"
    panel = page.locator("#incoming")
    expect(panel.get_by_text("Đã đăng ký, chờ trình", exact=True).first).to_be_visible()
    shoot(page, "01-clerk-registered")
    panel.get_by_role("button", name="Trình").click()
    expect(panel.get_by_text("Đã trình lãnh đạo", exact=True).first).to_be_visible()
    context.close()

    # 2. The director finds it in his queue and assigns it with a directive.
    context, page = as_person(browser, server, "lanhdao.stc")
    expect(page.get_by_text(SUBJECT_IN).first).to_be_visible()
    page.goto(incoming_url)
    panel = page.locator("#incoming")
    lead_value = (
        panel.locator("#assign-lead option")
        .filter(has_text=re.compile(r"Chuyên viên"))
        .first.get_attribute("value")
    )
    assert lead_value and lead_value.startswith("person-")
    panel.locator("#assign-lead").select_option(lead_value)
    panel.get_by_label("Ý kiến chỉ đạo").fill(
        "Giao phòng chủ trì tham mưu văn bản trả lời, báo cáo trước thời hạn."
    )
    shoot(page, "02-director-assigns")
    panel.get_by_role("button", name="Phân công").click()
    expect(panel.get_by_text("Đang giải quyết", exact=True).first).to_be_visible()
    process = Process.objects.get(document=incoming)
    assert process.state == "assigned" and process.due_at is not None
    handler = process.assignments.get(role="lead").assignee
    context.close()

    # 3. The specialist writes the reply from the incoming document's page.
    context, page = as_person(browser, server, handler.username)
    page.goto(incoming_url)
    page.get_by_role("link", name="Soạn văn bản trả lời").click()
    expect(page.locator(".draft-reply-to")).to_be_visible()
    page.get_by_label("Loại văn bản").select_option(label="Công văn")
    page.get_by_label("Trích yếu").fill(SUBJECT_OUT)
    page.get_by_label("Kính gửi").fill("Ủy ban nhân dân tỉnh Lạc Hồng")
    page.get_by_label("Nội dung").fill(
        "Thực hiện Công văn số 215/UBND-KT, Sở Tài chính báo cáo như sau.\n\n"
        "Giải ngân vốn đầu tư công đến hết tháng 10 đạt 68% kế hoạch."
    )
    page.get_by_label("Chức vụ người ký").fill("GIÁM ĐỐC")
    page.get_by_label("Họ tên người ký").fill(
        Process.objects.get(pk=process.pk).leader.get_full_name()
    )
    page.get_by_label("Nơi nhận").fill("Ủy ban nhân dân tỉnh Lạc Hồng;\nLưu: VT, KHTC.")
    page.get_by_role("button", name="Tạo dự thảo").click()
    reply = Document.objects.get(direction=Document.Direction.OUTGOING)
    assert DocumentRelation.objects.filter(
        source=reply, target=incoming, kind="reply_to"
    ).exists()
    reply_url = f"{server.url}/van-ban/{reply.pk}/"
    panel = page.locator("#approval")
    expect(panel).to_be_visible()
    signer = panel.locator("#approval-signer option").filter(has_text="Giám đốc")
    panel.get_by_label("Lãnh đạo ký").select_option(signer.first.get_attribute("value"))
    shoot(page, "03-specialist-submits")
    panel.get_by_role("button", name="Trình duyệt").click()
    expect(
        page.locator("#approval").get_by_text("Đang trình duyệt", exact=True).first
    ).to_be_visible()
    context.close()

    # 4. The head of his unit approves.
    context, page = as_person(browser, server, "truongphong.stc")
    page.goto(reply_url)
    panel = page.locator("#approval")
    panel.get_by_role("button", name="Duyệt", exact=True).click()
    expect(
        page.locator("#approval").get_by_text("Đã duyệt, chờ ký", exact=True).first
    ).to_be_visible()
    context.close()

    # 5. The director signs (his approval is his signature).
    context, page = as_person(browser, server, "lanhdao.stc")
    page.goto(reply_url)
    panel = page.locator("#issuing")
    panel.get_by_label("Mật khẩu hoặc mã PIN").fill(PASSPHRASE)
    shoot(page, "05-director-signs")
    panel.get_by_role("button", name="Ký số văn bản").click()
    expect(page.get_by_text("Đã ký số văn bản.")).to_be_visible()
    context.close()

    # 6. The văn thư numbers, seals and dispatches it.
    context, page = as_person(browser, server, "vanthu.stc")
    page.goto(reply_url)
    panel = page.locator("#issuing")
    panel.get_by_label("Mật khẩu hoặc mã PIN").fill(PASSPHRASE)
    panel.get_by_role("button", name="Cấp số, đóng dấu và ban hành").click()
    expect(page.get_by_text("Đã ban hành văn bản số")).to_be_visible()
    dispatch = page.locator("#dispatch")
    expect(dispatch.get_by_text("Ủy ban nhân dân tỉnh Lạc Hồng").first).to_be_visible()
    shoot(page, "06-clerk-issued")
    dispatch.get_by_role("button", name="Phát hành").click()
    expect(
        page.locator("#dispatch").get_by_text(re.compile("^Đã phát hành lúc")).first
    ).to_be_visible()
    reply.refresh_from_db()
    assert reply.state == Document.State.ISSUED and reply.code_number
    assert Process.objects.get(document=reply).state == "dispatched"
    context.close()

    # 7. The specialist completes the incoming document with the reply linked.
    context, page = as_person(browser, server, handler.username)
    page.goto(incoming_url)
    panel = page.locator("#incoming")
    panel.get_by_label("Kết quả").fill(
        f"Đã báo cáo bằng Công văn số {reply.number_notation}."
    )
    panel.get_by_label("Văn bản trả lời").select_option(str(reply.pk))
    panel.get_by_role("button", name="Hoàn thành").click()
    expect(
        page.locator("#incoming").get_by_text("Đã hoàn thành", exact=True).first
    ).to_be_visible()
    shoot(page, "07-specialist-completes")
    context.close()

    incoming.refresh_from_db()
    assert incoming.state == Document.State.COMPLETED
    process.refresh_from_db()
    assert process.state == "completed" and process.completed_at <= process.due_at
    assert not WorkItem.objects.filter(
        document__in=[incoming, reply], state=WorkItem.State.OPEN
    ).exists()

    # 8. The processing report counts it handled on time.
    context, page = as_person(browser, server, "lanhdao.stc")
    page.goto(f"{server.url}/bao-cao/xu-ly-van-ban/")
    totals = page.locator(".report-table").first.locator("tfoot tr").first
    cells = totals.locator("td")
    expect(cells.nth(0)).to_have_text("1")  # total
    expect(cells.nth(1)).to_have_text("1")  # handled on time
    expect(cells.nth(2)).to_have_text("0")  # handled late
    shoot(page, "08-report")
    context.close()
    connections.close_all()

    # The issued reply carries the director's and the agency's valid signatures.
    version = reply.files.get(role="main").versions.order_by("-number").first()
    from tests.workflow.issuing_fixtures import file_bytes

    assert pdfsig(file_bytes(version)).count("Signature is Valid.") == 2
