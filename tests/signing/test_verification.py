"""Signature verification through the pages (xác thực chữ ký số): the
verification page with a document issued through the Decree 30 order (leader
signs, văn thư numbers and seals, over the demo PKI on 127.0.0.1), a tampered
copy, bad uploads, the downloadable PDF report (read back with pdftotext), the
report on the document page with "Kiểm tra lại", and the SignatureCheck cache."""

import subprocess
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from core.models import Blob
from directory.models import User
from signing.checks import report_json, signature_report
from signing.models import SignatureCheck
from signing.reports import report_pdf
from signing.validation import validate_pdf
from signing.views import SESSION_KEY
from tests.signing.conftest import reader
from tests.workflow.issuing_fixtures import (  # noqa: F401 - fixtures used by name
    PASSPHRASE,
    STC,
    _fresh_signer_caches,
    _signing_settings,
    approve_for_signing,
    certs,
    demo_pki,
    draft,
    pki_server,
)
from tests.workflow.issuing_fixtures import file_bytes as _bytes
from tests.workflow.issuing_fixtures import leader_sign as _sign
from tests.workflow.issuing_fixtures import number_and_seal as _seal

pytestmark = [pytest.mark.usefixtures("demo"), pytest.mark.slow]

VERIFY = "/xac-thuc-chu-ky/"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "verification"
FORM_FILLING_VI = "chỉ điền biểu mẫu (số, ngày ban hành)"


@pytest.fixture
def issued(draft, certs):
    """The sealed version of an issued STC quyết định."""
    approve_for_signing(draft)
    _sign(draft, certs)
    return _seal(draft, certs)


def _client(username="chuyenvien.stc", language=None) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _upload(client, data: bytes, name="quyet-dinh.pdf"):
    return client.post(
        VERIFY,
        {"file": SimpleUploadedFile(name, data, content_type="application/pdf")},
    )


