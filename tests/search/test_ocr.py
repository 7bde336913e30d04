"""OCR of scanned PDFs (search.ocr, documents.derived): a registered scan gets a
DERIVED copy with a Tesseract text layer, the original keeps its bytes and hash,
and the document becomes searchable by the recognised words. Real pdftoppm and
Tesseract with Debian's Vietnamese data; events delivered through core.events."""

import hashlib
import io
import time
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from PIL import Image, ImageDraw, ImageFont

from core.blobstore import get_blob_store
from core.events import event_deliver
from core.models import AuditEntry, OutboxEvent
from directory.models import Organisation, User
from documents.derived import file_version_derive
from documents.models import FileVersion
from documents.services import document_register_incoming
from search import ocr
from search import text as vt
from search.services import search, version_text
from search.tasks import ocr_document
from vanthu.celery import app as celery_app

from ..documents.pdf_samples import text_pdf

pytestmark = pytest.mark.usefixtures("demo", "search_index")

FONT_DIR = "/usr/share/fonts/truetype/liberation2"  # Debian fonts-liberation2
LINES = (
    ("bold", 64, "QUYẾT ĐỊNH"),
    ("regular", 50, "Về việc cấp phép xây dựng"),
    ("regular", 50, "Ủy ban nhân dân tỉnh Lạc Hồng"),
)


@pytest.fixture
def eager_tasks():
    """Celery tasks run in this process when sent (the broker path is covered by
    core's outbox tests; here: event -> consumer -> task -> service)."""
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


def scanned_pdf(pages: int = 1) -> bytes:
    """An image-only PDF of A4 pages at 300 dpi, as a scanner without OCR makes it:
    Vietnamese text drawn by Pillow in Liberation Serif, no text layer."""
    images = []
    for _ in range(pages):
        image = Image.new("L", (2480, 3508), 255)
        draw = ImageDraw.Draw(image)
        y = 400
        for style, size, line in LINES:
            name = (
                "LiberationSerif-Bold.ttf"
                if style == "bold"
                else ("LiberationSerif-Regular.ttf")
            )
            draw.text(
                (300, y),
                line,
                font=ImageFont.truetype(f"{FONT_DIR}/{name}", size),
                fill=0,
            )
            y += 120
        images.append(image)
    buffer = io.BytesIO()
    images[0].save(
        buffer, "PDF", resolution=300, save_all=True, append_images=images[1:]
    )
    return buffer.getvalue()


def _register(data: bytes, subject="V/v cấp phép (bản quét)"):
    stream = io.BytesIO(data)
    stream.name = "ban-quet.pdf"
    return document_register_incoming(
        organisation=Organisation.objects.get(code="000.00.02.H99"),
        main_file=stream,
        metadata={
            "document_type": "quyet_dinh",
            "organ_name": "Ủy ban nhân dân tỉnh Lạc Hồng",
            "organ_id": "000.00.01.H99",
            "code_number": "15",
            "code_notation": "QĐ-UBND",
            "issued_date": "2026-01-05",
            "subject": subject,
        },
        actor=User.objects.get(username="vanthu.stc"),
    )


def _deliver_last(topic):
    event = OutboxEvent.objects.filter(topic=topic).latest("pk")
    return event_deliver(event_pk=event.pk)


def _blob_sha256(version: FileVersion) -> str:
    with get_blob_store().open(version.blob_id) as stream:
        return hashlib.sha256(stream.read()).hexdigest()


@pytest.mark.usefixtures("eager_tasks")
def test_registered_scan_becomes_searchable_and_the_original_keeps_its_hash():
    """Registration event -> OCR task -> DERIVED version with a Vietnamese text
    layer -> documents.ocr_done -> re-indexed: the clerk finds the scan by words
    that exist only in its image; the original's bytes and hash are unchanged."""
    clerk = User.objects.get(username="vanthu.stc")
    document = _register(scanned_pdf())
    original = document.files.get().versions.get()
    original_hash = original.blob_id
    assert original.facts["has_text"] is False
    assert _blob_sha256(original) == original_hash

    _deliver_last("documents.incoming_registered")  # indexes, then OCRs (eager)
    assert search(user=clerk, query="cap phep xay dung").total == 0  # not yet
    derived = document.files.get().versions.get(kind=FileVersion.Kind.DERIVED)
    assert derived.number == original.number + 1
    assert derived.facts["derived_from"] == original.pk
    assert derived.facts["ocr"]["languages"] == "vie+eng"
    assert derived.facts["ocr"]["pages"] == 1
    assert derived.facts["ocr"]["engine"].startswith("tesseract ")
    assert derived.facts["has_text"] is True
    assert derived.page_count == 1

    # The original is untouched: same row, same blob, same bytes.
    original.refresh_from_db()
    assert original.kind == FileVersion.Kind.RECEIVED_ORIGINAL
    assert original.blob_id == original_hash
    assert _blob_sha256(original) == original_hash
    assert derived.blob_id != original_hash

    # The recognised text is NFC Vietnamese with the key words (folded compare
    # tolerates an OCR slip in a tone mark).
    text, needs_ocr = version_text(derived)
    assert not needs_ocr
    assert text == unicodedata.normalize("NFC", text)
    assert "quyết định" in text.lower()
    for word in ("cap", "phep", "xay", "dung", "uy", "ban", "nhan", "dan"):
        assert word in vt.fold_tokens(text)

    audit = AuditEntry.objects.filter(action="document.version_derive").get()
    assert audit.details["source_sha256"] == original_hash
    assert audit.actor_id is None  # the system (OCR worker)

    acted = _deliver_last("documents.ocr_done")
    assert "search.consumers.reindex" in acted
    results = search(user=clerk, query="cap phep xay dung")
    assert [h.id for h in results.hits] == [document.pk]
    assert search(user=clerk, query="quyết định ủy ban").hits[0].id == document.pk
    # Someone of another organisation still finds nothing.
    other = User.objects.get(username="vanthu.snv")
    assert search(user=other, query="cap phep xay dung").total == 0

    # Idempotent: the task again, or the event again, stores nothing more.
    assert ocr_document.delay(document.pk).get() == []
    assert _deliver_last("documents.incoming_registered") == []
    assert document.files.get().versions.count() == 2
    assert OutboxEvent.objects.filter(topic="documents.ocr_done").count() == 1


