"""Latin + Vietnamese subsets of a Times-metric serif for rendered documents.

Decree 30/2020 prescribes Times New Roman. Liberation Serif 2 (Debian
`fonts-liberation2`) has the same metrics and all 134 Vietnamese letters; CSS
`Times` is not used because fontconfig may map it to Nimbus Roman, which lacks
92 of them. WeasyPrint spends most of its time subsetting large fonts, so the four
styles are cut down once to the code points an official document needs
(`UNICODES`) and loaded with `@font-face`: this is what makes a one-page render
fast.

The subsets are also scaled to 1000 units per em. pyHanko's glyph accumulator
(stamps, pyhanko.pdf_utils.form_tools.populate_static_text_field) writes the
widths of a CID font in raw font units, which is only right at 1000; with these
files the signing code can write the number and the date into the text fields of
a draft in the very face the page uses.

Licence. Liberation Serif 2 is under the SIL Open Font License 1.1, with the
Reserved Font Names "Liberation" (Red Hat) and "Arimo", "Tinos", "Cousine"
(Google). The OFL allows modifying and embedding; a subset is a Modified Version,
and a Modified Version must not carry a Reserved Font Name. The subsets are
therefore renamed "Vanthu Serif" (name table IDs 1, 3, 4, 6; typographic family
names dropped) while the copyright, trademark, designer and licence entries (IDs
0, 7, 8, 9, 11-14) stay, as the OFL requires. The files are build products: made
on this machine from the Debian package, kept under `VAR_DIR`, never committed or
shipped. A PDF that embeds them is a document, not Font Software, and is not
bound by the OFL.

`python manage.py build_fonts` builds them ahead of time (deployment, `make`);
otherwise `font_path` builds them at first use, atomically, so concurrent
processes never read a half-written file.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import fontTools
from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem

DEFAULT_SOURCE_DIR = Path("/usr/share/fonts/truetype/liberation2")
FAMILY = "Vanthu Serif"
# Basic Latin, Latin-1 and Extended-A, Ơ/ơ/Ư/ư, combining marks, the Vietnamese
# precomposed letters (U+1EA0-1EF9), general punctuation (dashes, quotes,
# ellipsis) and the đồng sign.
UNICODES = (
    "U+0020-007E,U+00A0-017F,U+01A0-01B0,U+0300-0323,U+1EA0-1EF9,U+2000-206F,U+20AB"
)
UNITS_PER_EM = 1000
# Bump when the recipe changes: the cache folder name depends on it.
RECIPE_VERSION = 1

# style -> (source file, CSS font-weight, CSS font-style, name table subfamily)
STYLES: dict[str, tuple[str, str, str, str]] = {
    "regular": ("LiberationSerif-Regular.ttf", "normal", "normal", "Regular"),
    "bold": ("LiberationSerif-Bold.ttf", "bold", "normal", "Bold"),
    "italic": ("LiberationSerif-Italic.ttf", "normal", "italic", "Italic"),
    "bold-italic": ("LiberationSerif-BoldItalic.ttf", "bold", "italic", "Bold Italic"),
}

# Name table entries that carry the original (reserved) font name.
_RENAMED_IDS = (1, 2, 3, 4, 6)
_DROPPED_IDS = (10, 16, 17, 21, 22)


def _settings_path(name: str, default: Path) -> Path:
    from django.conf import settings

    if not settings.configured:
        return default
    return Path(getattr(settings, name, None) or default)


def source_dir() -> Path:
    """Folder of the Liberation Serif 2 TTF files (`VANTHU_FONT_SOURCE_DIR`)."""
    return _settings_path("VANTHU_FONT_SOURCE_DIR", DEFAULT_SOURCE_DIR)


def cache_root() -> Path:
    """Folder under which the subsets are built (`VANTHU_FONT_DIR`)."""
    default = Path(tempfile.gettempdir()) / "vanthu-fonts"
    from django.conf import settings

    if settings.configured and getattr(settings, "VAR_DIR", None):
        default = Path(settings.VAR_DIR) / "fonts"
    return _settings_path("VANTHU_FONT_DIR", default)


def _recipe_digest(src: Path) -> str:
    digest = hashlib.sha256()
    digest.update(
        f"{RECIPE_VERSION}|{UNICODES}|{UNITS_PER_EM}|{fontTools.version}".encode()
    )
    for style, (filename, *_rest) in sorted(STYLES.items()):
        path = src / filename
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise FileNotFoundError(
                f"{path} is missing: install the Debian package fonts-liberation2 "
                "or set VANTHU_FONT_SOURCE_DIR"
            ) from None
        digest.update(style.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()[:16]


def _rename(font: TTFont, subfamily: str) -> None:
    full = FAMILY if subfamily == "Regular" else f"{FAMILY} {subfamily}"
    postscript = FAMILY.replace(" ", "") + "-" + subfamily.replace(" ", "")
    version = font["name"].getDebugName(5) or ""
    values = {
        1: FAMILY,
        2: subfamily,
        3: f"{full}; {version}; Vanthu subset {RECIPE_VERSION}",
        4: full,
        6: postscript,
    }
    name = font["name"]
    name.names = [
        record
        for record in name.names
        if record.nameID not in _RENAMED_IDS + _DROPPED_IDS
    ]
    for name_id, value in values.items():
        name.setName(value, name_id, 3, 1, 0x409)
        name.setName(value, name_id, 1, 0, 0)
    name.setName(
        "Latin and Vietnamese subset of Liberation Serif 2, made by Vanthu. "
        "SIL Open Font License 1.1.",
        10,
        3,
        1,
        0x409,
    )


def _subset_one(src: Path, dst: Path, subfamily: str) -> None:
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.hinting = False
    options.notdef_outline = True
    options.drop_tables = [*options.drop_tables, "FFTM"]
    font = subset.load_font(str(src), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=subset.parse_unicodes(UNICODES))
    subsetter.subset(font)
    scale_upem(font, UNITS_PER_EM)
    _rename(font, subfamily)
    font.save(str(dst))
    font.close()


def build_fonts(*, force: bool = False) -> Path:
    """Build the four subsets if needed and return their folder."""
    src = source_dir()
    root = cache_root()
    target = root / f"serif-{_recipe_digest(src)}"
    if target.is_dir() and not force:
        return target
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=root))
    # fontTools reports every pruned table at INFO; only problems matter here.
    ft_logger = logging.getLogger("fontTools")
    level = ft_logger.level
    ft_logger.setLevel(logging.WARNING)
    try:
        for style, (filename, _weight, _style, subfamily) in STYLES.items():
            _subset_one(src / filename, work / f"{style}.ttf", subfamily)
        if force and target.is_dir():
            shutil.rmtree(target)
        try:
            os.rename(work, target)
        except OSError:
            # Another process finished first; its files are identical.
            if not target.is_dir():
                raise
    finally:
        ft_logger.setLevel(level)
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return target


@functools.cache
def font_dir() -> Path:
    """The folder of the built subsets, built at first use in this process."""
    return build_fonts()


def font_path(style: str = "regular") -> Path:
    """Path of one subset: "regular", "bold", "italic" or "bold-italic"."""
    if style not in STYLES:
        raise ValueError(f"unknown font style {style!r}")
    return font_dir() / f"{style}.ttf"


def font_face_css() -> str:
    """`@font-face` rules declaring the four subsets as `FAMILY`."""
    rules = []
    for style, (_filename, weight, font_style, _subfamily) in STYLES.items():
        rules.append(
            "@font-face { "
            f'font-family: "{FAMILY}"; '
            f'src: url("{font_path(style).as_uri()}"); '
            f"font-weight: {weight}; font-style: {font_style}; }}"
        )
    return "\n".join(rules)


@dataclass(frozen=True)
class SimpleFontProgram:
    """An ASCII-only TrueType program of one subset, for a simple (WinAnsi) PDF
    font: what a form field's /DA names, so that any PDF tool can fill digits."""

    postscript_name: str
    data: bytes
    first_char: int
    widths: tuple[int, ...]  # in 1/1000 em, first_char onwards
    bbox: tuple[int, int, int, int]
    ascent: int
    descent: int
    cap_height: int
    italic_angle: float
    italic: bool

    def text_width(self, text: str, size: float) -> float:
        return sum(self.widths[ord(c) - self.first_char] for c in text) * size / 1000


