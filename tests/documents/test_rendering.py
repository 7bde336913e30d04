"""documents.rendering: Decree 30 layout, PDF/A-2b, fonts and the pre-placed fields.

The rendered quyết định, công văn and the signed-and-filled quyết định are written to
test-artifacts/render/ as PDF and PNG for a person to look at."""

import dataclasses
import datetime
import html
import io
import re
import subprocess
import tempfile
import unicodedata
from datetime import date
from pathlib import Path

import pikepdf
import pytest
from fontTools.ttLib import TTFont

from documents import fonts, rendering
from documents.rendering import (
    FIELD_DATE,
    FIELD_DAY,
    FIELD_LEADER,
    FIELD_MONTH,
    FIELD_NUMBER,
    FIELD_SEAL,
    FIELD_YEAR,
    MM,
    DraftLayout,
    date_line,
    fill_issue_fields,
    notation,
    render_draft_pdf,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "render"


def _vietnamese_letters() -> str:
    """The 134 letters of Vietnamese with diacritics: 12 vowels with 5 tones, the
    6 marked vowels, đ; lower and upper case; NFC, one code point each."""
    tones = "\u0300\u0301\u0309\u0303\u0323"
    lower = [
        unicodedata.normalize("NFC", vowel + tone)
        for vowel in "aăâeêioôơuưy"
        for tone in tones
    ]
    lower += list("ăâêôơưđ")
    letters = lower + [c.upper() for c in lower]
    assert len(set(letters)) == 134
    assert all(len(c) == 1 for c in letters)
    return "".join(letters)


LETTERS = _vietnamese_letters()

QUYET_DINH = DraftLayout(
    parent_agency_name="Ủy ban nhân dân tỉnh Lạc Hồng",
    agency_name="Sở Tài chính",
    agency_abbr="STC",
    unit_abbr="NS",
    type_code="quyet_dinh",
    type_name="Quyết định",
    type_abbr="QĐ",
    place_name="Lạc Hồng",
    subject="Về việc phê duyệt dự toán kinh phí chuyển đổi số năm 2026",
    body=(
        "GIÁM ĐỐC SỞ TÀI CHÍNH TỈNH LẠC HỒNG\n\n"
        "Căn cứ Luật Ngân sách nhà nước ngày 25 tháng 6 năm 2015;\n"
        "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ "
        "về công tác văn thư;\n"
        "Theo đề nghị của Trưởng phòng Quản lý ngân sách.\n\n"
        "QUYẾT ĐỊNH:\n\n"
        "Điều 1. Phê duyệt dự toán kinh phí thực hiện chuyển đổi số năm 2026 của Sở "
        "Tài chính với tổng số tiền là 1.250.000.000 đồng.\n\n"
        f"Điều 2. Bảng chữ cái dùng trong văn bản: {' '.join(LETTERS)}.\n\n"
        "Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng Sở, "
        "Trưởng phòng Quản lý ngân sách và Thủ trưởng các đơn vị có liên quan chịu "
        "trách nhiệm thi hành Quyết định này."
    ),
    signer_capacity="KT.",
    signer_capacity_of="Giám đốc",
    signer_title="Phó Giám đốc",
    signer_name="Nguyễn Văn An",
    copies_to=["Như Điều 3", "UBND tỉnh (để b/c)", "Giám đốc Sở"],
    archive_units=["NS"],
    drafter_initials="nva",
    copies=10,
)

CONG_VAN = DraftLayout(
    parent_agency_name="Ủy ban nhân dân tỉnh Lạc Hồng",
    agency_name="Sở Tài chính",
    agency_abbr="STC",
    unit_abbr="NS",
    type_code="cong_van",
    place_name="Lạc Hồng",
    subject="V/v hướng dẫn lập dự toán ngân sách nhà nước năm 2027",
    body=(
        "Thực hiện Thông tư của Bộ Tài chính hướng dẫn xây dựng dự toán ngân sách "
        "nhà nước năm 2027, Sở Tài chính đề nghị các cơ quan, đơn vị triển khai "
        "một số nội dung sau:\n\n"
        "1. Rà soát nhiệm vụ chi, xác định thứ tự ưu tiên; gửi dự toán về Sở Tài "
        "chính trước ngày 20 tháng 7 năm 2026.\n\n"
        "2. Trường hợp có khó khăn, vướng mắc, đề nghị phản ánh kịp thời về Sở Tài "
        "chính (Phòng Quản lý ngân sách) để được hướng dẫn.\n\n"
        "Sở Tài chính đề nghị các cơ quan, đơn vị quan tâm phối hợp thực hiện./."
    ),
    signer_capacity="KT.",
    signer_capacity_of="Giám đốc",
    signer_title="Phó Giám đốc",
    signer_name="Trần Thị Bích Ngọc",
    recipients=["Các sở, ban, ngành tỉnh", "UBND các huyện, thành phố"],
    copies_to=["Giám đốc Sở (để b/c)"],
    archive_units=["NS"],
    urgency=2,
    secrecy=1,
)


# --- Helpers -------------------------------------------------------------------


def _run(*args: str, data: bytes) -> str:
    """Run a poppler or qpdf tool on the PDF (from a file: not every version reads
    standard input); its standard output."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(data)
        file.flush()
        out = subprocess.run(
            [*args, file.name] + (["-"] if args[0] == "pdftotext" else []),
            capture_output=True,
            check=False,
            timeout=60,
        )
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout.decode()


def _text(pdf: bytes, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return unicodedata.normalize(
        "NFC", _run("pdftotext", "-enc", "UTF-8", *pages, data=pdf)
    )


def _flat(text: str) -> str:
    return " ".join(text.split())


_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
    r"(.*?)</word>"
)


def _words(pdf: bytes) -> list[list[tuple[float, float, float, float, str]]]:
    """Per page, each word with its box in PDF points from the TOP left."""
    pages = _run("pdftotext", "-bbox", "-enc", "UTF-8", data=pdf).split("<page ")[1:]
    return [
        [
            (float(a), float(b), float(c), float(d), html.unescape(w))
            for a, b, c, d, w in _WORD.findall(page)
        ]
        for page in pages
    ]


def _word(words, text: str):
    matches = [w for w in words if w[4] == text]
    assert matches, f"{text!r} not on the page"
    return matches[0]


def _inherited(field, key: str):
    while field is not None:
        if key in field:
            return field[key]
        field = field.get("/Parent")
    return None


def _fields(pdf: bytes) -> dict[str, pikepdf.Dictionary]:
    """Terminal fields by fully qualified name."""
    found = {}

    def walk(field, prefix):
        name = f"{prefix}.{field.T}" if prefix else str(field.T)
        if "/Kids" in field:
            for kid in field.Kids:
                walk(kid, name)
        else:
            found[name] = field

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for field in doc.Root.AcroForm.Fields:
            walk(field, "")
        return {
            name: {
                "type": str(_inherited(f, "/FT")),
                "rect": [float(v) for v in f.Rect],
                "page": next(
                    i
                    for i, page in enumerate(doc.pages)
                    if any(a.objgen == f.objgen for a in page.obj.get("/Annots", []))
                ),
                "value": str(f.get("/V", "")),
                "da": str(_inherited(f, "/DA") or ""),
                "flags": int(f.get("/F", 0)),
                "appearance": "/AP" in f and "/N" in f.AP,
            }
            for name, f in found.items()
        }


def _pdfa_identification(pdf: bytes) -> tuple[str, str]:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        meta = doc.open_metadata()
        return meta.get("pdfaid:part"), meta.get("pdfaid:conformance")


def _qpdf_check(pdf: bytes) -> None:
    assert "No syntax or stream encoding errors found" in _run(
        "qpdf", "--check", data=pdf
    )


def _fonts_listed(pdf: bytes) -> list[list[str]]:
    lines = _run("pdffonts", data=pdf).splitlines()[2:]
    return [line.split() for line in lines if line.strip()]


def _save_artifacts(name: str, pdf: bytes) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", str(ARTIFACTS / f"{name}.pdf"), name],
        cwd=ARTIFACTS,
        check=True,
        timeout=60,
    )


def _self_signed_signer(common_name: str):
    """A pyHanko signer with a self-signed EC certificate, and that certificate."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(usage, critical=True)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    asn1_cert = asn1_x509.Certificate.load(
        cert.public_bytes(serialization.Encoding.DER)
    )
    asn1_key = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    signer = signers.SimpleSigner(
        signing_cert=asn1_cert,
        signing_key=asn1_key,
        cert_registry=SimpleCertificateStore.from_certs([asn1_cert]),
    )
    return signer, asn1_cert


