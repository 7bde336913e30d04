"""Visible signatures as Decree 30 Phụ lục I shows them: the leader's blue
signature image centred between the title and the name, the agency's red seal at
its real size over the left third of it, and the text-only agency signature at
the top right of an attachment or copy (ISO 8601 time, +07:00), each signed with
the demo PKI and checked by pyHanko and poppler. Pages are rendered to
test-artifacts/stamps/ for a person to look at; the pixel checks below measure
what those images show."""

import io
import json
import os
import re
import shutil
import statistics
import subprocess
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pikepdf
import pytest
from django.utils import translation
from fontTools.ttLib import TTFont
from PIL import Image, ImageChops

from documents.rendering import (
    FIELD_LEADER,
    FIELD_SEAL,
    MM,
    DraftLayout,
    fill_issue_fields,
    render_draft_pdf,
)
from signing import stamps
from signing.demo_images import (
    SEAL_RED,
    SIGNATURE_BLUE,
    demo_seal_png,
    demo_signature_png,
)
from signing.signers import sign_pdf
from signing.validation import VERDICT_VALID, validate_pdf
from tests.signing.conftest import pdfsig, reader

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "stamps"
DPI = 110
PX = DPI / 72  # pixels per point in the rendered PNGs
ISO_VN = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00"
AGENCY = "Sở Tài chính"
PARENT = "tỉnh Lạc Hồng"


def _work(tmp_path: Path, name: str, data: bytes) -> Path:
    """A working file; the tools read it here, never in test-artifacts/, which
    another test run may be rewriting."""
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _keep(*paths: Path) -> None:
    """Publish files to test-artifacts/stamps/ for a person to look at, each
    replaced whole (a reader never sees half a file)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for path in paths:
        partial = ARTIFACTS / f".{path.name}.{os.getpid()}"
        shutil.copyfile(path, partial)
        os.replace(partial, ARTIFACTS / path.name)


def _render_page(pdf_path: Path) -> Image.Image:
    """Page 1 at 110 dpi, as a person would look at it."""
    stem = pdf_path.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-png", "-f", "1", "-l", "1", "-singlefile"]
        + [str(pdf_path), str(stem)],
        check=True,
        timeout=60,
    )
    return Image.open(f"{stem}.png").convert("RGB")


def _over(band: Image.Image, threshold: int) -> Image.Image:
    return band.point(lambda v: 255 if v > threshold else 0)


def _ink(image: Image.Image, colour: str) -> Image.Image:
    """A mask of the blue (signature) or red (seal) pixels of a rendered page:
    that colour's channel high and well above the other two."""
    r, g, b = image.split()
    if colour == "blue":
        main, floor, others = b, 110, ((r, 50), (g, 20))
    else:
        main, floor, others = r, 150, ((g, 70), (b, 60))
    mask = _over(main, floor)
    for other, margin in others:
        mask = ImageChops.darker(mask, _over(ImageChops.subtract(main, other), margin))
    return mask


def _page_px(page_height: float, box) -> tuple[float, float, float, float]:
    """A PDF box (points, origin bottom left) in the PNG's pixels (top left)."""
    x1, y1, x2, y2 = box
    return (x1 * PX, (page_height - y2) * PX, x2 * PX, (page_height - y1) * PX)


# --- Demo images ----------------------------------------------------------------------


def test_demo_signature_is_blue_on_transparent_and_cached(tmp_path):
    data = demo_signature_png("Nguyễn Văn An")
    _keep(_work(tmp_path, "demo-signature.png", data))
    assert demo_signature_png("Nguyễn Văn An") is data  # cached per process
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.mode == "RGBA"
    width, height = image.size
    assert 2.5 < width / height < 5
    for corner in [(0, 0), (width - 1, 0), (0, height - 1), (width - 1, height - 1)]:
        assert image.getpixel(corner)[3] == 0
    inked = [p for p in image.get_flattened_data() if p[3] > 200]
    assert len(inked) > 0.03 * width * height
    assert {p[:3] for p in inked} == {SIGNATURE_BLUE}  # one colour, no fringe


