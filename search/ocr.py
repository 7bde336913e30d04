"""OCR of scanned PDFs (nhận dạng chữ trên bản quét): a derived copy with an
invisible text layer, so a scan becomes searchable; the stored original (received,
uploaded or signed) is never modified and keeps its hash and its signatures.

Pipeline, one page at a time in a temporary directory:

1. poppler's `pdftoppm` renders the page at 300 dpi in grayscale as a JPEG
   (quality 75): Tesseract embeds a JPEG as it is, so a derived page stays about
   the size of a scanned one (a PNG made it three times larger and slower);
2. Tesseract (Debian `tesseract-ocr`, `tesseract-ocr-vie`) recognises it with
   `-l vie+eng` and writes its `pdf` output: the page image with the recognised
   words as invisible text (render mode 3) over it;
3. pikepdf joins the pages into one PDF, stored by
   `documents.derived.file_version_derive` as a DERIVED version after the source,
   with facts {"derived_from", "ocr": {engine, languages, pages, seconds}}; that
   service publishes `documents.ocr_done` and search re-indexes the document
   (search.consumers), whose text then includes the derived copy's text layer.

Nothing is stored unless every page succeeded (one transaction, after all pages).
A version that already has a derived copy is skipped, so a redelivered task does
nothing. Limits: `VANTHU_OCR_MAX_PAGES` pages per version (200; longer scans are
logged and left), `VANTHU_OCR_PAGE_TIMEOUT` seconds per program run (120).

Written with the two programs directly rather than with ocrmypdf (DESIGN.md's kept
library): ocrmypdf is not installed in this project's environment and brings
Ghostscript and a PDF/A conversion we do not want on a derived search copy; the
pipeline above is a few dozen lines on tools already needed (poppler-utils, pikepdf).
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from django.conf import settings

from core.blobstore import get_blob_store
from documents.derived import derived_version_of, file_version_derive
from documents.models import Document, FileVersion

logger = logging.getLogger(__name__)

LANGUAGES = "vie+eng"
DPI = 300
DEFAULT_MAX_PAGES = 200
DEFAULT_PAGE_TIMEOUT = 120


class OcrError(Exception):
    """A page could not be recognised (a program failed or timed out). Transient
    causes are retried by the task; nothing was stored."""


class OcrUnavailable(OcrError):
    """pdftoppm or tesseract (or the Vietnamese data) is not installed."""


class OcrRefused(Exception):
    """The PDF will not be OCR'd: unreadable, no pages, or over the page limit.
    Permanent: logged, not retried."""


@dataclass(frozen=True)
class OcrOutput:
    pages: int
    engine: str
    seconds: float


def max_pages() -> int:
    return int(getattr(settings, "VANTHU_OCR_MAX_PAGES", DEFAULT_MAX_PAGES))


def page_timeout() -> float:
    return float(getattr(settings, "VANTHU_OCR_PAGE_TIMEOUT", DEFAULT_PAGE_TIMEOUT))


@functools.cache
def engine_version() -> str:
    """ "tesseract 5.3.0": the engine named in a derived version's facts."""
    _require_programs()
    result = subprocess.run(  # noqa: S603 - fixed program
        ["tesseract", "--version"],  # noqa: S607
        capture_output=True,
        timeout=30,
        check=False,
    )
    first = (result.stdout or result.stderr).decode(errors="replace").splitlines()
    return first[0].strip() if first else "tesseract"


def _require_programs() -> None:
    for program, package in (
        ("pdftoppm", "poppler-utils"),
        ("tesseract", "tesseract-ocr"),
    ):
        if shutil.which(program) is None:
            raise OcrUnavailable(f"{program} is missing: install Debian's {package}")


def _run(args: list[str], *, timeout: float, what: str) -> None:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # one core per worker process
    try:
        result = subprocess.run(  # noqa: S603 - fixed programs, our temp files
            args, capture_output=True, timeout=timeout, check=False, env=env
        )
    except subprocess.TimeoutExpired as exc:
        raise OcrError(f"{what}: no result within {timeout:g} s") from exc
    message = result.stderr.decode(errors="replace").strip()[-500:]
    # Tesseract carries on with the languages it has: a missing one is an error
    # here, or Vietnamese pages would be read with English data alone.
    if "Failed loading language" in message:
        raise OcrUnavailable(f"{what}: {message} (install Debian's tesseract-ocr-vie)")
    if result.returncode != 0:
        raise OcrError(f"{what}: exit {result.returncode}: {message}")