# --- Rendered once per module ----------------------------------------------------


@pytest.fixture(scope="module")
def quyet_dinh():
    rendered = render_draft_pdf(QUYET_DINH)
    _save_artifacts("quyet-dinh", rendered.pdf)
    return rendered


@pytest.fixture(scope="module")
def cong_van():
    rendered = render_draft_pdf(CONG_VAN)
    _save_artifacts("cong-van", rendered.pdf)
    return rendered


# --- Number, notation and date ---------------------------------------------------


@pytest.mark.parametrize(
    ("number", "type_abbr", "agency_abbr", "unit_abbr", "expected"),
    [
        (12, "QĐ", "UBND", "", "12/QĐ-UBND"),
        (15, "QĐ", "BNV", "", "15/QĐ-BNV"),
        (5, "QĐ", "STC", "NS", "05/QĐ-STC"),  # typed documents ignore the unit
        (1, "QyĐ", "UBND", "", "01/QyĐ-UBND"),
        (9, "TTr", "STC", "", "09/TTr-STC"),
        (10, "KH", "UBND", "", "10/KH-UBND"),
        (1234, "TB", "UBND", "", "1234/TB-UBND"),
        (5, "", "BNV", "VP", "05/BNV-VP"),  # công văn: agency then unit, no "CV"
        (12, "", "UBND", "VX", "12/UBND-VX"),
        (3, "", "UBND", "", "03/UBND"),
        (None, "QĐ", "UBND", "", "     /QĐ-UBND"),
        (None, "", "UBND", "VX", "     /UBND-VX"),
    ],
)
def test_notation(number, type_abbr, agency_abbr, unit_abbr, expected):
    assert (
        notation(
            number=number,
            type_abbr=type_abbr,
            agency_abbr=agency_abbr,
            unit_abbr=unit_abbr,
        )
        == expected
    )