def test_demo_seal_is_red_round_and_of_real_size(tmp_path):
    data = demo_seal_png(AGENCY, PARENT)
    _keep(_work(tmp_path, "demo-seal.png", data))
    assert demo_seal_png(AGENCY, PARENT) is data
    image = Image.open(io.BytesIO(data))
    assert image.size == (425, 425)  # 36 mm at 300 dpi
    assert round(image.info["dpi"][0]) == 300
    alpha = image.getchannel("A")
    assert alpha.getpixel((0, 0)) == 0  # outside the circle
    assert alpha.getpixel((212, 4)) > 150  # the outer ring, at the top
    assert alpha.getbbox()[0] <= 6 and alpha.getbbox()[2] >= 419  # round, full size
    assert {p[:3] for p in image.get_flattened_data() if p[3]} == {SEAL_RED}


def test_a_long_name_still_fits_inside_the_seal():
    data = demo_seal_png("Ủy ban nhân dân tỉnh Lạc Hồng", "Cộng hòa xã hội chủ nghĩa")
    image = Image.open(io.BytesIO(data))
    centre = image.width / 2
    radius = image.width / 2
    alpha = image.getchannel("A")
    for y in range(0, image.height, 3):
        for x in range(0, image.width, 3):
            if alpha.getpixel((x, y)) > 20:
                assert (x - centre) ** 2 + (y - centre) ** 2 <= radius**2


# --- Errors ---------------------------------------------------------------------------


def _png(mode: str, **options) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (200, 200), 0).save(buffer, format="PNG", **options)
    return buffer.getvalue()


def test_images_that_cannot_be_stamped_are_refused():
    with pytest.raises(stamps.StampError):
        stamps.leader_stamp(b"not an image")
    with pytest.raises(stamps.StampError):
        stamps.leader_stamp(_png("RGB"))  # no transparency: would hide the text
    jpeg = io.BytesIO()
    Image.new("RGB", (10, 10)).save(jpeg, format="JPEG")
    with pytest.raises(stamps.StampError):
        stamps.leader_stamp(jpeg.getvalue())
    with pytest.raises(stamps.StampError):
        stamps.seal_stamp(_png("RGBA"))  # no resolution, no size given
    with pytest.raises(stamps.StampError) as info:
        stamps.seal_stamp(_png("RGBA", dpi=(72, 72)))  # 71 mm: not a seal
    assert "71" in str(info.value)
    stamps.seal_stamp(_png("RGBA"), size_mm=36)
    with translation.override("vi"), pytest.raises(stamps.StampError) as info:
        stamps.leader_stamp(_png("RGB"))
    assert "nền trong suốt" in str(info.value)


def test_attachment_text_needs_a_number_and_a_known_copy_form():
    with pytest.raises(stamps.StampError):
        stamps.attachment_stamp(number_notation="  ")
    with pytest.raises(stamps.StampError):
        stamps.attachment_stamp(number_notation="12/SY-STC", copy_form="bản chụp")
    with pytest.raises(stamps.StampError):
        stamps.attachment_stamp(number_notation="12/SY-STC", copy_form="sao y")
    with pytest.raises(stamps.StampError):
        stamps.attachment_stamp(number_notation="12/SY-STC", copying_agency=AGENCY)
    style, params = stamps.attachment_stamp(
        number_notation="12/SY-STC", copy_form="sao lục", copying_agency=AGENCY
    )
    assert params["copy_form"] == "SAO LỤC"
    assert style.stamp_text.splitlines()[0] == "%(copy_form)s"


def test_the_time_is_rewritten_as_iso_8601_in_vietnam_time():
    from pyhanko.pdf_utils.layout import BoxConstraints
    from pyhanko.pdf_utils.writer import PdfFileWriter

    style, params = stamps.attachment_stamp(number_notation="12/QĐ-STC")
    utc = datetime(2026, 1, 5, 2, 30, 12, tzinfo=UTC)
    # What pyHanko passes when signing: the signature's time in UTC.
    params["ts"] = utc.strftime(style.timestamp_format)
    stamp = style.create_stamp(PdfFileWriter(), BoxConstraints(200, 50), params)
    assert stamp.text_params["ts"] == "2026-01-05T09:30:12+07:00"
    # Stamped outside signing: now, in Vietnam time whatever TZ says.
    stamp = style.create_stamp(PdfFileWriter(), BoxConstraints(200, 50), {})
    assert re.fullmatch(ISO_VN, stamp.get_default_text_params()["ts"])
    assert stamps.vietnam_iso(utc) == "2026-01-05T09:30:12+07:00"


