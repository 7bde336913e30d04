"""Printable registers of Phụ lục IV of Decree 30/2020/NĐ-CP: the registers of
incoming and outgoing documents (sổ đăng ký văn bản đến / đi, and their secret
variants) over a date range, as a PDF to print and bind (WeasyPrint) and as an
XLSX workbook (openpyxl).

The register is a legal form: its heading and column names are the Decree's own
Vietnamese words, printed the same whatever language the person's screen uses, the
way documents.numbering names the registers. Pass the rows through the
permission-aware selector, so a register never shows more than its reader may see:

    entries = register_entries(user=user, register=register,
                               date_from=date_from, date_to=date_to)
    pdf = register_pdf(register=register, entries=entries,
                       date_from=date_from, date_to=date_to)

Both exports read `entries` with `.iterator(chunk_size=CHUNK_SIZE)`, turning each
document into a row of plain values at once, so memory does not grow with the
register. WeasyPrint keeps every page of a document in memory (a 10,000-row
register as one document took 2 GB), so the PDF is laid out in passes of
`PDF_PASS_ROWS` rows: each pass but the last drops its last page and carries the
rows on it into the next pass (rows never break across pages), the page counter
continues from pass to pass, and pikepdf joins the pages. The result is the same
register as one pass would give, with a bounded memory. Laying out is what
takes the time (about 10 ms a row), so a page that prints a long period should
hand the PDF to a background task.

Printed fonts: the Latin + Vietnamese subsets of Liberation Serif from
documents.fonts (never CSS "Times", which fontconfig may map to a font without
Vietnamese letters), with "Liberation Serif" itself as the fallback."""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

import pikepdf
from django.db.models import Max, Min, OuterRef, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from weasyprint import HTML

from directory.models import Unit

from . import fonts
from .constants import Secrecy, Urgency
from .models import Document, DraftVersion, Register
from .numbering import format_number

CHUNK_SIZE = 500
"""Documents fetched per database round trip."""

PDF_PASS_ROWS = 600
"""Rows laid out per WeasyPrint pass. Measured: a 10,000-row register (589
pages) in about 2 minutes (10-14 ms a row on 2 cores) with the whole test process
under 400 MB; as one pass, 2.1 GB. The XLSX of the same rows takes 2 seconds."""

FONT_FAMILY = f'"{fonts.FAMILY}", "Liberation Serif", serif'


@dataclass(frozen=True)
class Column:
    title: str
    pdf_width: float  # percent of the table's width
    xlsx_width: float  # characters
    kind: str  # "date", "number" or "text"


# Phụ lục IV, Mẫu sổ đăng ký văn bản đến.
INCOMING_COLUMNS: tuple[Column, ...] = (
    Column("Ngày đến", 7.5, 11, "date"),
    Column("Số đến", 5.5, 8, "number"),
    Column("Tác giả", 13, 28, "text"),
    Column("Số, ký hiệu", 11, 18, "text"),
    Column("Ngày tháng", 7.5, 11, "date"),
    Column("Tên loại và trích yếu", 25.5, 50, "text"),
    Column("Đơn vị hoặc người nhận", 11, 22, "text"),
    Column("Ngày chuyển", 6.5, 11, "date"),
    Column("Ký nhận", 6, 10, "text"),
    Column("Ghi chú", 6.5, 16, "text"),
)

# Phụ lục IV, Mẫu sổ đăng ký văn bản đi.
OUTGOING_COLUMNS: tuple[Column, ...] = (
    Column("Số, ký hiệu", 11, 18, "text"),
    Column("Ngày tháng", 7.5, 11, "date"),
    Column("Tên loại và trích yếu", 23.5, 50, "text"),
    Column("Người ký", 9, 20, "text"),
    Column("Nơi nhận", 13, 28, "text"),
    Column("Đơn vị, người nhận bản lưu", 10, 20, "text"),
    Column("Số lượng bản", 5.5, 9, "number"),
    Column("Ngày chuyển", 7, 11, "date"),
    Column("Ký nhận", 6.5, 10, "text"),
    Column("Ghi chú", 7, 16, "text"),
)

TITLES = {
    Register.Kind.INCOMING: "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN",
    Register.Kind.OUTGOING: "SỔ ĐĂNG KÝ VĂN BẢN ĐI",
    Register.Kind.SECRET_INCOMING: "SỔ ĐĂNG KÝ VĂN BẢN MẬT ĐẾN",
    Register.Kind.SECRET_OUTGOING: "SỔ ĐĂNG KÝ VĂN BẢN MẬT ĐI",
}

URGENCY_MARKS = {
    Urgency.KHAN: "Khẩn",
    Urgency.THUONG_KHAN: "Thượng khẩn",
    Urgency.HOA_TOC: "Hỏa tốc",
}
SECRECY_MARKS = {
    Secrecy.MAT: "Mật",
    Secrecy.TOI_MAT: "Tối mật",
    Secrecy.TUYET_MAT: "Tuyệt mật",
}