@functools.cache
def simple_font_program(style: str = "regular") -> SimpleFontProgram:
    """The printable ASCII range (0x20-0x7E) of a subset, built once per process."""
    first, last = 0x20, 0x7E
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    ft_logger = logging.getLogger("fontTools")
    level = ft_logger.level
    ft_logger.setLevel(logging.WARNING)
    try:
        font = subset.load_font(str(font_path(style)), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=range(first, last + 1))
        subsetter.subset(font)
        buffer = io.BytesIO()
        font.save(buffer)
    finally:
        ft_logger.setLevel(level)
    scale = 1000 / font["head"].unitsPerEm
    cmap = font.getBestCmap()
    hmtx = font["hmtx"]
    head = font["head"]
    return SimpleFontProgram(
        postscript_name=font["name"].getDebugName(6),
        data=buffer.getvalue(),
        first_char=first,
        widths=tuple(
            round(hmtx[cmap[code]][0] * scale) for code in range(first, last + 1)
        ),
        bbox=tuple(
            round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)
        ),
        ascent=round(font["hhea"].ascent * scale),
        descent=round(font["hhea"].descent * scale),
        cap_height=round(getattr(font["OS/2"], "sCapHeight", 0) * scale),
        italic_angle=float(font["post"].italicAngle),
        italic="italic" in style,
    )
