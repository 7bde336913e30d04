"""The visible appearance of each signature, as Decree 30/2020/NĐ-CP Phụ lục I
prescribes it (Part I, section II and the layout figures: boxes 7c, 8 and 14).

Each function returns a pyHanko stamp style for `signing.signers.sign_pdf(...,
appearance=...)`; the style fills the signature field's box, which the draft
renderer has already placed where the regulation wants the signature.

* `leader_stamp(signature_png)` — the competent person's signature (box 7c):
  "hình ảnh chữ ký của người có thẩm quyền, màu xanh, định dạng PNG nền trong
  suốt", centred between the title line and the name. Image only: no text, no
  border; the PNG keeps its aspect ratio and is scaled to fit the field
  (`chu_ky_lanh_dao`, 62×28 mm in a rendered draft).
* `seal_stamp(seal_png)` — the agency's signature on the document (box 8): "hình
  ảnh dấu của cơ quan, tổ chức ban hành văn bản, màu đỏ, kích thước bằng kích
  thước thực tế của dấu, định dạng PNG nền trong suốt, trùm lên khoảng 1/3 hình
  ảnh chữ ký số của người có thẩm quyền về bên trái". Image only, at its real
  size: the size comes from the PNG's resolution (pHYs) or is given in
  millimetres; the field (`chu_ky_co_quan`, the seal's size, over the left third
  of the leader's box) only positions it. Signed after the leader's signature, it
  is painted over it; transparency lets the blue strokes show through the red.
* `attachment_stamp(number_notation=...)` — the agency's signature on an
  attachment in a separate file (văn bản kèm theo không cùng tệp tin) and, with
  `copy_form` and `copying_agency`, on an electronic copy (bản sao điện tử, box
  14): no image, only text at the top right of the first page — "Số và ký hiệu
  văn bản; thời gian ký (ngày tháng năm; giờ phút giây; múi giờ Việt Nam theo tiêu
  chuẩn ISO 8601)", and for a copy the copy form (SAO Y, SAO LỤC, TRÍCH SAO) and
  the copying agency's name; "phông chữ Times New Roman, chữ đứng, cỡ chữ 10,
  màu đen". Returned with its text parameters: `sign_pdf(...,
  appearance=style, appearance_params=params)`. The signing time is the one
  pyHanko puts in the signature (its `ts` parameter, in UTC), rewritten as ISO
  8601 in Vietnam time, e.g. 2026-01-05T09:30:12+07:00, whatever the process's
  time zone.
* `attachment_field_box(page_width, page_height)` — where that text goes: the
  top right corner of the page, right-aligned on the 20 mm right margin of
  Phụ lục I and within the 20 mm top margin (3.5 to 20 mm from the top edge), so
  that it covers neither the attachment's own heading nor, on the scan of a paper
  original being copied, its quốc hiệu. `add_attachment_field(pdf)` adds an empty
  signature field there on page 1, as an incremental update, for files that
  were not rendered by Vanthu.

Text is set in a Times-metric serif with every Vietnamese letter (Liberation
Serif 2, as rendering uses it), from a file with 1000 units per em: pyHanko's
glyph accumulator writes the CID font widths in raw font units, so any other
scale spreads the letters apart (signing-stack.md §10.1). `stamp_font_path` finds
the "Vanthu Serif" subsets that rendering builds (`manage.py build_fonts`, under
`VANTHU_FONT_DIR`); when there are none yet it makes a small subset of the Debian
file itself, likewise scaled. A pre-subset font also keeps the stamp fast (§10.3).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import logging
import os
import tempfile
import threading
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import StaticStampStyle, TextStamp, TextStampStyle

MM = 72 / 25.4
VIETNAM_TIME = timezone(timedelta(hours=7), "ICT")
ATTACHMENT_FIELD = "chu_ky_co_quan"
COPY_FORMS = ("SAO Y", "SAO LỤC", "TRÍCH SAO")

# Phụ lục I: Times New Roman 10 pt; four lines at most (copy form, agency,
# number, time), 11 pt apart so that they fit in the top margin.
TEXT_SIZE = 10
TEXT_LEADING = 11
# The attachment box: right edge on the right margin, top 3.5 mm below the page's
# edge, bottom on the 20 mm top margin.
RIGHT_MARGIN_MM = 20
LEFT_MARGIN_MM = 30
TOP_EDGE_MM = 3.5
TOP_MARGIN_MM = 20
ATTACHMENT_BOX_WIDTH_MM = 95

_A = layout.AxisAlignment


class StampError(ValueError):
    """A stamp cannot be made from what was given; str() is for the user."""


# --- Fonts ------------------------------------------------------------------------

DEFAULT_SOURCE_DIR = Path("/usr/share/fonts/truetype/liberation2")
_SOURCE_FILES = {
    "regular": "LiberationSerif-Regular.ttf",
    "bold": "LiberationSerif-Bold.ttf",
    "italic": "LiberationSerif-Italic.ttf",
    "bold-italic": "LiberationSerif-BoldItalic.ttf",
}
# Latin, Vietnamese and general punctuation: what a stamp's text can hold.
_STAMP_UNICODES = (
    "U+0020-007E,U+00A0-017F,U+01A0-01B0,U+0300-0323,U+1EA0-1EF9,U+2000-206F,U+20AB"
)
_STAMP_RECIPE = 1
_font_lock = threading.Lock()
_font_paths: dict[str, Path] = {}


def _font_root() -> Path:
    """Where rendering keeps its built fonts (as documents.fonts.cache_root)."""
    from django.conf import settings

    if getattr(settings, "VANTHU_FONT_DIR", None):
        return Path(settings.VANTHU_FONT_DIR)
    if getattr(settings, "VAR_DIR", None):
        return Path(settings.VAR_DIR) / "fonts"
    return Path(tempfile.gettempdir()) / "vanthu-fonts"


def _source_dir() -> Path:
    from django.conf import settings

    return Path(getattr(settings, "VANTHU_FONT_SOURCE_DIR", None) or DEFAULT_SOURCE_DIR)


def _units_per_em(path: Path) -> int | None:
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(str(path), lazy=True) as font:
            return font["head"].unitsPerEm
    except (OSError, TTLibError, KeyError):
        return None


def _build_stamp_font(style: str) -> Path:
    """A Latin + Vietnamese subset of Liberation Serif 2 in `style`, scaled to
    1000 units per em and renamed (the OFL reserves "Liberation" for the
    unmodified font), written atomically under the font root."""
    from fontTools import subset
    from fontTools.ttLib.scaleUpem import scale_upem

    src = _source_dir() / _SOURCE_FILES[style]
    try:
        data = src.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{src} is missing: install the Debian package fonts-liberation2, set "
            "VANTHU_FONT_SOURCE_DIR, or run manage.py build_fonts"
        ) from None
    digest = hashlib.sha256(
        f"{_STAMP_RECIPE}|{_STAMP_UNICODES}".encode() + data
    ).hexdigest()[:16]
    target = _font_root() / f"stamp-{digest}" / f"{style}.ttf"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables = [*options.drop_tables, "FFTM"]
    # fontTools reports every pruned table at INFO; only problems matter here.
    ft_logger = logging.getLogger("fontTools")
    level = ft_logger.level
    ft_logger.setLevel(logging.WARNING)
    try:
        font = subset.load_font(str(src), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=subset.parse_unicodes(_STAMP_UNICODES))
        subsetter.subset(font)
        scale_upem(font, 1000)
    finally:
        ft_logger.setLevel(level)
    name = font["name"]
    family = "Vanthu Stamp Serif"
    subfamily = name.getDebugName(2) or "Regular"
    name.names = [r for r in name.names if r.nameID not in (1, 3, 4, 6, 16, 17, 21)]
    for name_id, value in {
        1: family,
        3: f"{family} {subfamily}; Vanthu stamp subset {_STAMP_RECIPE}",
        4: f"{family} {subfamily}",
        6: f"VanthuStampSerif-{subfamily.replace(' ', '')}",
    }.items():
        name.setName(value, name_id, 3, 1, 0x409)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    os.close(fd)
    try:
        font.save(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def stamp_font_path(style: str = "regular") -> Path:
    """A TrueType file of the Times-metric serif in `style` ("regular", "bold",
    "italic", "bold-italic") with 1000 units per em and every Vietnamese letter:
    the newest "Vanthu Serif" subset rendering built, else a stamp subset made
    here from Liberation Serif 2. Looked up once per process."""
    if style not in _SOURCE_FILES:
        raise ValueError(f"unknown font style {style!r}")
    path = _font_paths.get(style)
    if path is not None and path.is_file():
        return path
    with _font_lock:
        candidates = sorted(
            _font_root().glob(f"serif-*/{style}.ttf"),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        path = next((p for p in candidates if _units_per_em(p) == 1000), None)
        if path is None:
            path = _build_stamp_font(style)
        _font_paths[style] = path
    return path


# --- Images -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Png:
    image: Image.Image  # RGBA, loaded
    dpi: tuple[float, float] | None


@functools.lru_cache(maxsize=32)
def _load_png(data: bytes) -> _Png:
    """A transparent PNG, decoded once per process."""
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError):
        raise StampError(_("The image is not a PNG file that can be read.")) from None
    if image.format != "PNG":
        raise StampError(_("The image is not a PNG file that can be read."))
    transparent = image.mode in ("RGBA", "LA", "PA") or (
        image.mode in ("P", "L", "RGB") and "transparency" in image.info
    )
    if not transparent:
        raise StampError(
            _("The image must have a transparent background (PNG with alpha).")
        )
    dpi = image.info.get("dpi")
    if dpi and (dpi[0] <= 1 or dpi[1] <= 1):
        dpi = None
    rgba = image.convert("RGBA")
    rgba.load()
    return _Png(rgba, (float(dpi[0]), float(dpi[1])) if dpi else None)


def leader_stamp(signature_png: bytes) -> StaticStampStyle:
    """The leader's signature image (box 7c): image only, centred in the field,
    scaled to fit it with its aspect ratio kept."""
    png = _load_png(signature_png)
    return StaticStampStyle(
        background=PdfImage(png.image),
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=_A.ALIGN_MID,
            y_align=_A.ALIGN_MID,
            margins=layout.Margins.uniform(1),
            inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT,
        ),
        background_opacity=1.0,
        border_width=0,
    )


def seal_stamp(seal_png: bytes, *, size_mm: float | None = None) -> StaticStampStyle:
    """The agency's seal (box 8): image only, at its real size — `size_mm`
    across, or as the PNG's resolution says — centred in the field (shrunk only
    if the field is smaller)."""
    png = _load_png(seal_png)
    width_px, height_px = png.image.size
    if size_mm is not None:
        width = size_mm * MM
        height = width * height_px / width_px
    elif png.dpi is not None:
        width = width_px / png.dpi[0] * 72
        height = height_px / png.dpi[1] * 72
    else:
        raise StampError(
            _(
                "The seal image does not record its resolution: give the seal's "
                "size in millimetres."
            )
        )
    if not 20 * MM <= max(width, height) <= 60 * MM:
        raise StampError(
            _(
                "At its real size the seal image would be %(size)d mm across; a "
                "seal is 20 to 60 mm. Check its resolution or give its size."
            )
            % {"size": round(max(width, height) / MM)}
        )
    return StaticStampStyle(
        background=PdfImage(png.image, box=layout.BoxConstraints(width, height)),
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=_A.ALIGN_MID,
            y_align=_A.ALIGN_MID,
            margins=layout.Margins(),
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
        ),
        background_opacity=1.0,
        border_width=0,
    )


# --- Text: attachments and copies -------------------------------------------------

# What pyHanko formats its `ts` parameter with; parsed back and rewritten.
_TS_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def vietnam_iso(moment: datetime) -> str:
    """`moment` as ISO 8601 in Vietnam time, to the second:
    2026-01-05T09:30:12+07:00."""
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    return moment.astimezone(VIETNAM_TIME).isoformat(timespec="seconds")


class _VietnamTimeTextStamp(TextStamp):
    def get_default_text_params(self):
        # Stamped outside signing: now, in Vietnam time.
        return {"ts": vietnam_iso(datetime.now(UTC))}


@dataclass(frozen=True)
class VietnamTimeTextStampStyle(TextStampStyle):
    """A text stamp whose `%(ts)s` is ISO 8601 in Vietnam time (+07:00).

    When signing, pyHanko formats the signature's own time (UTC) with
    `timestamp_format` and passes it as the `ts` text parameter; it is parsed
    back here and rewritten, so the stamp shows the very time the signature
    records, whatever the process's time zone."""

    timestamp_format: str = _TS_FORMAT

    def create_stamp(self, writer, box, text_params):
        params = dict(text_params or {})
        ts = params.get("ts")
        if isinstance(ts, str):
            # Left as it is when it does not parse: formatted by the caller.
            with contextlib.suppress(ValueError):
                params["ts"] = vietnam_iso(datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S%z"))
        return _VietnamTimeTextStamp(
            writer=writer, style=self, box=box, text_params=params
        )


def _clean(value: str) -> str:
    return unicodedata.normalize("NFC", " ".join((value or "").split()))


def attachment_stamp(
    *, number_notation: str, copy_form: str = "", copying_agency: str = ""
) -> tuple[VietnamTimeTextStampStyle, dict[str, str]]:
    """The agency's signature text on an attachment in a separate file, or with
    `copy_form` ("SAO Y", "SAO LỤC", "TRÍCH SAO", any case) and `copying_agency`
    on an electronic copy: (style, text parameters) for sign_pdf's `appearance`
    and `appearance_params`. 10 pt Times-metric serif, black, no border; the
    lines left-aligned in a block at the top right of the field."""
    number = _clean(number_notation)
    if not number:
        raise StampError(_("The number and notation of the document are missing."))
    form = _clean(copy_form).upper()
    agency = _clean(copying_agency)
    lines = []
    params = {"number_notation": number}
    if form or agency:
        if form not in COPY_FORMS:
            raise StampError(_("The copy form must be SAO Y, SAO LỤC or TRÍCH SAO."))
        if not agency:
            raise StampError(_("The name of the copying agency is missing."))
        lines += ["%(copy_form)s", "%(copying_agency)s"]
        params |= {"copy_form": form, "copying_agency": agency}
    # Words of the document: Vietnamese whatever the interface's language.
    lines += ["Số: %(number_notation)s", "Thời gian ký: %(ts)s"]
    font = str(stamp_font_path("regular"))
    style = VietnamTimeTextStampStyle(
        stamp_text="\n".join(lines),
        text_box_style=TextBoxStyle(
            font=GlyphAccumulatorFactory(font, font_size=TEXT_SIZE),
            font_size=TEXT_SIZE,
            leading=TEXT_LEADING,
            text_color=(0, 0, 0),
            border_width=0,
            # No padding around the lines (pyHanko's default is 10 pt).
            box_layout_rule=layout.SimpleBoxLayoutRule(
                x_align=_A.ALIGN_MIN, y_align=_A.ALIGN_MAX, margins=layout.Margins()
            ),
        ),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=_A.ALIGN_MAX,
            y_align=_A.ALIGN_MAX,
            margins=layout.Margins(),
            inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT,
        ),
        border_width=0,
    )
    return style, params


