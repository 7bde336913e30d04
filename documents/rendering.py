"""Drafts rendered to the Decree 30/2020/NĐ-CP layout, as PDF/A-2b with form fields.

`render_draft_pdf(DraftLayout(...))` lays a structured draft out as Phụ lục I
prescribes (quốc hiệu and tiêu ngữ, agency, number, place and date, type name and
trích yếu, body, signer, nơi nhận; A4, the regulation's margins and font sizes, a
Times-metric serif with every Vietnamese letter, see documents.fonts) and returns
a PDF/A-2b file in which the issuing steps find their places ready, so that
signing needs no coordinates:

* `FIELD_LEADER` ("chu_ky_lanh_dao"): empty signature field centred between the
  signer's title and name (box 7c), for the leader's visible signature;
* `FIELD_SEAL` ("chu_ky_co_quan"): empty signature field of the seal's actual size
  (`DraftLayout.seal_size_mm`, 36 mm), its right edge a third of the way into the
  leader's box and centred on it vertically (box 8), for the agency signature;
* `FIELD_NUMBER` ("so_van_ban"): text field for the number in "Số: ____/QĐ-STC";
* `FIELD_DATE` ("ngay_ban_hanh"): a parent text field whose kids are the three
  terminal text fields `FIELD_DAY`, `FIELD_MONTH`, `FIELD_YEAR`
  ("ngay_ban_hanh.ngay", ".thang", ".nam") in "<Địa danh>, ngày __ tháng __ năm
  ____".

The static words of those two lines are page text; the fields hold only the
variable digits, so a filled draft reads exactly like a typed one and filling
needs no Vietnamese glyphs. Each text field has a /DA naming a font of the
AcroForm /DR: Vanthu Serif regular or italic as an embedded simple TrueType font
(WinAnsi, printable ASCII), as PDF/A wants. When the number and the date are
already known (`DraftLayout.number`, `issued_date`) they are printed and those
text fields are left out.

The issuing order this serves: the leader signs `FIELD_LEADER` (pyHanko,
`existing_fields_only=True`, certification with `MDPPerm.FILL_FORMS`); the clerk's
number and date go into the text fields as an incremental update,
`fill_issue_fields` (page font, baseline and alignment; pyHanko's
`populate_static_text_field` with a documents.fonts file also works); the agency
signs `FIELD_SEAL`. pyHanko then reports the leader's signature as intact with
FORM_FILLING modifications only (tests/documents/test_rendering.py).

How the fields are placed: the template puts empty links to "vanthu-field:<name>"
where the fields belong; WeasyPrint lays them out and reports each link's
rectangle (`Page.links`, public API); the links are dropped before the PDF is
written, and pikepdf adds the fields at those rectangles. `RenderedDraft.fields`
gives every field's page (0-based) and box in PDF points, origin bottom left.

WeasyPrint's font configuration and the parsed stylesheet are made once per
process and the fonts are pre-subset: a one-page draft renders in about 60-80 ms
(bench/render.py).
"""

from __future__ import annotations

import atexit
import functools
import io
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pikepdf
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from . import fonts

FIELD_NUMBER = "so_van_ban"
FIELD_DATE = "ngay_ban_hanh"
FIELD_DAY = f"{FIELD_DATE}.ngay"
FIELD_MONTH = f"{FIELD_DATE}.thang"
FIELD_YEAR = f"{FIELD_DATE}.nam"
FIELD_LEADER = "chu_ky_lanh_dao"
FIELD_SEAL = "chu_ky_co_quan"

