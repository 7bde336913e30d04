"""The issuing order in a real browser (Debian's Chromium driven by Playwright
against the live server, the demo PKI served on 127.0.0.1): the director signs a
draft from its document page, the văn thư numbers, seals and issues it; the
issued PDF downloaded from the page carries two valid signatures (pdfsig).
Screenshots of the panel before and after, desktop and phone, go to
test-artifacts/signing-pages/ for a person to look at."""

import base64
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin

import pytest
from django.core.management import call_command
from django.db import connections
from playwright.sync_api import expect

from directory.models import Organisation
from documents.models import Document, FileVersion
from documents.services import draft_create
from signing.signers import Pkcs12Signer, sign_hash
from tests.web import test_browser as web
from tests.workflow.issuing_fixtures import (  # noqa: F401 - fixtures used by name
    PASSPHRASE,
    STC,
    _fresh_signer_caches,
    _signing_settings,
    approve_for_signing,
    demo_pki,
    draft_content,
    file_bytes,
    label_of,
    pdfsig,
    pki_server,
    register_person_certificate,
    register_seal_certificate,
    user,
)

# Playwright's sync API runs an event loop in the test's thread: Django's
# database access from it needs this (the live server serves from its own thread).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "signing-pages"


def _province(demo_pki, *, director_device: bool = False):
    """The demo province, the director's and the STC seal certificates and two
    rendered drafts approved for the director's signature, all made before the
    browser starts (pyHanko's asyncio.run cannot run beside Playwright's loop).
    The director's certificate is his key file, or with `director_device` the
    certificate of his own device."""
    call_command("seed_demo", quiet_logins=True)
    register_person_certificate(demo_pki, "lanhdao.stc", device=director_device)
    register_seal_certificate(demo_pki)
    organisation = Organisation.objects.get(code=STC)
    drafts = [
        draft_create(
            organisation=organisation,
            content=draft_content(),
            actor=user("chuyenvien.stc"),
        )
        for _ in range(2)
    ]
    for draft in drafts:
        approve_for_signing(draft)
    return drafts


@pytest.fixture
def live_issuing(transactional_db, live_server, demo_pki):  # noqa: F811
    return live_server, _province(demo_pki)


@pytest.fixture
def browser(live_issuing):
    with web.chromium() as browser:
        yield browser


def _close_connections() -> None:
    """The queries made while Playwright's loop runs open a connection of their
    own (Django keeps connections per context); closing it lets the test
    database be dropped at the end of the session."""
    connections.close_all()


def shoot(page, name: str) -> None:
    web.shoot_panel(page, ARTIFACTS, name, "#issuing")


def test_the_director_signs_and_the_clerk_issues_from_the_document_page(
    live_issuing, browser
):
    server, (draft, other_draft) = live_issuing
    url = f"{server.url}/van-ban/{draft.pk}/"

    context, page = web.open_page(browser, "desktop")
    web.sign_in(page, server.url, "lanhdao.stc")
    page.goto(url)
    panel = page.locator("#issuing")
    expect(panel.get_by_role("heading", name="Ký số và ban hành")).to_be_visible()
    shoot(page, "leader-before-desktop")
    panel.get_by_label("Mật khẩu hoặc mã PIN").fill(PASSPHRASE)
    panel.get_by_role("button", name="Ký số văn bản").click()
    expect(page.get_by_text("Đã ký số văn bản.")).to_be_visible()
    expect(panel.get_by_text("Đang chờ văn thư cấp số, đóng dấu")).to_be_visible()
    shoot(page, "leader-after-desktop")
    context.close()

    context, page = web.open_page(browser, "desktop")
    web.sign_in(page, server.url, "vanthu.stc")
    page.goto(url)
    panel = page.locator("#issuing")
    button = panel.get_by_role("button", name="Cấp số, đóng dấu và ban hành")
    expect(button).to_be_visible()
    shoot(page, "clerk-before-desktop")
    panel.get_by_label("Mật khẩu hoặc mã PIN").fill(PASSPHRASE)
    button.click()
    expect(page.get_by_text("Đã ban hành văn bản số")).to_be_visible()
    document = Document.objects.get(pk=draft.pk)
    assert document.state == Document.State.ISSUED
    expect(panel.get_by_text(f"Số {document.number_notation}")).to_be_visible()
    shoot(page, "issued-desktop")

    link = panel.get_by_role("link", name="Tải bản PDF đã ban hành")
    response = page.request.get(urljoin(page.url, link.get_attribute("href")))
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    report = pdfsig(response.body())
    assert report.count("Signature is Valid.") == 2, report

    page.goto(f"{server.url}/chung-thu-so/")
    expect(page.get_by_role("heading", name="Chứng thư số", exact=True)).to_be_visible()
    web.assert_fits_the_width(page)
    page.screenshot(path=str(ARTIFACTS / "certificates-desktop.png"), full_page=True)
    context.close()

    # The same panels on a phone: an unsigned draft for the director, the
    # issued document for the clerk.
    context, page = web.open_page(browser, "phone")
    web.sign_in(page, server.url, "lanhdao.stc")
    page.goto(f"{server.url}/van-ban/{other_draft.pk}/")
    expect(page.get_by_role("button", name="Ký số văn bản")).to_be_visible()
    shoot(page, "leader-before-phone")
    context.close()

    context, page = web.open_page(browser, "phone")
    web.sign_in(page, server.url, "vanthu.stc")
    page.goto(url)
    expect(page.locator("#issuing").get_by_text("Đã ban hành").first).to_be_visible()
    shoot(page, "issued-phone")
    page.goto(f"{server.url}/chung-thu-so/")
    web.assert_fits_the_width(page)
    page.screenshot(path=str(ARTIFACTS / "certificates-phone.png"), full_page=True)
    context.close()
    _close_connections()


