"""Vietnamese text for search (văn bản tiếng Việt): one normal form for the index and
the query, folding, tokens, number/notation keys, legacy encodings and snippets.

- `normalise`: NFC, and the tone mark of every Vietnamese syllable on one canonical
  vowel (the traditional placement: hòa, thủy, khỏe, quý), whatever the input used
  (hoà, thuỷ, khoẻ, qúy; NFC or NFD).
- `fold`: without diacritics, Đ/đ → D/d, lowercase: "Quyết định" → "quyet dinh".
  Python's NFD drops every combining mark (tone, circumflex, breve, horn); Đ has no
  decomposition, so it is mapped first (reference/architecture-search-queues.md B.3).
- `fold_tokens`/`accent_tokens`: the tokens of the folded and of the accented fields.
  Both split on anything that is not a letter or digit, as Tantivy's default
  tokenizer does, so a backend may hand it the space-joined tokens.
- `identifier_keys`/`identifier_from_token`: số/ký hiệu as keywords.
- `detect_legacy`/`legacy_to_unicode`: text typed in the TCVN3 (ABC) or VNI font
  encodings before Unicode, as it comes out of old files ("QuyÕt ®Þnh",
  "Quyeát ñònh"), detected and converted.
- `highlight`: an HTML snippet of the original text, matches in <mark>.
"""

from __future__ import annotations

import functools
import html
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator

# Tokens longer than this (UTF-8 bytes) are dropped on both sides: Tantivy's default
# tokenizer removes tokens of 40 bytes or more.
MAX_TOKEN_BYTES = 39

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền sắc ngã hỏi nặng
_VOWELS = set("aăâeêioôơuưy")
_MODIFIED = set("ăâêôơư")
_WORD = re.compile(r"[^\W\d_]+")
_WORD_SPLIT = re.compile(r"([^\W\d_]+)")
_TOKEN = re.compile(r"[^\W_]+")
_FOLDED_TOKEN = re.compile(r"[0-9a-z]+")
# A Vietnamese syllable without its tone: onset, one to three vowels, final.
_SYLLABLE = re.compile(
    r"(ngh|ng|gh|gi|kh|nh|ph|th|tr|ch|qu|[bcdđghklmnpqrstvx])?"
    r"([aăâeêioôơuưy]{1,3})"
    r"(ch|ng|nh|[cmnpt])?",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=65536)
