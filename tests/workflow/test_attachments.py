"""Attachments (phụ lục) in separate files get the agency's signature when the
văn thư numbers and seals: text at the top right of page 1 (number and notation,
ISO 8601 time with +07:00, 10 pt black), level LT, over the demo PKI on 127.0.0.1."""

import io
import re
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import AuditEntry
from documents.attachments import draft_attachment_add
from documents.models import Document, DocumentFile, FileVersion, Register
from signing.signers import WrongPassphrase
from signing.stamps import ATTACHMENT_FIELD, vietnam_iso
from signing.trust import validation_context
from signing.validation import validate_pdf
from tests.documents.pdf_samples import text_pdf
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

pytestmark = [pytest.mark.usefixtures("demo"), pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "attachments"
ISO_VN = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00")


def _add(draft, title="Phụ lục I. Dự toán chi tiết", pages=2, actor="chuyenvien.stc"):
    return draft_attachment_add(
        document=draft,
        stream=io.BytesIO(text_pdf(pages)),
        filename="phu-luc.pdf",
        title=title,
        actor=_user(actor),
    )


def _run(*args, path):
    return subprocess.run(
        [*args], capture_output=True, text=True, timeout=60, check=False, cwd=path
    )


def test_attachments_get_the_agency_signature_at_the_top_right(draft, certs, tmp_path):
    first = _add(draft)
    second = _add(draft, title="Phụ lục II. Danh mục thiết bị", pages=1)
    assert AuditEntry.objects.filter(action="draft.attachment_add").count() == 2
    approve_for_signing(draft)
    _sign(draft, certs)
    _seal(draft, certs)
    draft.refresh_from_db()
    assert draft.state == Document.State.ISSUED
    entry = AuditEntry.objects.get(action="document.seal")
    assert len(entry.details["attachments"]) == 2

    for file in (first, second):
        latest = file.versions.order_by("-number").first()
        assert latest.kind == FileVersion.Kind.SIGNED
        assert latest.facts["step"] == "sealed"
        assert latest.facts["number_notation"] == draft.number_notation
        pdf = _bytes(latest)
        report = validate_pdf(pdf, validation_context=validation_context())
        assert report.ok, report.as_dict()
        (sig,) = report.signatures
        assert sig.field_name == ATTACHMENT_FIELD
        assert sig.timestamp_ok
        path = tmp_path / f"pl-{file.pk}.pdf"
        path.write_bytes(pdf)
        out = _run("pdfsig", "-nocert", str(path), path=tmp_path).stdout
        assert out.count("Signature is Valid") == 1, out

        text = _run("pdftotext", "-f", "1", "-l", "1", str(path), "-", path=tmp_path)
        assert f"Số: {draft.number_notation}" in text.stdout, text.stdout
        shown = ISO_VN.search(text.stdout)
        assert shown, text.stdout
        # The stamp shows the very time the signature records.
        assert shown.group(0) == vietnam_iso(sig.signing_time)

        bbox = _run(
            "pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-", path=tmp_path
        ).stdout
        words = re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
            r'yMax="([\d.]+)">([^<]*)</word>',
            bbox,
        )
        stamp_words = [
            w for w in words if "Số:" in w[4] or draft.number_notation in w[4]
        ]
        assert stamp_words, bbox
        for x_min, _y_min, x_max, y_max, _word in stamp_words:
            # Top right: right half of the A4 page, within the 20 mm top margin,
            # inside the 20 mm right margin.
            assert float(x_min) > 595 / 2 and float(x_max) <= 595 - 56.6 + 0.5
            assert float(y_max) <= 20 * 72 / 25.4 + 0.5
        # 10 pt text: the line's height is about the font size.
        heights = {round(float(w[3]) - float(w[1])) for w in stamp_words}
        assert heights <= {9, 10, 11, 12}, heights

    latest = first.versions.order_by("-number").first()
    keep_pdf_and_first_page(_bytes(latest), ARTIFACTS, "attachment", dpi=100)


def test_a_failing_attachment_stores_nothing_and_gives_the_number_back(draft, certs):
    """Wrong passphrase: neither the main file nor any attachment gets a new
    version, and the register's number is not used."""
    file = _add(draft)
    approve_for_signing(draft)
    _sign(draft, certs)
    before = dict(Register.objects.values_list("pk", "last_number"))
    versions = FileVersion.objects.filter(file__document=draft).count()
    with pytest.raises(WrongPassphrase):
        _seal(draft, certs, secret="wrong-passphrase")
    assert FileVersion.objects.filter(file__document=draft).count() == versions
    assert dict(Register.objects.values_list("pk", "last_number")) == before
    assert file.versions.count() == 1


def test_an_attachment_that_cannot_take_the_field_rolls_everything_back(draft, certs):
    """An attachment that already has a field of the agency signature's name is
    refused with a message naming it; nothing is stored, the number is given
    back."""
    from signing.stamps import add_attachment_field

    file = _add(draft)
    approve_for_signing(draft)
    _sign(draft, certs)
    version = file.versions.get()
    from documents.services import file_version_store

    pdf = add_attachment_field(_bytes(version))
    file_version_store(
        file=file,
        stream=io.BytesIO(pdf),
        kind=FileVersion.Kind.UPLOADED,
        filename="phu-luc-2.pdf",
        page_count=2,
        facts={},
        created_by=_user("chuyenvien.stc"),
    )
    before = dict(Register.objects.values_list("pk", "last_number"))
    versions = FileVersion.objects.filter(file__document=draft).count()
    with pytest.raises(ValidationError) as exc:
        _seal(draft, certs)
    assert "Phụ lục I" in str(exc.value)
    draft.refresh_from_db()
    assert draft.state == Document.State.DRAFT and not draft.code_number
    assert FileVersion.objects.filter(file__document=draft).count() == versions
    assert dict(Register.objects.values_list("pk", "last_number")) == before


def test_attachment_add_refusals(draft):
    """Only someone who may change the draft adds an attachment, with a title,
    as a PDF; nothing is stored otherwise."""
    with pytest.raises(PermissionDenied):
        _add(draft, actor="chuyenvien.snv")
    with pytest.raises(ValidationError):
        _add(draft, title="  ")
    with pytest.raises(ValidationError):
        draft_attachment_add(
            document=draft,
            stream=io.BytesIO(b"not a pdf at all"),
            filename="x.pdf",
            title="Phụ lục",
            actor=_user("chuyenvien.stc"),
        )
    assert not DocumentFile.objects.filter(
        document=draft, role=DocumentFile.Role.ATTACHMENT
    ).exists()