def _flip(data: bytes) -> bytes:
    sig = reader(data).embedded_signatures[0]
    start, length = sig.byte_range[0], sig.byte_range[1]
    tampered = bytearray(data)
    tampered[start + length // 2] ^= 0x01
    return bytes(tampered)


def pdftotext(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        result = subprocess.run(
            ["pdftotext", "-layout", f.name, "-"],
            capture_output=True,
            timeout=60,
            check=True,
        )
    return result.stdout.decode()


def _report_link(html: str) -> str:
    start = html.index("/xac-thuc-chu-ky/bao-cao/")
    return html[start : html.index('"', start)]


def test_the_page_is_offered_to_everyone_and_needs_a_sign_in(client):
    """Every role gets the entry "Xác thực chữ ký"; without a sign-in: login."""
    assert reverse("signing:verify") == VERIFY
    for username in ("chuyenvien.stc", "luutru.stc", "quantri.stc", "vanthu.stc"):
        page = _client(username).get(VERIFY)
        assert page.status_code == 200
        assert 'href="/xac-thuc-chu-ky/" aria-current="page">Xác thực chữ ký<' in (
            page.content.decode()
        )
    assert "Verify signatures" in _client(language="en").get(VERIFY).content.decode()
    assert client.get(VERIFY).status_code == 302


def test_an_issued_pdf_shows_two_valid_signatures_and_form_filling(issued):
    """The leader's and the seal's signatures are valid; the leader's signature
    saw only form filling (the number and the date) after it. The report is kept
    in the session, not the file, and downloads as a PDF with the verdict."""
    data = _bytes(issued)
    client = _client()
    page = _upload(client, data)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Hợp lệ: mọi chữ ký đều nguyên vẹn, tin cậy và chưa bị thu hồi" in html
    assert "2 trên 2 chữ ký hợp lệ" in html
    assert FORM_FILLING_VI in html
    assert User.objects.get(username="lanhdao.stc").full_name in html
    assert issued.blob_id in html
    kept = client.session[SESSION_KEY]
    (entry,) = kept.values()
    assert set(entry) == {"report", "file_name", "sha256", "checked_at", "kept"}
    assert entry["report"]["verdict"] == "valid"

    report = client.get(_report_link(html))
    assert report.status_code == 200
    assert report["Content-Type"] == "application/pdf"
    assert "bao-cao-chu-ky-quyet-dinh.pdf" in report["Content-Disposition"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "report-valid.pdf").write_bytes(report.content)
    text = pdftotext(report.content)
    assert "BÁO CÁO KIỂM TRA CHỮ KÝ SỐ" in text
    assert "Hợp lệ: mọi chữ ký đều nguyên vẹn" in text
    assert "quyet-dinh.pdf" in text and issued.blob_id in "".join(text.split())
    assert "chỉ điền biểu mẫu (số, ngày ban" in text  # may wrap
    assert text.count("Chữ ký ") >= 2

    # In English too.
    english = _upload(_client(language="en"), data).content.decode()
    assert "Valid: every signature is intact, trusted and not revoked" in english
    assert "form filling only (number, issue date)" in english


def test_a_flipped_byte_is_invalid(issued):
    page = _upload(_client(), _flip(_bytes(issued)))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Không hợp lệ: có chữ ký không đạt khi kiểm tra" in html
    assert "bị thay đổi sau khi ký" in html
    english = _upload(_client(language="en"), _flip(_bytes(issued))).content.decode()
    assert "Not valid: at least one signature fails the check" in english


@pytest.mark.parametrize(
    ("data", "vi", "en"),
    [
        (None, "Hãy chọn tệp PDF cần kiểm tra.", "Choose the PDF file to check."),
        (b"PK\x03\x04 a zip", "Tệp không phải là PDF.", "The file is not a PDF."),
        (
            b"%PDF-1.7\n garbage without any object",
            "Không đọc được tệp PDF",
            "The file cannot be read as a PDF",
        ),
        (b"%PDF-1.7\n" + b"0" * 2000, "Tệp lớn hơn", "The file is larger than"),
    ],
    ids=["no-file", "not-a-pdf", "unreadable", "too-big"],
)
def test_bad_uploads_get_an_error_and_nothing_is_kept(settings, data, vi, en):
    settings.VANTHU_UPLOAD_MAX_BYTES = 1500
    blobs = Blob.objects.count()
    for language, message in (("vi", vi), ("en", en)):
        client = _client(language=language)
        if data is None:
            page = client.post(VERIFY, {})
        else:
            page = _upload(client, data, name="x.pdf")
        assert page.status_code == 400
        assert message in page.content.decode()
        assert not client.session.get(SESSION_KEY)
    assert SignatureCheck.objects.count() == 0
    assert Blob.objects.count() == blobs


def test_the_report_of_another_session_is_404(issued):
    owner = _client()
    html = _upload(owner, _bytes(issued)).content.decode()
    link = _report_link(html)
    assert owner.get(link).status_code == 200
    assert _client().get(link).status_code == 404  # same person, another session
    assert _client("vanthu.stc").get(link).status_code == 404
    assert owner.get("/xac-thuc-chu-ky/bao-cao/not-a-token.pdf").status_code == 404


def test_the_check_is_reused_until_it_ages(issued, settings):
    """A second look does not validate again (the same checked_at); an old one,
    or force, does; a revoked result is final."""
    data = _bytes(issued)
    calls = []

    def read():
        calls.append(1)
        return data

    first = signature_report(sha256=issued.blob_id, read_pdf=read)
    again = signature_report(sha256=issued.blob_id, read_pdf=read)
    assert again.checked_at == first.checked_at and len(calls) == 1
    forced = signature_report(sha256=issued.blob_id, read_pdf=read, force=True)
    assert forced.checked_at > first.checked_at and len(calls) == 2
    SignatureCheck.objects.update(checked_at=forced.checked_at - timedelta(hours=2))
    aged = signature_report(sha256=issued.blob_id, read_pdf=read)
    assert aged.checked_at > forced.checked_at and len(calls) == 3
    # A report naming a revoked signer stays, however old.
    check = SignatureCheck.objects.get()
    check.report["signatures"][0]["revoked"] = True
    check.checked_at -= timedelta(days=30)
    check.save()
    assert signature_report(sha256=issued.blob_id, read_pdf=read).report["signatures"][
        0
    ]["revoked"]
    assert len(calls) == 3


def test_the_document_page_shows_the_report_and_checks_again(issued, draft):
    client = _client()
    url = reverse("documents:detail", args=[draft.pk])
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Kiểm tra chữ ký số" in html
    assert "Hợp lệ: mọi chữ ký đều nguyên vẹn" in html
    assert FORM_FILLING_VI in html
    first = SignatureCheck.objects.get(sha256=issued.blob_id)
    client.get(url)
    assert SignatureCheck.objects.get(sha256=issued.blob_id).checked_at == (
        first.checked_at
    )
    recheck = reverse("documents:signature_recheck", args=[draft.pk, issued.pk])
    assert client.get(recheck).status_code == 405
    response = client.post(recheck)
    assert response.status_code == 302
    assert response["Location"].startswith(url + "#signature-check-")
    assert SignatureCheck.objects.get(sha256=issued.blob_id).checked_at > (
        first.checked_at
    )

    report = client.get(
        reverse("documents:signature_report", args=[draft.pk, issued.pk])
    )
    assert report.status_code == 200
    text = pdftotext(report.content)
    assert "BÁO CÁO KIỂM TRA CHỮ KÝ SỐ" in text
    assert "Hợp lệ" in text
    english = _client(language="en").get(url).content.decode()
    assert "Digital signature check" in english and "Check again" in english


def test_another_organisation_gets_404_for_the_report_and_the_recheck(issued, draft):
    outsider = _client("vanthu.snv")
    report = reverse("documents:signature_report", args=[draft.pk, issued.pk])
    recheck = reverse("documents:signature_recheck", args=[draft.pk, issued.pk])
    assert outsider.get(report).status_code == 404
    assert outsider.post(recheck).status_code == 404
    assert not SignatureCheck.objects.exists()


def test_the_pdf_report_of_a_tampered_file_lists_its_problems(issued):
    data = _flip(_bytes(issued))
    with translation.override("vi"):  # as signature_report keeps it
        report = report_json(validate_pdf(data))

    data = report_pdf(
        report, file_name="sua.pdf", sha256="ab" * 32, checked_at=timezone.now()
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "report-tampered.pdf").write_bytes(data)
    text = pdftotext(data)
    assert "Không hợp lệ" in text
    assert "Nội dung đã ký bị thay đổi" in text


def test_an_unreachable_revocation_service_is_shown_honestly(issued, pki_server):  # noqa: F811
    """Hard-fail: without OCSP/CRL answers the leader's signature (level T, no
    embedded revocation data) is not trusted, and the page says why."""
    data = _bytes(issued)
    pki_server.serve(None)  # OCSP and CRLs answer 503
    html = _upload(_client(), data).content.decode()
    assert "Không hợp lệ: có chữ ký không đạt khi kiểm tra" in html
    assert "không xác định được tình trạng thu hồi" in html


def test_an_unsigned_pdf_is_reported_as_unsigned(draft):
    version = draft.files.get().versions.get()
    page = _upload(_client(), _bytes(version))
    assert page.status_code == 200
    assert "Tệp không có chữ ký số" in page.content.decode()