SIGNER_CAPACITIES = ("", "TM.", "KT.", "TL.", "TUQ.", "Q.")
# Phụ lục I III.2.b: urgency stamps 20x8, 40x8 and 30x8 mm. Secrecy stamps
# (Thông tư 24/2020/TT-BCA): MẬT 20x8, TỐI MẬT 30x8, TUYỆT MẬT 40x8 mm.
URGENCY_MARKS = {1: ("KHẨN", 20), 2: ("THƯỢNG KHẨN", 40), 3: ("HỎA TỐC", 30)}
SECRECY_MARKS = {1: ("MẬT", 20), 2: ("TỐI MẬT", 30), 3: ("TUYỆT MẬT", 40)}
# An agency's round seal is 35-42 mm across; the box is the seal's actual size.
DEFAULT_SEAL_SIZE_MM = 36.0

PDF_VARIANT = "pdf/a-2b"
MM = 72 / 25.4
_PX = 0.75  # points per CSS pixel
_LINK_SCHEME = "vanthu-field:"
_TEMPLATE = "documents/render/draft.html"
_CSS_PATH = Path(__file__).parent / "templates" / "documents" / "render" / "draft.css"

# Text fields: (font style, font size, quadding 0 left / 1 centre / 2 right).
# The sizes are those of draft.css (--number-size, --date-size); the field box
# goes 0.22 em below the baseline (.field in draft.css).
_TEXT_FIELDS = {
    FIELD_NUMBER: ("regular", 13.0, 2),
    FIELD_DAY: ("italic", 13.0, 1),
    FIELD_MONTH: ("italic", 13.0, 1),
    FIELD_YEAR: ("italic", 13.0, 1),
}
_FIELD_DESCENT_EM = 0.22
_DR_FONTS = {"regular": "/VnSerif", "italic": "/VnSerifIt"}


@dataclass(frozen=True)
class FieldPlacement:
    """Where a form field lies: page index (0-based) and box in PDF points."""

    page: int
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (self.x1, self.y1, self.x2, self.y2)

    @property
    def width(self) -> float:
        return self.x2 - self.x1

    @property
    def height(self) -> float:
        return self.y2 - self.y1


@dataclass
class DraftLayout:
    """Everything the printed document shows; plain values, no models."""

    agency_name: str
    agency_abbr: str
    place_name: str
    subject: str
    body: str
    signer_name: str
    parent_agency_name: str = ""
    unit_abbr: str = ""
    type_code: str = ""
    type_name: str = ""  # empty for a công văn
    type_abbr: str = ""  # empty for a công văn
    signer_capacity: str = ""  # one of SIGNER_CAPACITIES
    signer_capacity_of: str = ""  # "GIÁM ĐỐC", "ỦY BAN NHÂN DÂN"
    signer_title: str = ""  # "PHÓ GIÁM ĐỐC"
    recipients: list[str] = field(default_factory=list)  # "Kính gửi"
    copies_to: list[str] = field(default_factory=list)  # "Nơi nhận" lines
    archive_units: list[str] = field(default_factory=list)  # "Lưu: VT, <units>."
    drafter_initials: str = ""  # box 12, e.g. "NVA"
    copies: int | None = None  # box 12, copies issued
    urgency: int = 0  # 0..3: -, khẩn, thượng khẩn, hỏa tốc
    secrecy: int = 0  # 0..3: -, mật, tối mật, tuyệt mật
    number: str = ""  # printed when already known (re-rendering an issued text)
    issued_date: date | None = None
    seal_size_mm: float = DEFAULT_SEAL_SIZE_MM


@dataclass
class RenderedDraft:
    pdf: bytes
    page_count: int
    fields: dict[str, FieldPlacement]


def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value or "").strip()


def _check_abbr(value: str) -> None:
    if not value or re.search(r"[\s/]", value):
        raise ValueError(
            _("An abbreviation must be non-empty, without spaces or “/”: “%(abbr)s”.")
            % {"abbr": value}
        )