@pytest.mark.parametrize(
    ("number", "agency_abbr", "type_abbr"),
    [(0, "UBND", "QĐ"), (-3, "UBND", "QĐ"), (1, "UB ND", "QĐ"), (1, "", "QĐ")]
    + [(1, "UBND", "Q/Đ")],
)
def test_notation_refuses_bad_input(number, agency_abbr, type_abbr):
    with pytest.raises(ValueError):
        notation(number=number, type_abbr=type_abbr, agency_abbr=agency_abbr)


@pytest.mark.parametrize(
    ("place", "day", "expected"),
    [
        ("Tiền Giang", date(2026, 1, 5), "Tiền Giang, ngày 05 tháng 01 năm 2026"),
        ("Hà Nội", date(2020, 1, 5), "Hà Nội, ngày 05 tháng 01 năm 2020"),
        ("Lạc Hồng", date(2026, 2, 9), "Lạc Hồng, ngày 09 tháng 02 năm 2026"),
        ("Lạc Hồng", date(2026, 3, 15), "Lạc Hồng, ngày 15 tháng 3 năm 2026"),
        ("Lạc Hồng", date(2026, 3, 1), "Lạc Hồng, ngày 01 tháng 3 năm 2026"),
        ("Lạc Hồng", date(2026, 10, 10), "Lạc Hồng, ngày 10 tháng 10 năm 2026"),
        ("Lạc Hồng", date(2026, 12, 31), "Lạc Hồng, ngày 31 tháng 12 năm 2026"),
        (
            "Thành phố Hồ Chí Minh",
            date(2019, 6, 29),
            "Thành phố Hồ Chí Minh, ngày 29 tháng 6 năm 2019",
        ),
    ],
)
def test_date_line(place, day, expected):
    assert date_line(place, day) == expected


def test_date_line_is_nfc():
    decomposed = unicodedata.normalize("NFD", "Tiền Giang")
    line = date_line(decomposed, date(2026, 1, 5))
    assert line == unicodedata.normalize("NFC", line)
    assert line.startswith("Tiền Giang,")


# --- The rendered file -----------------------------------------------------------


@pytest.mark.parametrize("which", ["quyet_dinh", "cong_van"])
def test_render_is_one_page_pdfa_2b_that_qpdf_accepts(which, request):
    rendered = request.getfixturevalue(which)
    assert rendered.page_count == 1
    with pikepdf.open(io.BytesIO(rendered.pdf)) as doc:
        assert len(doc.pages) == 1
        width, height = (float(v) for v in doc.pages[0].MediaBox[2:])
        assert (round(width / MM), round(height / MM)) == (210, 297)
        assert "/NeedAppearances" not in doc.Root.AcroForm
    assert _pdfa_identification(rendered.pdf) == ("2", "B")
    _qpdf_check(rendered.pdf)