@pytest.mark.slow
def test_seconds_per_page(capsys):
    """Three pages are recognised in one derived PDF of three pages (the timing is
    printed for the report)."""
    started = time.monotonic()
    data, result = ocr.ocr_pdf(scanned_pdf(pages=3))
    seconds = time.monotonic() - started
    assert result.pages == 3
    from pikepdf import Pdf

    with Pdf.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == 3
    with capsys.disabled():
        print(f"\nOCR: {seconds / 3:.2f} s per page (300 dpi, vie+eng)")


def test_text_pdf_is_not_sent_to_ocr():
    """A PDF with a text layer needs no OCR: the consumer sends nothing."""
    document = _register(text_pdf(), subject="V/v có chữ")
    assert ocr.versions_needing_ocr(document.pk) == []
    assert ocr.ocr_document(document_id=document.pk) == []
    assert not FileVersion.objects.filter(kind=FileVersion.Kind.DERIVED).exists()


def test_failed_recognition_stores_nothing(monkeypatch):
    """Tesseract fails (a language it lacks): OcrError, no version, no event."""
    document = _register(scanned_pdf())
    monkeypatch.setattr(ocr, "LANGUAGES", "vie+xyz")
    with pytest.raises(ocr.OcrError):
        ocr.ocr_document(document_id=document.pk)
    assert document.files.get().versions.count() == 1
    assert not OutboxEvent.objects.filter(topic="documents.ocr_done").exists()


def test_page_timeout_stores_nothing(settings):
    settings.VANTHU_OCR_PAGE_TIMEOUT = 0.001
    document = _register(scanned_pdf())
    with pytest.raises(ocr.OcrError, match="no result within"):
        ocr.ocr_document(document_id=document.pk)
    assert document.files.get().versions.count() == 1


def test_scan_over_the_page_limit_is_left_alone(settings, caplog):
    settings.VANTHU_OCR_MAX_PAGES = 1
    document = _register(scanned_pdf(pages=2))
    assert ocr.ocr_document(document_id=document.pk) == []
    assert document.files.get().versions.count() == 1
    assert "VANTHU_OCR_MAX_PAGES" in caplog.text


def test_derive_refuses_a_file_that_is_not_a_pdf():
    """Bad bytes as a derived copy: the intake check refuses, nothing stored."""
    document = _register(scanned_pdf())
    source = document.files.get().versions.get()
    with pytest.raises(ValidationError):
        file_version_derive(
            source=source,
            stream=io.BytesIO(b"not a pdf"),
            filename="x.pdf",
            facts={"ocr": {}},
        )
    assert document.files.get().versions.count() == 1
    assert not OutboxEvent.objects.filter(topic="documents.ocr_done").exists()


def test_derive_refuses_a_copy_of_a_copy():
    """A derived copy is made from an original version only (Vietnamese message)."""
    from django.utils import translation

    document = _register(scanned_pdf())
    source = document.files.get().versions.get()
    copy = file_version_derive(
        source=source, stream=io.BytesIO(text_pdf()), filename="a.pdf", facts={}
    )
    # The same source again: the existing copy, nothing new.
    again = file_version_derive(
        source=source, stream=io.BytesIO(text_pdf()), filename="a.pdf", facts={}
    )
    assert again.pk == copy.pk
    with translation.override("vi"), pytest.raises(ValidationError) as info:
        file_version_derive(
            source=copy, stream=io.BytesIO(text_pdf()), filename="b.pdf", facts={}
        )
    assert "bản dẫn xuất" in info.value.messages[0]
    assert document.files.get().versions.count() == 2


def test_derived_copy_larger_than_the_upload_limit_is_stored(settings):
    """The upload size limit is for people's files: the system's own OCR copy of a
    registered scan is stored even when it is larger (pages are capped instead)."""
    document = _register(scanned_pdf())
    settings.VANTHU_UPLOAD_MAX_BYTES = 1000
    (made,) = ocr.ocr_document(document_id=document.pk)
    derived = FileVersion.objects.get(pk=made)
    assert derived.size > 1000
    assert derived.kind == FileVersion.Kind.DERIVED


@pytest.mark.usefixtures("eager_tasks")
def test_uploaded_scanned_draft_gets_a_derived_copy():
    """An uploaded draft that is a scan (documents.draft_created) is OCR'd too; the
    uploaded version stays as it was."""
    from documents.services import draft_upload

    stream = io.BytesIO(scanned_pdf())
    stream.name = "du-thao-quet.pdf"
    document = draft_upload(
        organisation=Organisation.objects.get(code="000.00.02.H99"),
        file=stream,
        metadata={"document_type": "quyet_dinh", "subject": "Dự thảo (bản quét)"},
        actor=User.objects.get(username="chuyenvien.stc"),
    )
    uploaded = document.files.get().versions.get()
    acted = _deliver_last("documents.draft_created")
    assert "search.consumers.ocr_scans" in acted
    derived = document.files.get().versions.get(kind=FileVersion.Kind.DERIVED)
    assert derived.facts["derived_from"] == uploaded.pk
    uploaded.refresh_from_db()
    assert uploaded.kind == FileVersion.Kind.UPLOADED
    assert _blob_sha256(uploaded) == uploaded.blob_id