def notation_suffix(*, type_abbr: str, agency_abbr: str, unit_abbr: str = "") -> str:
    """Ký hiệu after the slash: `QĐ-UBND`, or `UBND-VX` for a công văn."""
    type_abbr, agency_abbr, unit_abbr = map(_nfc, (type_abbr, agency_abbr, unit_abbr))
    _check_abbr(agency_abbr)
    if type_abbr:
        _check_abbr(type_abbr)
        return f"{type_abbr}-{agency_abbr}"
    if unit_abbr:
        _check_abbr(unit_abbr)
        return f"{agency_abbr}-{unit_abbr}"
    return agency_abbr


def notation(
    *, number: int | None, type_abbr: str, agency_abbr: str, unit_abbr: str = ""
) -> str:
    """Số, ký hiệu (PL I II.3): `12/QĐ-UBND`, công văn `05/UBND-VX`.

    Numbers below 10 take a leading zero; no spaces. `number=None` gives the blank
    of an unnumbered draft, `     /QĐ-UBND`."""
    suffix = notation_suffix(
        type_abbr=type_abbr, agency_abbr=agency_abbr, unit_abbr=unit_abbr
    )
    if number is None:
        return f"{' ' * 5}/{suffix}"
    if number < 1:
        raise ValueError(_("A document number starts at 1."))
    return f"{number:02d}/{suffix}"


def date_parts(d: date) -> tuple[str, str, str]:
    """Day, month and year as printed: a leading zero on days below 10 and on
    January and February only (PL I II.4.b)."""
    month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
    return f"{d.day:02d}", month, str(d.year)


def date_line(place: str, d: date) -> str:
    """`Tiền Giang, ngày 05 tháng 01 năm 2026`, `… ngày 15 tháng 3 năm 2026`."""
    day, month, year = date_parts(d)
    return f"{_nfc(place)}, ngày {day} tháng {month} năm {year}"


# --- Content -------------------------------------------------------------------

_ARTICLE = re.compile(r"^(Điều\s+\d+[a-zđ]?\.)(.*)$", re.DOTALL)
_SECTION = re.compile(r"^[IVXLC]+\.\s")
_BASIS = ("Căn cứ", "Theo đề nghị", "Xét đề nghị")


def _line(text: str) -> dict:
    """One printed paragraph. An all-capitals line is a centred bold heading
    ("QUYẾT ĐỊNH:"), or a bold section title after a Roman numeral; "Căn cứ …" and
    "Theo đề nghị …" are the italic legal basis; "Điều 1." is a bold lead-in."""
    if any(c.isalpha() for c in text) and text == text.upper():
        return {"kind": "section" if _SECTION.match(text) else "heading", "text": text}
    if text.startswith(_BASIS):
        return {"kind": "basis", "text": text}
    if match := _ARTICLE.match(text):
        return {"kind": "article", "lead": match.group(1), "text": match.group(2)}
    return {"kind": "text", "text": text}


def _paragraphs(body: str) -> list[list[dict]]:
    """Blocks split on blank lines (6 pt apart); each line of a block is printed
    as its own indented paragraph. Everything is text: the template escapes it."""
    text = unicodedata.normalize("NFC", body or "")
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    blocks = []
    for block in re.split(r"\n[ \t]*\n", text):
        lines = [" ".join(line.split()) for line in block.split("\n")]
        if lines := [_line(line) for line in lines if line]:
            blocks.append(lines)
    return blocks


def _list_item(value: str) -> str:
    return _nfc(value).lstrip("-–•").strip().rstrip(";.,").strip()


def _copies_lines(layout: DraftLayout) -> list[str]:
    """Nơi nhận (PL I II.9.b): "- X;" per line, ending "- Lưu: VT, <unit>."."""
    items = [_list_item(item) for item in layout.copies_to]
    items = [item for item in items if item]
    if layout.recipients and not any(
        item.casefold().startswith("như trên") for item in items
    ):
        items.insert(0, "Như trên")
    lines = [f"- {item};" for item in items]
    units = ["VT"]
    for unit in layout.archive_units:
        unit = _list_item(unit)
        if unit and unit not in units:
            units.append(unit)
    initials = _nfc(layout.drafter_initials).upper()
    if initials:
        units.append(f"{initials}.({layout.copies})" if layout.copies else initials)
    lines.append(f"- Lưu: {', '.join(units)}.")
    return lines