@pytest.mark.parametrize("which", ["quyet_dinh", "cong_van"])
def test_only_embedded_vanthu_serif_fonts(which, request):
    listed = _fonts_listed(request.getfixturevalue(which).pdf)
    assert listed
    for row in listed:
        name, emb = row[0], row[-5]
        assert emb == "yes", row
        assert "+Vanthu-Serif" in name, row  # never Nimbus, DejaVu or Times


def test_every_vietnamese_letter_is_in_the_text(quyet_dinh):
    text = _text(quyet_dinh.pdf)
    missing = [c for c in LETTERS if c not in text]
    assert not missing


def test_quyet_dinh_layout_text(quyet_dinh):
    text = _flat(_text(quyet_dinh.pdf))
    for expected in [
        "UBND TỈNH LẠC HỒNG",
        "SỞ TÀI CHÍNH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "/QĐ-STC",
        "Lạc Hồng, ngày",
        "QUYẾT ĐỊNH Về việc phê duyệt dự toán",
        "Nơi nhận:",
        "- Như Điều 3;",
        "- Lưu: VT, NS, NVA.(10).",
        "KT. GIÁM ĐỐC",
        "PHÓ GIÁM ĐỐC",
        "Nguyễn Văn An",
    ]:
        assert expected in text, expected
    assert "V/v" not in text
    assert "Kính gửi" not in text


def test_cong_van_layout_text(cong_van):
    text = _flat(_text(cong_van.pdf))
    for expected in [
        "/STC-NS",  # công văn: agency then drafting unit
        "V/v hướng dẫn lập dự toán",
        "Kính gửi:",
        "- Các sở, ban, ngành tỉnh;",
        "- UBND các huyện, thành phố.",
        "- Như trên;",
        "- Giám đốc Sở (để b/c);",
        "- Lưu: VT, NS.",
    ]:
        assert expected in text, expected
    assert "CÔNG VĂN" not in text
    assert "/CV-" not in text


def test_cong_van_subject_sits_under_the_number(cong_van):
    (words,) = _words(cong_van.pdf)
    so = _word(words, "Số:")
    vv = _word(words, "V/v")
    assert vv[1] > so[3]  # below
    assert vv[0] < 297  # left column


# --- The fields --------------------------------------------------------------------


@pytest.mark.parametrize("which", ["quyet_dinh", "cong_van"])
def test_the_fields_exist_with_their_types(which, request):
    rendered = request.getfixturevalue(which)
    fields = _fields(rendered.pdf)
    assert set(fields) == {
        FIELD_NUMBER,
        FIELD_DAY,
        FIELD_MONTH,
        FIELD_YEAR,
        FIELD_LEADER,
        FIELD_SEAL,
    }
    types = sorted(f["type"] for f in fields.values())
    assert types == ["/Sig"] * 2 + ["/Tx"] * 4
    for name, field in fields.items():
        assert field["value"] == ""
        assert field["flags"] == 4  # printed, visible: PDF/A
        assert field["appearance"]  # PDF/A: every widget has /AP /N
        place = rendered.fields[name]
        assert field["page"] == place.page
        assert field["rect"] == pytest.approx(list(place.box), abs=0.01)
    with pikepdf.open(io.BytesIO(rendered.pdf)) as doc:
        (date_field,) = [f for f in doc.Root.AcroForm.Fields if f.T == FIELD_DATE]
        assert date_field.FT == "/Tx"
        dr_fonts = doc.Root.AcroForm.DR.Font
        for name in (FIELD_NUMBER, FIELD_DAY):
            font = dr_fonts[fields[name]["da"].split()[0]]
            assert font.Subtype == "/TrueType"
            assert font.Encoding == "/WinAnsiEncoding"
            assert "/FontFile2" in font.FontDescriptor  # embedded


