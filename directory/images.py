"""Checks of the signature and seal images people and organisations store.

Decree 30/2020 (Phụ lục I) draws the signer's signature image (hình ảnh chữ ký,
blue) in the signer block and the agency's seal image (hình ảnh con dấu, red, at its
real size) over the left third of it. Both are stamped onto a PDF over text, so they
must be PNG files with a transparent background; a photo of a signature on white
paper would hide the text under it."""

import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_IMAGE_BYTES = 2 * 1024 * 1024
MIN_SIDE_PX = 100
MAX_SIDE_PX = 4000
# At least this share of the pixels must be (nearly) fully transparent.
MIN_TRANSPARENT_SHARE = 0.2
SEAL_MIN_MM = Decimal(20)
SEAL_MAX_MM = Decimal(60)


@dataclass(frozen=True)
class ImageFacts:
    width: int
    height: int
    dpi: float | None


def check_stamp_image(data: bytes, *, field: str) -> ImageFacts:
    """A transparent PNG of sensible size, or a ValidationError on `field`."""
    if not data:
        raise ValidationError({field: _("Choose a PNG image.")})
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationError(
            {
                field: _("The image is larger than %(n)d MB.")
                % {"n": MAX_IMAGE_BYTES // (1024 * 1024)}
            }
        )
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValidationError({field: _("The image must be a PNG file.")})
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            width, height = image.size
            dpi = image.info.get("dpi")
            has_alpha = image.mode in ("RGBA", "LA", "PA") or (
                image.mode == "P" and "transparency" in image.info
            )
            if not has_alpha:
                raise ValidationError(
                    {
                        field: _(
                            "The image has no transparent background: save it as a "
                            "PNG with transparency."
                        )
                    }
                )
            if not (
                MIN_SIDE_PX <= width <= MAX_SIDE_PX
                and MIN_SIDE_PX <= height <= MAX_SIDE_PX
            ):
                raise ValidationError(
                    {
                        field: _(
                            "The image must be between %(min)d and %(max)d pixels "
                            "wide and high."
                        )
                        % {"min": MIN_SIDE_PX, "max": MAX_SIDE_PX}
                    }
                )
            alpha = image.convert("RGBA").getchannel("A")
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationError(
            {field: _("The image cannot be read: it is not a valid PNG file.")}
        ) from exc
    histogram = alpha.histogram()
    transparent = sum(histogram[:16])
    if transparent < MIN_TRANSPARENT_SHARE * width * height:
        raise ValidationError(
            {
                field: _(
                    "The image has no transparent background: save it as a PNG "
                    "with transparency."
                )
            }
        )
    if transparent == width * height:
        raise ValidationError({field: _("The image is empty (fully transparent).")})
    dpi_x = float(dpi[0]) if dpi and float(dpi[0]) > 1 else None
    return ImageFacts(width=width, height=height, dpi=dpi_x)


def check_seal_size(value) -> Decimal:
    """The seal's real diameter in millimetres (20 to 60)."""
    try:
        size = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(
            {"seal_size_mm": _("Enter the seal's diameter in millimetres.")}
        ) from exc
    if not SEAL_MIN_MM <= size <= SEAL_MAX_MM:
        raise ValidationError(
            {
                "seal_size_mm": _("A seal is between %(min)s and %(max)s mm across.")
                % {"min": SEAL_MIN_MM, "max": SEAL_MAX_MM}
            }
        )
    return size
