"""Bulk import of incoming documents (manage.py import_documents): good files are
registered on behalf of the văn thư, bad ones are reported and skipped, the exit
status says whether anything failed, and a run can be stopped and resumed, even
without its journal."""

import io
import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from core.models import AuditEntry
from directory.models import Organisation, User
from documents.importing import (
    FAILED,
    IMPORTED,
    JOURNAL_NAME,
    SKIPPED,
    WOULD_IMPORT,
    import_folder,
)
from documents.models import Document, DocumentFile
from tests.documents.test_exports import make_pdf

STC = "000.00.02.H99"


@pytest.fixture
def stc(db):
    call_command("seed_demo", quiet_logins=True)
    return Organisation.objects.get(code=STC)


@pytest.fixture
def clerk(stc):
    return User.objects.get(username="vanthu.stc")


def metadata(number: int, **overrides) -> dict:
    data = {
        "document_type": "cong_van",
        "organ_name": "Ủy ban nhân dân huyện Đông Sơn",
        "organ_id": "000.00.31.H99",
        "code_number": str(number),
        "code_notation": "UBND-TCKH",
        "issued_date": (timezone.localdate() - timedelta(days=30)).isoformat(),
        "subject": f"V/v đề nghị bổ sung kinh phí sự nghiệp giáo dục, đợt {number}",
        "signer_full_name": "Trần Thị Hạnh",
        "signer_position": "Phó Chủ tịch",
    }
    data.update(overrides)
    return data


def write_document(folder: Path, stem: str, data: dict | str | None, pdf=None):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.pdf").write_bytes(pdf if pdf is not None else make_pdf(stem))
    if data is not None:
        text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
        (folder / f"{stem}.json").write_text(text, encoding="utf-8")


def run(folder: Path, *args: str) -> tuple[int, str, str]:
    """The command's exit status, standard output and standard error (English)."""
    out, err = io.StringIO(), io.StringIO()
    with translation.override("en"):
        try:
            call_command("import_documents", str(folder), *args, stdout=out, stderr=err)
        except CommandError as exc:
            if exc.returncode == 1 and "failed" in str(exc):
                return 1, out.getvalue(), err.getvalue()
            raise
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def mixed_folder(tmp_path):
    """Three good documents (one with an attachment, one in a subfolder) and five
    bad ones."""
    folder = tmp_path / "van-ban-den-2025"
    write_document(
        folder,
        "0001-cv-dong-son",
        {
            **metadata(101),
            "attachments": ["0001-phu-luc.pdf"],
            "old_arrival_number": 1523,
            "old_arrival_date": "2025-12-05",
            "description": "Bản gốc lưu tại Văn phòng Sở",
            "to_places": "Phòng Quản lý ngân sách",
        },
    )
    (folder / "0001-phu-luc.pdf").write_bytes(make_pdf("annex 0001"))
    write_document(
        folder,
        "0002-qd-ubnd",
        metadata(
            12,
            document_type="quyet_dinh",
            organ_name="Ủy ban nhân dân tỉnh Lạc Hồng",
            organ_id="000.00.00.H99",
            code_notation="QĐ-UBND",
            subject="Về việc giao chỉ tiêu biên chế năm 2026",
            urgency=1,
        ),
    )
    write_document(folder / "thang-12", "0003-tb", metadata(103))
    # Bad files.
    write_document(folder, "0004-not-a-pdf", metadata(104), pdf=b"Just some text\n")
    write_document(folder, "0005-bad-json", '{"document_type": "cong_van", ')
    write_document(folder, "0006-no-json", None)
    write_document(folder, "0007-unknown-type", metadata(107, document_type="thu_tay"))
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    write_document(folder, "0008-future", metadata(108, issued_date=tomorrow))
    return folder


