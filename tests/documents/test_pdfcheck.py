"""The PDF gate: good files give their facts, bad ones a clear error and no trace."""

import datetime
import hashlib
import io
import pickle
import tracemalloc
import zlib

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import override

from documents.pdfcheck import (
    _DECODERS,
    MiB,
    PdfFacts,
    PdfRejected,
    SignatureFacts,
    check_pdf,
)
from tests.documents import pdf_samples as samples


class CountingReader:
    """A plain binary stream that counts the bytes handed out."""

    def __init__(self, data: bytes):
        self._stream = io.BytesIO(data)
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        self.bytes_read += len(chunk)
        return chunk


@pytest.fixture
def spool(tmp_path):
    """The temporary directory check_pdf writes to; empty after every check."""
    path = tmp_path / "spool"
    path.mkdir()
    yield path
    assert list(path.iterdir()) == []


def check(data: bytes, spool, name: str = "van-ban.pdf", **kwargs) -> PdfFacts:
    return check_pdf(io.BytesIO(data), filename=name, temp_dir=spool, **kwargs)


def rejected(data: bytes, spool, name: str = "van-ban.pdf", **kwargs) -> PdfRejected:
    with pytest.raises(PdfRejected) as info:
        check(data, spool, name, **kwargs)
    return info.value


def message(error: PdfRejected, language: str = "vi") -> str:
    with override(language):
        return error.messages[0]


# --- good files ---------------------------------------------------------------------


def test_text_document_facts(spool):
    data = samples.text_pdf()
    facts = check(data, spool)
    assert facts.sha256 == hashlib.sha256(data).hexdigest()
    assert facts.size == len(data)
    assert facts.page_count == 1
    assert facts.pdf_version == "1.7"
    assert facts.pdfa == ""
    # Stored decomposed (NFD) in the file, read back composed.
    assert facts.title == samples.TITLE
    assert facts.has_text is True
    assert facts.signatures == ()


def test_hundred_pages_and_an_uploaded_file(spool):
    data = samples.text_pdf(pages=100, version="1.4")
    upload = SimpleUploadedFile("cong-van.pdf", data, "application/pdf")
    facts = check_pdf(upload, filename=upload.name, temp_dir=spool)
    assert (facts.page_count, facts.pdf_version, facts.size) == (100, "1.4", len(data))


def test_scanned_pages_have_no_text(spool):
    facts = check(samples.scan_pdf(pages=3), spool)
    assert (facts.page_count, facts.has_text, facts.title) == (3, False, "")


def test_text_inside_a_form_with_inherited_resources(spool):
    assert check(samples.form_text_pdf(), spool).has_text is True


def test_pdfa_claim_and_xmp_title(spool):
    facts = check(samples.pdfa_pdf(), spool)
    assert (facts.pdfa, facts.title) == ("2B", samples.TITLE)


def test_version_raised_by_the_catalog(spool):
    assert check(samples.catalog_version_pdf(), spool).pdf_version == "2.0"


def test_rebuilt_cross_reference_table_is_accepted(spool):
    """Documented choice: a complete file with a wrong startxref passes when
    everything else does."""
    facts = check(samples.rebuilt_xref_pdf(), spool)
    assert (facts.page_count, facts.has_text) == (2, True)


@pytest.mark.parametrize(
    ("filters", "encode", "parms"),
    [
        (["ASCIIHexDecode"], samples.ascii_hex_encode, b"null"),
        (["ASCII85Decode"], samples.ascii85_encode, b"null"),
        (["RunLengthDecode"], samples.run_length_encode, b"null"),
        (["LZWDecode"], samples.lzw_encode, b"null"),
        (
            ["LZWDecode"],
            lambda d: samples.lzw_encode(d, early_change=0),
            b"<< /EarlyChange 0 >>",
        ),
        (
            ["ASCII85Decode", "FlateDecode"],
            lambda d: samples.ascii85_encode(zlib.compress(d)),
            b"null",
        ),
    ],
)
def test_every_filter_decodes_as_qpdf_decodes_it(spool, filters, encode, parms):
    """The bounded decoders of the bomb check agree with qpdf byte for byte, on
    text, noise and long runs."""
    codes = {
        ch: n for n, ch in enumerate(sorted(set("".join(samples.VIETNAMESE_LINES))))
    }
    content = samples.text_content(samples.VIETNAMESE_LINES, codes)
    noise = bytes((n * 7919 + 13) % 251 for n in range(30_000))
    pdf_parms = pikepdf.Dictionary(EarlyChange=0) if b"Early" in parms else None
    for original in (content * 40, noise, bytes(200_000) + content):
        data = samples.filtered_content_pdf(encode(original), filters, parms)
        with pikepdf.open(io.BytesIO(data)) as pdf:
            stream = pdf.pages[0].Contents
            level = pikepdf.StreamDecodeLevel.specialized
            assert stream.read_bytes(decode_level=level) == original
            raw = stream.read_raw_bytes()
        chunks = iter([raw])
        for name in filters:
            chunks = _DECODERS["/" + name](chunks, pdf_parms)
        assert b"".join(chunks) == original
        assert check(data, spool).has_text is (original is not noise)


