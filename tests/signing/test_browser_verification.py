"""The verification page in a real browser (Debian's Chromium driven by Playwright
against the live server): a chuyên viên opens "Xác thực chữ ký" from the main
navigation, uploads a document issued in the Decree 30 order (leader certifies
at level T, number and date filled in, agency seal at LT, over the demo PKI on
127.0.0.1) and reads two valid signatures, the leader's allowing only form
filling, and downloads the PDF report. Screenshots at desktop and phone widths
go to test-artifacts/verification/."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from documents.rendering import FIELD_LEADER
from signing import signers as s
from signing.trust import get_timestamper
from tests.signing.conftest import PASSPHRASE, sign_in_issuing_order
from tests.web import test_browser as web

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "verification"

browser = web.browser


def _issue(leader, seal, draft_pdf) -> bytes:
    return sign_in_issuing_order(
        draft_pdf,
        leader=leader,
        seal=seal,
        timestamper=get_timestamper(),
        issued=date.today(),
    )


@pytest.fixture
def issued_file(leader, seal, draft_pdf, tmp_path):
    """The issued PDF, signed in another thread: pyHanko signs with asyncio.run,
    which the running loop of Playwright's sync API forbids in this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        data = pool.submit(_issue, leader, seal, draft_pdf).result()
    path = tmp_path / "quyet-dinh-07-qd-stc.pdf"
    path.write_bytes(data)
    return path


@pytest.fixture
def live_demo(transactional_db, live_server):
    call_command("seed_demo", quiet_logins=True)
    return live_server


def shoot(page, name: str) -> None:
    web.assert_fits_the_width(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_verification_page_reports_an_issued_document(
    issued_file, live_demo, browser, size
):
    context, page = web.open_page(browser, size)
    web.sign_in(page, live_demo.url, "chuyenvien.stc")
    if size == "desktop":
        page.get_by_role("navigation", name="Điều hướng chính").get_by_role(
            "link", name="Xác thực chữ ký"
        ).click()
    else:
        page.goto(f"{live_demo.url}/xac-thuc-chu-ky/")
    expect(
        page.get_by_role("heading", name="Xác thực chữ ký số của tệp PDF")
    ).to_be_visible()
    shoot(page, f"verify-empty-{size}")

    page.get_by_label("Tệp PDF đã ký số").set_input_files(str(issued_file))
    page.get_by_role("button", name="Kiểm tra chữ ký").click()
    expect(
        page.get_by_text(
            "Hợp lệ: mọi chữ ký đều nguyên vẹn, tin cậy và chưa bị thu hồi"
        )
    ).to_be_visible()
    expect(page.get_by_text("2 trên 2 chữ ký hợp lệ")).to_be_visible()
    expect(
        page.get_by_text("chỉ điền biểu mẫu (số, ngày ban hành)").first
    ).to_be_visible()
    expect(page.locator("details.sigcheck__signature")).to_have_count(2)
    shoot(page, f"verify-result-{size}")

    link = page.get_by_role("link", name="Tải báo cáo (PDF)")
    with page.expect_download() as download:
        link.click()
    report = Path(download.value.path()).read_bytes()
    assert report.startswith(b"%PDF")
    context.close()


def _sign_revoked(demo_pki, draft_pdf) -> bytes:
    signer = s.Pkcs12Signer.load(
        demo_pki.pkcs12(demo_pki.revoked_label(), PASSPHRASE.encode()), PASSPHRASE
    )
    return s.sign_pdf(pdf=draft_pdf, signer=signer, field_name=FIELD_LEADER)


def test_a_clerk_is_warned_of_a_revoked_signature_and_registers_it(
    demo_pki, draft_pdf, tmp_path, live_demo, browser, settings
):
    """The confirm step warns (role alert) of the revoked certificate; the clerk
    ticks the acknowledgement, registers, and the document page shows the
    signature check and the flag."""
    settings.VANTHU_UPLOAD_STAGING = str(tmp_path / "uploads")
    with ThreadPoolExecutor(max_workers=1) as pool:
        data = pool.submit(_sign_revoked, demo_pki, draft_pdf).result()
    received = tmp_path / "cong-van-thu-hoi.pdf"
    received.write_bytes(data)

    context, page = web.open_page(browser, "desktop")
    web.sign_in(page, live_demo.url, "vanthu.snv")
    page.goto(f"{live_demo.url}/van-ban-den/tiep-nhan/")
    page.get_by_label("Tệp chính (PDF)").set_input_files(str(received))
    page.get_by_role("button", name="Kiểm tra tệp").click()
    alert = page.locator("#signature-warning")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("Chứng thư số của người ký đã bị thu hồi.")
    page.get_by_label("Loại văn bản").select_option(label="Công văn")
    page.get_by_role("textbox", name="Cơ quan ban hành", exact=True).fill(
        "Sở Tài chính tỉnh Lạc Hồng"
    )
    page.get_by_label("Trích yếu").fill("V/v dự toán kinh phí chuyển đổi số")
    page.get_by_role("button", name="Vào sổ").click()
    expect(page.get_by_text("Có chữ ký số trong tệp không đạt").first).to_be_visible()
    page.get_by_label(
        "Tôi đã xem cảnh báo về chữ ký số và vẫn tiếp nhận văn bản"
    ).check()
    shoot(page, "incoming-warning-desktop")
    page.get_by_role("button", name="Vào sổ").click()

    expect(page.get_by_text("Đã vào sổ: số đến 1.")).to_be_visible()
    section = page.locator("#signature-check")
    expect(section).to_contain_text("Không hợp lệ: có chữ ký không đạt khi kiểm tra")
    expect(section).to_contain_text("chứng thư số đã bị thu hồi")
    expect(section).to_contain_text("văn thư đã xem cảnh báo và vẫn tiếp nhận")
    section.get_by_role("button", name="Kiểm tra lại").click()
    expect(page.get_by_text("Đã kiểm tra lại chữ ký số")).to_be_visible()
    shoot(page, "document-signature-check-desktop")
    context.close()

    context, page = web.open_page(browser, "phone")
    web.sign_in(page, live_demo.url, "vanthu.snv")
    page.goto(f"{live_demo.url}/van-ban-den/")
    page.get_by_role("link", name="V/v dự toán kinh phí chuyển đổi số").first.click()
    expect(page.locator("#signature-check")).to_be_visible()
    shoot(page, "document-signature-check-phone")
    context.close()