# ---------------------------------------------------------------------------
# What both formats share


def is_incoming_register(register: Register) -> bool:
    return register.kind in (Register.Kind.INCOMING, Register.Kind.SECRET_INCOMING)


def register_columns(register: Register) -> tuple[Column, ...]:
    """The Phụ lục IV columns of the register: a separate sequence (Kind.CUSTOM)
    numbers outgoing documents, so it has the outgoing columns."""
    return INCOMING_COLUMNS if is_incoming_register(register) else OUTGOING_COLUMNS


def register_title(register: Register) -> str:
    """`SỔ ĐĂNG KÝ VĂN BẢN ĐẾN`; a separate sequence prints its own name."""
    title = TITLES.get(register.kind) or register.name
    return unicodedata.normalize("NFC", title).upper()


def format_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def date_range_text(date_from: date | None, date_to: date | None) -> str:
    """`Từ ngày 01/01/2026 đến ngày 31/03/2026` (either end may be open)."""
    if date_from and date_to:
        return f"Từ ngày {format_date(date_from)} đến ngày {format_date(date_to)}"
    if date_from:
        return f"Từ ngày {format_date(date_from)}"
    if date_to:
        return f"Đến ngày {format_date(date_to)}"
    return ""


def _number_range_text(entries: QuerySet[Document]) -> str:
    found = entries.order_by().aggregate(
        first=Min("register_number"), last=Max("register_number")
    )
    if found["first"] is None:
        return ""
    return (
        f"Từ số {format_number(found['first'])} đến số {format_number(found['last'])}"
    )


def _organisation_lines(register: Register) -> tuple[str, str]:
    organisation = register.organisation
    parent = organisation.parent
    return (
        unicodedata.normalize("NFC", parent.name).upper() if parent else "",
        unicodedata.normalize("NFC", organisation.name).upper(),
    )


def register_export_filename(
    *, register: Register, date_from: date | None, date_to: date | None, ext: str
) -> str:
    """An ASCII file name: `so-dang-ky-van-ban-den-2026-20260101-20260331.pdf`."""
    folded = unicodedata.normalize(
        "NFKD", register_title(register).replace("Đ", "D").lower()
    )
    slug = re.sub(r"[^a-z0-9]+", "-", folded.encode("ascii", "ignore").decode())
    parts = [slug.strip("-"), str(register.year)]
    if date_from or date_to:
        parts.append(
            "-".join(d.strftime("%Y%m%d") if d else "" for d in (date_from, date_to))
        )
    return "-".join(parts) + "." + ext.lstrip(".")


def _remarks(document: Document) -> str:
    """Ghi chú: the marks a clerk writes there (độ khẩn, độ mật), then the notes."""
    marks = [
        URGENCY_MARKS.get(document.urgency, ""),
        SECRECY_MARKS.get(document.secrecy, ""),
    ]
    text = ", ".join(m for m in marks if m)
    if document.description:
        text = f"{text}. {document.description}" if text else document.description
    return text


def _type_and_subject(document: Document) -> str:
    """Tên loại và trích yếu: the type name, then the subject as written (a công
    văn's "V/v …" included)."""
    return f"{document.document_type.name} {document.subject}".strip()


def register_rows(
    register: Register, entries: QuerySet[Document]
) -> Iterator[tuple[object, ...]]:
    """The register's rows in number order, one tuple of plain values (date, int,
    str or None) per document, in the order of `register_columns(register)`."""
    entries = entries.order_by("register_number", "pk").select_related("document_type")
    if is_incoming_register(register):
        for document in entries.prefetch_related(None).iterator(chunk_size=CHUNK_SIZE):
            arrival = document.arrival_date
            yield (
                timezone.localdate(arrival) if arrival else None,
                document.register_number,
                document.organ_name,
                document.number_notation,
                document.issued_date,
                _type_and_subject(document),
                document.to_places,
                None,  # Ngày chuyển: written when the paper copy is handed over
                "",  # Ký nhận: signed by hand
                _remarks(document),
            )
        return
    # Đơn vị, người nhận bản lưu: the drafting unit named in the latest draft
    # version, else the unit of the person who made the document.
    unit_names = {
        str(pk): name
        for pk, name in Unit.objects.filter(
            organisation_id=register.organisation_id
        ).values_list("pk", "name")
    }
    latest_unit = (
        DraftVersion.objects.filter(document=OuterRef("pk"))
        .order_by("-number")
        .values(unit=KT("content__unit"))[:1]
    )
    entries = (
        entries.select_related("created_by__unit")
        .prefetch_related(None)
        .prefetch_related("recipients")
        .annotate(draft_unit=Subquery(latest_unit))
    )
    for document in entries.iterator(chunk_size=CHUNK_SIZE):
        keeper = unit_names.get(document.draft_unit or "", "")
        if not keeper and document.created_by.unit is not None:
            keeper = document.created_by.unit.name
        yield (
            document.number_notation,
            document.issued_date,
            _type_and_subject(document),
            document.signer_full_name,
            "\n".join(r.organ_name for r in document.recipients.all()),
            keeper,
            document.issued_amount,
            None,  # Ngày chuyển: written when the document is dispatched
            "",  # Ký nhận
            _remarks(document),
        )