def attachment_field_box(
    page_width: float, page_height: float
) -> tuple[float, float, float, float]:
    """The box (x1, y1, x2, y2, PDF points from the page's lower left corner) of
    the agency's signature text on the first page of an attachment or copy: top
    right, its right edge on the 20 mm right margin, between 3.5 and 20 mm below the
    top edge (room for four 10 pt lines)."""
    if page_width < 100 * MM or page_height < 100 * MM:
        raise StampError(_("The page is too small for the signature text."))
    x2 = page_width - RIGHT_MARGIN_MM * MM
    width = min(
        ATTACHMENT_BOX_WIDTH_MM * MM,
        page_width - (LEFT_MARGIN_MM + RIGHT_MARGIN_MM) * MM,
    )
    y2 = page_height - TOP_EDGE_MM * MM
    y1 = page_height - TOP_MARGIN_MM * MM
    return (round(x2 - width, 2), round(y1, 2), round(x2, 2), round(y2, 2))


def add_attachment_field(pdf: bytes, *, field_name: str = ATTACHMENT_FIELD) -> bytes:
    """`pdf` with an empty signature field at `attachment_field_box` of its first
    page (of its media box, wherever its origin is), as an incremental update."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.rw_common import find_inherited_value_in_tree
    from pyhanko.sign import fields

    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        if writer.prev.encrypted:
            raise StampError(_("The file is not a PDF that can be signed."))
        page = writer.find_page_for_modification(0)[0].get_object()
        box = find_inherited_value_in_tree(page, "/MediaBox", "/Parent")
        x0, y0, x1, y1 = (float(v) for v in box)
    except (PdfError, KeyError, ValueError, TypeError):
        raise StampError(_("The file is not a PDF that can be signed.")) from None
    bx1, by1, bx2, by2 = attachment_field_box(x1 - x0, y1 - y0)
    try:
        fields.append_signature_field(
            writer,
            fields.SigFieldSpec(
                sig_field_name=field_name,
                on_page=0,
                box=(x0 + bx1, y0 + by1, x0 + bx2, y0 + by2),
            ),
        )
    except PdfError:
        raise StampError(
            _("The document already has a field “%(name)s”.") % {"name": field_name}
        ) from None
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
