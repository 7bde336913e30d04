"""Demo signature and seal images, drawn with Pillow, for the demo province.

Decree 30/2020/NĐ-CP Phụ lục I shows the leader's signature as the scan of a
handwritten signature in blue and the agency's signature as the image of its seal
in red at actual size, both PNG with a transparent background (signing.stamps
turns them into pyHanko appearances). Real ones are scans an agency uploads; the
demo needs stand-ins that look the part on a rendered document yet can never pass
for the real thing:

* `demo_signature_png(full_name)`: the name in a slanted italic serif with a
  flourish underneath, blue (#1a3fa0), and a faint "DEMO" across it.
* `demo_seal_png(organisation_name, parent_name)`: a round seal in red (#d0112b)
  at its real size (36 mm at 300 dpi by default, the PNG carries the resolution
  so signing.stamps places it at that size): a double outer ring, the
  organisation's name upper-case around the upper arc, the parent body ("tỉnh
  Lạc Hồng") around the lower arc, two small stars between them, a star in the
  centre and "DEMO" across the middle.

Each image is a single colour with an antialiased alpha mask, so edges carry no
dark fringe wherever the document places them. The fonts are Liberation Serif 2
(Debian `fonts-liberation2`, `VANTHU_FONT_SOURCE_DIR`) or, failing that, the
Vanthu Serif subsets built for rendering (signing.stamps.stamp_font_path), which
have every Vietnamese letter. Results are cached per process.
"""

from __future__ import annotations

import functools
import io
import math
import unicodedata
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

SIGNATURE_BLUE = (0x1A, 0x3F, 0xA0)
SEAL_RED = (0xD0, 0x11, 0x2B)
DEFAULT_SOURCE_DIR = Path("/usr/share/fonts/truetype/liberation2")
_SOURCE_FILES = {
    "regular": "LiberationSerif-Regular.ttf",
    "bold": "LiberationSerif-Bold.ttf",
    "italic": "LiberationSerif-Italic.ttf",
    "bold-italic": "LiberationSerif-BoldItalic.ttf",
}
# Drawn this many times larger, then reduced: smooth edges on thin strokes.
_SUPERSAMPLE = 3


@functools.cache
def _font_file(style: str) -> Path:
    """A TrueType file of Liberation Serif (or the built Vanthu Serif subset) in
    `style`; Pillow does not mind its units per em."""
    from django.conf import settings

    source = DEFAULT_SOURCE_DIR
    if settings.configured and getattr(settings, "VANTHU_FONT_SOURCE_DIR", None):
        source = Path(settings.VANTHU_FONT_SOURCE_DIR)
    candidate = source / _SOURCE_FILES[style]
    if candidate.is_file():
        return candidate
    from .stamps import stamp_font_path

    return stamp_font_path(style)


def _font(style: str, size: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(_font_file(style)), size=max(1, round(size)))


def _png(image: Image.Image, dpi: float | None = None) -> bytes:
    buffer = io.BytesIO()
    options = {"optimize": True}
    if dpi:
        options["dpi"] = (dpi, dpi)
    image.save(buffer, format="PNG", **options)
    return buffer.getvalue()


def _coloured(mask: Image.Image, colour: tuple[int, int, int]) -> Image.Image:
    """One colour everywhere, the mask as alpha: no fringe on any background."""
    image = Image.new("RGBA", mask.size, (*colour, 0))
    image.putalpha(mask)
    return image


# --- The leader's signature -------------------------------------------------------