class _Agent(BaseHTTPRequestHandler):
    """A local signing agent as a USB token's software would run it: it gets the
    hash (and which certificate) from the page and signs it with the key."""

    key = None
    certificate_sha256 = ""
    requests: list = []

    def _cors(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "POST")
        self.send_header("Access-Control-Allow-Headers", "Content-Type")
        self.send_header("Access-Control-Allow-Private-Network", "true")

    def do_OPTIONS(self):  # noqa: N802 - http.server's naming
        self.send_response(204)
        self._cors()
        self.end_headers()

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(body)
        if body["certificate_sha256"] != self.certificate_sha256:
            self.send_response(404)
            self._cors()
            self.end_headers()
            return
        value = sign_hash(self.key, base64.b64decode(body["hash_b64"]))
        answer = json.dumps({"signature_b64": base64.b64encode(value).decode()})
        self.send_response(200)
        self._cors()
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(answer.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def signing_agent(demo_pki, settings):  # noqa: F811
    _Agent.key = (
        Pkcs12Signer.load(demo_pki.pkcs12(label_of("lanhdao.stc"), b"x"), "x")
        .pyhanko_signer()
        ._key
    )
    _Agent.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Agent)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.VANTHU_SIGNING_AGENT_URL = f"http://127.0.0.1:{server.server_port}/sign"
    yield _Agent
    server.shutdown()
    server.server_close()


@pytest.fixture
def remote_setup(transactional_db, live_server, demo_pki, signing_agent, settings):  # noqa: F811
    """The director's certificate registered for his own device, the agent
    ready, and an expiry horizon that puts it in the home page's warning."""
    drafts = _province(demo_pki, director_device=True)
    signing_agent.certificate_sha256 = (
        user("lanhdao.stc").certificates.get().fingerprint
    )
    settings.VANTHU_CERT_EXPIRY_WARNING_DAYS = 5000
    return live_server, drafts


@pytest.fixture
def remote_browser(remote_setup):
    with web.chromium() as browser:
        yield browser


def test_the_director_signs_with_his_device_through_the_local_agent(
    remote_setup, remote_browser, signing_agent
):
    server, (draft, _other) = remote_setup
    for size in ("desktop", "phone"):
        context, page = web.open_page(remote_browser, size)
        web.sign_in(page, server.url, "lanhdao.stc")
        expect(
            page.get_by_role("heading", name="Chứng thư số cần gia hạn")
        ).to_be_visible()
        web.assert_fits_the_width(page)
        page.screenshot(
            path=str(ARTIFACTS / f"home-warning-{size}.png"), full_page=True
        )
        context.close()

    context, page = web.open_page(remote_browser, "desktop")
    web.sign_in(page, server.url, "lanhdao.stc")
    page.goto(f"{server.url}/van-ban/{draft.pk}/")
    shoot(page, "leader-remote-desktop")
    # First the agent does not know the certificate: the page offers to paste.
    expected = signing_agent.certificate_sha256
    signing_agent.certificate_sha256 = "another token"
    page.get_by_role("button", name="Ký bằng thiết bị của tôi").click()
    expect(page.get_by_role("heading", name="Ký bằng thiết bị của tôi")).to_be_visible()
    expect(page.get_by_text("Không có phần mềm ký số nào trả lời")).to_be_visible()
    expect(page.get_by_label("Giá trị chữ ký (base64)")).to_be_visible()
    web.assert_fits_the_width(page)
    page.screenshot(path=str(ARTIFACTS / "two-phase-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    web.assert_fits_the_width(page)
    page.screenshot(path=str(ARTIFACTS / "two-phase-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})

    # Then it signs: the page hands it the hash and posts the value back.
    signing_agent.certificate_sha256 = expected
    page.get_by_role("button", name="Ký bằng phần mềm ký số trên máy tính này").click()
    expect(page.get_by_text("Đã ký số văn bản bằng thiết bị của bạn.")).to_be_visible()
    assert len(signing_agent.requests) == 2
    (request,) = {r["hash_b64"] for r in signing_agent.requests}
    signed = FileVersion.objects.filter(file__document=draft).latest("number")
    assert signed.facts["step"] == "leader_signed"
    assert "Signature is Valid." in pdfsig(file_bytes(signed))
    expect(page.locator("#issuing").get_by_text("Đang chờ văn thư")).to_be_visible()
    context.close()
    _close_connections()