def _recipient_lines(recipients: list[str]) -> list[str]:
    items = [_list_item(item) for item in recipients]
    items = [item for item in items if item]
    if len(items) <= 1:
        return items
    return [
        f"- {item}{'.' if i == len(items) - 1 else ';'}" for i, item in enumerate(items)
    ]


def _signer_lines(layout: DraftLayout) -> list[str]:
    capacity = _nfc(layout.signer_capacity)
    of = _nfc(layout.signer_capacity_of).upper()
    title = _nfc(layout.signer_title).upper()
    lines = []
    if capacity:
        lines.append(f"{capacity} {of}")
        if title and title != of:
            lines.append(title)
    else:
        lines.append(title)
    return lines


def _validate(layout: DraftLayout) -> None:
    required = {
        "agency_name": _("The issuing agency's name is missing."),
        "place_name": _("The place name is missing."),
        "subject": _("The subject (trích yếu) is missing."),
        "signer_name": _("The signer's name is missing."),
    }
    for name, message in required.items():
        if not _nfc(getattr(layout, name)):
            raise ValueError(message)
    if layout.urgency not in (0, *URGENCY_MARKS):
        raise ValueError(_("The urgency level must be 0 to 3."))
    if layout.secrecy not in (0, *SECRECY_MARKS):
        raise ValueError(_("The secrecy level must be 0 to 3."))
    capacity = _nfc(layout.signer_capacity)
    if capacity not in SIGNER_CAPACITIES:
        raise ValueError(
            _("Unknown signing capacity “%(capacity)s”.") % {"capacity": capacity}
        )
    if capacity and not _nfc(layout.signer_capacity_of):
        raise ValueError(
            _("“%(capacity)s” needs the office it is exercised for (“KT. GIÁM ĐỐC”).")
            % {"capacity": capacity}
        )
    if not capacity and not _nfc(layout.signer_title):
        raise ValueError(_("The signer's title is missing."))
    if not 20 <= layout.seal_size_mm <= 60:
        raise ValueError(_("The seal must be 20 to 60 mm across."))


# PL I II.2.a: the parent agency's name abbreviates the usual phrases.
_PARENT_ABBREVIATIONS = (("ỦY BAN NHÂN DÂN", "UBND"), ("HỘI ĐỒNG NHÂN DÂN", "HĐND"))


def _parent_agency(name: str) -> str:
    name = _nfc(name).upper()
    for phrase, abbreviation in _PARENT_ABBREVIATIONS:
        name = re.sub(rf"^{phrase}\b", abbreviation, name)
    return name


def _context(layout: DraftLayout) -> dict:
    is_letter = not _nfc(layout.type_name)
    suffix = notation_suffix(
        type_abbr="" if is_letter else layout.type_abbr,
        agency_abbr=layout.agency_abbr,
        unit_abbr=layout.unit_abbr,
    )
    number = _nfc(layout.number)
    if number.isdigit():
        number = f"{int(number):02d}"
    # Secrecy (box 10a) above urgency (box 10b), both under the number.
    marks = [
        {"text": text, "width_mm": width}
        for text, width in (
            SECRECY_MARKS.get(layout.secrecy, ("", 0)),
            URGENCY_MARKS.get(layout.urgency, ("", 0)),
        )
        if text
    ]
    subject = _nfc(layout.subject)
    if is_letter and subject[:4].casefold() == "v/v ":
        subject = subject[4:].lstrip()
    return {
        "title": subject,
        "parent_agency_name": _parent_agency(layout.parent_agency_name),
        "agency_name": _nfc(layout.agency_name).upper(),
        "notation_suffix": suffix,
        "number": number,
        "place_name": _nfc(layout.place_name),
        "date_text": (
            date_line(layout.place_name, layout.issued_date)
            if layout.issued_date
            else ""
        ),
        "letter_subject": subject if is_letter else "",
        "type_name": "" if is_letter else _nfc(layout.type_name).upper(),
        "subject": subject,
        "marks": marks,
        "recipients": _recipient_lines(layout.recipients),
        "paragraphs": _paragraphs(layout.body),
        "copies": _copies_lines(layout),
        "signer_lines": _signer_lines(layout),
        "signer_name": _nfc(layout.signer_name),
        "field_number": FIELD_NUMBER,
        "field_day": FIELD_DAY,
        "field_month": FIELD_MONTH,
        "field_year": FIELD_YEAR,
        "field_leader": FIELD_LEADER,
    }


