"""The signature report as a PDF (báo cáo kiểm tra chữ ký số), to keep with a
file or hand to someone who asked whether it is validly signed.

A4 portrait, Vietnamese, drawn by WeasyPrint from templates/signing/report_pdf.html:
the file's name and SHA-256, when it was checked, the verdict, then one section per
signature (signer, organisation, certificate chain with serials and validity,
signing and timestamp times, intact, trusted, revoked, coverage, changes after
signing in words, problems). Fonts: the Times-metric "Vanthu Serif" subsets with
every Vietnamese letter, found or built by signing.stamps.stamp_font_path (signing
may not import documents.fonts; the files are the same), never CSS "Times", which
fontconfig may map to a face without Vietnamese letters.
"""

from __future__ import annotations

from datetime import datetime

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import override

from .checks import report_view
from .stamps import stamp_font_path

FAMILY = "Vanthu Report Serif"
_STYLES = {
    "regular": ("normal", "normal"),
    "bold": ("bold", "normal"),
    "italic": ("normal", "italic"),
}


def _font_face_css() -> str:
    rules = []
    for style, (weight, font_style) in _STYLES.items():
        rules.append(
            "@font-face { "
            f'font-family: "{FAMILY}"; '
            f'src: url("{stamp_font_path(style).as_uri()}"); '
            f"font-weight: {weight}; font-style: {font_style}; }}"
        )
    return "\n".join(rules)


def report_pdf(
    report_dict: dict, *, file_name: str, sha256: str, checked_at: datetime
) -> bytes:
    """The report of one file as PDF bytes (always in Vietnamese: it is a record
    kept with the agency's documents)."""
    from weasyprint import HTML

    with override("vi"):
        html = render_to_string(
            "signing/report_pdf.html",
            {
                "font_face_css": mark_safe(_font_face_css()),  # noqa: S308 - ours
                "font_family": mark_safe(f'"{FAMILY}", serif'),  # noqa: S308
                "report": report_view(report_dict),
                "file_name": file_name,
                "sha256": sha256,
                "checked_at": timezone.localtime(checked_at),
                "made_at": timezone.localtime(),
            },
        )
        return HTML(string=html).write_pdf()


def report_filename(file_name: str) -> str:
    """`bao-cao-chu-ky-<name>.pdf`, ASCII letters, digits and dashes only."""
    from django.utils.text import slugify

    stem = file_name.rsplit(".", 1)[0] if "." in file_name else file_name
    return f"bao-cao-chu-ky-{slugify(stem)[:60] or 'tep'}.pdf"
