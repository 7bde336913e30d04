"""The signature check at reception (tiếp nhận văn bản đến): every staged file
with signatures is validated (hard-fail revocation, demo PKI on 127.0.0.1); a
tampered file or one signed with a revoked certificate gets a warning naming the
signature and its problems, and is registered only when the clerk ticks "Tôi đã
xem cảnh báo về chữ ký số và vẫn tiếp nhận văn bản". The flag stays in the facts
of the received original (whose bytes stay as received) and in the audit entry."""

import hashlib

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from core.models import AuditEntry
from directory.models import User
from documents.models import Document, FileVersion
from documents.rendering import FIELD_LEADER
from signing import signers as s
from tests.documents.test_views import metadata
from tests.signing.conftest import draft_pdf  # noqa: F401 - fixture used by name
from tests.signing.test_validation import _add_page_content
from tests.workflow.issuing_fixtures import (  # noqa: F401 - fixtures used by name
    PASSPHRASE,
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

TICK = "Tôi đã xem cảnh báo về chữ ký số và vẫn tiếp nhận văn bản"
REFUSED_VI = "Có chữ ký số trong tệp không đạt khi kiểm tra"
REFUSED_EN = "A digital signature of the files failed the check"


@pytest.fixture(autouse=True)
def _staging_root(settings, tmp_path):
    settings.VANTHU_UPLOAD_STAGING = str(tmp_path / "uploads")


@pytest.fixture
def issued(draft, certs):  # noqa: F811
    approve_for_signing(draft)
    _sign(draft, certs)
    return _bytes(_seal(draft, certs))


@pytest.fixture
def revoked_signed(demo_pki, draft_pdf):  # noqa: F811
    """The draft signed by the demo PKI's revoked leader certificate, as an
    outside tool would (no check before signing)."""
    signer = s.Pkcs12Signer.load(
        demo_pki.pkcs12(demo_pki.revoked_label(), PASSPHRASE.encode()), PASSPHRASE
    )
    return s.sign_pdf(pdf=draft_pdf, signer=signer, field_name=FIELD_LEADER)


def _clerk(username="vanthu.snv", language=None) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _metadata(**overrides) -> dict:
    """The registration form of an STC quyết định received by another agency."""
    return metadata(
        **{
            "document_type": "quyet_dinh",
            "organ_name": "Sở Tài chính tỉnh Lạc Hồng",
            "code_number": "1",
            "code_notation": "QĐ-STC",
            "subject": "Về việc phê duyệt dự toán kinh phí chuyển đổi số năm 2026",
            "signer_full_name": "",
            "signer_position": "",
            "to_places": "",
            **overrides,
        }
    )


def _stage(client, data: bytes) -> str:
    response = client.post(
        reverse("documents:incoming_upload"),
        {
            "main_file": SimpleUploadedFile(
                "nhan.pdf", data, content_type="application/pdf"
            )
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    return response["Location"]


def _warned_then_registered(client, data: bytes, *, expect: str) -> Document:
    """The warning names the failing signature; without the tick nothing is
    registered; with it the document is registered and the flag kept."""
    confirm = _stage(client, data)
    page = client.get(confirm).content.decode()
    assert 'role="alert" id="signature-warning"' in page
    assert "Cảnh báo: có chữ ký số trong tệp tiếp nhận không đạt khi kiểm tra." in page
    assert expect in page
    assert TICK in page

    before = Document.objects.count()
    refused = client.post(confirm, _metadata())
    assert refused.status_code == 400
    assert REFUSED_VI in refused.content.decode()
    assert Document.objects.count() == before

    registered = client.post(confirm, _metadata(accept_signature_warnings="on"))
    assert registered.status_code == 302, registered.content.decode()[:3000]
    document = Document.objects.get(pk=registered["Location"].strip("/").split("/")[-1])
    version = FileVersion.objects.get(file__document=document)
    assert version.kind == FileVersion.Kind.RECEIVED_ORIGINAL
    assert version.blob_id == hashlib.sha256(data).hexdigest()  # as received
    validation = version.facts["validation"]
    assert validation["verdict"] == "invalid" and validation["warning_accepted"]
    failing = [sig for sig in validation["signatures"] if not sig["ok"]]
    assert failing and all(sig["problems"] for sig in failing)
    assert expect in failing[0]["problems"]  # kept in Vietnamese
    entry = AuditEntry.objects.get(action="document.register_incoming")
    assert entry.details["signature_warnings_accepted"] is True
    assert entry.details["signature_warnings"][0]["verdict"] == "invalid"

    detail = client.get(reverse("documents:detail", args=[document.pk]))
    html = detail.content.decode()
    assert "văn thư đã xem cảnh báo và vẫn tiếp nhận văn bản" in html
    assert "Không hợp lệ: có chữ ký không đạt khi kiểm tra" in html
    return document


def test_a_tampered_signed_pdf_is_warned_and_needs_the_tick(issued):
    tampered = _add_page_content(issued)
    _warned_then_registered(
        _clerk(),
        tampered,
        expect="Văn bản bị thay đổi sau khi ký theo cách không được phép.",
    )


def test_a_pdf_signed_with_a_revoked_certificate_is_warned(revoked_signed):
    _warned_then_registered(
        _clerk(),
        revoked_signed,
        expect="Chứng thư số của người ký đã bị thu hồi.",
    )


def test_the_refusal_in_english(revoked_signed):
    client = _clerk(language="en")
    confirm = _stage(client, revoked_signed)
    page = client.get(confirm).content.decode()
    assert "Warning: a digital signature of the received files failed" in page
    assert "The signer&#x27;s certificate has been revoked." in page
    refused = client.post(confirm, _metadata())
    assert refused.status_code == 400
    assert REFUSED_EN in refused.content.decode()
    assert not Document.objects.filter(direction="den").exists()


def test_the_service_refuses_without_the_acknowledgement(revoked_signed):
    """The rule is the service's, not only the page's."""
    from django.core.exceptions import ValidationError

    from documents.services import document_register_incoming

    clerk = User.objects.get(username="vanthu.snv")
    with pytest.raises(ValidationError) as refused:
        document_register_incoming(
            organisation=clerk.organisation,
            main_file=SimpleUploadedFile("nhan.pdf", revoked_signed),
            metadata=_metadata(),
            actor=clerk,
            signature_checks=[{"verdict": "invalid", "signatures": []}],
        )
    assert "accept_signature_warnings" in refused.value.error_dict
    assert not Document.objects.filter(direction="den").exists()


def test_a_validly_signed_pdf_registers_without_a_warning(issued):
    client = _clerk()
    confirm = _stage(client, issued)
    page = client.get(confirm).content.decode()
    assert "signature-warning" not in page
    assert "mọi chữ ký đều hợp lệ" in page
    registered = client.post(confirm, _metadata())
    assert registered.status_code == 302
    version = FileVersion.objects.get(file__document__direction="den")
    assert version.facts["validation"]["verdict"] == "valid"
    assert version.facts["validation"]["warning_accepted"] is False
    entry = AuditEntry.objects.get(action="document.register_incoming")
    assert entry.details["signature_warnings"] == []
    assert entry.details["signature_warnings_accepted"] is False