def _place_tone(word: str) -> str:
    """The word with its tone mark on the canonical vowel (NFC in, NFC out).
    Cached: the syllables of a language are few."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = [c for c in decomposed if c in _TONES]
    if not tones:
        return word
    base = unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if c not in _TONES)
    )
    m = _SYLLABLE.fullmatch(base)
    if m is None:
        return word  # not a Vietnamese syllable (a foreign word): leave it alone
    onset, nucleus, final = m.group(1) or "", m.group(2), m.group(3) or ""
    lower = nucleus.lower()
    start = len(onset)
    # "gi" before a vowel is the onset (giá); alone it is the vowel (gì): the regex
    # already takes "gi" as onset only when a vowel follows. "qu" likewise.
    modified = [i for i, c in enumerate(lower) if c in _MODIFIED]
    if modified:
        at = modified[-1]  # ươ → ơ, uô → ô, iê → ê, ưa → ư
    elif final:
        at = len(lower) - 1  # toán, hoàng, huỳnh
    elif len(lower) == 1:
        at = 0
    elif len(lower) == 2:
        at = 0  # hòa, thủy, khỏe, múa, mía, hỏi (traditional placement)
    else:
        at = 1  # ngoài, xoáy, khuỷu
    pos = start + at
    marked = unicodedata.normalize("NFD", base[pos]) + tones[0]
    return base[:pos] + unicodedata.normalize("NFC", marked) + base[pos + 1 :]


def normalise(text: str) -> str:
    """NFC with the canonical tone placement of every syllable."""
    text = unicodedata.normalize("NFC", text or "")
    if text.isascii():
        return text
    # Words at the odd places of the split; the cache answers most of them.
    parts = _WORD_SPLIT.split(text)
    parts[1::2] = map(_place_tone, parts[1::2])
    return "".join(parts)


def _fold_char(c: str) -> str:
    if c in "Đđ":
        return "d"
    return "".join(
        d for d in unicodedata.normalize("NFD", c) if not unicodedata.combining(d)
    ).lower()


# Precomposed Latin letters (Latin-1 to Latin Extended Additional) folded at once;
# anything else takes the NFD path.
_FOLD_TABLE = str.maketrans(
    {chr(i): _fold_char(chr(i)) for i in range(0xC0, 0x250)}
    | {chr(i): _fold_char(chr(i)) for i in range(0x1E00, 0x1F00)}
)


def fold(text: str) -> str:
    """Lowercase ASCII-folded text: diacritics dropped, Đ/đ → d."""
    text = (text or "").translate(_FOLD_TABLE)
    if not text.isascii():
        text = unicodedata.normalize("NFD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    return text.lower()


def _short(tokens: Iterable[str]) -> list[str]:
    # A token of at most MAX_TOKEN_BYTES // 4 characters fits whatever its letters.
    quick = MAX_TOKEN_BYTES // 4
    return [t for t in tokens if len(t) <= quick or len(t.encode()) <= MAX_TOKEN_BYTES]


def fold_tokens(text: str) -> list[str]:
    """Folded tokens: letters and digits runs of the folded text."""
    return _short(_FOLDED_TOKEN.findall(fold(text)))


def accent_tokens(text: str) -> list[str]:
    """Lowercase tokens that keep their diacritics, tone placement normalised."""
    return _short(_TOKEN.findall(normalise(text).lower()))


# ---------------------------------------------------------------------------
# Số và ký hiệu (number and notation)

_SEPARATORS = str.maketrans({"\\": "/", "–": "-", "—": "-", "‐": "-", "‑": "-"})
# A query token that is a number/notation: parts joined by / or -.
_IDENTIFIER = re.compile(r"[0-9a-z]+(?:[/-][0-9a-z]+)+")


def identifier_normal(text: str) -> str:
    """Folded, lowercase, one kind of each separator, no spaces around them."""
    text = fold(text).translate(_SEPARATORS)
    return re.sub(r"\s*([/-])\s*", r"\1", text).strip()


def _spans(pieces: list[str]) -> set[str]:
    """Every contiguous run of parts, separators kept: [15,/,qd,-,ubnd] gives 15,
    qd, ubnd, 15/qd, qd-ubnd, 15/qd-ubnd."""
    parts = pieces[0::2]
    keys = set()
    for i in range(len(parts)):
        for j in range(i, len(parts)):
            keys.add("".join(pieces[2 * i : 2 * j + 1]))
    return keys


def identifier_keys(number: str, notation: str) -> list[str]:
    """Keyword forms under which a document's số/ký hiệu is found."""
    full = f"{number}/{notation}" if number and notation else (number or notation)
    full = identifier_normal(full)
    pieces = [p for p in re.split(r"([/-])", full) if p]
    pieces = [p for p in pieces if p in "/-" or _FOLDED_TOKEN.fullmatch(p)]
    if not pieces or pieces[0] in "/-":
        return sorted({p for p in pieces if p not in "/-"})
    # Drop a dangling separator at the end, then all spans.
    while pieces and pieces[-1] in "/-":
        pieces.pop()
    return sorted(k for k in _spans(pieces) if len(k.encode()) <= MAX_TOKEN_BYTES * 3)


def identifier_from_token(token: str):
    """(keyword, parts) when a query token is a number/notation, else None."""
    normal = identifier_normal(token).strip("/-.,;:()[]{}")
    if not _IDENTIFIER.fullmatch(normal):
        return None
    parts = tuple(_FOLDED_TOKEN.findall(normal))
    return normal, parts


# ---------------------------------------------------------------------------
# Legacy encodings: TCVN3 (ABC) and VNI Windows

# TCVN3 (TCVN 5712:1993 "ABC" fonts .VnTime...): one byte per letter, read as
# Windows-1252/Latin-1. Uppercase fonts (.VnTimeH) reuse the lowercase codes, so
# toned capitals come back lowercase; ă â ê ô ơ ư đ have capital codes of their own.
_TCVN3 = {
    "¡": "Ă", "¢": "Â", "£": "Ê", "¤": "Ô", "¥": "Ơ", "¦": "Ư", "§": "Đ",
    "¨": "ă", "©": "â", "ª": "ê", "«": "ô", "¬": "ơ", "\u00ad": "ư", "®": "đ",
    "µ": "à", "¶": "ả", "·": "ã", "¸": "á", "¹": "ạ",
    "»": "ằ", "¼": "ẳ", "½": "ẵ", "¾": "ắ", "Æ": "ặ",
    "Ç": "ầ", "È": "ẩ", "É": "ẫ", "Ê": "ấ", "Ë": "ậ",
    "Ì": "è", "Î": "ẻ", "Ï": "ẽ", "Ð": "é", "Ñ": "ẹ",
    "Ò": "ề", "Ó": "ể", "Ô": "ễ", "Õ": "ế", "Ö": "ệ",
    "×": "ì", "Ø": "ỉ", "Ü": "ĩ", "Ý": "í", "Þ": "ị",
    "ß": "ò", "á": "ỏ", "â": "õ", "ã": "ó", "ä": "ọ",
    "å": "ồ", "æ": "ổ", "ç": "ỗ", "è": "ố", "é": "ộ",
    "ê": "ờ", "ë": "ở", "ì": "ỡ", "í": "ớ", "î": "ợ",
    "ï": "ù", "ñ": "ủ", "ò": "ũ", "ó": "ú", "ô": "ụ",
    "õ": "ừ", "ö": "ử", "÷": "ữ", "ø": "ứ", "ù": "ự",
    "ú": "ỳ", "û": "ỷ", "ü": "ỹ", "ý": "ý", "þ": "ỵ",
}  # fmt: skip

