"""Electronic copies (bản sao điện tử: sao y, sao lục, trích sao) made by a văn thư
through workflow.copies: their own number from the register of copies, the
copying agency's signature at the top right, over the demo PKI on 127.0.0.1."""

import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from core.models import AuditEntry, OutboxEvent
from documents.models import CopyForm, Document, FileVersion, Register
from documents.selectors import document_get_visible
from signing.signers import WrongPassphrase
from signing.stamps import vietnam_iso
from signing.trust import validation_context
from signing.validation import validate_pdf
from tests.workflow.issuing_fixtures import (  # noqa: F401 - fixtures used by name
    PASSPHRASE,
    _fresh_signer_caches,
    _signing_settings,
    approve_for_signing,
    certs,
    demo_pki,
    draft,
    keep_pdf_and_first_page,
    pki_server,
)
from tests.workflow.issuing_fixtures import file_bytes as _bytes
from tests.workflow.issuing_fixtures import leader_sign as _sign
from tests.workflow.issuing_fixtures import number_and_seal as _seal
from tests.workflow.issuing_fixtures import user as _user
from workflow.copies import document_copy_make

pytestmark = [pytest.mark.usefixtures("demo"), pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "copies"


@pytest.fixture
def issued(draft, certs):
    approve_for_signing(draft)
    _sign(draft, certs)
    _seal(draft, certs)
    draft.refresh_from_db()
    return draft


def _copy(
    document,
    certs,
    form=CopyForm.SAO_Y,
    *,
    pages=None,
    actor="vanthu.stc",
    secret=PASSPHRASE,
):
    return document_copy_make(
        document=document,
        copy_form=form,
        actor=_user(actor),
        pages=pages,
        certificate=certs["seal"],
        secret=secret,
    )


def _latest(document) -> FileVersion:
    return FileVersion.objects.filter(file__document=document).latest("number")


def _text(pdf: bytes, tmp_path, *args) -> str:
    path = tmp_path / "copy.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", *args, "-f", "1", "-l", "1", str(path), "-"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout


def test_true_copy_and_extract_are_numbered_signed_and_stamped(issued, certs, tmp_path):
    copy = _copy(issued, certs)
    assert copy.copy_of == issued and copy.copy_form == CopyForm.SAO_Y
    assert copy.state == Document.State.ISSUED
    assert copy.number_notation == "01/SY-STC"
    assert copy.register.kind == Register.Kind.COPY
    assert document_get_visible(user=_user("vanthu.stc"), pk=copy.pk) is not None
    assert AuditEntry.objects.filter(action="document.copy").count() == 1
    assert OutboxEvent.objects.filter(topic="workflow.copy_made").count() == 1

    version = _latest(copy)
    assert version.kind == FileVersion.Kind.SIGNED
    assert version.facts["step"] == "copied" and version.facts["pages"] == [1]
    pdf = _bytes(version)
    report = validate_pdf(pdf, validation_context=validation_context())
    assert report.ok, report.as_dict()
    (sig,) = report.signatures  # the original's signatures are not carried over
    assert "Sở Tài chính" in sig.signer_name
    path = tmp_path / "copy.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdfsig", "-nocert", str(path)], capture_output=True, text=True, check=False
    ).stdout
    assert out.count("Signature is Valid") == 1, out
    text = _text(pdf, tmp_path)
    assert "SAO Y" in text and "Sở Tài chính" in text, text
    assert "Số: 01/SY-STC" in text, text
    assert vietnam_iso(sig.signing_time) in text, text
    # The original's own number is still on the page (its stamps flattened).
    assert "01/QĐ-STC" in text.replace(" ", ""), text
    bbox = _text(pdf, tmp_path, "-bbox")
    (y_max,) = re.findall(r'yMax="([\d.]+)">SAO', bbox) or [None]
    assert y_max is not None and float(y_max) < 20 * 72 / 25.4, bbox

    keep_pdf_and_first_page(pdf, ARTIFACTS, "sao-y")

    extract = _copy(issued, certs, CopyForm.TRICH_SAO, pages=[1])
    assert extract.number_notation == "02/TrS-STC"
    pdf = _bytes(_latest(extract))
    assert validate_pdf(pdf, validation_context=validation_context()).ok
    assert "TRÍCH SAO" in _text(pdf, tmp_path)

    # Sao lục: a copy of the copy.
    copy_of_copy = _copy(copy, certs, CopyForm.SAO_LUC)
    assert copy_of_copy.number_notation == "03/SL-STC"
    assert "SAO LỤC" in _text(_bytes(_latest(copy_of_copy)), tmp_path)

    # A copy is kept like an issued document: the archival upgrade takes it.
    from documents.archival import document_archival_upgrade

    archived = document_archival_upgrade(version=_latest(copy))
    assert archived.facts["step"] == "archived"
    assert validate_pdf(_bytes(archived), validation_context=validation_context()).ok