# --- Rendering -------------------------------------------------------------------

_LOCK = threading.Lock()


@functools.cache
def _weasyprint():
    """One font configuration and one parsed stylesheet per process."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    # Let it go before interpreter shutdown: its finaliser needs live modules.
    atexit.register(_weasyprint.cache_clear)
    css = CSS(
        string=fonts.font_face_css() + "\n" + _CSS_PATH.read_text(encoding="utf-8"),
        font_config=font_config,
    )
    return font_config, css


def render_draft_pdf(layout: DraftLayout) -> RenderedDraft:
    """The draft as a PDF/A-2b file with its signature and text fields in place."""
    from weasyprint import HTML

    _validate(layout)
    html = render_to_string(_TEMPLATE, _context(layout))
    font_config, css = _weasyprint()
    placements: dict[str, FieldPlacement] = {}
    # WeasyPrint's font configuration is not meant to be shared between threads.
    with _LOCK:
        document = HTML(string=html, base_url=str(_CSS_PATH.parent)).render(
            stylesheets=[css], font_config=font_config
        )
        for index, page in enumerate(document.pages):
            kept = []
            for link in page.links:
                # The rectangle is (x1, y1, x2, y2) in CSS px from the top left.
                link_type, target, (x1, y1, x2, y2), _box = link
                if link_type == "external" and target.startswith(_LINK_SCHEME):
                    placements[target.removeprefix(_LINK_SCHEME)] = FieldPlacement(
                        page=index,
                        x1=round(x1 * _PX, 2),
                        y1=round((page.height - y2) * _PX, 2),
                        x2=round(x2 * _PX, 2),
                        y2=round((page.height - y1) * _PX, 2),
                    )
                else:
                    kept.append(link)
            page.links[:] = kept
        pdf = document.write_pdf(pdf_variant=PDF_VARIANT)
        page_count = len(document.pages)
    placements[FIELD_SEAL] = _seal_placement(
        placements[FIELD_LEADER], layout.seal_size_mm
    )
    return RenderedDraft(
        pdf=_add_fields(pdf, placements),
        page_count=page_count,
        fields=placements,
    )


def _seal_placement(leader: FieldPlacement, size_mm: float) -> FieldPlacement:
    """Box 8: the seal at its real size, its right edge a third of the way into
    the leader's box, centred on it vertically."""
    size = size_mm * MM
    right = leader.x1 + leader.width / 3
    middle = (leader.y1 + leader.y2) / 2
    return FieldPlacement(
        page=leader.page,
        x1=round(right - size, 2),
        y1=round(middle - size / 2, 2),
        x2=round(right, 2),
        y2=round(middle + size / 2, 2),
    )


# --- Form fields -------------------------------------------------------------------