# --- signatures ---------------------------------------------------------------------


def test_signature_facts(spool):
    facts = check(samples.signed_pdf(), spool)
    (signature,) = facts.signatures
    assert isinstance(signature, SignatureFacts)
    assert signature.field_name == "ChuKyLanhDao"
    assert signature.signer_name == samples.SIGNER_NAME
    assert signature.signer_organisation == samples.SIGNER_ORGANISATION
    assert signature.signer_serial == format(samples.SIGNER_SERIAL, "x")
    assert signature.issuer_name == samples.SIGNER_NAME  # self-signed
    assert signature.covers_whole_file is True
    assert signature.digest_intact is True
    assert signature.is_timestamp is False
    now = datetime.datetime.now(datetime.UTC)
    claimed = signature.claimed_signing_time
    assert claimed.tzinfo is not None
    assert abs(claimed - now) < datetime.timedelta(minutes=10)
    expected_end = samples.signer_certificate().not_valid_after
    assert signature.certificate_not_after == expected_end
    assert signature.certificate_not_after.tzinfo is not None
    assert facts.has_text is True


def test_byte_changed_in_the_signed_range(spool):
    (signature,) = check(
        samples.flip_signed_byte(samples.signed_pdf()), spool
    ).signatures
    assert signature.digest_intact is False
    assert signature.covers_whole_file is True


def test_update_appended_after_signing(spool):
    facts = check(samples.append_update(samples.signed_pdf()), spool)
    (signature,) = facts.signatures
    assert signature.covers_whole_file is False
    assert signature.digest_intact is True
    assert facts.title == "Đã sửa sau khi ký"


def test_document_timestamp(spool):
    facts = check(samples.timestamped_pdf(samples.signed_pdf()), spool)
    signature, timestamp = facts.signatures
    assert (signature.is_timestamp, signature.covers_whole_file) == (False, False)
    assert signature.digest_intact is True
    assert timestamp.is_timestamp is True
    assert timestamp.signer_name == samples.TSA_NAME
    assert (timestamp.covers_whole_file, timestamp.digest_intact) == (True, True)
    assert timestamp.claimed_signing_time.tzinfo is not None


# --- rejected -----------------------------------------------------------------------

REJECTED = {
    "empty": (lambda: b"", "empty", "Tệp “van-ban.pdf” không có nội dung"),
    "png": (samples.png_bytes, "not_pdf", "không phải là tệp PDF"),
    "docx": (samples.docx_bytes, "not_pdf", "không phải là tệp PDF"),
    "garbage": (samples.garbage_pdf, "corrupt", "bị hỏng"),
    "truncated": (samples.truncated_pdf, "corrupt", "không đầy đủ"),
    "no pages": (samples.no_pages_pdf, "corrupt", "không có trang nào"),
    "page tree loop": (samples.page_tree_loop_pdf, "corrupt", "bị hỏng"),
    "bad flate data": (samples.corrupt_flate_pdf, "corrupt", "bị hỏng"),
    "unreadable signature": (
        samples.unreadable_signature_pdf,
        "corrupt",
        "chữ ký số không đọc được",
    ),
    "user password": (samples.encrypted_pdf, "encrypted", "mật khẩu"),
    "owner password only": (
        lambda: samples.encrypted_pdf(user=""),
        "encrypted",
        "mật khẩu",
    ),
    "nested too deeply": (samples.deeply_nested_pdf, "too_complex", "lồng nhau"),
    "stacked deflate": (samples.nested_flate_bomb_pdf, "bomb", "1.100 lần"),
    "image of 30 GB": (samples.image_bomb_pdf, "bomb", "hình ảnh lớn hơn 1 GB"),
}


@pytest.mark.parametrize("case", REJECTED)
def test_bad_input_is_rejected_with_a_clear_message(spool, case):
    build, code, words = REJECTED[case]
    error = rejected(build(), spool)
    assert error.code == code
    text = message(error)
    assert text.startswith("Tệp “van-ban.pdf” ")
    assert words in text
    assert message(error, "en").startswith("The file “van-ban.pdf” ")