# --- Fonts ----------------------------------------------------------------------------


def test_the_stamp_font_has_1000_units_per_em_and_vietnamese():
    path = stamps.stamp_font_path("regular")
    with TTFont(str(path)) as font:
        assert font["head"].unitsPerEm == 1000
        cmap = font.getBestCmap()
    assert all(ord(c) in cmap for c in "ỐỒỔỖỘốồổỗộƯưĐđẠạệ")


def test_without_built_subsets_a_stamp_font_is_made(settings, tmp_path, monkeypatch):
    settings.VANTHU_FONT_DIR = tmp_path
    monkeypatch.setattr(stamps, "_font_paths", {})
    path = stamps.stamp_font_path("regular")
    assert path.parent.parent == tmp_path and path.parent.name.startswith("stamp-")
    with TTFont(str(path)) as font:
        assert font["head"].unitsPerEm == 1000
        assert font["name"].getDebugName(1) == "Vanthu Stamp Serif"
        assert ord("ệ") in font.getBestCmap()
    assert path.stat().st_size < 150_000


# --- The document: leader's signature and the agency's seal ---------------------------


@pytest.fixture(scope="module")
def leader_name():
    return "Trần Minh Quang"


@pytest.fixture(scope="module")
def rendered(leader_name):
    """A realistic quyết định of the Sở Tài chính, signed by a deputy for the
    director (KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC)."""
    return render_draft_pdf(
        DraftLayout(
            parent_agency_name="Ủy ban nhân dân tỉnh Lạc Hồng",
            agency_name=AGENCY,
            agency_abbr="STC",
            unit_abbr="NS",
            type_code="quyet_dinh",
            type_name="Quyết định",
            type_abbr="QĐ",
            place_name="Lạc Hồng",
            subject=(
                "Về việc phê duyệt dự toán kinh phí thực hiện chuyển đổi số năm 2026 "
                "của các đơn vị sự nghiệp trực thuộc Sở"
            ),
            body=(
                "GIÁM ĐỐC SỞ TÀI CHÍNH TỈNH LẠC HỒNG\n\n"
                "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của "
                "Chính phủ về công tác văn thư;\n\n"
                "Theo đề nghị của Trưởng phòng Ngân sách.\n\nQUYẾT ĐỊNH:\n\n"
                "Điều 1. Phê duyệt dự toán kinh phí thực hiện chuyển đổi số năm "
                "2026 của các đơn vị sự nghiệp trực thuộc Sở, tổng số tiền: "
                "1.250.000.000 đồng (Một tỷ hai trăm năm mươi triệu đồng).\n\n"
                "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.\n\n"
                "Điều 3. Chánh Văn phòng Sở, Trưởng phòng Ngân sách và thủ trưởng "
                "các đơn vị có liên quan chịu trách nhiệm thi hành Quyết định này."
            ),
            signer_capacity="KT.",
            signer_capacity_of="GIÁM ĐỐC",
            signer_title="PHÓ GIÁM ĐỐC",
            signer_name=leader_name,
            copies_to=["Như Điều 3", "Giám đốc Sở (để b/c)"],
            archive_units=["NS"],
            drafter_initials="TMQ",
            copies=5,
        )
    )


def _sign_leader_and_seal(rendered, leader, seal, leader_name):
    signed = sign_pdf(
        pdf=rendered.pdf,
        signer=leader,
        field_name=FIELD_LEADER,
        level="B",
        certify=True,
        appearance=stamps.leader_stamp(demo_signature_png(leader_name)),
    )
    numbered = fill_issue_fields(signed, number=12, issued=date(2026, 1, 5))
    return sign_pdf(
        pdf=numbered,
        signer=seal,
        field_name=FIELD_SEAL,
        level="B",
        appearance=stamps.seal_stamp(demo_seal_png(AGENCY, PARENT)),
    )