def _bezier(points, steps: int = 64) -> list[tuple[float, float]]:
    """Points of a cubic Bézier curve through four control points."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points
    out = []
    for i in range(steps + 1):
        t = i / steps
        u = 1 - t
        out.append(
            (
                u**3 * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t**3 * x3,
                u**3 * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t**3 * y3,
            )
        )
    return out


def _stroke(draw: ImageDraw.ImageDraw, points, width: float) -> None:
    """A pen stroke of varying width along `points`: thin at both ends."""
    count = len(points)
    for i in range(count - 1):
        t = i / max(1, count - 2)
        w = max(1.0, width * (0.35 + 0.65 * math.sin(math.pi * t)))
        draw.line([points[i], points[i + 1]], fill=255, width=round(w))
        r = w / 2
        x, y = points[i + 1]
        draw.ellipse((x - r, y - r, x + r, y + r), fill=255)


@functools.lru_cache(maxsize=64)
def demo_signature_png(full_name: str) -> bytes:
    """A blue demo signature of `full_name` on a transparent background (PNG at
    300 dpi): the name in a slanted italic, a looping flourish under it that
    rises past its end, and a faint "DEMO" across."""
    name = unicodedata.normalize("NFC", " ".join(full_name.split()))
    if not name:
        raise ValueError("a signature needs a name")
    s = _SUPERSAMPLE
    size = 120 * s
    font = _font("italic", size)
    left, _top, right, _bottom = font.getbbox(name, anchor="ls")
    text_w = right - left
    pad = 60 * s
    width = round(text_w + 2 * pad + 0.9 * size)
    height = round(size * 3.2)
    baseline = round(height * 0.55)
    mask = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(mask)
    x0 = pad + 0.3 * size
    # Drawn a little bolder than the italic: a pen, not type.
    draw.text(
        (x0 - left, baseline), name, font=font, fill=255, anchor="ls", stroke_width=s
    )
    # The flourish: from the foot of the first letter, a loop and a half down
    # and back, then a long stroke under the name, rising past its end.
    rx, ry, drift = 0.32 * size, 0.42 * size, 0.55 * size
    cx, cy = x0 + 0.12 * size, baseline + ry
    loop = []
    for i in range(97):
        t = i / 96
        theta = -math.pi / 2 - 3 * math.pi * t  # anticlockwise on the page
        loop.append((cx + drift * t + rx * math.cos(theta), cy + ry * math.sin(theta)))
    _stroke(draw, loop, 5.5 * s)
    start = loop[-1]
    _stroke(
        draw,
        _bezier(
            [
                start,
                (start[0] + 0.35 * text_w, start[1] - 0.05 * size),
                (x0 + text_w + 0.35 * size, baseline + 0.55 * size),
                (x0 + text_w + 1.0 * size, baseline - 0.9 * size),
            ]
        ),
        5 * s,
    )
    # Slanted a little more than the italic.
    shear = 0.15
    mask = mask.transform(
        mask.size,
        Image.Transform.AFFINE,
        (1, shear, -shear * height * 0.6, 0, 1, 0),
        resample=Image.Resampling.BICUBIC,
    )
    mask = mask.crop(mask.getbbox())
    mask = mask.resize(
        (max(1, mask.width // s), max(1, mask.height // s)),
        Image.Resampling.LANCZOS,
    )
    # A little margin so that no stroke touches the image's edge.
    margin = 6
    framed = Image.new("L", (mask.width + 2 * margin, mask.height + 2 * margin), 0)
    framed.paste(mask, (margin, margin))
    # A faint "DEMO" across it: plain when looked for, never over the strokes.
    demo = Image.new("L", framed.size, 0)
    ImageDraw.Draw(demo).text(
        (framed.width / 2, framed.height / 2),
        "DEMO",
        font=_fit_font("DEMO", "bold", framed.height * 0.45, framed.width * 0.6, 0),
        fill=52,
        anchor="mm",
    )
    combined = Image.composite(Image.new("L", framed.size, 255), demo, framed)
    return _png(_coloured(combined, SIGNATURE_BLUE), dpi=300)


# --- The agency's seal ---------------------------------------------------------------


def _upper(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split())).upper()


def _star(cx: float, cy: float, outer: float, inner_ratio: float = 0.382):
    """The ten corners of a five-pointed star, point up."""
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else outer * inner_ratio
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


def _glyph(char: str, font: ImageFont.FreeTypeFont, ascent: int, descent: int):
    """One character as an L image, its baseline at `ascent` from the top."""
    width = max(1, math.ceil(font.getlength(char)))
    pad = ascent // 4
    image = Image.new("L", (width + 2 * pad, ascent + descent + 2 * pad), 0)
    ImageDraw.Draw(image).text(
        (pad, pad + ascent), char, font=font, fill=255, anchor="ls"
    )
    return image, pad


def _arc_text(
    mask: Image.Image,
    text: str,
    font: ImageFont.FreeTypeFont,
    centre: float,
    baseline_radius: float,
    *,
    upper: bool,
    tracking: float,
) -> float:
    """Set `text` on a circle of `baseline_radius` around (centre, centre),
    centred on the top (letters' tops outwards) or on the bottom (tops towards
    the centre), reading left to right either way; `tracking` is extra space
    between letters in pixels. Returns half the angle the text spans, in
    radians."""
    ascent, descent = font.getmetrics()
    advances = [font.getlength(c) + tracking for c in text]
    total = sum(advances) - tracking
    # Letters are spaced along the circle through their middle, half a cap
    # height from the baseline: outwards on top, inwards at the bottom.
    half_cap = -font.getbbox("H", anchor="ls")[1] / 2
    middle_radius = baseline_radius + (half_cap if upper else -half_cap)
    position = -total / 2
    for char, advance in zip(text, advances, strict=True):
        middle = position + (advance - tracking) / 2
        position += advance
        if char == " ":
            continue
        angle = middle / middle_radius  # radians from the top (or the bottom)
        if upper:
            theta, rotation = -math.pi / 2 + angle, -math.degrees(angle)
        else:
            theta, rotation = math.pi / 2 - angle, math.degrees(angle)
        glyph, pad = _glyph(char, font, ascent, descent)
        # The middle of the glyph's baseline, in the glyph image.
        gx = pad + (advance - tracking) / 2
        gy = pad + ascent
        rotated = glyph.rotate(rotation, resample=Image.Resampling.BICUBIC, expand=True)
        # Where (gx, gy) went: rotate() turns about the image's centre, which
        # stays the centre of the expanded image.
        w, h = glyph.size
        rad = math.radians(rotation)
        dx, dy = gx - w / 2, gy - h / 2
        px = rotated.width / 2 + dx * math.cos(rad) + dy * math.sin(rad)
        py = rotated.height / 2 - dx * math.sin(rad) + dy * math.cos(rad)
        x = centre + baseline_radius * math.cos(theta)
        y = centre + baseline_radius * math.sin(theta)
        mask.paste(255, (round(x - px), round(y - py)), rotated)
    return total / 2 / middle_radius


def _fit_font(text: str, style: str, size: float, max_length: float, tracking: float):
    """The largest font not above `size` whose `text` fits in `max_length`."""
    while size > 8:
        font = _font(style, size)
        length = sum(font.getlength(c) + tracking for c in text) - tracking
        if length <= max_length:
            return font
        size *= 0.94
    return _font(style, size)


@functools.lru_cache(maxsize=64)
def demo_seal_png(
    organisation_name: str,
    parent_name: str = "",
    size_mm: float = 36,
    dpi: int = 300,
) -> bytes:
    """A red demo seal of `organisation_name` (and its parent body) at its real
    size: `size_mm` across at `dpi` (recorded in the PNG)."""
    if not 20 <= size_mm <= 60:
        raise ValueError("a seal is 20 to 60 mm across")
    upper_text = _upper(organisation_name)
    lower_text = _upper(parent_name)
    if not upper_text:
        raise ValueError("a seal needs the organisation's name")
    s = _SUPERSAMPLE
    final = round(size_mm / 25.4 * dpi)
    side = final * s
    px_per_mm = side / size_mm
    mask = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(mask)
    c = side / 2
    outer_r = c - 0.3 * px_per_mm
    # Outer ring 0.9 mm thick; a thin ring of 0.3 mm, 0.8 mm inside it.
    ring = 0.9 * px_per_mm
    draw.ellipse((c - outer_r, c - outer_r, c + outer_r, c + outer_r), fill=255)
    r = outer_r - ring
    draw.ellipse((c - r, c - r, c + r, c + r), fill=0)
    thin_outer = r - 0.8 * px_per_mm
    thin = 0.3 * px_per_mm
    draw.ellipse(
        (c - thin_outer, c - thin_outer, c + thin_outer, c + thin_outer), fill=255
    )
    r = thin_outer - thin
    draw.ellipse((c - r, c - r, c + r, c + r), fill=0)
    # The text band between the thin ring and an inner ring.
    band_outer = r - 0.6 * px_per_mm
    text_size = 3.1 * px_per_mm
    tracking = 0.25 * px_per_mm
    inner_ring_r = band_outer - text_size * 1.45
    # Upper arc: up to ~150 degrees; lower arc: up to ~110 degrees.
    upper_font = _fit_font(
        upper_text,
        "bold",
        text_size,
        math.radians(150) * (band_outer - text_size),
        tracking,
    )
    # The upper arc's baseline: the tallest accent just inside the band.
    accent_top = -upper_font.getbbox("Ệ", anchor="ls")[1]
    upper_half = _arc_text(
        mask,
        upper_text,
        upper_font,
        c,
        band_outer - accent_top,
        upper=True,
        tracking=tracking,
    )
    # Where the arcs end, in degrees below the horizontal through the centre.
    upper_end = -(90 - math.degrees(upper_half))
    lower_end = 90.0
    if lower_text:
        # Never larger than the organisation's name.
        lower_font = _fit_font(
            lower_text,
            "bold",
            upper_font.size,
            math.radians(110) * (band_outer - text_size * 0.3),
            tracking,
        )
        # Baseline outwards, above the dots under Ạ, Ộ, Ệ.
        lower_half = _arc_text(
            mask,
            lower_text,
            lower_font,
            c,
            band_outer - 0.75 * px_per_mm,
            upper=False,
            tracking=tracking,
        )
        lower_end = 90 - math.degrees(lower_half)
    # Small stars between the two arcs, left and right.
    star_r = 1.0 * px_per_mm
    star_at = (band_outer + inner_ring_r) / 2
    angle = math.radians((upper_end + lower_end) / 2 if lower_text else 0)
    for side_sign in (-1, 1):
        draw.polygon(
            _star(
                c + side_sign * star_at * math.cos(angle),
                c + star_at * math.sin(angle),
                star_r,
            ),
            fill=255,
        )
    # Inner ring, 0.35 mm.
    ir = inner_ring_r
    draw.ellipse((c - ir, c - ir, c + ir, c + ir), fill=255)
    ir -= 0.35 * px_per_mm
    draw.ellipse((c - ir, c - ir, c + ir, c + ir), fill=0)
    # The star in the centre, slightly above it, and DEMO across the middle.
    centre_star = ir * 0.36
    draw.polygon(_star(c, c - ir * 0.3, centre_star), fill=255)
    demo_font = _fit_font("DEMO", "bold", 5.5 * px_per_mm, ir * 1.6, 0)
    draw.text((c, c + ir * 0.38), "DEMO", font=demo_font, fill=255, anchor="mm")
    # Ink, not print: softened edges, 93 % opaque.
    mask = mask.filter(ImageFilter.GaussianBlur(0.35 * s))
    mask = mask.resize((final, final), Image.Resampling.LANCZOS)
    mask = mask.point(lambda v: round(v * 0.93))
    return _png(_coloured(mask, SEAL_RED), dpi=dpi)