def test_good_files_are_imported_and_bad_ones_reported(stc, clerk, mixed_folder):
    status, out, err = run(mixed_folder, "--as", "vanthu.stc")
    assert status == 1
    assert "3 imported, 0 skipped as already imported, 5 failed" in out
    failures = {
        line.split(":", 1)[0].strip(): line.split(":", 1)[1]
        for line in out.split("Failed:", 1)[1].splitlines()
        if line.startswith("  ")
    }
    assert set(failures) == {
        "0004-not-a-pdf.pdf",
        "0005-bad-json.pdf",
        "0006-no-json.pdf",
        "0007-unknown-type.pdf",
        "0008-future.pdf",
    }
    assert "PDF" in failures["0004-not-a-pdf.pdf"]
    assert "not valid JSON" in failures["0005-bad-json.pdf"]
    assert "no metadata file 0006-no-json.json" in failures["0006-no-json.pdf"]
    assert "thu_tay" in failures["0007-unknown-type.pdf"]
    assert "future" in failures["0008-future.pdf"]
    assert "Importing" in err  # the progress bar

    documents = {
        d.code_number: d
        for d in Document.objects.filter(organisation=stc).order_by("register_number")
    }
    assert sorted(documents) == ["101", "103", "12"]
    letter = documents["101"]
    assert letter.direction == Document.Direction.INCOMING
    assert letter.created_by == clerk
    assert letter.register.year == timezone.localdate().year
    assert [d.register_number for d in documents.values()] == [1, 2, 3]
    assert letter.description == (
        "Hệ thống cũ: số đến 1523, ngày đến 05/12/2025. Bản gốc lưu tại Văn phòng Sở"
    )
    assert letter.to_places == "Phòng Quản lý ngân sách"
    assert list(letter.files.values_list("role", "title")) == [
        (DocumentFile.Role.MAIN, "0001-cv-dong-son.pdf"),
        (DocumentFile.Role.ATTACHMENT, "0001-phu-luc.pdf"),
    ]
    assert documents["12"].urgency == 1
    assert clerk.has_perm("documents.view_document", letter)
    entry = AuditEntry.objects.filter(action="document.import").order_by("pk").first()
    assert entry.details["file"] == "0001-cv-dong-son.pdf"
    assert entry.actor is None and entry.on_behalf_of == clerk
    assert entry.details["old_arrival_number"] == "1523"

    journal = (mixed_folder / JOURNAL_NAME).read_text(encoding="utf-8").splitlines()
    assert json.loads(journal[0]) == {"format": 1, "organisation": STC}
    results = {r["file"]: r["result"] for r in map(json.loads, journal[1:])}
    assert results["thang-12/0003-tb.pdf"] == IMPORTED
    assert results["0006-no-json.pdf"] == FAILED

    # Run again: the imported ones are skipped, the bad ones fail again.
    status, out, _err = run(mixed_folder, "--as", "vanthu.stc")
    assert status == 1
    assert "0 imported, 3 skipped as already imported, 5 failed" in out
    assert "0002-qd-ubnd.pdf: already imported (arrival number 2)" in out
    assert Document.objects.filter(organisation=stc).count() == 3

    # The bad files fixed or removed: nothing fails, the exit status is 0.
    (mixed_folder / "0005-bad-json.json").write_text(
        json.dumps(metadata(105)), encoding="utf-8"
    )
    for stem in ("0004-not-a-pdf", "0006-no-json", "0007-unknown-type", "0008-future"):
        for path in mixed_folder.glob(f"{stem}.*"):
            path.unlink()
    status, out, _err = run(mixed_folder, "--organisation", STC)
    assert status == 0
    assert "1 imported, 3 skipped as already imported, 0 failed" in out
    assert Document.objects.filter(organisation=stc).count() == 4


def test_a_stopped_import_resumes_where_it_stopped(stc, clerk, tmp_path):
    folder = tmp_path / "old-system"
    for number in range(1, 6):
        write_document(folder, f"{number:04d}", metadata(number))

    status, out, _err = run(folder, "--as", "vanthu.stc", "--limit", "2")
    assert status == 0
    assert "2 imported, 0 skipped as already imported, 0 failed" in out
    assert "3 documents not started (--limit): run again to go on." in out
    assert Document.objects.filter(organisation=stc).count() == 2

    status, out, _err = run(folder, "--as", "vanthu.stc")
    assert status == 0
    assert "3 imported, 2 skipped as already imported, 0 failed" in out
    assert "Arrival numbers 3 to 5." in out
    numbers = list(
        Document.objects.filter(organisation=stc)
        .order_by("register_number")
        .values_list("code_number", "register_number")
    )
    assert numbers == [(str(n), n) for n in range(1, 6)]

    # A crash while the journal was written leaves a torn last line.
    journal = folder / JOURNAL_NAME
    with journal.open("a", encoding="utf-8") as stream:
        stream.write('{"file": "0005.pdf", "sha2')
    status, out, _err = run(folder, "--as", "vanthu.stc")
    assert status == 0
    assert "0 imported, 5 skipped as already imported, 0 failed" in out
    lines = journal.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 6  # compacted: the header and one line per file


def test_without_its_journal_an_import_still_finds_what_it_did(stc, clerk, tmp_path):
    folder = tmp_path / "old-system"
    for number in range(1, 4):
        write_document(folder, f"{number:04d}", metadata(number))
    report = import_folder(folder=folder, organisation=stc, clerk=clerk, limit=2)
    assert [r.outcome for r in report.results] == [IMPORTED, IMPORTED]
    assert report.not_started == 1
    # Lost journal (or a crash between the commit and the journal line).
    (folder / JOURNAL_NAME).unlink()
    report = import_folder(folder=folder, organisation=stc, clerk=clerk)
    assert [(r.name, r.outcome) for r in report.results] == [
        ("0001.pdf", SKIPPED),
        ("0002.pdf", SKIPPED),
        ("0003.pdf", IMPORTED),
    ]
    assert report.results[1].reason == "đã nhập trước đó (số đến 2)"
    assert Document.objects.filter(organisation=stc).count() == 3
    # The same document under another name is found by its bytes, too.
    (folder / "0001.pdf").rename(folder / "copy.pdf")
    (folder / "0001.json").rename(folder / "copy.json")
    report = import_folder(folder=folder, organisation=stc, clerk=clerk)
    assert {(r.name, r.outcome) for r in report.results} == {
        ("0002.pdf", SKIPPED),
        ("0003.pdf", SKIPPED),
        ("copy.pdf", SKIPPED),
    }