def test_leader_signature_and_seal_look_as_phu_luc_i_shows_them(
    rendered, leader, seal, leader_name, tmp_path
):
    issued = _sign_leader_and_seal(rendered, leader, seal, leader_name)
    report = pdfsig(issued)
    assert report.count("Signature is Valid") == 2, report
    verdict = validate_pdf(issued)
    assert verdict.verdict == VERDICT_VALID
    first, second = verdict.signatures
    assert first.certified and first.modification_level == "FORM_FILLING"
    assert second.ok

    path = _work(tmp_path, "issued.pdf", issued)
    page = _render_page(path)
    page_height = 841.89
    field = _page_px(page_height, rendered.fields[FIELD_LEADER].box)
    blue_ink, red_ink = _ink(page, "blue"), _ink(page, "red")
    blue, red = blue_ink.getbbox(), red_ink.getbbox()
    assert blue is not None and red is not None
    # The signature is centred in the leader's box (between title and name).
    assert abs((blue[0] + blue[2]) / 2 - (field[0] + field[2]) / 2) < 2 * MM * PX
    assert abs((blue[1] + blue[3]) / 2 - (field[1] + field[3]) / 2) < 3 * MM * PX
    assert field[0] - 2 <= blue[0] and blue[2] <= field[2] + 2
    assert field[1] - 2 <= blue[1] and blue[3] <= field[3] + 2
    assert blue[2] - blue[0] > 0.8 * (field[2] - field[0])  # fills the width
    # The seal: 36 mm across, overlapping about the left third of the signature.
    for extent in (red[2] - red[0], red[3] - red[1]):
        assert abs(extent / PX / MM - 36) < 1.0
    overlap = (red[2] - blue[0]) / (blue[2] - blue[0])
    assert 0.2 < overlap < 0.45, overlap
    assert abs((red[1] + red[3]) / 2 - (field[1] + field[3]) / 2) < 2 * MM * PX

    # Nothing red or blue on the signer's name: it is printed below the box.
    text = subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path)] + ["-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    words = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
        r"([^<]*)</word>",
        text,
    )
    name_words = [w for w in words if w[4] in leader_name.split()]
    assert len(name_words) == len(leader_name.split())
    for x1, y1, x2, y2, _word in name_words:
        box = (float(x1) * PX, float(y1) * PX, float(x2) * PX, float(y2) * PX)
        box = tuple(round(v) for v in box)
        assert blue_ink.crop(box).getbbox() is None
        assert red_ink.crop(box).getbbox() is None
    # A crop of the signature block, bigger, for a person to look at.
    block = page.crop(
        (
            round(red[0] - 20),
            round(field[1] - 90),
            round(field[2] + 20),
            round(field[3] + 60),
        )
    )
    block.resize((block.width * 2, block.height * 2)).save(
        tmp_path / "issued-signature-block.png"
    )
    _keep(path, tmp_path / "issued.png", tmp_path / "issued-signature-block.png")


def _leader_appearance_xobject(signed: bytes):
    field = next(
        f.get_object()
        for f in reader(signed).root["/AcroForm"]["/Fields"]
        if f.get_object()["/T"] == FIELD_LEADER
    )
    return field["/AP"]["/N"]


def test_the_leader_stamp_is_an_image_only(rendered, leader, leader_name):
    signed = sign_pdf(
        pdf=rendered.pdf,
        signer=leader,
        field_name=FIELD_LEADER,
        appearance=stamps.leader_stamp(demo_signature_png(leader_name)),
    )
    appearance = _leader_appearance_xobject(signed)
    content = appearance.data
    assert b"BT" not in content and b" re S" not in content  # no text, no border
    (image,) = _images(appearance)
    assert "/SMask" in image  # transparent background


def _images(xobject) -> list:
    found = []
    for value in xobject.get("/Resources", {}).get("/XObject", {}).values():
        value = value.get_object()
        if value.get("/Subtype") == "/Image":
            found.append(value)
        elif value.get("/Subtype") == "/Form":
            found.extend(_images(value))
    return found


