"""Printable registers of Phụ lục IV (documents.exports): the PDF opens, passes
qpdf, shows the Decree's columns and a row's Vietnamese text exactly, embeds its
fonts; the XLSX reopens with the same heading, columns, values and real dates.
Page images go to test-artifacts/exports/ for a person to look at."""

import html
import io
import re
import subprocess
import time
import unicodedata
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pikepdf
import pytest
from django.core.management import call_command
from django.utils import timezone

from directory.models import Organisation, User
from documents.exports import (
    INCOMING_COLUMNS,
    OUTGOING_COLUMNS,
    register_export_filename,
    register_pdf,
    register_xlsx,
)
from documents.models import Document, DocumentType, Register
from documents.selectors import register_entries
from documents.services import (
    document_assign_number,
    document_register_incoming,
    draft_create,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "exports"

DECISION_SUBJECT = "Về việc giao dự toán thu, chi ngân sách nhà nước năm 2026"
LETTER_SUBJECT = "V/v hướng dẫn xây dựng dự toán ngân sách năm 2027"
OUTGOING_SUBJECT = "Về việc phê duyệt quyết toán ngân sách quý III năm 2026"


def make_pdf(text: str = "Van ban", pages: int = 1) -> bytes:
    """A tiny valid PDF; `text` (ASCII) makes its bytes, and so its hash, unique."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type1,
            BaseFont=pikepdf.Name.Helvetica,
        )
    )
    for number in range(pages):
        page = pdf.add_blank_page(page_size=(595, 842))
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page.Contents = pdf.make_stream(
            f"BT /F1 12 Tf 72 760 Td ({text} {number + 1}) Tj ET".encode()
        )
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def upload(data: bytes, name: str) -> io.BytesIO:
    stream = io.BytesIO(data)
    stream.name = name
    return stream


def pdf_text(data: bytes, tmp_path: Path, *args: str) -> str:
    path = tmp_path / "register.pdf"
    path.write_bytes(data)
    result = subprocess.run(
        ["pdftotext", *args, str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    )
    return unicodedata.normalize("NFC", result.stdout)


def flat(text: str) -> str:
    return " ".join(text.split())


WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
    r"([^<]*)</word>"
)


def words(path: Path) -> list[tuple[float, float, float, float, str]]:
    """pdftotext's words of the first page with their boxes (points, top left)."""
    out = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [
        (*(float(v) for v in match.groups()[:4]), html.unescape(match.group(5)))
        for match in WORD.finditer(out)
    ]


def cell_text(path: Path, columns, title: str, row_word: str, next_row_word: str):
    """The text pdftotext reads inside one cell of the first page: the column is
    placed from the centres of the "(1)" and "(n)" headers and the widths the
    export gives its columns, the row runs from one row's word to the next's."""
    found = words(path)

    def box(text):
        return next(w for w in found if w[4] == text)

    widths = [c.pdf_width for c in columns]
    first, last = box("(1)"), box(f"({len(columns)})")
    first_centre, last_centre = (first[0] + first[2]) / 2, (last[0] + last[2]) / 2
    table = (last_centre - first_centre) / (
        (100 - widths[-1] / 2 - widths[0] / 2) / 100
    )
    left = first_centre - table * widths[0] / 200
    index = [c.title for c in columns].index(title)
    x = left + table * sum(widths[:index]) / 100
    top = box(row_word)[1] - 2
    bottom = box(next_row_word)[1] - 2
    out = subprocess.run(
        [
            "pdftotext",
            "-f",
            "1",
            "-l",
            "1",
            "-x",
            str(int(x + 1)),
            "-y",
            str(int(top)),
            "-W",
            str(int(table * widths[index] / 100 - 2)),
            "-H",
            str(int(bottom - top)),
            str(path),
            "-",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return flat(unicodedata.normalize("NFC", out))


def qpdf_check(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "check.pdf"
    path.write_bytes(data)
    result = subprocess.run(
        ["qpdf", "--check", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr
    return result.stdout


def save_page_png(data: bytes, name: str, page: int = 1) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf_path = ARTIFACTS / f"{name}.pdf"
    pdf_path.write_bytes(data)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "70",
            "-png",
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(pdf_path),
            str(ARTIFACTS / name),
        ],
        check=True,
    )
    return ARTIFACTS / f"{name}.png"


@pytest.fixture
def stc(db):
    call_command("seed_demo", quiet_logins=True)
    return Organisation.objects.get(code="000.00.02.H99")


@pytest.fixture
def clerk(stc):
    return User.objects.get(username="vanthu.stc")


@pytest.fixture
def book(stc, clerk):
    """A few incoming documents (one secret) and an outgoing one, all through the
    services, as a văn thư registers and numbers them."""
    today = timezone.localdate()
    decision = document_register_incoming(
        organisation=stc,
        main_file=upload(make_pdf("decision"), "qd-12.pdf"),
        metadata={
            "document_type": "quyet_dinh",
            "organ_name": "Ủy ban nhân dân tỉnh Lạc Hồng",
            "organ_id": "000.00.00.H99",
            "code_number": "12",
            "code_notation": "QĐ-UBND",
            "issued_date": (today - timedelta(days=3)).isoformat(),
            "subject": DECISION_SUBJECT,
            "signer_full_name": "Nguyễn Văn An",
            "signer_position": "Chủ tịch",
            "urgency": 1,
            "to_places": "Phòng Quản lý ngân sách",
        },
        actor=clerk,
    )
    letter = document_register_incoming(
        organisation=stc,
        main_file=upload(make_pdf("letter"), "cv-345.pdf"),
        attachments=[upload(make_pdf("annex"), "phu-luc.pdf")],
        metadata={
            "document_type": "cong_van",
            "organ_name": "Bộ Tài chính",
            "code_number": "345",
            "code_notation": "BTC-NSNN",
            "issued_date": (today - timedelta(days=5)).isoformat(),
            "subject": LETTER_SUBJECT,
            "description": "Kèm theo phụ lục biểu mẫu",
        },
        actor=clerk,
    )
    secret = document_register_incoming(
        organisation=stc,
        main_file=upload(make_pdf("secret"), "mat.pdf"),
        metadata={
            "document_type": "bao_cao",
            "organ_name": "Công an tỉnh Lạc Hồng",
            "code_number": "7",
            "code_notation": "BC-CAT",
            "issued_date": today.isoformat(),
            "subject": "Báo cáo tình hình an ninh tài chính",
            "secrecy": 1,
        },
        actor=clerk,
    )
    author = User.objects.get(username="chuyenvien.stc")
    outgoing = draft_create(
        organisation=stc,
        content={
            "document_type": "quyet_dinh",
            "subject": OUTGOING_SUBJECT,
            "body": "Điều 1. Phê duyệt quyết toán.",
            "signer_capacity": "KT.",
            "signer_capacity_of": "GIÁM ĐỐC",
            "signer_title": "PHÓ GIÁM ĐỐC",
            "signer_name": "Lê Quốc Tuấn",
            "recipients": ["Ủy ban nhân dân tỉnh Lạc Hồng", "Kho bạc Nhà nước tỉnh"],
        },
        actor=author,
    )
    document_assign_number(document=outgoing, actor=clerk)
    for document in (decision, letter, secret, outgoing):
        document.refresh_from_db()
    return {
        "decision": decision,
        "letter": letter,
        "secret": secret,
        "outgoing": outgoing,
        "author": author,
        "from": date(today.year, 1, 1),
        "to": today,
    }


def export(kind: str, clerk, book, fmt: str) -> bytes:
    register = Register.objects.get(
        organisation=clerk.organisation, year=book["to"].year, kind=kind
    )
    entries = register_entries(
        user=clerk, register=register, date_from=book["from"], date_to=book["to"]
    )
    function = register_pdf if fmt == "pdf" else register_xlsx
    return function(
        register=register,
        entries=entries,
        date_from=book["from"],
        date_to=book["to"],
    )


def test_incoming_register_pdf(book, clerk, tmp_path):
    data = export(Register.Kind.INCOMING, clerk, book, "pdf")
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == 1
        width, height = (float(v) for v in pdf.pages[0].mediabox[2:])
        assert (round(width), round(height)) == (842, 595)  # A4 landscape
        assert str(pdf.Root.Lang) == "vi"
        assert pdf.open_metadata()["dc:title"] == "Sổ đăng ký văn bản đến năm " + str(
            book["to"].year
        )
    qpdf_check(data, tmp_path)

    text = flat(pdf_text(data, tmp_path))
    year = book["to"].year
    assert "SỞ TÀI CHÍNH TỈNH LẠC HỒNG (DEMO)" in text
    assert "ỦY BAN NHÂN DÂN TỈNH LẠC HỒNG (DEMO)" in text
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in text
    assert f"Năm {year}" in text
    assert (f"Từ ngày 01/01/{year} đến ngày {book['to'].strftime('%d/%m/%Y')}") in text
    assert "Từ số 01 đến số 02" in text
    for column in INCOMING_COLUMNS:
        assert column.title in text, column.title
    layout = pdf_text(data, tmp_path, "-layout")
    assert "(1) (2) (3) (4) (5) (6) (7) (8) (9) (10)" in flat(layout)
    assert "Trang 1" in text

    # The decision's row, cell by cell, exactly (NFC).
    decision = book["decision"]
    path = tmp_path / "register.pdf"
    expected = {
        "Ngày đến": timezone.localdate(decision.arrival_date).strftime("%d/%m/%Y"),
        "Số đến": "01",
        "Tác giả": "Ủy ban nhân dân tỉnh Lạc Hồng",
        "Số, ký hiệu": "12/QĐ-UBND",
        "Ngày tháng": decision.issued_date.strftime("%d/%m/%Y"),
        "Tên loại và trích yếu": f"Quyết định {DECISION_SUBJECT}",
        "Đơn vị hoặc người nhận": "Phòng Quản lý ngân sách",
        "Ngày chuyển": "",
        "Ký nhận": "",
        "Ghi chú": "Khẩn",
    }
    for title, value in expected.items():
        cell = cell_text(path, INCOMING_COLUMNS, title, "12/QĐ-UBND", "345/BTC-NSNN")
        assert cell == value, title
    # A công văn keeps its "V/v …" subject after the type name.
    assert (
        cell_text(
            path, INCOMING_COLUMNS, "Tên loại và trích yếu", "345/BTC-NSNN", "Trang"
        )
        == f"Công văn {LETTER_SUBJECT}"
    )
    assert (
        cell_text(path, INCOMING_COLUMNS, "Ghi chú", "345/BTC-NSNN", "Trang")
        == "Kèm theo phụ lục biểu mẫu"
    )
    # The secret document has its own register and is not in this one.
    assert "Công an tỉnh" not in text

    fonts = subprocess.run(
        ["pdffonts", str(tmp_path / "register.pdf")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()[2:]
    assert fonts
    for line in fonts:
        # The Liberation Serif subsets of documents.fonts, or Liberation itself.
        assert re.search(r"\+(Vanthu-?Serif|LiberationSerif)", line), line
        assert line.split()[-5] == "yes", line  # embedded

    png = save_page_png(data, "incoming-register")
    assert png.stat().st_size > 10_000


def test_outgoing_and_secret_registers_pdf(book, clerk, tmp_path):
    data = export(Register.Kind.OUTGOING, clerk, book, "pdf")
    qpdf_check(data, tmp_path)
    text = flat(pdf_text(data, tmp_path))
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐI" in text
    for column in OUTGOING_COLUMNS:
        assert column.title in text, column.title
    outgoing = book["outgoing"]
    assert f"{outgoing.number_notation}" == "01/QĐ-STC"
    assert "01/QĐ-STC" in text
    assert f"Quyết định {OUTGOING_SUBJECT}" in text
    assert "Lê Quốc Tuấn" in text
    assert "Ủy ban nhân dân tỉnh Lạc Hồng Kho bạc Nhà nước tỉnh" in text
    assert book["author"].unit.name in text
    save_page_png(data, "outgoing-register")

    secret = flat(
        pdf_text(export(Register.Kind.SECRET_INCOMING, clerk, book, "pdf"), tmp_path)
    )
    assert "SỔ ĐĂNG KÝ VĂN BẢN MẬT ĐẾN" in secret
    assert "Báo cáo Báo cáo tình hình an ninh tài chính" in secret
    assert "Mật" in secret


def test_a_person_without_clearance_gets_an_empty_secret_register(book, tmp_path):
    specialist = User.objects.get(username="chuyenvien.stc")
    register = Register.objects.get(
        organisation=specialist.organisation,
        year=book["to"].year,
        kind=Register.Kind.SECRET_INCOMING,
    )
    entries = register_entries(user=specialist, register=register)
    text = flat(
        pdf_text(
            register_pdf(
                register=register, entries=entries, date_from=None, date_to=None
            ),
            tmp_path,
        )
    )
    assert "Không có văn bản nào trong khoảng thời gian này." in text
    assert "Công an tỉnh" not in text


def test_incoming_register_xlsx(book, clerk):
    data = export(Register.Kind.INCOMING, clerk, book, "xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.active
    year = book["to"].year
    assert sheet.title == f"So den {year}"
    assert sheet["A2"].value == "SỞ TÀI CHÍNH TỈNH LẠC HỒNG (DEMO)"
    assert sheet["A3"].value == "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN"
    assert sheet["A4"].value == f"Năm {year}"
    assert sheet["A5"].value == (
        f"Từ ngày 01/01/{year} đến ngày {book['to'].strftime('%d/%m/%Y')}"
    )
    assert "A3:J3" in {str(r) for r in sheet.merged_cells.ranges}
    assert [c.value for c in sheet[8]] == [c.title for c in INCOMING_COLUMNS]
    assert [c.value for c in sheet[9]] == [f"({i})" for i in range(1, 11)]
    assert sheet.freeze_panes == "A10"
    assert sheet.print_title_rows == "$8:$9"
    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
    assert sheet.page_setup.fitToWidth == 1
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.column_dimensions["F"].width == 50

    decision, letter = book["decision"], book["letter"]
    first = list(sheet[10])
    assert first[0].value == datetime.combine(
        timezone.localdate(decision.arrival_date), datetime.min.time()
    )
    assert first[0].is_date and first[0].number_format == "dd/mm/yyyy"
    assert first[1].value == 1 and first[1].number_format == "00"
    assert first[2].value == "Ủy ban nhân dân tỉnh Lạc Hồng"
    assert first[3].value == "12/QĐ-UBND"
    assert first[4].value.date() == decision.issued_date
    assert first[4].number_format == "dd/mm/yyyy"
    assert first[5].value == f"Quyết định {DECISION_SUBJECT}"
    assert first[5].alignment.wrap_text
    assert first[6].value == "Phòng Quản lý ngân sách"
    assert first[9].value == "Khẩn"
    second = [c.value for c in sheet[11]]
    assert second[1] == 2
    assert second[3] == "345/BTC-NSNN"
    assert second[5] == f"Công văn {LETTER_SUBJECT}"
    assert second[9] == "Kèm theo phụ lục biểu mẫu"
    assert sheet.max_row == 11
    assert letter.register_number == 2


def test_outgoing_register_xlsx(book, clerk):
    data = export(Register.Kind.OUTGOING, clerk, book, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet["A3"].value == "SỔ ĐĂNG KÝ VĂN BẢN ĐI"
    assert [c.value for c in sheet[8]] == [c.title for c in OUTGOING_COLUMNS]
    row = [c.value for c in sheet[10]]
    assert row[0] == "01/QĐ-STC"
    assert row[1].date() == book["outgoing"].issued_date
    assert row[2] == f"Quyết định {OUTGOING_SUBJECT}"
    assert row[3] == "Lê Quốc Tuấn"
    assert row[4] == "Ủy ban nhân dân tỉnh Lạc Hồng\nKho bạc Nhà nước tỉnh"
    assert row[5] == book["author"].unit.name


def test_export_file_names_are_ascii():
    register = Register(year=2026, kind=Register.Kind.INCOMING, name="Sổ đến")
    assert (
        register_export_filename(
            register=register,
            date_from=date(2026, 1, 1),
            date_to=date(2026, 3, 31),
            ext="pdf",
        )
        == "so-dang-ky-van-ban-den-2026-20260101-20260331.pdf"
    )
    register.kind = Register.Kind.SECRET_OUTGOING
    assert (
        register_export_filename(
            register=register, date_from=None, date_to=None, ext="xlsx"
        )
        == "so-dang-ky-van-ban-mat-di-2026.xlsx"
    )


@pytest.mark.slow
def test_ten_thousand_rows(stc, clerk, tmp_path):
    """A year of a busy department: 10,000 incoming documents. The rows are
    written straight to the table (registering them one by one through the
    service would take minutes) with the same fields the service fills."""
    year = timezone.localdate().year
    register = Register.objects.create(
        organisation=stc,
        year=year,
        kind=Register.Kind.INCOMING,
        name="Sổ đăng ký văn bản đến (đo tốc độ)",
    )
    letter = DocumentType.objects.get(code="cong_van")
    start = timezone.make_aware(datetime(year, 1, 2, 8, 0))
    total = 10_000
    Document.objects.bulk_create(
        [
            Document(
                organisation=stc,
                direction=Document.Direction.INCOMING,
                state=Document.State.REGISTERED,
                document_type=letter,
                code_number=str(n),
                code_notation="UBND-KT",
                issued_date=(start - timedelta(days=1)).date(),
                organ_name="Ủy ban nhân dân huyện Đông Sơn",
                subject=f"V/v báo cáo tình hình thực hiện dự toán ngân sách số {n}",
                register=register,
                register_number=n,
                arrival_date=start + timedelta(minutes=n),
                to_places="Phòng Quản lý ngân sách",
                created_by=clerk,
            )
            for n in range(1, total + 1)
        ],
        batch_size=2000,
    )
    entries = Document.objects.filter(register=register)

    began = time.perf_counter()
    xlsx = register_xlsx(
        register=register, entries=entries, date_from=None, date_to=None
    )
    xlsx_seconds = time.perf_counter() - began
    began = time.perf_counter()
    pdf = register_pdf(register=register, entries=entries, date_from=None, date_to=None)
    pdf_seconds = time.perf_counter() - began
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "ten-thousand.pdf").write_bytes(pdf)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        pages = len(document.pages)
    print(
        f"\n10,000 rows: XLSX {xlsx_seconds:.1f} s, {len(xlsx) // 1024} KB; "
        f"PDF {pdf_seconds:.1f} s, {len(pdf) // 1024} KB, {pages} pages"
    )

    sheet = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True).active
    rows = list(sheet.iter_rows(min_row=10, values_only=True))
    assert len(rows) == total
    assert [row[1] for row in rows] == list(range(1, total + 1))

    qpdf_check(pdf, tmp_path)
    text = pdf_text(pdf, tmp_path, "-layout")
    numbers = [int(line.split()[1]) for line in text.splitlines() if "/UBND-KT" in line]
    assert numbers == list(range(1, total + 1))  # every row once, in order
    assert f"Trang {pages}" in text
    save_page_png(pdf, "ten-thousand-last-page", page=pages)