def _simple_font(pdf: pikepdf.Pdf, style: str) -> pikepdf.Object:
    """An embedded simple TrueType font (WinAnsi) for a text field's /DA."""
    program = fonts.simple_font_program(style)
    name = pikepdf.Name("/VNTHDR+" + program.postscript_name)
    font_file = pikepdf.Stream(pdf, program.data)
    font_file.Length1 = len(program.data)
    flags = 2 | 32 | (64 if program.italic else 0)  # serif, nonsymbolic, italic
    descriptor = pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor,
        FontName=name,
        Flags=flags,
        FontBBox=pikepdf.Array(program.bbox),
        ItalicAngle=program.italic_angle,
        Ascent=program.ascent,
        Descent=program.descent,
        CapHeight=program.cap_height,
        StemV=80,
        FontFile2=font_file,
    )
    return pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.TrueType,
            BaseFont=name,
            FirstChar=program.first_char,
            LastChar=program.first_char + len(program.widths) - 1,
            Widths=pikepdf.Array(program.widths),
            Encoding=pikepdf.Name.WinAnsiEncoding,
            FontDescriptor=pdf.make_indirect(descriptor),
        )
    )


def _appearance(pdf: pikepdf.Pdf, place: FieldPlacement) -> pikepdf.Object:
    stream = pikepdf.Stream(pdf, b"")
    stream.Type = pikepdf.Name.XObject
    stream.Subtype = pikepdf.Name.Form
    stream.BBox = pikepdf.Array([0, 0, round(place.width, 2), round(place.height, 2)])
    stream.Resources = pikepdf.Dictionary()
    return stream


def _widget(pdf: pikepdf.Pdf, place: FieldPlacement, **entries) -> pikepdf.Object:
    page = pdf.pages[place.page]
    widget = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Widget,
            Rect=pikepdf.Array(place.box),
            F=4,  # print; PDF/A forbids hidden widgets
            P=page.obj,
            AP=pikepdf.Dictionary(N=_appearance(pdf, place)),
            **entries,
        )
    )
    if "/Annots" not in page.obj:
        page.obj.Annots = pikepdf.Array()
    page.obj.Annots.append(widget)
    return widget


def _da(name: str) -> pikepdf.String:
    style, size, _quadding = _TEXT_FIELDS[name]
    return pikepdf.String(f"{_DR_FONTS[style]} {size:g} Tf 0 g")


def _add_fields(data: bytes, placements: dict[str, FieldPlacement]) -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        fields = pikepdf.Array()
        if FIELD_NUMBER in placements:
            fields.append(
                _widget(
                    pdf,
                    placements[FIELD_NUMBER],
                    FT=pikepdf.Name.Tx,
                    T=pikepdf.String(FIELD_NUMBER),
                    DA=_da(FIELD_NUMBER),
                    Q=_TEXT_FIELDS[FIELD_NUMBER][2],
                    MaxLen=6,
                )
            )
        if FIELD_DAY in placements:
            parent = pdf.make_indirect(
                pikepdf.Dictionary(
                    FT=pikepdf.Name.Tx,
                    T=pikepdf.String(FIELD_DATE),
                    DA=_da(FIELD_DAY),
                    Kids=pikepdf.Array(),
                )
            )
            for name, max_len in ((FIELD_DAY, 2), (FIELD_MONTH, 2), (FIELD_YEAR, 4)):
                parent.Kids.append(
                    _widget(
                        pdf,
                        placements[name],
                        Parent=parent,
                        T=pikepdf.String(name.rpartition(".")[2]),
                        Q=_TEXT_FIELDS[name][2],
                        MaxLen=max_len,
                    )
                )
            fields.append(parent)
        for name in (FIELD_LEADER, FIELD_SEAL):
            fields.append(
                _widget(
                    pdf,
                    placements[name],
                    FT=pikepdf.Name.Sig,
                    T=pikepdf.String(name),
                )
            )
        pdf.Root.AcroForm = pdf.make_indirect(
            pikepdf.Dictionary(
                Fields=fields,
                DR=pikepdf.Dictionary(
                    Font=pikepdf.Dictionary(
                        {
                            name: _simple_font(pdf, style)
                            for style, name in _DR_FONTS.items()
                        }
                    )
                ),
                DA=_da(FIELD_NUMBER),
            )
        )
        out = io.BytesIO()
        # The XMP packet (PDF/A identification) is kept as WeasyPrint wrote it.
        pdf.save(out, fix_metadata_version=False)
        return out.getvalue()