# --- Attachments and copies ---------------------------------------------------------


def _plain_attachment() -> bytes:
    """A one-page A4 attachment as another tool would make it: no form fields,
    a heading and a table-like body in Helvetica."""
    pdf = pikepdf.new()
    font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.Type1,
        BaseFont=pikepdf.Name.Helvetica,
    )
    lines = [
        (200, 760, 14, "PHU LUC I"),
        (140, 740, 11, "DU TOAN KINH PHI CHUYEN DOI SO NAM 2026"),
        (85, 700, 11, "STT   Noi dung                              So tien"),
        (85, 680, 11, "1     Ha tang may chu                        600.000.000"),
        (85, 660, 11, "2     Phan mem van phong dien tu             650.000.000"),
    ]
    content = b"".join(
        b"BT /F1 %d Tf %d %d Td (%s) Tj ET\n" % (size, x, y, text.encode())
        for x, y, size, text in lines
    )
    page = pikepdf.Page(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, 595.28, 841.89],
            Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
            Contents=pikepdf.Stream(pdf, content),
        )
    )
    pdf.pages.append(page)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _pdftotext(path: Path, *args: str) -> str:
    return subprocess.run(
        ["pdftotext", *args, "-f", "1", "-l", "1", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _expected_width(text: str) -> float:
    """Width in points of `text` at 10 pt in the stamp font (its advances)."""
    with TTFont(str(stamps.stamp_font_path("regular"))) as font:
        cmap, hmtx = font.getBestCmap(), font["hmtx"]
        return sum(hmtx[cmap[ord(c)]][0] for c in text) * 10 / 1000


def _word_boxes(path: Path) -> list[tuple[float, float, float, float, str]]:
    xml = _pdftotext(path, "-bbox")
    return [
        (float(a), float(b), float(c), float(d), w)
        for a, b, c, d, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
            r'yMax="([\d.]+)">([^<]*)</word>',
            xml,
        )
    ]


def test_attachment_in_a_separate_file_gets_the_text_at_the_top_right(seal, tmp_path):
    attachment = stamps.add_attachment_field(_plain_attachment())
    style, params = stamps.attachment_stamp(number_notation="12/QĐ-STC")
    signed = sign_pdf(
        pdf=attachment,
        signer=seal,
        field_name=stamps.ATTACHMENT_FIELD,
        level="B",
        appearance=style,
        appearance_params=params,
    )
    assert pdfsig(signed).count("Signature is Valid") == 1
    path = _work(tmp_path, "attachment.pdf", signed)
    text = _pdftotext(path, "-layout")
    assert "Số: 12/QĐ-STC" in text
    (when,) = re.findall(r"Thời gian ký: (" + ISO_VN + ")", text)
    # The very time the signature records, in Vietnam time.
    (sig,) = reader(signed).embedded_signatures
    recorded = sig.self_reported_timestamp
    assert datetime.fromisoformat(when) == recorded.replace(microsecond=0)

    # Letters at their real advances (a font not at 1000 units per em would
    # spread them about twice as wide), 10 pt, at the top right. pdftotext
    # reports each stamp line as one "word".
    words = _word_boxes(path)
    number_line, time_line = words[:2]
    assert number_line[4] == "Số: 12/QĐ-STC"
    assert time_line[4] == f"Thời gian ký: {when}"
    for x1, _y1, x2, _y2, line in (number_line, time_line):
        assert abs((x2 - x1) / _expected_width(line) - 1) < 0.03, line
    assert abs(time_line[1] - number_line[1] - stamps.TEXT_LEADING) < 0.3
    x1, y1, x2, y2 = stamps.attachment_field_box(595.28, 841.89)
    assert abs(time_line[2] - x2) < 0.5  # the longest line on the right margin
    assert number_line[0] == time_line[0]  # lines left-aligned in the block
    assert number_line[1] >= 841.89 - y2 - 0.5  # within the top margin
    assert time_line[3] <= 841.89 - y1 + 1  # descenders: the font's box
    # The attachment's own heading is untouched below the stamp.
    assert "PHU LUC I" in text
    page = _render_page(path)
    page.crop((0, 0, page.width, round(60 * MM * PX))).save(
        tmp_path / "attachment-top.png"
    )
    _keep(path, tmp_path / "attachment.png", tmp_path / "attachment-top.png")


def test_electronic_copy_names_the_copy_form_and_copying_agency(seal, tmp_path):
    attachment = stamps.add_attachment_field(_plain_attachment())
    style, params = stamps.attachment_stamp(
        number_notation="05/SY-STC",
        copy_form="sao y",
        copying_agency="Sở Tài chính tỉnh Lạc Hồng",
    )
    signed = sign_pdf(
        pdf=attachment,
        signer=seal,
        field_name=stamps.ATTACHMENT_FIELD,
        appearance=style,
        appearance_params=params,
    )
    assert pdfsig(signed).count("Signature is Valid") == 1
    path = _work(tmp_path, "copy.pdf", signed)
    lines = [ln.strip() for ln in _pdftotext(path, "-layout").splitlines()]
    lines = [ln for ln in lines if ln]
    assert lines[:4] == [
        "SAO Y",
        "Sở Tài chính tỉnh Lạc Hồng",
        "Số: 05/SY-STC",
        lines[3],
    ]
    assert re.fullmatch("Thời gian ký: " + ISO_VN, lines[3])
    words = _word_boxes(path)
    assert [w[4] for w in words[:4]] == lines[:4]
    for x1, _y1, x2, _y2, line in words[:4]:
        assert abs((x2 - x1) / _expected_width(line) - 1) < 0.03, line
    assert words[3][3] <= 20 * MM + 1  # all four lines within the top margin
    page = _render_page(path)
    page.crop((0, 0, page.width, round(60 * MM * PX))).save(tmp_path / "copy-top.png")
    _keep(path, tmp_path / "copy.png", tmp_path / "copy-top.png")


def test_a_field_cannot_be_added_twice():
    once = stamps.add_attachment_field(_plain_attachment())
    with pytest.raises(stamps.StampError):
        stamps.add_attachment_field(once)
    with pytest.raises(stamps.StampError):
        stamps.add_attachment_field(b"%PDF-1.7 nothing else")


# --- Cost -----------------------------------------------------------------------------


def test_median_cost_of_a_b_b_signature_with_each_stamp(
    rendered, leader, seal, leader_name, tmp_path
):
    """20 B-B signatures each: no image, the leader's signature, the seal, the
    attachment text. Written to test-artifacts/stamps/timings.json."""
    attachment = stamps.add_attachment_field(_plain_attachment())
    signature_png = demo_signature_png(leader_name)
    seal_png = demo_seal_png(AGENCY, PARENT)

    def attachment_text():
        style, params = stamps.attachment_stamp(number_notation="12/QĐ-STC")
        return sign_pdf(
            pdf=attachment,
            signer=seal,
            field_name=stamps.ATTACHMENT_FIELD,
            appearance=style,
            appearance_params=params,
        )

    cases = {
        "no stamp (leader field)": lambda: sign_pdf(
            pdf=rendered.pdf, signer=leader, field_name=FIELD_LEADER
        ),
        "leader signature image": lambda: sign_pdf(
            pdf=rendered.pdf,
            signer=leader,
            field_name=FIELD_LEADER,
            appearance=stamps.leader_stamp(signature_png),
        ),
        "seal image": lambda: sign_pdf(
            pdf=rendered.pdf,
            signer=seal,
            field_name=FIELD_SEAL,
            appearance=stamps.seal_stamp(seal_png),
        ),
        "attachment text": attachment_text,
    }
    medians = {}
    for name, run in cases.items():
        run()  # warm: fonts, images, keys
        times = []
        for _ in range(20):
            start = time.perf_counter()
            run()
            times.append((time.perf_counter() - start) * 1000)
        medians[name] = round(statistics.median(times), 1)
    _keep(_work(tmp_path, "timings.json", json.dumps(medians, indent=2).encode()))
    print(medians)  # noqa: T201 - shown with pytest -s
    for value in medians.values():
        assert value < 1000