def test_text_fields_sit_in_the_number_and_date_lines(quyet_dinh):
    (words,) = _words(quyet_dinh.pdf)
    height = 841.89

    def top_down(name):
        place = quyet_dinh.fields[name]
        return place.x1, height - place.y2, place.x2, height - place.y1

    so, suffix = _word(words, "Số:"), _word(words, "/QĐ-STC")
    x1, y1, x2, y2 = top_down(FIELD_NUMBER)
    assert so[2] < x1 and x2 <= suffix[0] + 0.5
    assert y1 < (so[1] + so[3]) / 2 < y2
    ngay, thang, nam = (_word(words, w) for w in ("ngày", "tháng", "năm"))
    day, month, year = (top_down(n) for n in (FIELD_DAY, FIELD_MONTH, FIELD_YEAR))
    assert ngay[2] < day[0] and day[2] < thang[0]
    assert thang[2] < month[0] and month[2] < nam[0]
    assert nam[2] < year[0]
    for box in (day, month, year):
        assert box[1] < (ngay[1] + ngay[3]) / 2 < box[3]


def test_leader_box_is_centred_between_title_and_name(quyet_dinh):
    (words,) = _words(quyet_dinh.pdf)
    leader = quyet_dinh.fields[FIELD_LEADER]
    top, bottom = 841.89 - leader.y2, 841.89 - leader.y1
    title = _word(words, "PHÓ")
    name = _word(words, "Nguyễn")
    assert title[3] <= top and bottom <= name[1]
    capacity = _word(words, "KT.")
    line = [w for w in words if abs(w[1] - capacity[1]) < 1 and w[0] > 297]
    signer_centre = (min(w[0] for w in line) + max(w[2] for w in line)) / 2
    assert (leader.x1 + leader.x2) / 2 == pytest.approx(signer_centre, abs=3)
    assert leader.width > 50 * MM and leader.height > 20 * MM


def test_seal_covers_the_left_third_of_the_leader_box(quyet_dinh):
    leader = quyet_dinh.fields[FIELD_LEADER]
    seal = quyet_dinh.fields[FIELD_SEAL]
    assert seal.page == leader.page
    assert seal.width == pytest.approx(36 * MM, abs=0.1)
    assert seal.height == pytest.approx(36 * MM, abs=0.1)
    assert seal.x1 < leader.x1 < seal.x2
    assert seal.x2 == pytest.approx(leader.x1 + leader.width / 3, abs=0.05)
    assert seal.y1 < (leader.y1 + leader.y2) / 2 < seal.y2
    # Clear of the nơi nhận column.
    (words,) = _words(quyet_dinh.pdf)
    luu = _word(words, "NVA.(10).")
    assert luu[2] < seal.x1


def test_seal_size_follows_the_layout():
    rendered = render_draft_pdf(dataclasses.replace(CONG_VAN, seal_size_mm=40))
    assert rendered.fields[FIELD_SEAL].width == pytest.approx(40 * MM, abs=0.1)


def test_text_field_sizes_match_the_stylesheet():
    css = rendering._CSS_PATH.read_text()
    number_size = re.search(r"--number-size:\s*([\d.]+)pt", css).group(1)
    date_size = re.search(r"--date-size:\s*([\d.]+)pt", css).group(1)
    assert rendering._TEXT_FIELDS[FIELD_NUMBER][1] == float(number_size)
    for name in (FIELD_DAY, FIELD_MONTH, FIELD_YEAR):
        assert rendering._TEXT_FIELDS[name][1] == float(date_size)


# --- Pages, marks, escaping --------------------------------------------------------


def test_ten_pages_numbered_from_page_two_at_the_top_centre():
    article = (
        "Các cơ quan, đơn vị căn cứ chức năng, nhiệm vụ được giao chủ động rà soát, "
        "đánh giá kết quả thực hiện nhiệm vụ chuyển đổi số, bảo đảm an toàn thông "
        "tin mạng và đề xuất giải pháp phù hợp với điều kiện thực tế của địa phương."
    )
    # 57 to 61 articles of this length fill ten pages, the signature on the tenth.
    body = "\n\n".join(f"Điều {i}. {article} {article}" for i in range(1, 60))
    rendered = render_draft_pdf(dataclasses.replace(QUYET_DINH, body=body))
    assert rendered.page_count == 10
    assert rendered.fields[FIELD_LEADER].page == 9
    assert rendered.fields[FIELD_SEAL].page == 9
    assert rendered.fields[FIELD_NUMBER].page == 0
    pages = _words(rendered.pdf)
    assert len(pages) == 10
    top_margin = 20 * MM
    content_centre = (30 * MM + (595.28 - 20 * MM)) / 2
    for index, words in enumerate(pages):
        in_margin = [w for w in words if w[3] <= top_margin]
        if index == 0:
            assert in_margin == []
        else:
            (number,) = in_margin
            assert number[4] == str(index + 1)
            assert (number[0] + number[2]) / 2 == pytest.approx(content_centre, abs=2)
    assert "Nguyễn Văn An" in _text(rendered.pdf, page=10)