# ---------------------------------------------------------------------------
# PDF


def _css_string(text: str) -> SafeString:
    """`text` as the inside of a CSS string in a <style> element."""
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\A ")
        .replace("<", "\\3C ")
    )
    return mark_safe(escaped)  # noqa: S308 - escaped for CSS above


def _pdf_cell(column: Column, value: object) -> tuple[str, str]:
    """(text, CSS class) of one cell."""
    css_class = "" if column.kind == "text" else column.kind
    if value is None:
        return "", css_class
    if column.kind == "date":
        return format_date(value), css_class  # type: ignore[arg-type]
    if column.kind == "number" and column.title == "Số đến":
        return format_number(value), css_class  # type: ignore[arg-type]
    return str(value), css_class


@dataclass
class _PdfRow:
    anchor: str
    cells: list[tuple[str, str]]


def _render_pass(
    context: dict,
    rows: Sequence[_PdfRow],
    *,
    heading: bool,
    first_page: int,
    final: bool,
):
    """Lay out one pass. Returns (pdf bytes, page count, rows carried over), or
    None when a non-final pass fits on one page and needs more rows."""
    html = render_to_string(
        "documents/exports/register.html",
        {**context, "rows": rows, "heading": heading, "first_page": first_page},
    )
    document = HTML(string=html).render()
    pages = document.pages
    if final:
        return document.write_pdf(), len(pages), []
    if len(pages) < 2:
        return None
    on_last = set(pages[-1].anchors)
    cut = next(i for i, row in enumerate(rows) if row.anchor in on_last)
    kept = pages[:-1]
    return document.copy(kept).write_pdf(), len(kept), list(rows[cut:])


def register_pdf(
    *,
    register: Register,
    entries: QuerySet[Document],
    date_from: date | None,
    date_to: date | None,
) -> bytes:
    """The register as a PDF: A4 landscape, heading, the numbered Phụ lục IV
    columns repeated on every page, one row per document in number order, page
    numbers, Liberation Serif embedded."""
    columns = register_columns(register)
    parent_name, organisation_name = _organisation_lines(register)
    title = register_title(register)
    footer = f"{organisation_name} – {title} năm {register.year}"
    context = {
        "font_face_css": mark_safe(fonts.font_face_css()),  # noqa: S308 - our CSS
        "font_family": mark_safe(FONT_FAMILY),  # noqa: S308 - a constant
        "footer": _css_string(footer),
        "columns": columns,
        "parent_name": parent_name,
        "organisation_name": organisation_name,
        "title": title,
        "year": register.year,
        "date_range": date_range_text(date_from, date_to),
        "number_range": _number_range_text(entries),
        "document_title": f"{title.capitalize()} năm {register.year}",
    }

    output = pikepdf.Pdf.new()
    sources: list[pikepdf.Pdf] = []
    page_number = 1

    def emit(pdf: bytes) -> None:
        source = pikepdf.Pdf.open(io.BytesIO(pdf))
        sources.append(source)
        output.pages.extend(source.pages)

    buffer: list[_PdfRow] = []
    for index, values in enumerate(register_rows(register, entries)):
        cells = [_pdf_cell(c, v) for c, v in zip(columns, values, strict=True)]
        buffer.append(_PdfRow(anchor=f"r{index}", cells=cells))
        if len(buffer) < PDF_PASS_ROWS:
            continue
        done = _render_pass(
            context,
            buffer,
            heading=page_number == 1,
            first_page=page_number,
            final=False,
        )
        if done is None:
            continue
        pdf, page_count, buffer = done
        emit(pdf)
        page_number += page_count
    pdf, _count, _rest = _render_pass(
        context, buffer, heading=page_number == 1, first_page=page_number, final=True
    )
    emit(pdf)

    with output.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:title"] = context["document_title"]
        meta["dc:creator"] = [organisation_name]
        meta["dc:language"] = ["vi"]
        meta["xmp:CreatorTool"] = "Vanthu"
    output.Root.Lang = pikepdf.String("vi")
    output.Root.ViewerPreferences = pikepdf.Dictionary(DisplayDocTitle=True)
    result = io.BytesIO()
    output.save(result, compress_streams=True)
    for source in sources:
        source.close()
    return result.getvalue()


