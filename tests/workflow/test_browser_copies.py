"""The "Bản sao điện tử" panel in a real browser (Chromium driven by Playwright
against the live server, the demo PKI served on 127.0.0.1): the văn thư makes a
trích sao of an issued document from its page and lands on the copy, whose PDF
carries one valid signature; a trích sao without pages is refused with its
Vietnamese message. Screenshots, desktop and phone, go to test-artifacts/copies/."""

import os
from pathlib import Path
from urllib.parse import urljoin

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from directory.models import Organisation
from documents.models import CopyForm, Document
from documents.services import draft_create
from tests.web import test_browser as web
from tests.workflow.issuing_fixtures import (  # noqa: F401 - fixtures used by name
    PASSPHRASE,
    STC,
    _fresh_signer_caches,
    _signing_settings,
    approve_for_signing,
    demo_pki,
    draft_content,
    pdfsig,
    pki_server,
    register_person_certificate,
    register_seal_certificate,
    user,
)
from workflow import issuing

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "copies"


def _issued_document(demo_pki):
    """An issued STC quyết định, signed and sealed before the browser starts
    (pyHanko's asyncio.run cannot run beside Playwright's loop)."""
    call_command("seed_demo", quiet_logins=True)
    leader = register_person_certificate(demo_pki, "lanhdao.stc")
    seal = register_seal_certificate(demo_pki)
    organisation = Organisation.objects.get(code=STC)
    draft = draft_create(
        organisation=organisation, content=draft_content(), actor=user("chuyenvien.stc")
    )
    approve_for_signing(draft)
    issuing.document_sign_as_leader(
        document=draft, certificate=leader, secret=PASSPHRASE, actor=user("lanhdao.stc")
    )
    issuing.document_number_and_seal(
        document=draft, certificate=seal, secret=PASSPHRASE, actor=user("vanthu.stc")
    )
    return draft


@pytest.fixture
def live_copies(transactional_db, live_server, demo_pki):  # noqa: F811
    return live_server, _issued_document(demo_pki)


@pytest.fixture
def browser(live_copies):
    with web.chromium() as browser:
        yield browser


def shoot(page, name: str) -> None:
    web.shoot_panel(page, ARTIFACTS, name, "#copies")


def test_the_clerk_makes_an_extract_from_the_document_page(live_copies, browser):
    server, issued = live_copies
    url = f"{server.url}/van-ban/{issued.pk}/"

    context, page = web.open_page(browser, "desktop")
    web.sign_in(page, server.url, "vanthu.stc")
    page.goto(url)
    panel = page.locator("#copies")
    expect(panel.get_by_role("heading", name="Bản sao điện tử")).to_be_visible()
    shoot(page, "panel-desktop")

    # A trích sao without pages: refused, nothing made.
    panel.get_by_label("Hình thức bản sao").select_option(CopyForm.TRICH_SAO)
    panel.get_by_label("Mật khẩu hoặc mã PIN").fill(PASSPHRASE)
    panel.get_by_role("button", name="Tạo và ký số bản sao").click()
    expect(page.get_by_text("Chọn các trang cần trích sao.")).to_be_visible()
    assert not Document.objects.filter(copy_of=issued).exists()

    panel = page.locator("#copies")
    panel.get_by_label("Hình thức bản sao").select_option(CopyForm.TRICH_SAO)
    panel.get_by_label("Trang (chỉ với trích sao)").fill("1")
    panel.get_by_label("Mật khẩu hoặc mã PIN").fill(PASSPHRASE)
    panel.get_by_role("button", name="Tạo và ký số bản sao").click()
    expect(page.get_by_text("Đã tạo và ký số bản sao 01/TrS-STC.")).to_be_visible()
    copy = Document.objects.get(copy_of=issued)
    assert page.url.rstrip("/").endswith(f"/van-ban/{copy.pk}")
    web.assert_fits_the_width(page)
    page.screenshot(path=str(ARTIFACTS / "copy-desktop.png"), full_page=True)

    # The copy's PDF, downloaded from its page, carries the copy's signature.
    link = page.get_by_role("link", name="Mở tệp PDF")
    response = page.request.get(urljoin(page.url, link.get_attribute("href")))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert pdfsig(response.body()).count("Signature is Valid.") == 1

    page.goto(url)
    expect(
        page.locator("#copies").get_by_role("link", name="01/TrS-STC")
    ).to_be_visible()
    context.close()

    context, page = web.open_page(browser, "phone")
    web.sign_in(page, server.url, "vanthu.stc")
    page.goto(url)
    expect(
        page.locator("#copies").get_by_role("heading", name="Bản sao điện tử")
    ).to_be_visible()
    shoot(page, "panel-phone")
    context.close()

    # Someone who is not a văn thư sees no copy panel.
    context, page = web.open_page(browser, "desktop")
    web.sign_in(page, server.url, "lanhdao.stc")
    page.goto(url)
    expect(page.locator("#issuing")).to_be_visible()
    assert page.locator("#copies").count() == 0
    context.close()