@pytest.mark.parametrize(
    ("urgency", "secrecy", "marks"),
    [
        (0, 0, []),
        (1, 0, ["KHẨN"]),
        (2, 0, ["THƯỢNG KHẨN"]),
        (3, 0, ["HỎA TỐC"]),
        (0, 1, ["MẬT"]),
        (0, 2, ["TỐI MẬT"]),
        (3, 3, ["TUYỆT MẬT", "HỎA TỐC"]),
    ],
)
def test_urgency_and_secrecy_marks(urgency, secrecy, marks):
    rendered = render_draft_pdf(
        dataclasses.replace(QUYET_DINH, urgency=urgency, secrecy=secrecy)
    )
    (words,) = _words(rendered.pdf)
    below_number = _word(words, "Số:")[3]
    above_title = _word(words, "QUYẾT")[1]
    shown = " ".join(
        w[4] for w in words if below_number < w[1] < above_title and w[2] < 297
    )
    assert shown == " ".join(marks)


def test_markup_in_the_content_is_printed_as_text():
    evil = '<b>đậm</b> <script>alert("x")</script> <a href="vanthu-field:x">y</a> &amp;'
    rendered = render_draft_pdf(
        dataclasses.replace(
            CONG_VAN,
            subject=f"V/v thử {evil}",
            body=f"Đoạn có thẻ {evil} cuối.",
            signer_name="Lê <i>Văn</i> Bình",
            recipients=["Sở <u>Nội vụ</u>"],
        )
    )
    text = _flat(_text(rendered.pdf))
    assert '<b>đậm</b> <script>alert("x")</script>' in text
    assert "&amp;" in text
    assert "Lê <i>Văn</i> Bình" in text
    assert "Kính gửi: Sở <u>Nội vụ</u>" in text
    # No field came out of the injected link.
    assert set(rendered.fields) == set(render_draft_pdf(CONG_VAN).fields)


def test_known_number_and_date_are_printed_and_need_no_text_fields():
    rendered = render_draft_pdf(
        dataclasses.replace(QUYET_DINH, number="7", issued_date=date(2026, 3, 15))
    )
    text = _flat(_text(rendered.pdf))
    assert "Số: 07/QĐ-STC" in text
    assert "Lạc Hồng, ngày 15 tháng 3 năm 2026" in text
    assert set(_fields(rendered.pdf)) == {FIELD_LEADER, FIELD_SEAL}
    assert set(rendered.fields) == {FIELD_LEADER, FIELD_SEAL}


@pytest.mark.parametrize(
    "change",
    [
        {"urgency": 4},
        {"secrecy": -1},
        {"signer_capacity": "KT"},
        {"signer_capacity": "KT.", "signer_capacity_of": ""},
        {"signer_capacity": "", "signer_title": ""},
        {"subject": "  "},
        {"agency_abbr": "S TC"},
        {"seal_size_mm": 5},
    ],
)
def test_bad_layout_is_refused(change):
    with pytest.raises(ValueError):
        render_draft_pdf(dataclasses.replace(QUYET_DINH, **change))


def test_signer_capacities():
    lines = rendering._signer_lines
    base = QUYET_DINH
    assert lines(base) == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]
    tm = dataclasses.replace(
        base,
        signer_capacity="TM.",
        signer_capacity_of="Ủy ban nhân dân",
        signer_title="Chủ tịch",
    )
    assert lines(tm) == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
    q = dataclasses.replace(base, signer_capacity="Q.", signer_title="Giám đốc")
    assert lines(q) == ["Q. GIÁM ĐỐC"]
    head = dataclasses.replace(base, signer_capacity="", signer_title="Giám đốc")
    assert lines(head) == ["GIÁM ĐỐC"]


# --- Signing, then filling in the number and the date ------------------------------


