"""Text of a file version for the index (trích xuất văn bản): the PDF text layer
(poppler's pdftotext), DOCX (python-docx), plain text. Legacy TCVN3/VNI text is
converted to Unicode (search.text.to_unicode).

A PDF without a text layer (a scan) gives no text and `needs_ocr`: the OCR worker
(issue 6, later) adds a derived version with text and the document is re-indexed.
Extraction never changes the stored file: it reads a copy of the bytes."""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass

from search import text as vt

logger = logging.getLogger(__name__)

# Text kept per file version (characters): enough for any official document.
MAX_TEXT = 1_000_000
PDFTOTEXT_TIMEOUT = 60


@dataclass(frozen=True)
class Extracted:
    text: str
    needs_ocr: bool = False  # a PDF (or image) with no text layer
    legacy_encoding: str | None = None  # "tcvn3"/"vni" when converted


def _pdf_text(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
        tmp.write(data)
        tmp.flush()
        result = subprocess.run(  # noqa: S603 - fixed program, our temp file
            ["pdftotext", "-q", "-enc", "UTF-8", tmp.name, "-"],  # noqa: S607
            capture_output=True,
            timeout=PDFTOTEXT_TIMEOUT,
            check=False,
        )
    if result.returncode not in (0, 1, 3):  # 1: open error, 3: permissions
        logger.warning("pdftotext exited with %s", result.returncode)
    return result.stdout.decode("utf-8", errors="replace")


def _docx_text(data: bytes) -> str:
    import docx  # python-docx; imported here, only indexing needs it

    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def _kind(content_type: str, filename: str) -> str:
    name = (filename or "").lower()
    if content_type == "application/pdf" or name.endswith(".pdf"):
        return "pdf"
    if name.endswith(".docx") or "wordprocessingml" in (content_type or ""):
        return "docx"
    if (content_type or "").startswith("text/") or name.endswith(".txt"):
        return "text"
    if (content_type or "").startswith("image/"):
        return "image"
    return "other"


def extract_text(
    data: bytes, *, content_type: str = "", filename: str = ""
) -> Extracted:
    """The searchable text of a file's bytes. Never raises for a damaged file:
    it gives what it could read (possibly nothing)."""
    kind = _kind(content_type, filename)
    try:
        if kind == "pdf":
            if shutil.which("pdftotext") is None:
                # Without the program nothing can be said about the text layer;
                # the caller falls back on the intake facts (has_text).
                logger.error("pdftotext is missing: install Debian's poppler-utils")
                return Extracted(text="")
            raw = _pdf_text(data)
        elif kind == "docx":
            raw = _docx_text(data)
        elif kind == "text":
            raw = data.decode("utf-8", errors="replace")
        elif kind == "image":
            return Extracted(text="", needs_ocr=True)
        else:
            return Extracted(text="")
    except (
        OSError,
        ValueError,
        KeyError,
        zipfile.BadZipFile,
        subprocess.SubprocessError,
    ) as exc:
        logger.warning("text extraction of %s failed: %r", filename or kind, exc)
        return Extracted(text="", needs_ocr=kind == "pdf")
    encoding = vt.detect_legacy(raw)
    text = vt.to_unicode(raw)
    text = " ".join(text.split())[:MAX_TEXT]
    return Extracted(
        text=text,
        needs_ocr=kind == "pdf" and not text.strip(),
        legacy_encoding=encoding,
    )
