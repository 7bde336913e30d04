"""Text of file versions: PDF text layer, scans (needs OCR), DOCX, legacy
encodings, damaged files."""

import io

import docx

from search.extract import extract_text

from ..documents.pdf_samples import garbage_pdf, scan_pdf, text_pdf


def test_pdf_text_layer():
    extracted = extract_text(text_pdf(), content_type="application/pdf")
    assert "Độc lập - Tự do - Hạnh phúc" in extracted.text
    assert not extracted.needs_ocr


def test_scan_needs_ocr():
    extracted = extract_text(scan_pdf(2), content_type="application/pdf")
    assert extracted.text == ""
    assert extracted.needs_ocr


def test_damaged_pdf_gives_no_text_and_no_error():
    extracted = extract_text(garbage_pdf(), content_type="application/pdf")
    assert extracted.text == ""


def _docx(*paragraphs, table=None) -> bytes:
    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    if table:
        t = document.add_table(rows=1, cols=len(table))
        for cell, value in zip(t.rows[0].cells, table, strict=True):
            cell.text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_docx_paragraphs_and_tables():
    data = _docx("Tờ trình về việc phê duyệt dự toán", table=["Nơi nhận", "Lưu VT"])
    extracted = extract_text(data, filename="to-trinh.docx")
    assert "phê duyệt dự toán" in extracted.text
    assert "Lưu VT" in extracted.text


def test_legacy_tcvn3_docx_is_converted():
    data = _docx("QuyÕt ®Þnh vÒ viÖc cÊp phÐp x©y dùng")
    extracted = extract_text(data, filename="cu.docx")
    assert extracted.legacy_encoding == "tcvn3"
    assert extracted.text == "Quyết định về việc cấp phép xây dựng"


def test_legacy_vni_text_is_converted():
    data = "Quyeát ñònh veà vieäc caáp pheùp xaây döïng".encode()
    extracted = extract_text(data, content_type="text/plain")
    assert extracted.legacy_encoding == "vni"
    assert extracted.text == "Quyết định về việc cấp phép xây dựng"


def test_broken_docx_gives_no_text():
    assert extract_text(b"PK\x03\x04 not a zip", filename="x.docx").text == ""


def test_missing_pdftotext_is_logged_not_taken_for_a_scan(monkeypatch, caplog):
    import shutil

    monkeypatch.setattr(shutil, "which", lambda name: None)
    extracted = extract_text(text_pdf(), content_type="application/pdf")
    assert extracted.text == ""
    assert not extracted.needs_ocr
    assert "poppler-utils" in caplog.text
