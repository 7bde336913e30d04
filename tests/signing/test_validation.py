"""Validation of signed PDFs: the Decree 30 issuing order (the leader certifies,
the văn thư fills in number and date, then seals), B-T and B-LT signatures also
confirmed by poppler's pdfsig, and the negative cases of signing-stack.md §8 — a
flipped byte, page content added after signing, a revoked signer — plus hard-fail
revocation, an untrusted root and the validate_pdf command's exit codes."""

import io
import json
import subprocess
from datetime import date

import pytest
from django.core.management import call_command

from documents.rendering import (
    FIELD_LEADER,
    FIELD_NUMBER,
    FIELD_SEAL,
)
from signing import signers as s
from signing.trust import validation_context
from signing.validation import (
    VERDICT_INVALID,
    VERDICT_UNREADABLE,
    VERDICT_UNSIGNED,
    VERDICT_VALID,
    render_text,
    validate_pdf,
)
from tests.signing.conftest import PASSPHRASE, pdfsig, reader, sign_in_issuing_order


@pytest.fixture
def issued(leader, seal, draft_pdf, tsa):
    """Decree 30 order: leader B-T certification (form filling allowed), number
    and date filled in, agency seal B-LT."""
    return sign_in_issuing_order(
        draft_pdf, leader=leader, seal=seal, timestamper=tsa, issued=date(2026, 11, 22)
    )


def test_decree_30_order_leader_form_filling_then_seal(issued, tmp_path):
    report = validate_pdf(issued)
    assert report.verdict == VERDICT_VALID
    leader, seal = report.signatures
    assert (leader.field_name, seal.field_name) == (FIELD_LEADER, FIELD_SEAL)
    assert leader.ok and leader.certified and leader.docmdp_ok
    assert leader.modification_level == "FORM_FILLING"
    assert leader.timestamp_ok
    assert leader.organisation.startswith("Sở Tài chính tỉnh Lạc Hồng (demo)")
    assert seal.ok and seal.modification_level in ("NONE", "LTA_UPDATES")
    assert seal.signer_name == "Sở Tài chính tỉnh Lạc Hồng (demo)"
    assert [c.common_name for c in seal.chain] == [
        "Sở Tài chính tỉnh Lạc Hồng (demo)",
        "DEMO Issuing CA Vanthu",
        "DEMO Root CA Vanthu",
    ]
    assert pdfsig(issued).count("Signature is Valid") == 2
    path = tmp_path / "issued.pdf"
    path.write_bytes(issued)
    check = subprocess.run(
        ["qpdf", "--check", str(path)], capture_output=True, text=True, check=False
    )
    assert "No syntax or stream encoding errors" in check.stdout
    fields = [f.get_object() for f in reader(issued).root["/AcroForm"]["/Fields"]]
    values = {f["/T"]: f.get("/V") for f in fields}
    assert str(values[FIELD_NUMBER]) == "07"


def test_b_lt_alone_is_valid_and_carries_validation_data(leader, draft_pdf, tsa):
    signed = s.sign_pdf(
        pdf=draft_pdf,
        signer=leader,
        field_name=FIELD_LEADER,
        level="LT",
        timestamper=tsa,
        validation_context=validation_context(),
    )
    assert b"/DSS" in signed
    assert "Signature is Valid" in pdfsig(signed)
    (report,) = validate_pdf(signed).signatures
    assert report.ok and report.timestamp_ok


def test_b_lta_document_timestamp_is_reported(leader, draft_pdf, tsa):
    signed = s.sign_pdf(
        pdf=draft_pdf,
        signer=leader,
        field_name=FIELD_LEADER,
        level="LTA",
        timestamper=tsa,
        validation_context=validation_context(),
    )
    report = validate_pdf(signed)
    assert [r.kind for r in report.signatures] == ["signature", "timestamp"]
    assert report.ok, [r.problems for r in report.signatures]
    assert report.signatures[1].signer_name == "DEMO TSA Vanthu"


def test_a_flipped_byte_breaks_integrity(issued):
    sig = reader(issued).embedded_signatures[0]
    start, length = sig.byte_range[0], sig.byte_range[1]
    position = start + length // 2
    tampered = bytearray(issued)
    tampered[position] ^= 0x01
    report = validate_pdf(bytes(tampered))
    assert report.verdict == VERDICT_INVALID
    assert not report.signatures[0].intact
    assert report.signatures[0].problems