def test_extract_keeps_only_the_chosen_pages(certs, tmp_path):
    """A trích sao of a three-page registered document holds pages 3 and 1, in
    the document's order."""
    import io

    from directory.models import Organisation
    from documents.services import document_register_incoming
    from tests.documents.pdf_samples import text_pdf

    source = io.BytesIO(text_pdf(3))
    source.name = "den.pdf"
    incoming = document_register_incoming(
        organisation=Organisation.objects.get(code="000.00.02.H99"),
        main_file=source,
        metadata={
            "document_type": "cong_van",
            "code_number": "12",
            "code_notation": "STC-VP",
            "issued_date": "2026-11-02",
            "organ_name": "Sở Nội vụ",
            "subject": "Về việc hướng dẫn lập dự toán",
        },
        actor=_user("vanthu.stc"),
    )
    extract = _copy(incoming, certs, CopyForm.TRICH_SAO, pages=[3, 1])
    pdf = _bytes(_latest(extract))
    with pikepdf.open(io.BytesIO(pdf)) as copy:
        assert len(copy.pages) == 2
    assert "Trang 1/3" in _text(pdf, tmp_path).replace("\n", " ")
    assert extract.page_amount == 2


def _stored() -> tuple:
    """What a copy would change: the number of documents and the last number of
    each register."""
    return (
        Document.objects.count(),
        dict(Register.objects.values_list("pk", "last_number")),
    )


def _nothing_stored(before):
    assert _stored() == before


@pytest.mark.parametrize(
    ("form", "pages", "message"),
    [
        (CopyForm.TRICH_SAO, None, "Chọn các trang"),
        (CopyForm.TRICH_SAO, [1, 5], "không có trang 5"),
        (CopyForm.SAO_Y, [1], "Chỉ bản trích sao"),
        ("XX", None, "Hình thức bản sao không hợp lệ"),
    ],
)
def test_bad_copy_forms_and_pages_are_refused(issued, certs, form, pages, message):
    before = _stored()
    with translation.override("vi"), pytest.raises(ValidationError) as exc:
        _copy(issued, certs, form, pages=pages)
    assert message in " ".join(exc.value.messages), exc.value.messages
    _nothing_stored(before)


def test_only_a_records_clerk_who_sees_the_document_copies_it(issued, certs):
    before = _stored()
    with translation.override("vi"), pytest.raises(PermissionDenied) as exc:
        _copy(issued, certs, actor="chuyenvien.stc")
    assert "văn thư" in str(exc.value)
    with translation.override("vi"), pytest.raises(PermissionDenied) as exc:
        _copy(issued, certs, actor="vanthu.snv")
    assert "không được xem" in str(exc.value)
    _nothing_stored(before)


def test_a_draft_cannot_be_copied(draft, certs):
    from guardian.shortcuts import assign_perm

    assign_perm("view_document", _user("vanthu.stc"), draft)
    with translation.override("vi"), pytest.raises(ValidationError) as exc:
        _copy(draft, certs)
    assert "dự thảo" in " ".join(exc.value.messages)


def test_wrong_passphrase_stores_nothing(issued, certs):
    before = _stored()
    with translation.override("vi"), pytest.raises(WrongPassphrase) as exc:
        _copy(issued, certs, secret="sai-mat-khau")
    assert "mật khẩu" in str(exc.value).lower() or "cụm" in str(exc.value).lower()
    _nothing_stored(before)