def test_a_dry_run_checks_everything_and_stores_nothing(stc, mixed_folder):
    status, out, _err = run(mixed_folder, "--as", "vanthu.stc", "--dry-run")
    assert status == 1
    assert "Dry run: nothing was stored." in out
    assert "3 imported, 0 skipped as already imported, 5 failed" in out
    assert not Document.objects.filter(organisation=stc).exists()
    assert not (mixed_folder / JOURNAL_NAME).exists()
    report = import_folder(
        folder=mixed_folder,
        organisation=stc,
        clerk=User.objects.get(username="vanthu.stc"),
        dry_run=True,
    )
    assert [r.outcome for r in report.results].count(WOULD_IMPORT) == 3


def test_only_a_records_clerk_of_the_organisation_may_import(stc, tmp_path):
    folder = tmp_path / "old"
    write_document(folder, "0001", metadata(1))
    with pytest.raises(CommandError, match="is not a records clerk"):
        run(folder, "--as", "chuyenvien.stc")
    with pytest.raises(CommandError, match="is not a records clerk"):
        run(folder, "--as", "vanthu.snv", "--organisation", STC)
    with pytest.raises(CommandError, match="Name the organisation"):
        run(folder)
    with pytest.raises(CommandError, match="No active person"):
        run(folder, "--as", "nobody")
    with pytest.raises(CommandError, match="No active organisation"):
        run(folder, "--organisation", "000.00.99.H99")
    with pytest.raises(CommandError, match="not a folder"):
        run(tmp_path / "missing", "--as", "vanthu.stc")
    assert not Document.objects.exists()

    # A folder imported into one organisation is not imported into another.
    assert run(folder, "--organisation", STC)[0] == 0
    with pytest.raises(CommandError, match="belongs to an import into"):
        run(folder, "--as", "vanthu.snv")


def test_bad_metadata_is_explained(stc, clerk, tmp_path):
    folder = tmp_path / "old"
    write_document(folder, "a-typo", {**metadata(1), "subjet": "Sai tên trường"})
    write_document(folder, "b-list", "[1, 2]")
    write_document(folder, "c-old-date", metadata(3, old_arrival_date="05/12/2025"))
    write_document(folder, "d-attachment", {**metadata(4), "attachments": ["x.pdf"]})
    write_document(folder, "e-escape", {**metadata(5), "attachments": ["../a.pdf"]})
    (tmp_path / "a.pdf").write_bytes(make_pdf("outside"))
    write_document(folder, "f-no-subject", metadata(6, subject=""))
    (folder / "g-alone.json").write_text(json.dumps(metadata(7)), encoding="utf-8")
    with translation.override("en"):
        report = import_folder(folder=folder, organisation=stc, clerk=clerk)
    reasons = {r.name: r.reason for r in report.results}
    assert [r.outcome for r in report.results] == [FAILED] * 7
    assert reasons == {
        "a-typo.pdf": "Unknown keys: subjet.",
        "b-list.pdf": "b-list.json must hold one JSON object.",
        "c-old-date.pdf": (
            "old_arrival_date: Write the date as YYYY-MM-DD, e.g. 2025-12-31."
        ),
        "d-attachment.pdf": "attachments: x.pdf is not in the folder.",
        "e-escape.pdf": "attachments: ../a.pdf is not in the folder.",
        "f-no-subject.pdf": "subject: Subject is required.",
        "g-alone.json": "There is no PDF g-alone.pdf beside the metadata.",
    }


@pytest.mark.slow
def test_import_speed(stc, clerk, tmp_path):
    folder = tmp_path / "many"
    total = 200
    for number in range(1, total + 1):
        write_document(folder, f"{number:05d}", metadata(number))
    began = time.perf_counter()
    report = import_folder(folder=folder, organisation=stc, clerk=clerk)
    seconds = time.perf_counter() - began
    assert len(report.imported) == total
    print(f"\nimport: {total} documents in {seconds:.1f} s, {total / seconds:.1f}/s")
    began = time.perf_counter()
    report = import_folder(folder=folder, organisation=stc, clerk=clerk)
    assert len(report.skipped) == total
    print(f"re-run: {total} skipped in {time.perf_counter() - began:.1f} s")