# VNI Windows: an ASCII base letter followed by a Latin-1 "accent" byte; a few
# letters have a code of their own.
_VNI_MARKS = {
    # mark: (tone or modifier on a/e/o/u/y...)
    "ù": "\u0301", "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ï": "\u0323",
    "Ù": "\u0301", "Ø": "\u0300", "Û": "\u0309", "Õ": "\u0303", "Ï": "\u0323",
}  # fmt: skip
# Circumflex (â ê ô) and breve (ă) combined with a tone, after a/e/o: the byte
# for no tone, sắc, huyền, hỏi, ngã, nặng.
_TONE_ORDER = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
_VNI_HAT = dict(zip("âáàåãä", _TONE_ORDER, strict=True))
_VNI_HAT_UPPER = dict(zip("ÂÁÀÅÃÄ", _TONE_ORDER, strict=True))
_VNI_BREVE = dict(zip("êéèúüë", _TONE_ORDER, strict=True))
_VNI_BREVE_UPPER = dict(zip("ÊÉÈÚÜË", _TONE_ORDER, strict=True))
# Letters with a code of their own (i with tones, ơ, ư, ỵ, đ).
_VNI_SINGLE = {
    **dict(zip("íìæóòôöîñ", "íìỉĩịơưỵđ", strict=True)),
    **dict(zip("ÍÌÆÓÒÔÖÎÑ", "ÍÌỈĨỊƠƯỴĐ", strict=True)),
}


def _vni_table() -> dict[str, str]:
    table: dict[str, str] = {}

    def put(seq: str, decomposed: str) -> None:
        table[seq] = unicodedata.normalize("NFC", decomposed)

    for base in "aeouyAEOUY":
        marks = _VNI_MARKS
        for mark, tone in marks.items():
            if mark.isupper() == base.isupper():
                put(base + mark, base + tone)
    for base in "aeoAEO":
        hats = _VNI_HAT_UPPER if base.isupper() else _VNI_HAT
        for mark, tone in hats.items():
            put(base + mark, base + "\u0302" + tone)
    for base in "aA":
        breves = _VNI_BREVE_UPPER if base.isupper() else _VNI_BREVE
        for mark, tone in breves.items():
            put(base + mark, base + "\u0306" + tone)
    # ơ and ư with tones: ô/ö (Ô/Ö) followed by a tone byte.
    for single, letter in (("ô", "ơ"), ("ö", "ư"), ("Ô", "Ơ"), ("Ö", "Ư")):
        for mark, tone in _VNI_MARKS.items():
            if mark.isupper() == single.isupper():
                put(single + mark, letter + tone)
    for seq, letter in _VNI_SINGLE.items():
        table.setdefault(seq, letter)
    return table


_VNI = _vni_table()
_VNI_RE = re.compile(
    "|".join(re.escape(k) for k in sorted(_VNI, key=len, reverse=True))
)
_TCVN3_RE = re.compile("[" + re.escape("".join(_TCVN3)) + "]")
# Letters that exist only in Unicode Vietnamese: their presence means the text is
# already Unicode.
_UNICODE_VI = re.compile("[ăđĩũơưĂĐĨŨƠƯ\u1ea0-\u1ef9]")
# Bytes that never occur inside words of Vietnamese, English or French text but are
# frequent in TCVN3 text (đ, ơ, ư, à á ả ã ạ, ế ị ...).
# The capitals that are also letters of Unicode Vietnamese (È É Ê Ì Ò Ó Ô Õ Ý, as
# in "HÒA BÌNH") are left out: they prove nothing.
_TCVN3_STRONG = re.compile("[¡¢£¤¥¦§¨©ª«®¬\u00adµ¶·¸¹»¼½¾ÆÇËÎÏÐÑÖ×ØÜÞß]")
# VNI: accent bytes that are no letter of Vietnamese (ø huyền, û hỏi, ï nặng, å ä
# ü ë, ñ đ, ö ư), or `a`/`e` followed by an accented vowel, which no Unicode
# Vietnamese syllable has ("aên", "QUYEÁT"). A vowel followed by à, á, ô… alone
# proves nothing: "toàn", "thông", "quý" are Unicode as typed.
_VNI_STRONG = re.compile(
    "[a-zA-Z][øûïåäüëñöØÛÏÅÄÜËÑÖ]|[øûïåäüëñöØÛÏÅÄÜËÑÖ][a-zA-ZòÒôÔöÖ]"
    "|[aeAE][àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ]"
)