def test_certified_draft_takes_number_and_date_as_form_filling(quyet_dinh):
    """The issuing order: the leader certifies (fill forms allowed), the clerk
    writes the number and date into the text fields, the agency seals; the
    leader's signature stays valid with only form filling after it."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import signers
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.fields import MDPPerm
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    signer, cert = _self_signed_signer("Nguyễn Văn An (test only)")
    leader = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(quyet_dinh.pdf)),
        signers.PdfSignatureMetadata(
            field_name=FIELD_LEADER,
            certify=True,
            docmdp_permissions=MDPPerm.FILL_FORMS,
        ),
        signer=signer,
        existing_fields_only=True,
    ).getvalue()
    filled = fill_issue_fields(leader, number=7, issued=date(2026, 1, 5))
    with pytest.raises(ValueError):
        fill_issue_fields(filled, number=8, issued=date(2026, 1, 5))
    sealed = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(filled)),
        signers.PdfSignatureMetadata(field_name=FIELD_SEAL),
        signer=signer,
        existing_fields_only=True,
    ).getvalue()
    _save_artifacts("quyet-dinh-signed", sealed)

    context = ValidationContext(trust_roots=[cert])
    statuses = {
        sig.field_name: validate_pdf_signature(sig, context)
        for sig in PdfFileReader(io.BytesIO(sealed)).embedded_signatures
    }
    assert set(statuses) == {FIELD_LEADER, FIELD_SEAL}
    for status in statuses.values():
        assert status.intact and status.valid and status.bottom_line
    assert statuses[FIELD_LEADER].modification_level == ModificationLevel.FORM_FILLING
    assert statuses[FIELD_LEADER].docmdp_ok

    text = _flat(_text(sealed))
    assert "Số: 07/QĐ-STC" in text
    assert "Lạc Hồng, ngày 05 tháng 01 năm 2026" in text
    values = {name: f["value"] for name, f in _fields(sealed).items()}
    assert values[FIELD_NUMBER] == "07"
    assert (values[FIELD_DAY], values[FIELD_MONTH], values[FIELD_YEAR]) == (
        "05",
        "01",
        "2026",
    )
    assert _pdfa_identification(sealed) == ("2", "B")
    _qpdf_check(sealed)


def test_filled_digits_sit_on_the_line_baseline(quyet_dinh):
    filled = fill_issue_fields(quyet_dinh.pdf, number=1234, issued=date(2026, 11, 30))
    (words,) = _words(filled)
    so, number, suffix = (_word(words, w) for w in ("Số:", "1234", "/QĐ-STC"))
    assert number[3] == pytest.approx(so[3], abs=0.1)  # same baseline
    assert number[2] == pytest.approx(suffix[0], abs=0.5)  # "1234/QĐ-STC"
    assert number[0] >= quyet_dinh.fields[FIELD_NUMBER].x1  # four digits fit
    ngay = _word(words, "ngày")
    for digits in ("30", "11", "2026"):
        assert _word(words, digits)[3] == pytest.approx(ngay[3], abs=0.1)
    assert "Lạc Hồng, ngày 30 tháng 11 năm 2026" in _flat(_text(filled))


def test_fill_refuses_a_pdf_without_fields():
    plain = render_draft_pdf(
        dataclasses.replace(QUYET_DINH, number="7", issued_date=date(2026, 3, 15))
    )
    with pytest.raises(ValueError):
        fill_issue_fields(plain.pdf, number=8, issued=date(2026, 3, 16))
    with pytest.raises(ValueError):
        fill_issue_fields(plain.pdf, number="số 8", issued=date(2026, 3, 16))


# --- Fonts -----------------------------------------------------------------------


def test_font_subsets_are_renamed_complete_and_1000_units(settings, tmp_path):
    settings.VANTHU_FONT_DIR = str(tmp_path)
    folder = fonts.build_fonts()
    assert folder.parent == tmp_path
    assert fonts.build_fonts() == folder  # cached: built once
    for style in fonts.STYLES:
        font = TTFont(folder / f"{style}.ttf")
        assert font["head"].unitsPerEm == 1000
        names = {r.nameID: r.toUnicode() for r in font["name"].names}
        assert names[1] == "Vanthu Serif"
        for name_id in (1, 3, 4, 6):  # Reserved Font Name not used
            assert "Liberation" not in names[name_id]
        assert "Open Font License" in names[13]
        assert "Red Hat" in names[0]
        cmap = font.getBestCmap()
        assert all(ord(c) in cmap for c in LETTERS)
        assert all(ord(c) in cmap for c in "0123456789/-.,;:()")
    assert not list(tmp_path.glob(".build-*"))
