"""Vietnamese text of search: folding, tone placement, Đ, NFD, number/notation
keys, TCVN3 and VNI, snippets."""

import unicodedata

import pytest

from search import text as vt


def nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("hoà", "hòa"),
        ("hòa", "hòa"),
        ("thuỷ", "thủy"),
        ("thủy", "thủy"),
        ("qúy", "quý"),
        ("quý", "quý"),
        ("khoẻ", "khỏe"),
        ("Uỷ ban", "Ủy ban"),
        ("HOÀ BÌNH", "HÒA BÌNH"),
        ("hoạ", "họa"),
        ("toán", "toán"),  # final consonant: the last vowel, whatever was typed
        ("tóan", "toán"),
        ("người", "người"),
        ("ngừơi", "người"),  # ươ: on ơ
        ("giá", "giá"),
        ("gì", "gì"),
        ("ngoài", "ngoài"),
        ("ngòai", "ngoài"),
        ("khuỷu", "khuỷu"),
        ("café", "café"),  # not a Vietnamese syllable: left alone
    ],
)
def test_tone_placement_has_one_form(typed, canonical):
    assert vt.normalise(typed) == canonical
    assert vt.normalise(nfd(typed)) == canonical
    assert unicodedata.is_normalized("NFC", vt.normalise(nfd(typed)))


def test_folding_handles_d_with_stroke_and_decomposed_input():
    assert vt.fold("Quyết định ĐỒNG ý") == "quyet dinh dong y"
    assert vt.fold(nfd("Quyết định Đồng ý")) == "quyet dinh dong y"
    assert vt.fold_tokens("Sở Tài chính, 15/QĐ-UBND") == [
        "so",
        "tai",
        "chinh",
        "15",
        "qd",
        "ubnd",
    ]
    assert all(t.isascii() for t in vt.fold_tokens("Ủy ban nhân dân tỉnh Đắk Lắk"))


def test_accent_tokens_keep_diacritics_in_one_placement():
    assert vt.accent_tokens("Hoà bình, THUỶ lợi") == ["hòa", "bình", "thủy", "lợi"]
    assert vt.accent_tokens(nfd("Hoà bình")) == ["hòa", "bình"]


def test_identifier_keys_cover_number_notation_and_parts():
    keys = vt.identifier_keys("15", "QĐ-UBND")
    assert {"15/qd-ubnd", "qd-ubnd", "15/qd", "15", "qd", "ubnd"} <= set(keys)
    assert vt.identifier_keys("", "UBND-KT") == ["kt", "ubnd", "ubnd-kt"]


@pytest.mark.parametrize(
    ("token", "keyword"),
    [
        ("15/QĐ-UBND", "15/qd-ubnd"),
        ("QĐ-UBND", "qd-ubnd"),
        ("15/QĐ", "15/qd"),
        ("qd-ubnd", "qd-ubnd"),
        ("15\\QĐ–UBND", "15/qd-ubnd"),  # backslash and en dash typed by hand
        ("(30/2020/NĐ-CP),", "30/2020/nd-cp"),
    ],
)
def test_query_tokens_recognised_as_identifiers(token, keyword):
    assert vt.identifier_from_token(token)[0] == keyword


@pytest.mark.parametrize("token", ["xây", "15", "-", "/", "a-", "Quyết"])
def test_plain_words_are_not_identifiers(token):
    assert vt.identifier_from_token(token) is None


# Real strings as old TCVN3 (ABC) and VNI files give them when read as Latin-1.
TCVN3_SAMPLES = [
    ("QuyÕt ®Þnh sè 15/Q§-UBND vÒ viÖc cÊp phÐp x©y dùng",
     "Quyết định số 15/QĐ-UBND về việc cấp phép xây dựng"),
    ("Céng hoµ x· héi chñ nghÜa ViÖt Nam", "Cộng hoà xã hội chủ nghĩa Việt Nam"),
    ("§éc lËp - Tù do - H¹nh phóc", "Độc lập - Tự do - Hạnh phúc"),
    ("B¶o Th¾ng, M\u00adêng Kh\u00ad¬ng, B¸t X¸t", "Bảo Thắng, Mường Khương, Bát Xát"),
    ("Uû ban nh©n d©n tØnh", "Uỷ ban nhân dân tỉnh"),
]  # fmt: skip

VNI_SAMPLES = [
    ("Quyeát ñònh soá 15/QÑ-UBND veà vieäc caáp pheùp xaây döïng",
     "Quyết định số 15/QĐ-UBND về việc cấp phép xây dựng"),
    ("Xin chaøo caùc baïn", "Xin chào các bạn"),
    ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
    ("Ñoäc laäp - Töï do - Haïnh phuùc", "Độc lập - Tự do - Hạnh phúc"),
    ("Nöôùc, ngöôøi, thuûy lôïi, khuyeán khích", "Nước, người, thủy lợi, khuyến khích"),
    ("QUYEÁT ÑÒNH", "QUYẾT ĐỊNH"),
    ("aên maëc, naém baét", "ăn mặc, nắm bắt"),
]  # fmt: skip