# ---------------------------------------------------------------------------
# XLSX

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_XLSX_FONT = "Times New Roman"
_FIRST_TABLE_ROW = 8  # column names; their numbers (1)…(10) below, then the rows


def _xlsx_styles() -> list[NamedStyle]:
    def style(name, *, bold=False, italic=False, size=12, halign="left", **extra):
        return NamedStyle(
            name=name,
            font=Font(name=_XLSX_FONT, size=size, bold=bold, italic=italic),
            alignment=Alignment(horizontal=halign, vertical="top", wrap_text=True),
            **extra,
        )

    return [
        style("vt_organ", size=12),
        style("vt_organ_bold", bold=True, size=12),
        style("vt_title", bold=True, size=15, halign="center"),
        style("vt_subtitle", size=12, halign="center"),
        style("vt_head", bold=True, size=11, halign="center", border=_BORDER),
        style("vt_colnum", italic=True, size=10, halign="center", border=_BORDER),
        style("vt_text", size=11, border=_BORDER),
        style("vt_center", size=11, halign="center", border=_BORDER),
        style(
            "vt_date",
            size=11,
            halign="center",
            border=_BORDER,
            number_format="dd/mm/yyyy",
        ),
        style("vt_number", size=11, halign="center", border=_BORDER),
        style(
            "vt_arrival",
            size=11,
            halign="center",
            border=_BORDER,
            number_format="00",
        ),
    ]


def _sheet_title(register: Register) -> str:
    kind = "den" if is_incoming_register(register) else "di"
    if register.kind in (Register.Kind.SECRET_INCOMING, Register.Kind.SECRET_OUTGOING):
        kind = "mat " + kind
    return f"So {kind} {register.year}"[:31]


def register_xlsx(
    *,
    register: Register,
    entries: QuerySet[Document],
    date_from: date | None,
    date_to: date | None,
) -> bytes:
    """The register as an XLSX workbook: the same heading and columns as the PDF,
    dates as real date cells shown dd/mm/yyyy, wrapped text, the header frozen and
    repeated on printed pages, landscape A4 fitted to the page width."""
    columns = register_columns(register)
    width = len(columns)
    last_column = get_column_letter(width)
    parent_name, organisation_name = _organisation_lines(register)
    title = register_title(register)

    workbook = Workbook(write_only=True)
    workbook.properties.title = f"{title.capitalize()} năm {register.year}"
    workbook.properties.creator = "Vanthu"
    workbook.properties.language = "vi"
    for named in _xlsx_styles():
        workbook.add_named_style(named)
    sheet = workbook.create_sheet(title=_sheet_title(register))

    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.xlsx_width
    sheet.freeze_panes = f"A{_FIRST_TABLE_ROW + 2}"
    sheet.print_title_rows = f"{_FIRST_TABLE_ROW}:{_FIRST_TABLE_ROW + 1}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_margins.left = 0.7
    sheet.page_margins.right = 0.4
    sheet.page_margins.top = 0.6
    sheet.page_margins.bottom = 0.6
    sheet.print_options.horizontalCentered = True
    sheet.oddFooter.right.text = "Trang &P/&N"
    sheet.oddFooter.right.font = _XLSX_FONT

    def cell(value, style: str) -> WriteOnlyCell:
        written = WriteOnlyCell(sheet, value=value)
        written.style = style
        return written

    heading_rows = 0

    def heading_row(text: str, style: str, *, span: str) -> None:
        nonlocal heading_rows
        heading_rows += 1
        sheet.append([cell(text, style)])
        if text:
            sheet.merged_cells.add(f"A{heading_rows}:{span}{heading_rows}")

    organ_span = get_column_letter(min(4, width))
    heading_row(parent_name, "vt_organ", span=organ_span)  # row 1
    heading_row(organisation_name, "vt_organ_bold", span=organ_span)  # row 2
    heading_row(title, "vt_title", span=last_column)  # row 3
    heading_row(f"Năm {register.year}", "vt_subtitle", span=last_column)  # row 4
    heading_row(date_range_text(date_from, date_to), "vt_subtitle", span=last_column)
    heading_row(_number_range_text(entries), "vt_subtitle", span=last_column)
    sheet.append([])  # row 7
    sheet.append([cell(c.title, "vt_head") for c in columns])
    sheet.append([cell(f"({i})", "vt_colnum") for i in range(1, width + 1)])

    styles = []
    for column in columns:
        if column.kind == "date":
            styles.append("vt_date")
        elif column.title == "Số đến":
            styles.append("vt_arrival")
        elif column.kind == "number":
            styles.append("vt_number")
        else:
            styles.append("vt_text")
    for values in register_rows(register, entries):
        sheet.append(
            [
                cell(value if value != "" else None, style)
                for value, style in zip(values, styles, strict=True)
            ]
        )

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