def detect_legacy(text: str) -> str | None:
    """ "tcvn3", "vni" or None (Unicode or plain ASCII).

    Decided on the words: legacy text has many words mixing ASCII letters with the
    marker bytes of its encoding and no letter that exists only in Unicode
    Vietnamese."""
    if not text or _UNICODE_VI.search(text):
        return None
    words = re.findall(r"\S+", text[:20000])
    if not words:
        return None
    tcvn = sum(1 for w in words if _TCVN3_STRONG.search(w) and re.search("[A-Za-z]", w))
    vni = sum(1 for w in words if _VNI_STRONG.search(w))
    need = max(2, len(words) // 20)
    if tcvn >= need and tcvn >= vni:
        return "tcvn3"
    if vni >= need:
        return "vni"
    return None


def legacy_to_unicode(text: str, encoding: str) -> str:
    """Convert TCVN3 or VNI text (as read through Latin-1) to Unicode NFC."""
    if encoding == "tcvn3":
        out = _TCVN3_RE.sub(lambda m: _TCVN3[m.group(0)], text)
    elif encoding == "vni":
        out = _VNI_RE.sub(lambda m: _VNI[m.group(0)], text)
    else:
        raise ValueError(encoding)
    return unicodedata.normalize("NFC", out)


def to_unicode(text: str) -> str:
    """The text in Unicode NFC: legacy encodings detected and converted."""
    encoding = detect_legacy(text)
    if encoding:
        text = legacy_to_unicode(text, encoding)
    return unicodedata.normalize("NFC", text)


# ---------------------------------------------------------------------------
# Snippets


@functools.lru_cache(maxsize=512)
def _words_pattern(words: frozenset[str]) -> re.Pattern:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![0-9a-z])(?:{alternatives})(?![0-9a-z])")


def word_spans(text: str, words: Iterable[str]) -> Iterator[tuple[int, int]]:
    """(start, end) in `text` of every word whose folded form is one of the folded
    `words`, in order. One regular expression over the folded text when folding
    keeps every position (the usual case); word by word otherwise."""
    wanted = frozenset(words)
    if not wanted or not text:
        return iter(())
    folded = fold(text)
    if len(folded) == len(text) and folded.isascii():
        return (m.span() for m in _words_pattern(wanted).finditer(folded))
    return (m.span() for m in _TOKEN.finditer(text) if fold(m.group(0)) in wanted)


def mentions(text: str, words: Iterable[str]) -> bool:
    """Whether `text` has one of the folded `words` as a word."""
    return next(word_spans(text, words), None) is not None


def snippet(body: str, subject: str, words: Iterable[str], *, max_chars=240) -> str:
    """The hit's snippet: from the body around its first match, else the subject
    (highlighted where it matches). The body is folded once."""
    words = frozenset(words)
    if words:
        text = " ".join((body or "").split())
        spans = word_spans(text, words)
        first = next(spans, None)
        if first is not None:
            return _snippet(text, first, spans, max_chars)
    return highlight(subject, words, max_chars=max_chars)


def highlight(text: str, words: Iterable[str], *, max_chars: int = 240) -> str:
    """HTML snippet of `text` around the first match of the folded `words`, the
    original letters kept, escaped, matches in <mark>. Empty text gives ""."""
    text = " ".join((text or "").split())
    if not text:
        return ""
    spans = word_spans(text, words)
    return _snippet(text, next(spans, None), spans, max_chars)


def _snippet(text, first, spans, max_chars: int) -> str:
    start = 0
    if first is not None:
        # A little context before the first match, from a word boundary.
        start = max(0, first[0] - max_chars // 4)
        if start:
            space = text.rfind(" ", 0, start + 1)
            start = space + 1 if space >= 0 else start
    end = min(len(text), start + max_chars)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    parts: list[str] = ["…" if start else ""]
    pos = start
    if first is not None:
        for a, b in itertools.chain((first,), spans):
            if a >= end:
                break  # the spans come in order: nothing more to mark
            if a < start or b > end:
                continue
            parts.append(html.escape(text[pos:a]))
            parts.append(f"<mark>{html.escape(text[a:b])}</mark>")
            pos = b
    parts.append(html.escape(text[pos:end]))
    if end < len(text):
        parts.append("…")
    return "".join(parts)