# --- Filling in the number and the date ----------------------------------------


def _escape_pdf_text(text: str) -> bytes:
    return (
        text.replace("\\", "\\\\")
        .replace("(", "\\(")
        .replace(")", "\\)")
        .encode("ascii")
    )


def fill_issue_fields(pdf: bytes, *, number: int | str, issued: date) -> bytes:
    """Write the number and the date of issue into a draft's text fields, as an
    incremental update (form filling, which a certification signature allowing
    form filling keeps valid). Each value is drawn in the field's /DA font from
    the AcroForm /DR, on the baseline of the surrounding page text.

    Raises ValueError if the PDF has no such empty fields (already filled, or
    rendered with the number and date printed)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.form_tools import enumerate_fields_in
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    if isinstance(number, int):
        if number < 1:
            raise ValueError(_("A document number starts at 1."))
        number = f"{number:02d}"
    number = _nfc(number)
    if not number.isascii() or not number.isprintable() or not number:
        raise ValueError(_("The number must be printable ASCII."))
    day, month, year = date_parts(issued)
    values = {
        FIELD_NUMBER: number,
        FIELD_DAY: day,
        FIELD_MONTH: month,
        FIELD_YEAR: year,
    }

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    try:
        acroform = writer.root["/AcroForm"]
        field_list = acroform["/Fields"]
        dr_fonts = acroform["/DR"]["/Font"]
    except KeyError:
        raise ValueError(_("This PDF has no form fields of a Vanthu draft.")) from None
    for name, value in values.items():
        found = list(
            enumerate_fields_in(
                field_list,
                filled_status=False,
                with_name=name,
                refs_seen=set(),
                target_field_type="/Tx",
            )
        )
        if not found:
            raise ValueError(
                _("The draft has no empty field “%(name)s”.") % {"name": name}
            )
        _fq_name, _value, field_ref = found[0]
        widget = field_ref.get_object()
        style, size, quadding = _TEXT_FIELDS[name]
        font_name = _DR_FONTS[style]
        program = fonts.simple_font_program(style)
        x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
        width, height = abs(x2 - x1), abs(y2 - y1)
        text_width = program.text_width(value, size)
        x = {0: 0.0, 1: (width - text_width) / 2, 2: width - text_width}[quadding]
        baseline = _FIELD_DESCENT_EM * size
        position = f"{font_name} {size:g} Tf 0 g {x:.2f} {baseline:.2f} Td"
        content = (
            f"/Tx BMC q BT {position} (".encode()
            + _escape_pdf_text(value)
            + b") Tj ET Q EMC"
        )
        appearance = generic.StreamObject(
            {
                generic.pdf_name("/Type"): generic.pdf_name("/XObject"),
                generic.pdf_name("/Subtype"): generic.pdf_name("/Form"),
                generic.pdf_name("/BBox"): generic.ArrayObject(
                    [generic.FloatObject(0), generic.FloatObject(0)]
                    + [generic.FloatObject(round(width, 2))]
                    + [generic.FloatObject(round(height, 2))]
                ),
                generic.pdf_name("/Resources"): generic.DictionaryObject(
                    {
                        generic.pdf_name("/Font"): generic.DictionaryObject(
                            {generic.pdf_name(font_name): dr_fonts.raw_get(font_name)}
                        )
                    }
                ),
            },
            stream_data=content,
        )
        widget["/AP"] = generic.DictionaryObject(
            {generic.pdf_name("/N"): writer.add_object(appearance)}
        )
        widget["/V"] = generic.TextStringObject(value)
        writer.mark_update(field_ref)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