def test_encryption_message(spool):
    error = rejected(samples.encrypted_pdf(user=""), spool, name="bao-mat.pdf")
    assert message(error) == (
        "Tệp “bao-mat.pdf” đã được mã hóa hoặc đặt mật khẩu. Hãy đề nghị nơi gửi "
        "cung cấp bản không có bảo vệ: hồ sơ lưu trữ phải mở được mà không cần "
        "mật khẩu."
    )


def test_too_large_stops_reading(spool):
    source = CountingReader(samples.text_pdf(pages=3) + bytes(5 * MiB))
    with pytest.raises(PdfRejected) as info:
        check_pdf(source, filename="lon.pdf", max_bytes=MiB, temp_dir=spool)
    assert info.value.code == "too_large"
    assert source.bytes_read == MiB + 1
    assert message(info.value) == "Tệp “lon.pdf” lớn hơn giới hạn 1 MB."


def test_size_limit_is_inclusive(spool):
    data = samples.text_pdf()
    assert check(data, spool, max_bytes=len(data)).size == len(data)
    assert rejected(data, spool, max_bytes=len(data) - 1).code == "too_large"


def test_default_limit_from_declared_size_without_reading(spool, settings):
    if hasattr(settings, "VANTHU_UPLOAD_MAX_BYTES"):
        del settings.VANTHU_UPLOAD_MAX_BYTES  # the module's default applies
    upload = SimpleUploadedFile("x.pdf", bytes(50 * MiB + 1), "application/pdf")
    with pytest.raises(PdfRejected) as info:
        check_pdf(upload, filename="x.pdf", temp_dir=spool)
    assert upload.file.tell() == 0
    assert info.value.code == "too_large"
    assert message(info.value) == "Tệp “x.pdf” lớn hơn giới hạn 50 MB."
    assert message(info.value, "en") == (
        "The file “x.pdf” is larger than the limit of 50 MB."
    )


def test_size_limit_setting(spool, settings):
    settings.VANTHU_UPLOAD_MAX_BYTES = 1000
    error = rejected(samples.text_pdf(), spool)
    assert message(error, "en") == (
        "The file “van-ban.pdf” is larger than the limit of 1,000 bytes."
    )
    # Survives pickling (Celery results, cached forms) with its lazy limit.
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.code, message(copy)) == ("too_large", message(error))
    assert message(copy) == "Tệp “van-ban.pdf” lớn hơn giới hạn 1.000 byte."


def test_page_limit(spool, settings):
    settings.VANTHU_PDF_MAX_PAGES = 2
    assert check(samples.text_pdf(pages=2), spool).page_count == 2
    error = rejected(samples.text_pdf(pages=3), spool)
    assert error.code == "too_many_pages"
    assert message(error) == "Tệp “van-ban.pdf” có hơn 2 trang."


def test_object_limit(spool, settings):
    settings.VANTHU_PDF_MAX_OBJECTS = 1000
    check(samples.many_objects_pdf(900), spool)
    error = rejected(samples.many_objects_pdf(1000), spool)
    assert error.code == "too_complex"
    assert "hơn 1.000 đối tượng" in message(error)


def test_flate_bomb_within_default_budget(spool):
    """2 GiB of zeros deflated into 2 MB: refused once 1 GiB has been decoded, and
    the decoded data is never held in memory."""
    data = samples.flate_bomb_pdf()
    assert len(data) < 3 * MiB
    tracemalloc.start()
    try:
        error = rejected(data, spool)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.code == "bomb"
    assert message(error) == (
        "Tệp “van-ban.pdf” giải nén ra hơn 1 GB; có thể là “bom giải nén”."
    )
    assert peak < 16 * MiB


@pytest.mark.parametrize(
    ("filters", "encode"),
    [
        (["RunLengthDecode"], samples.run_length_encode),
        (["LZWDecode"], samples.lzw_encode),
        (
            ["ASCIIHexDecode", "FlateDecode"],
            lambda d: samples.ascii_hex_encode(zlib.compress(d)),
        ),
    ],
)
def test_decoded_bytes_budget_setting(spool, settings, filters, encode):
    settings.VANTHU_PDF_MAX_DECODED_BYTES = 256 * 1024
    data = samples.filtered_content_pdf(encode(bytes(384 * 1024)), filters)
    error = rejected(data, spool)
    assert error.code == "bomb"
    assert "hơn 256 KB" in message(error)
    settings.VANTHU_PDF_MAX_DECODED_BYTES = 512 * 1024
    check(data, spool)


def test_stream_ratio_setting(spool, settings):
    settings.VANTHU_PDF_MAX_STREAM_RATIO = 50
    data = samples.filtered_content_pdf(zlib.compress(bytes(4 * MiB)), ["FlateDecode"])
    error = rejected(data, spool)
    assert error.code == "bomb"
    assert "hơn 50 lần" in message(error)