@pytest.mark.parametrize(("legacy", "unicode"), TCVN3_SAMPLES)
def test_tcvn3_is_detected_and_converted(legacy, unicode):
    assert vt.detect_legacy(legacy) == "tcvn3"
    assert vt.to_unicode(legacy) == unicodedata.normalize("NFC", unicode)


@pytest.mark.parametrize(("legacy", "unicode"), VNI_SAMPLES)
def test_vni_is_detected_and_converted(legacy, unicode):
    assert vt.detect_legacy(legacy) == "vni"
    assert vt.to_unicode(legacy) == unicodedata.normalize("NFC", unicode)


@pytest.mark.parametrize(
    "text",
    [
        "Quyết định số 15/QĐ-UBND về việc cấp phép xây dựng",
        "Hello world, this is plain English text.",
        "Le café où nous étions déjà, à Paris.",
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19/6/2015",
        "",
        # Unicode Vietnamese whose letters all exist in Latin-1 (à ô á ò ì ...):
        # short queries like these were once read as VNI or TCVN3 and garbled
        # ("an tồn thơng tin"), so they found nothing.
        "an toàn thông tin",
        "toàn thể cán bộ",
        "HÒA BÌNH",
        "THÔNG BÁO",
        "quý khách, hoà giải",
    ],
)
def test_unicode_and_other_languages_are_left_alone(text):
    assert vt.detect_legacy(text) is None
    assert vt.to_unicode(text) == unicodedata.normalize("NFC", text)


def test_sample_texts_are_unicode():
    from pathlib import Path

    folder = Path("/work/shared/reference/sample-texts")
    if not folder.is_dir():
        pytest.skip("sample texts not on this machine")
    for path in sorted(folder.glob("*.txt")):
        assert vt.detect_legacy(path.read_text(encoding="utf-8")) is None, path


def test_highlight_keeps_accents_and_escapes():
    snippet = vt.highlight(
        "Quyết định về việc <cấp> phép xây dựng & sửa chữa", {"cap", "xay"}
    )
    assert snippet == (
        "Quyết định về việc &lt;<mark>cấp</mark>&gt; phép <mark>xây</mark> dựng "
        "&amp; sửa chữa"
    )


def test_highlight_starts_near_the_first_match():
    text = " ".join(["mở đầu"] * 200) + " hồ sơ trễ hạn " + " ".join(["kết"] * 50)
    snippet = vt.highlight(text, {"tre"}, max_chars=120)
    assert "<mark>trễ</mark>" in snippet
    assert snippet.startswith("…")
    assert len(snippet) < 200


@pytest.mark.parametrize(
    "text",
    [
        "Quyết định số 15/QĐ-UBND về việc cấp phép xây dựng",
        "QUYẾT ĐỊNH cấp phép",
        "Ðiều 5 (Ð U+00D0) và Straße, Æsir, café",  # folding changes the length
        "Que\u0301t định",  # NFD: the per-word path
        "xây_dựng xây-dựng 15/QĐ",
    ],
)
def test_word_spans_match_the_word_by_word_rule(text):
    words = {"quyet", "dinh", "cap", "xay", "dung", "qd", "15", "dieu", "cafe", "que"}
    slow = [m.span() for m in vt._TOKEN.finditer(text) if vt.fold(m.group(0)) in words]
    assert list(vt.word_spans(text, words)) == slow
    assert vt.mentions(text, words) == bool(slow)


def test_highlight_marks_only_whole_words():
    marked = vt.highlight("toàn thể, toa tàu", {"toa"})
    assert marked == "toàn thể, <mark>toa</mark> tàu"
    assert vt.highlight("", {"toa"}) == ""
    assert vt.highlight("không có", set()) == "không có"


def test_snippet_from_the_body_else_the_subject():
    body = "Căn cứ Nghị định 30; Ủy ban nhân dân tỉnh đề nghị cấp phép xây dựng."
    assert vt.snippet(body, "Về việc khác", {"xay"}) == (
        "Căn cứ Nghị định 30; Ủy ban nhân dân tỉnh đề nghị cấp phép <mark>xây</mark>"
        " dựng."
    )
    assert vt.snippet(body, "Về việc khác", {"viec"}) == "Về <mark>việc</mark> khác"
    assert vt.snippet("", "Về việc <b>", set()) == "Về việc &lt;b&gt;"