def ocr_file(
    source: Path, output: Path, *, limit_pages: int | None = None
) -> OcrOutput:
    """Write to `output` the PDF `source` with each page replaced by its image
    plus an invisible text layer recognised by Tesseract. Raises OcrError (retry
    may help) or OcrRefused (it will not); `output` is written only at the end,
    after every page succeeded. Files, not bytes: a long scan stays on disk."""
    _require_programs()
    engine = engine_version()
    timeout = page_timeout()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="vanthu-ocr-") as tmp:
        work = Path(tmp)
        try:
            with pikepdf.open(source) as pdf:
                pages = len(pdf.pages)
        except pikepdf.PdfError as exc:
            raise OcrRefused(f"the PDF cannot be read: {exc}") from exc
        if limit_pages is not None and pages > limit_pages:
            raise OcrRefused(f"{pages} pages, over the limit of {limit_pages}")
        if pages == 0:
            raise OcrRefused("the PDF has no pages")
        out = pikepdf.new()
        for number in range(1, pages + 1):
            image = work / f"page-{number}"
            _run(
                [
                    "pdftoppm",
                    "-r",
                    str(DPI),
                    "-gray",
                    "-jpeg",
                    "-jpegopt",
                    "quality=75",
                    "-singlefile",
                ]
                + ["-f", str(number), "-l", str(number), str(source), str(image)],
                timeout=timeout,
                what=f"pdftoppm page {number}",
            )
            _run(
                ["tesseract", f"{image}.jpg", str(image), "-l", LANGUAGES]
                + ["--dpi", str(DPI), "pdf"],
                timeout=timeout,
                what=f"tesseract page {number}",
            )
            with pikepdf.open(f"{image}.pdf") as page_pdf:
                out.pages.extend(page_pdf.pages)
            for leftover in (f"{image}.jpg", f"{image}.pdf"):
                Path(leftover).unlink(missing_ok=True)
        out.save(output, compress_streams=True)
    return OcrOutput(
        pages=pages,
        engine=engine,
        seconds=time.monotonic() - started,
    )


def ocr_pdf(data: bytes, *, limit_pages: int | None = None) -> tuple[bytes, OcrOutput]:
    """ocr_file for bytes in memory (short documents, tests)."""
    with tempfile.TemporaryDirectory(prefix="vanthu-ocr-") as tmp:
        source, output = Path(tmp) / "in.pdf", Path(tmp) / "out.pdf"
        source.write_bytes(data)
        result = ocr_file(source, output, limit_pages=limit_pages)
        return output.read_bytes(), result


def _is_pdf(version: FileVersion) -> bool:
    return (
        version.content_type == "application/pdf"
        or version.filename.lower().endswith(".pdf")
    )


def versions_needing_ocr(document_id: int) -> list[FileVersion]:
    """PDF versions of the document without a text layer (intake fact has_text
    False) and without a derived copy yet. Derived copies are never OCR'd again."""
    versions = (
        FileVersion.objects.filter(file__document_id=document_id)
        .exclude(kind=FileVersion.Kind.DERIVED)
        .filter(facts__has_text=False)
        .select_related("file")
        .order_by("file__position", "file_id", "number")
    )
    return [v for v in versions if _is_pdf(v) and derived_version_of(v) is None]


def ocr_version(*, version: FileVersion) -> FileVersion | None:
    """Make and store the OCR copy of one version; None when skipped (done
    already, over the page limit). Raises OcrError with nothing stored."""
    if derived_version_of(version) is not None:
        return None
    limit = max_pages()
    if version.page_count is not None and version.page_count > limit:
        logger.warning(
            "ocr: version %s has %s pages, over VANTHU_OCR_MAX_PAGES=%s: not OCR'd",
            version.pk,
            version.page_count,
            limit,
        )
        return None
    with tempfile.TemporaryDirectory(prefix="vanthu-ocr-") as tmp:
        source, output = Path(tmp) / "source.pdf", Path(tmp) / "ocr.pdf"
        with get_blob_store().open(version.blob_id) as stream, open(source, "wb") as f:
            shutil.copyfileobj(stream, f)  # the stream checks the blob's hash
        try:
            result = ocr_file(source, output, limit_pages=limit)
        except OcrRefused as exc:
            logger.warning("ocr: version %s not OCR'd: %s", version.pk, exc)
            return None
        stem = (
            version.filename.rsplit(".", 1)[0]
            if "." in version.filename
            else version.filename
        )
        with open(output, "rb") as stream:
            derived = file_version_derive(
                source=version,
                stream=stream,
                filename=f"{stem}-ocr.pdf",
                # our own output, bounded by max_pages
                max_bytes=max(output.stat().st_size, 1),
                facts={
                    "ocr": {
                        "engine": result.engine,
                        "languages": LANGUAGES,
                        "pages": result.pages,
                        "seconds": round(result.seconds, 2),
                    }
                },
            )
    logger.info(
        "ocr: version %s -> derived %s, %s pages in %.1f s",
        version.pk,
        derived.pk,
        result.pages,
        result.seconds,
    )
    return derived


def ocr_document(*, document_id: int) -> list[int]:
    """OCR every scanned version of a document that has no derived copy yet; the
    ids of the derived versions made."""
    if not Document.objects.filter(pk=document_id).exists():
        return []
    made = []
    for version in versions_needing_ocr(document_id):
        derived = ocr_version(version=version)
        if derived is not None:
            made.append(derived.pk)
    return made