def _add_page_content(data: bytes) -> bytes:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    stream = generic.StreamObject(stream_data=b"q 1 0 0 RG 50 50 200 200 re S Q")
    writer.add_stream_to_page(0, writer.add_object(stream))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_page_content_added_after_signing_is_reported(leader, draft_pdf):
    signed = s.sign_pdf(
        pdf=draft_pdf, signer=leader, field_name=FIELD_LEADER, certify=True
    )
    report = validate_pdf(_add_page_content(signed))
    (sig,) = report.signatures
    assert sig.intact  # its own bytes are untouched...
    assert sig.modification_level == "OTHER"  # ...but the page changed after it
    assert sig.docmdp_ok is False
    assert report.verdict == VERDICT_INVALID
    assert "ILLEGAL_MODIFICATIONS" in sig.summary


def test_revoked_signer_is_reported(demo_pki, draft_pdf):
    revoked = s.Pkcs12Signer.load(
        demo_pki.pkcs12(demo_pki.revoked_label(), PASSPHRASE.encode()), PASSPHRASE
    )
    # Signed without a validation context, as an outside tool would.
    signed = s.sign_pdf(pdf=draft_pdf, signer=revoked, field_name=FIELD_LEADER)
    (sig,) = validate_pdf(signed).signatures
    assert sig.intact and sig.revoked and not sig.ok
    assert sig.revocation_date is not None
    for mode in ("soft-fail", "hard-fail", "require"):
        (again,) = validate_pdf(
            signed, validation_context=validation_context(revocation=mode)
        ).signatures
        assert again.revoked and not again.ok


def test_revocation_is_hard_fail_when_no_status_can_be_had(
    leader, draft_pdf, pki_server
):
    signed = s.sign_pdf(pdf=draft_pdf, signer=leader, field_name=FIELD_LEADER)
    pki_server.serve(None)  # OCSP and CRLs answer 503
    (sig,) = validate_pdf(signed).signatures
    assert sig.intact and not sig.trusted and not sig.ok
    (soft,) = validate_pdf(
        signed, validation_context=validation_context(revocation="soft-fail")
    ).signatures
    assert soft.trusted  # what the soft default would have said


def test_a_signature_from_another_root_is_untrusted(draft_pdf):
    from tests.documents.test_rendering import _self_signed_signer

    signer, _cert = _self_signed_signer("Người lạ (test only)")
    signed = s.sign_pdf(pdf=draft_pdf, signer=signer, field_name=FIELD_LEADER)
    (sig,) = validate_pdf(signed).signatures
    assert sig.intact and not sig.trusted and not sig.ok


def test_unsigned_and_unreadable(draft_pdf):
    assert validate_pdf(draft_pdf).verdict == VERDICT_UNSIGNED
    assert validate_pdf(b"no pdf here").verdict == VERDICT_UNREADABLE


def _command(path) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("validate_pdf", str(path), stdout=out)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue()


def test_validate_pdf_command_exit_codes_and_report(issued, draft_pdf, tmp_path):
    original = tmp_path / "issued.pdf"
    original.write_bytes(issued)
    code, text = _command(original)
    assert code == 0
    assert "KẾT LUẬN: HỢP LỆ" in text
    assert "FORM_FILLING" in text and "Người ký:" in text

    tampered = bytearray(issued)
    sig = reader(issued).embedded_signatures[0]
    tampered[sig.byte_range[0] + sig.byte_range[1] // 2] ^= 0x01
    (tmp_path / "tampered.pdf").write_bytes(bytes(tampered))
    code, text = _command(tmp_path / "tampered.pdf")
    assert code == 1 and "KHÔNG HỢP LỆ" in text

    (tmp_path / "unsigned.pdf").write_bytes(draft_pdf)
    assert _command(tmp_path / "unsigned.pdf")[0] == 1
    (tmp_path / "junk.pdf").write_bytes(b"junk")
    assert _command(tmp_path / "junk.pdf")[0] == 2

    out = io.StringIO()
    call_command("validate_pdf", str(original), "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["verdict"] == "valid" and data["ok"] is True
    assert [sig["modification_level"] for sig in data["signatures"]][0] == (
        "FORM_FILLING"
    )
    assert data["signatures"][0]["chain"][0]["common_name"]


def test_render_text_of_an_invalid_report(issued):
    tampered = bytearray(issued)
    sig = reader(issued).embedded_signatures[0]
    tampered[sig.byte_range[0] + 10] ^= 0x01
    text = render_text(validate_pdf(bytes(tampered)), name="x.pdf")
    assert text.startswith("Tệp: x.pdf")
    assert "! " in text
