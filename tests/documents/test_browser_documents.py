"""The document pages in a real browser (Debian's Chromium driven by Playwright
against the live server): a văn thư receives a signed PDF and registers it, finds
it in the incoming register and prints the register; a chuyên viên writes a draft
and opens its rendered PDF. Every page is saved as a screenshot at desktop and
phone widths in test-artifacts/screenshots/documents-*.png for a person to look
at."""

import re
from urllib.parse import urljoin

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from documents.models import Document
from tests.documents.pdf_samples import SIGNER_NAME, signed_pdf
from tests.web import test_browser as web

pytestmark = [pytest.mark.browser, pytest.mark.slow]


browser = web.browser


@pytest.fixture(scope="module")
def received_files(tmp_path_factory):
    """A signed document and its signed annex. Made before the browser starts:
    pyHanko signs with asyncio.run, which Playwright's running loop forbids."""
    folder = tmp_path_factory.mktemp("received")
    received = folder / "cong-van-12-snv.pdf"
    received.write_bytes(signed_pdf())
    annex = folder / "phu-luc-du-toan.pdf"
    annex.write_bytes(signed_pdf(field="ChuKyCoQuan"))
    return received, annex


@pytest.fixture
def live_demo(transactional_db, live_server, settings, tmp_path):
    settings.VANTHU_UPLOAD_STAGING = str(tmp_path / "uploads")
    call_command("seed_demo", quiet_logins=True)
    return live_server


def shoot(page, name: str, size: str) -> None:
    web.assert_fits_the_width(page)
    # From the top, as the page first shows: the sticky preview stays in place.
    page.evaluate("window.scrollTo(0, 0)")
    web.shoot(page, f"documents-{name}-{size}")


def fetch_pdf(page, url: str) -> bytes:
    """The bytes behind a link, fetched with the page's session (a headless browser
    shows no PDF viewer to look into)."""
    response = page.request.get(urljoin(page.url, url))
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    return response.body()


