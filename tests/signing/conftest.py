"""Fixtures of the signing tests: the demo PKI made once per test session from the
demo province's leaders and organisations, served over real HTTP on 127.0.0.1 (a
thread, LoopbackPkiServer: OCSP, CRLs, TSA), and a rendered Decree 30 draft with
its empty signature and text fields."""

import io
import subprocess
import tempfile

import pytest
from django.core.management import call_command
from django.db import transaction

from documents.rendering import FIELD_LEADER, FIELD_SEAL, fill_issue_fields
from signing import pki as demo
from signing.signers import Pkcs12Signer, clear_signer_caches, sign_pdf
from signing.trust import get_timestamper, validation_context

PASSPHRASE = "demo-test-password"  # noqa: S105 - VANTHU_DEMO_PASSWORD of test settings
LEADER = "lanhdao.stc"
CLERK = "vanthu.stc"
STC = "000.00.02.H99"


def pytest_collection_modifyitems(items):
    """The demo PKI is made from the demo province, read from the test database:
    every signing test needs it set up (pytest-django sets up only the databases
    that the collected tests ask for)."""
    for item in items:
        if "tests/signing/" in str(item.path) and not item.get_closest_marker(
            "django_db"
        ):
            item.add_marker(pytest.mark.django_db)


@pytest.fixture(scope="session")
def pki_server():
    with demo.loopback_pki_server() as server:
        yield server


@pytest.fixture(scope="session")
def demo_pki(pki_server, tmp_path_factory, django_db_setup, django_db_blocker):
    """The demo PKI of the demo province (keys made once per session)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("seed_demo", quiet_logins=True)
            subjects = demo.demo_subjects_from_directory()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
    pki = demo.demo_pki_ensure(
        directory=tmp_path_factory.mktemp("pki"),
        base_url=pki_server.base_url,
        subjects=subjects,
    )
    pki_server.serve(pki)
    return pki


@pytest.fixture(autouse=True)
def _signing_settings(settings, demo_pki, pki_server):
    settings.VANTHU_PKI_DIR = demo_pki.directory
    settings.VANTHU_DEMO_PKI_URL = pki_server.base_url
    settings.VANTHU_TRUST_ROOTS = []
    settings.VANTHU_TSA_URL = ""
    yield
    pki_server.serve(demo_pki)


@pytest.fixture(scope="session")
def draft_pdf():
    """A rendered one-page quyết định with the fields chu_ky_lanh_dao,
    chu_ky_co_quan, so_van_ban and ngay_ban_hanh."""
    from documents.rendering import DraftLayout, render_draft_pdf

    layout = DraftLayout(
        parent_agency_name="Ủy ban nhân dân tỉnh Lạc Hồng",
        agency_name="Sở Tài chính",
        agency_abbr="STC",
        unit_abbr="NS",
        type_code="quyet_dinh",
        type_name="Quyết định",
        type_abbr="QĐ",
        place_name="Lạc Hồng",
        subject="Về việc phê duyệt dự toán kinh phí chuyển đổi số năm 2026",
        body=(
            "GIÁM ĐỐC SỞ TÀI CHÍNH TỈNH LẠC HỒNG\n\n"
            "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính "
            "phủ về công tác văn thư;\n\nQUYẾT ĐỊNH:\n\n"
            "Điều 1. Phê duyệt dự toán kinh phí chuyển đổi số năm 2026.\n\n"
            "Điều 2. Quyết định này có hiệu lực kể từ ngày ký."
        ),
        signer_title="Giám đốc",
        signer_name="Nguyễn Văn An",
        copies_to=["Như Điều 2"],
        archive_units=["NS"],
    )
    return render_draft_pdf(layout).pdf


def label_of(username: str) -> str:
    return demo.subject_label("person", username)


@pytest.fixture
def leader_p12(demo_pki):
    return demo_pki.pkcs12(label_of(LEADER), PASSPHRASE.encode())


@pytest.fixture
def seal_p12(demo_pki):
    return demo_pki.pkcs12(demo.subject_label("organisation", STC), PASSPHRASE.encode())


@pytest.fixture
def leader(leader_p12):
    return Pkcs12Signer.load(leader_p12, PASSPHRASE)


@pytest.fixture
def seal(seal_p12):
    return Pkcs12Signer.load(seal_p12, PASSPHRASE)


@pytest.fixture
def vc():
    """A new validation context (hard-fail revocation) over the demo root."""
    return validation_context()


@pytest.fixture
def tsa():
    return get_timestamper()


@pytest.fixture(autouse=True)
def _fresh_signer_caches():
    yield
    clear_signer_caches()


def pdfsig(data: bytes) -> str:
    """poppler's pdfsig report (integrity only: -nocert skips the trust check,
    which pdfsig cannot do for a private root, signing-stack.md §8)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        result = subprocess.run(
            ["pdfsig", "-nocert", f.name], capture_output=True, timeout=60, check=False
        )
    return result.stdout.decode("utf-8", "replace")


def sign_in_issuing_order(pdf: bytes, *, leader, seal, timestamper, issued) -> bytes:
    """`pdf` in the Decree 30 order: leader B-T certification (form filling
    allowed), number 7 and the date `issued` filled in, agency seal B-LT."""
    signed = sign_pdf(
        pdf=pdf,
        signer=leader,
        field_name=FIELD_LEADER,
        level="T",
        certify=True,
        timestamper=timestamper,
        validation_context=validation_context(),
    )
    numbered = fill_issue_fields(signed, number=7, issued=issued)
    return sign_pdf(
        pdf=numbered,
        signer=seal,
        field_name=FIELD_SEAL,
        level="LT",
        timestamper=timestamper,
        validation_context=validation_context(),
    )


def reader(data: bytes):
    from pyhanko.pdf_utils.reader import PdfFileReader

    return PdfFileReader(io.BytesIO(data), strict=False)