def test_a_clerk_registers_a_pdf_and_prints_the_register(
    received_files, live_demo, browser
):
    received, annex = received_files

    context, page = web.open_page(browser, "desktop")
    web.sign_in(page, live_demo.url, "vanthu.stc")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role(
        "link", name="Văn bản đến"
    ).click()
    expect(page.get_by_role("heading", name="Văn bản đến", exact=True)).to_be_visible()
    expect(page.get_by_text("Chưa có văn bản đến nào.")).to_be_visible()
    shoot(page, "incoming-empty", "desktop")

    page.get_by_role("link", name="Tiếp nhận văn bản").click()
    expect(page.get_by_role("heading", name="Tiếp nhận văn bản đến")).to_be_visible()
    page.get_by_label("Tệp chính (PDF)").set_input_files(str(received))
    page.get_by_label("Phụ lục").set_input_files(str(annex))
    shoot(page, "upload", "desktop")
    page.get_by_role("button", name="Kiểm tra tệp").click()

    expect(page.get_by_role("heading", name="Kiểm tra và vào sổ")).to_be_visible()
    expect(page.get_by_text(SIGNER_NAME).first).to_be_visible()
    expect(page.get_by_text("còn nguyên vẹn").first).to_be_visible()
    expect(page.get_by_text("ký toàn bộ tệp").first).to_be_visible()
    # Read from the signature: the signer and the issuing organisation.
    expect(page.get_by_label("Người ký", exact=True)).to_have_value(SIGNER_NAME)
    expect(
        page.get_by_role("textbox", name="Cơ quan ban hành", exact=True)
    ).to_have_value("Sở Tài chính tỉnh Lạc Hồng (demo)")
    page.get_by_label("Loại văn bản").select_option(label="Công văn")
    page.get_by_role("textbox", name="Cơ quan ban hành", exact=True).fill(
        "Sở Nội vụ tỉnh Lạc Hồng"
    )
    page.get_by_label("Số", exact=True).fill("12")
    page.get_by_label("Ký hiệu").fill("SNV-VP")
    page.get_by_label("Trích yếu").fill("V/v hướng dẫn lập dự toán ngân sách năm 2027")
    page.get_by_label("Độ khẩn").select_option(label="Khẩn")
    # The sample's certificate is self-signed: the signature check warns, and the
    # clerk acknowledges it to register.
    expect(page.locator("#signature-warning")).to_be_visible()
    page.get_by_label(
        "Tôi đã xem cảnh báo về chữ ký số và vẫn tiếp nhận văn bản"
    ).check()
    shoot(page, "confirm", "desktop")
    page.get_by_role("button", name="Vào sổ").click()

    expect(page.get_by_text("Đã vào sổ: số đến 1.")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Số đến 1"))).to_be_visible()
    document = Document.objects.get()
    document_url = page.url
    shoot(page, "incoming-detail", "desktop")

    page.get_by_role("link", name="Sổ đăng ký").first.click()
    expect(page.get_by_role("heading", name="Sổ đăng ký", exact=True)).to_be_visible()
    shoot(page, "registers", "desktop")
    page.get_by_role("link", name="Sổ đăng ký văn bản đến").click()
    row = page.get_by_role("row").filter(has_text="12/SNV-VP")
    expect(row).to_be_visible()
    expect(row.get_by_role("cell", name="1", exact=True)).to_be_visible()
    shoot(page, "register", "desktop")
    register_url = page.url

    print_link = page.get_by_role("link", name="In sổ (PDF)")
    pdf = fetch_pdf(page, print_link.get_attribute("href"))
    assert pdf.startswith(b"%PDF")
    with page.expect_response(re.compile(r"/in/")) as printed:
        print_link.click()
    assert printed.value.headers["content-type"] == "application/pdf"

    incoming_url = f"{live_demo.url}/van-ban-den/"
    context.close()

    # The same pages on a phone.
    context, page = web.open_page(browser, "phone")
    web.sign_in(page, live_demo.url, "vanthu.stc")
    for name, url in [
        ("incoming", incoming_url),
        ("incoming-detail", document_url),
        ("register", register_url),
    ]:
        page.goto(url)
        shoot(page, name, "phone")
    page.goto(f"{live_demo.url}/van-ban-den/tiep-nhan/")
    page.get_by_label("Tệp chính (PDF)").set_input_files(str(received))
    page.get_by_role("button", name="Kiểm tra tệp").click()
    expect(page.get_by_text("Văn bản này có vẻ đã được vào sổ:")).to_be_visible()
    shoot(page, "confirm-duplicate", "phone")
    context.close()
    assert document.register_number == 1


def test_a_specialist_writes_a_draft_and_opens_its_pdf(live_demo, browser):
    context, page = web.open_page(browser, "desktop")
    web.sign_in(page, live_demo.url, "chuyenvien.stc")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role(
        "link", name="Dự thảo"
    ).click()
    expect(page.get_by_role("heading", name="Dự thảo", exact=True)).to_be_visible()
    page.get_by_role("link", name="Soạn dự thảo").click()
    expect(page.get_by_role("heading", name="Soạn dự thảo")).to_be_visible()

    page.get_by_label("Loại văn bản").select_option(label="Công văn")
    page.get_by_label("Trích yếu").fill(
        "V/v báo cáo tình hình thực hiện dự toán quý IV năm 2026"
    )
    page.get_by_label("Kính gửi").fill("Ủy ban nhân dân tỉnh Lạc Hồng")
    page.get_by_label("Nội dung").fill(
        "Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh, Sở Tài chính báo cáo tình "
        "hình thực hiện dự toán quý IV như sau.\n\n"
        "Tổng thu ngân sách trên địa bàn đạt 102% dự toán.\n\n"
        "Sở Tài chính kính báo cáo Ủy ban nhân dân tỉnh xem xét."
    )
    page.get_by_label("Thẩm quyền ký").select_option("KT.")
    page.get_by_label("Ký thay cho").fill("GIÁM ĐỐC")
    page.get_by_label("Chức vụ người ký").fill("PHÓ GIÁM ĐỐC")
    page.get_by_label("Họ tên người ký").fill("Lê Minh Cường")
    page.get_by_label("Nơi nhận").fill("Như trên;\nGiám đốc (để b/c);")
    shoot(page, "draft-form", "desktop")
    page.get_by_role("button", name="Tạo dự thảo").click()

    expect(page.get_by_text("Đã lưu dự thảo, phiên bản 1.")).to_be_visible()
    expect(page.get_by_text("Phiên bản 1", exact=True)).to_be_visible()
    link = page.get_by_role("link", name="Mở tệp PDF")
    pdf = fetch_pdf(page, link.get_attribute("href"))
    assert pdf.startswith(b"%PDF")
    page.get_by_role("textbox", name="Góp ý").fill(
        "Đề nghị bổ sung số liệu chi thường xuyên."
    )
    page.get_by_role("button", name="Góp ý phiên bản 1").click()
    expect(
        page.get_by_text("Đề nghị bổ sung số liệu chi thường xuyên.")
    ).to_be_visible()
    shoot(page, "draft-detail", "desktop")
    draft_url = page.url
    context.close()

    context, page = web.open_page(browser, "phone")
    web.sign_in(page, live_demo.url, "chuyenvien.stc")
    for name, url in [
        ("drafts", f"{live_demo.url}/du-thao/"),
        ("draft-form", f"{live_demo.url}/du-thao/soan/"),
        ("draft-detail", draft_url),
    ]:
        page.goto(url)
        shoot(page, name, "phone")
    context.close()
