"""The gate every uploaded or received PDF passes before anything is stored.

`check_pdf(source, filename=...)` reads the file once into a temporary file (removed
whatever happens), and either returns `PdfFacts` — what the file is and what it
contains, signatures included — or raises `PdfRejected`, a ValidationError whose
`code` says why and whose message (Vietnamese and English) names the file and the
limit. Nothing is stored by this module: callers store the file only after it passed.

The checks, in order, and why each limit:

1. Size (`too_large`, `empty`). The file is streamed in 1 MiB chunks while it is
   hashed (SHA-256, the name under which the blob store keeps it) and counted; the
   read stops one byte past `max_bytes` (default settings.VANTHU_UPLOAD_MAX_BYTES,
   50 MiB: a scanned 300-page document at 300 dpi fits, and it bounds disk, memory
   and time of everything below). A declared `size` (Django's UploadedFile) that is
   already too large is refused before reading at all.
2. Type (`not_pdf`): `%PDF-` must appear in the first 1024 bytes, the same window
   that Acrobat and qpdf accept for files with a preamble.
3. Completeness (`corrupt`): `%%EOF` must appear in the last 1024 bytes. qpdf
   reconstructs a truncated file silently when enough objects survive, so without
   this a half-received document would pass with its last pages missing.
4. Opening with pikepdf (qpdf). A password-protected file (`pikepdf.PasswordError`)
   and a file that opens without a password but carries /Encrypt (an "owner
   password" that forbids copying or printing) are both `encrypted`: the archive must
   keep files readable and convertible for decades, without a password nobody will
   remember. Anything qpdf cannot open is `corrupt`.
   A file whose cross-reference table qpdf had to rebuild (wrong offsets, a common
   fault of scanners and old producers that every viewer tolerates) is ACCEPTED when
   all the checks below pass: its bytes are kept exactly as received (signatures are
   computed over bytes, not over the xref), and real damage shows up below as an
   undecodable stream, a missing page tree or no pages.
5. Objects (`too_complex`): at most settings.VANTHU_PDF_MAX_OBJECTS in-use objects
   (default 500,000; a 2,000-page document typically has a few tens of thousands):
   each object costs memory and time in every later tool (viewer, signer, OCR).
   Nesting: qpdf's parser refuses structures nested more than 499 levels (its
   stack-safety limit); an object it has to refuse while opening makes the file
   `too_complex`. The page tree and the form-field tree are walked here with at
   most 64 levels, which also ends a /Kids loop.
6. Decompression bombs (`bomb`): every stream is decoded — without keeping its
   output — with a budget of settings.VANTHU_PDF_MAX_DECODED_BYTES (default 1 GiB)
   for the whole file, and a stream that expands more than
   settings.VANTHU_PDF_MAX_STREAM_RATIO times its encoded size (default 1100) once
   past 1 MiB is refused at once. One layer of Deflate cannot exceed about 1032:1,
   so 1100 only catches stacked filters, the classic bomb; pyHanko 0.38 uses the
   same ratio for its own reader. The budget catches the rest (a single layer of
   zeros, 2 GB from 2 MB). pikepdf's `read_bytes()` would build the whole output in
   memory, which is the very thing to avoid, so the filters are applied here as
   generators over `read_raw_bytes()` (bounded by the file size) that never hold
   more than about a megabyte: FlateDecode with `zlib.decompressobj` and
   `max_length`, ASCIIHexDecode and ASCII85Decode (they only shrink), and
   RunLengthDecode and LZWDecode (rare, pre-1996 files; decoded in Python, so
   slower, but bounded the same way). Predictors (/DecodeParms) never enlarge data
   and are not applied. Image codecs (DCT, JPX, JBIG2, CCITT) are decoded by the
   viewer, not by PDF tools: their declared size (width × height × components ×
   bits) must stay under the same budget per image, but is not added to the total,
   because a viewer decodes one page at a time (a 300-page colour scan decodes to
   more than 1 GiB, legitimately). Object and cross-reference streams are decoded
   by qpdf itself while opening; for those qpdf's own Flate and RunLength memory
   limits are set once per process to the same budget (only if unset).
   Where a filter reports an error the file is `corrupt` (data a viewer cannot
   decode); a Flate stream that merely ends early (missing checksum) is tolerated,
   as qpdf and viewers tolerate it.
7. Pages (`too_many_pages`, `corrupt`): at most settings.VANTHU_PDF_MAX_PAGES
   (default 2000; the page tree is counted here before qpdf builds its page list, so
   a tiny file claiming millions of pages costs nothing). A PDF without pages is
   `corrupt`.

Then the facts: version (header, or a later /Version in the catalog), PDF/A claim
(XMP pdfaid), title (XMP dc:title, else the document information /Title; NFC),
whether any page has text-showing operators (Tj, TJ, ', "; scans have none), and the
signatures.

Signatures are what the file contains, not a verdict: read with pyHanko
(`strict=False`, as files from other tools need), each with the signer's certificate
fields, the claimed signing time (the signed signingTime attribute, else the
signature dictionary's /M, which PAdES uses instead and which the signature covers;
for a document timestamp, the TSA's genTime), whether it covers the whole file
(pyHanko's SignatureCoverageLevel.ENTIRE_FILE: nothing was appended after it), and
whether the signed bytes are intact (pyHanko's `validate_sig_integrity`: the
ByteRange digest matches the signed message digest and the signature value verifies
with the embedded certificate's key) — with no trust roots, no revocation and no
network. Trust, revocation and the modification analysis belong to the signing app.
A signature that cannot be parsed at all makes the file `corrupt`: hiding it would
misrepresent the document, and showing it needs at least its certificate.
"""

import base64
import hashlib
import os
import tempfile
import threading
import unicodedata
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

import pikepdf
import pikepdf.settings
from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import numberformat, timezone
from django.utils.formats import get_format
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from pyhanko.pdf_utils import misc
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation.generic_cms import validate_sig_integrity
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

CHUNK_SIZE = MiB
HEADER_WINDOW = 1024
EOF_WINDOW = 1024

DEFAULT_UPLOAD_MAX_BYTES = 50 * MiB
DEFAULT_MAX_PAGES = 2000
DEFAULT_MAX_OBJECTS = 500_000
DEFAULT_MAX_DECODED_BYTES = GiB
DEFAULT_MAX_STREAM_RATIO = 1100
# A stream is only judged by its ratio once it decodes to more than this: small
# streams (a 20-byte stream of a blank page's content) have meaningless ratios.
RATIO_FLOOR = MiB
# Page tree and form-field tree depth; real files use fewer than ten levels.
MAX_TREE_DEPTH = 64
# Filters on one stream; real files use one or two (qpdf gives up after 25).
MAX_FILTERS = 8


class PdfRejected(ValidationError):
    """The file failed the gate; `code` is one of CODES, the message names the file
    and the limit. Nothing was stored."""

    CODES = (
        "empty",
        "too_large",
        "not_pdf",
        "encrypted",
        "corrupt",
        "too_many_pages",
        "too_complex",
        "bomb",
    )

    def __init__(self, message, code: str, params: dict | None = None):
        # Positional like ValidationError's, so that copies and pickles rebuild it.
        if code not in self.CODES:
            raise ValueError(f"Unknown PdfRejected code {code!r}")
        super().__init__(message, code=code, params=params)


@dataclass(frozen=True)
class SignatureFacts:
    """One signature (or document timestamp) as the file carries it; not a trust
    verdict."""

    field_name: str
    signer_name: str
    signer_organisation: str
    signer_serial: str
    issuer_name: str
    claimed_signing_time: datetime | None
    covers_whole_file: bool
    digest_intact: bool
    certificate_not_after: datetime
    # A document timestamp (/DocTimeStamp, PAdES B-LTA) rather than a signature:
    # its "signer" is the timestamping authority.
    is_timestamp: bool = False


@dataclass(frozen=True)
class PdfFacts:
    sha256: str
    size: int
    page_count: int
    pdf_version: str
    pdfa: str
    title: str
    has_text: bool
    signatures: tuple[SignatureFacts, ...]


@dataclass(frozen=True)
class _Limits:
    max_bytes: int
    max_pages: int
    max_objects: int
    max_decoded: int
    max_ratio: float

    @classmethod
    def from_settings(cls, max_bytes: int | None) -> "_Limits":
        return cls(
            max_bytes=(
                max_bytes
                if max_bytes is not None
                else getattr(
                    settings, "VANTHU_UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_MAX_BYTES
                )
            ),
            max_pages=getattr(settings, "VANTHU_PDF_MAX_PAGES", DEFAULT_MAX_PAGES),
            max_objects=getattr(
                settings, "VANTHU_PDF_MAX_OBJECTS", DEFAULT_MAX_OBJECTS
            ),
            max_decoded=getattr(
                settings, "VANTHU_PDF_MAX_DECODED_BYTES", DEFAULT_MAX_DECODED_BYTES
            ),
            max_ratio=getattr(
                settings, "VANTHU_PDF_MAX_STREAM_RATIO", DEFAULT_MAX_STREAM_RATIO
            ),
        )


def check_pdf(
    source: BinaryIO,
    *,
    filename: str,
    max_bytes: int | None = None,
    temp_dir: str | os.PathLike | None = None,
) -> PdfFacts:
    """Check the PDF read from `source` (from its current position) and return its
    facts, or raise PdfRejected. `filename` is only used in messages; `temp_dir`
    is where the temporary copy goes (default: the system's temporary directory)."""
    limits = _Limits.from_settings(max_bytes)
    _set_qpdf_backstop(limits.max_decoded)
    declared = getattr(source, "size", None)
    if isinstance(declared, int) and declared > limits.max_bytes:
        raise _too_large(filename, limits.max_bytes)
    with tempfile.NamedTemporaryFile(
        prefix="vanthu-pdfcheck-", suffix=".pdf", dir=temp_dir
    ) as tmp:
        sha256, size, head, tail = _spool(source, tmp, filename, limits.max_bytes)
        tmp.flush()
        if size == 0:
            raise PdfRejected(
                _("The file “%(name)s” is empty."),
                code="empty",
                params={"name": filename},
            )
        if b"%PDF-" not in head:
            raise PdfRejected(
                _("The file “%(name)s” is not a PDF document."),
                code="not_pdf",
                params={"name": filename},
            )
        if b"%%EOF" not in tail:
            raise PdfRejected(
                _(
                    "The file “%(name)s” is incomplete: it ends before the end of "
                    "the PDF document. Upload it or ask for it again."
                ),
                code="corrupt",
                params={"name": filename},
            )
        facts, signed = _inspect(tmp.name, filename, limits)
        signatures = read_signatures(tmp, filename) if signed else ()
    return PdfFacts(
        sha256=sha256,
        size=size,
        signatures=signatures,
        **facts,
    )


# --- reading ----------------------------------------------------------------------


def _spool(
    source: BinaryIO, target, filename: str, max_bytes: int
) -> tuple[str, int, bytes, bytes]:
    """Copy `source` to `target` in chunks; return (sha256, size, first bytes, last
    bytes). Reads at most max_bytes + 1 bytes: one more than allowed proves the file
    too large, and the rest is never read."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    tail = b""
    while True:
        chunk = source.read(min(CHUNK_SIZE, max_bytes + 1 - size))
        if not chunk:
            break
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(filename, max_bytes)
        digest.update(chunk)
        target.write(chunk)
        if len(head) < HEADER_WINDOW:
            head += bytes(chunk[: HEADER_WINDOW - len(head)])
        tail = (tail + bytes(chunk[-EOF_WINDOW:]))[-EOF_WINDOW:]
    return digest.hexdigest(), size, head, tail


_backstop_lock = threading.Lock()


def _set_qpdf_backstop(max_decoded: int) -> None:
    """qpdf decodes object and cross-reference streams itself while opening a
    file, before the bomb check can see them: bound its Flate and RunLength output
    per stream. Process-wide and never loosened: a limit someone set is kept."""
    with _backstop_lock:
        current = pikepdf.settings.get_qpdf_limits()
        wanted = {
            name: min(max_decoded, 2**32 - 1)
            for name in ("flate_max_memory", "run_length_max_memory")
            if current[name] == 0
        }
        if wanted:
            pikepdf.settings.set_qpdf_limits(**wanted)


# --- messages ---------------------------------------------------------------------


def _number(value: float, decimals: int = 0) -> str:
    """A number in the active language's separators, thousands always grouped
    (Django's Vietnamese formats do not group: "500.000", not "500000")."""
    return numberformat.format(
        value,
        get_format("DECIMAL_SEPARATOR"),
        decimal_pos=decimals,
        grouping=3,
        thousand_sep=get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )


def _size_text(n: int) -> str:
    for unit, name in ((GiB, "GB"), (MiB, "MB"), (KiB, "KB")):
        if n >= unit:
            value = round(n / unit, 1)
            return f"{_number(value, 0 if value.is_integer() else 1)} {name}"
    return ngettext("%(count)s byte", "%(count)s bytes", n) % {"count": _number(n)}


# Limits go into messages as lazy text: formatted when the message is shown, in the
# language it is shown in, like the message itself.
_format_size = lazy(_size_text, str)
_format_count = lazy(_number, str)


def _too_large(filename: str, limit: int) -> PdfRejected:
    return PdfRejected(
        _("The file “%(name)s” is larger than the limit of %(limit)s."),
        code="too_large",
        params={"name": filename, "limit": _format_size(limit)},
    )


def _encrypted(filename: str) -> PdfRejected:
    return PdfRejected(
        _(
            "The file “%(name)s” is encrypted or protected by a password. Ask the "
            "sender for a copy without protection: the archive must be able to open "
            "it without a password."
        ),
        code="encrypted",
        params={"name": filename},
    )


def _corrupt(filename: str) -> PdfRejected:
    return PdfRejected(
        _("The file “%(name)s” is damaged and cannot be read as a PDF document."),
        code="corrupt",
        params={"name": filename},
    )


def _too_many_pages(filename: str, limit: int) -> PdfRejected:
    return PdfRejected(
        _("The file “%(name)s” has more than %(limit)s pages."),
        code="too_many_pages",
        params={"name": filename, "limit": _format_count(limit)},
    )


def _too_deep(filename: str) -> PdfRejected:
    return PdfRejected(
        _("The file “%(name)s” is nested too deeply to be checked safely."),
        code="too_complex",
        params={"name": filename},
    )


def _bomb_total(filename: str, limit: int) -> PdfRejected:
    return PdfRejected(
        _(
            "The file “%(name)s” expands to more than %(limit)s when decompressed; "
            "it may be a decompression bomb."
        ),
        code="bomb",
        params={"name": filename, "limit": _format_size(limit)},
    )


# --- structure --------------------------------------------------------------------


def _inspect(path: str, filename: str, limits: _Limits) -> tuple[dict, bool]:
    """Open the file with pikepdf and run checks 4-7; return the facts other than
    hash, size and signatures, and whether the file has filled signature fields."""
    limit_errors = pikepdf.settings.qpdf_limit_errors()
    try:
        # Not inheriting page attributes keeps qpdf from building its page list
        # while opening: _check_pages counts the tree first, within bounds.
        pdf = pikepdf.open(path, inherit_page_attributes=False)
    except pikepdf.PasswordError as exc:
        raise _encrypted(filename) from exc
    except pikepdf.PdfError as exc:
        raise _qpdf_failure(filename, exc, limit_errors, limits) from exc
    with pdf:
        if pdf.is_encrypted:
            raise _encrypted(filename)
        try:
            xref = pdf.get_xref_table()
            _check_objects(xref, filename, limits)
            _check_streams(pdf, xref, filename, limits)
            page_count, pages = _check_pages(pdf, filename, limits)
            pdfa, xmp_title = _xmp_facts(pdf)
            facts = {
                "page_count": page_count,
                "pdf_version": _pdf_version(pdf),
                "pdfa": pdfa,
                "title": _nfc(xmp_title or _docinfo_title(pdf)),
                "has_text": _has_text(pages),
            }
            return facts, _has_filled_signature_fields(pdf, filename)
        except pikepdf.PdfError as exc:
            raise _qpdf_failure(filename, exc, limit_errors, limits) from exc


def _qpdf_failure(
    filename: str, exc: pikepdf.PdfError, limit_errors: int, limits: _Limits
) -> PdfRejected:
    """qpdf raised: a file it cannot read is corrupt, unless one of qpdf's own
    limits stopped it (its counter moved): then the file is too complex, or a bomb
    when it was a decoder's memory limit."""
    if pikepdf.settings.qpdf_limit_errors() > limit_errors:
        if "memory limit" in str(exc).lower():
            return _bomb_total(filename, limits.max_decoded)
        return _too_deep(filename)
    return _corrupt(filename)


def _check_objects(xref: dict, filename: str, limits: _Limits) -> None:
    in_use = sum(1 for entry in xref.values() if entry.type in (1, 2))
    if in_use > limits.max_objects:
        raise PdfRejected(
            _(
                "The file “%(name)s” has more than %(limit)s objects, too many to "
                "check safely."
            ),
            code="too_complex",
            params={"name": filename, "limit": _format_count(limits.max_objects)},
        )


def _check_pages(
    pdf: pikepdf.Pdf, filename: str, limits: _Limits
) -> tuple[int, list[pikepdf.Page]]:
    """Count the leaves of the page tree, bounded in depth and count, before qpdf
    builds its page list (which copies a page object listed twice: a small file
    listing one page a million times would cost gigabytes there)."""
    root = pdf.Root.get("/Pages")
    if not isinstance(root, pikepdf.Dictionary):
        raise _corrupt(filename)
    leaves = 0
    nodes = 0
    # Each entry carries the object ids of its ancestors: a kid among them is a
    # loop (damage), a kid listed twice elsewhere is merely counted twice.
    stack: list[tuple[pikepdf.Object, tuple]] = [(root, (root.objgen,))]
    while stack:
        node, path = stack.pop()
        nodes += 1
        if len(path) > MAX_TREE_DEPTH or nodes > 2 * limits.max_pages + MAX_TREE_DEPTH:
            raise _too_deep(filename)
        kids = node.get("/Kids")
        if isinstance(kids, pikepdf.Array):
            for kid in kids:
                if not isinstance(kid, pikepdf.Dictionary):
                    continue
                if kid.is_indirect and kid.objgen in path:
                    raise _corrupt(filename)
                stack.append((kid, (*path, kid.objgen)))
            continue
        leaves += 1
        if leaves > limits.max_pages:
            raise _too_many_pages(filename, limits.max_pages)
    pages = list(pdf.pages)
    if not pages:
        raise PdfRejected(
            _("The file “%(name)s” has no pages."),
            code="corrupt",
            params={"name": filename},
        )
    if len(pages) > limits.max_pages:
        raise _too_many_pages(filename, limits.max_pages)
    return len(pages), pages


# --- decompression bombs ----------------------------------------------------------

_IMAGE_CODECS = frozenset(
    {"/DCTDecode", "/DCT", "/JPXDecode", "/JBIG2Decode", "/CCITTFaxDecode", "/CCF"}
)
_COMPONENTS = {
    "/DeviceGray": 1,
    "/CalGray": 1,
    "/G": 1,
    "/Indexed": 1,
    "/I": 1,
    "/Separation": 1,
    "/DeviceRGB": 3,
    "/CalRGB": 3,
    "/Lab": 3,
    "/RGB": 3,
    "/DeviceCMYK": 4,
    "/CMYK": 4,
}
_PDF_WHITESPACE = b"\x00\t\n\x0c\r "


class _Undecodable(Exception):
    """A filter met data it cannot decode."""


def _check_streams(
    pdf: pikepdf.Pdf, xref: dict, filename: str, limits: _Limits
) -> None:
    """Decode every stream of the file within the budget (see the module
    docstring). Only uncompressed objects can be streams; the object streams among
    them go first, before anything resolves an object stored inside them."""
    object_streams = {
        entry.obj_stream_number for entry in xref.values() if entry.type == 2
    }
    direct = [objgen for objgen, entry in xref.items() if entry.type == 1]
    direct.sort(key=lambda objgen: objgen[0] not in object_streams)
    total = 0
    for objgen in direct:
        obj = pdf.get_object(objgen)
        if isinstance(obj, pikepdf.Stream):
            total = _check_stream(obj, filename, limits, total)


def _check_stream(
    stream: pikepdf.Stream, filename: str, limits: _Limits, total: int
) -> int:
    """Decode one stream; return the new running total of decoded bytes."""
    filters, parms = _filter_chain(stream)
    if len(filters) > MAX_FILTERS:
        raise _too_deep(filename)
    raw = stream.read_raw_bytes()
    stream_cap = max(RATIO_FLOOR, int(limits.max_ratio * len(raw)))
    chunks: Iterable[bytes] = _slices(raw)
    image_codec = False
    for name, parm in zip(filters, parms, strict=True):
        decoder = _DECODERS.get(name)
        if decoder is None:
            # An image codec is decoded by the viewer (judged below); anything
            # else (/Crypt, an unknown name) is passed through as it is.
            image_codec = name in _IMAGE_CODECS
            break
        chunks = decoder(chunks, parm)
    produced = 0
    try:
        for chunk in chunks:
            produced += len(chunk)
            if total + produced > limits.max_decoded:
                raise _bomb_total(filename, limits.max_decoded)
            if produced > stream_cap:
                raise PdfRejected(
                    _(
                        "The file “%(name)s” contains a stream that expands more "
                        "than %(ratio)s times when decompressed; it may be a "
                        "decompression bomb."
                    ),
                    code="bomb",
                    params={"name": filename, "ratio": _format_count(limits.max_ratio)},
                )
    except _Undecodable as exc:
        raise _corrupt(filename) from exc
    if image_codec:
        pixels = _declared_image_bytes(stream)
        if pixels > limits.max_decoded:
            raise PdfRejected(
                _(
                    "The file “%(name)s” contains an image larger than %(limit)s "
                    "when decoded; it may be a decompression bomb."
                ),
                code="bomb",
                params={"name": filename, "limit": _format_size(limits.max_decoded)},
            )
    return total + produced


def _filter_chain(stream: pikepdf.Stream) -> tuple[list[str], list]:
    filters = stream.get("/Filter")
    parms = stream.get("/DecodeParms")
    if filters is None:
        return [], []
    if isinstance(filters, pikepdf.Name):
        filters, parms = [filters], [parms]
    elif isinstance(filters, pikepdf.Array):
        if isinstance(parms, pikepdf.Array):
            parms = list(parms)
        else:
            # One dictionary for a one-filter array: wrong, but qpdf accepts it.
            parms = [parms] if len(filters) == 1 else []
    else:
        return [], []
    names = [str(f) for f in filters]
    parms = [p if isinstance(p, pikepdf.Dictionary) else None for p in parms]
    parms += [None] * (len(names) - len(parms))
    return names, parms[: len(names)]


def _declared_image_bytes(stream: pikepdf.Stream) -> int:
    """Width × height × components × bits per component / 8, as declared; an
    unknown colour space counts as four components (the most a viewer allocates)."""
    width, height = stream.get("/Width"), stream.get("/Height")
    if not isinstance(width, int) or not isinstance(height, int):
        return 0
    bits = stream.get("/BitsPerComponent")
    bits = bits if isinstance(bits, int) and bits > 0 else 8
    space = stream.get("/ColorSpace")
    if isinstance(space, pikepdf.Array) and len(space):
        if str(space[0]) == "/ICCBased":
            n = space[1].get("/N") if isinstance(space[1], pikepdf.Stream) else None
            components = n if isinstance(n, int) and 0 < n <= 4 else 4
        else:
            components = _COMPONENTS.get(str(space[0]), 4)
    elif isinstance(space, pikepdf.Name):
        components = _COMPONENTS.get(str(space), 4)
    elif stream.get("/ImageMask") is True:
        components = 1
    else:
        components = 4
    return abs(width) * abs(height) * components * bits // 8


def _slices(data: bytes) -> Iterator[memoryview]:
    view = memoryview(data)
    for start in range(0, len(view), CHUNK_SIZE):
        yield view[start : start + CHUNK_SIZE]


def _inflate(chunks: Iterable[bytes], parms) -> Iterator[bytes]:
    """FlateDecode, at most CHUNK_SIZE of output at a time. Data after the end of
    the zlib stream is ignored, a stream that stops early (no checksum) ends
    quietly: both are common and tolerated by qpdf and viewers."""
    inflater = zlib.decompressobj()
    try:
        for chunk in chunks:
            data = chunk
            while data and not inflater.eof:
                out = inflater.decompress(data, CHUNK_SIZE)
                data = inflater.unconsumed_tail
                if out:
                    yield out
            if inflater.eof:
                return
        while out := inflater.decompress(b"", CHUNK_SIZE):
            yield out
    except zlib.error as exc:
        raise _Undecodable(str(exc)) from exc


def _ascii_hex(chunks: Iterable[bytes], parms) -> Iterator[bytes]:
    pending = b""
    for chunk in chunks:
        data = bytes(chunk)
        end = data.find(b">")
        digits = pending + data[: end if end >= 0 else None].translate(
            None, _PDF_WHITESPACE
        )
        even = len(digits) - len(digits) % 2
        yield _from_hex(digits[:even])
        pending = digits[even:]
        if end >= 0:
            break
    if pending:
        # An odd final digit is followed by an implicit 0 (ISO 32000-1, 7.4.2).
        yield _from_hex(pending + b"0")


def _from_hex(digits: bytes) -> bytes:
    try:
        return bytes.fromhex(digits.decode("ascii"))
    except ValueError as exc:
        raise _Undecodable("ASCIIHexDecode") from exc


def _ascii85(chunks: Iterable[bytes], parms) -> Iterator[bytes]:
    pending = b""
    for chunk in chunks:
        data = bytes(chunk)
        # "~" only ever starts the end marker "~>".
        end = data.find(b"~")
        text = pending + data[: end if end >= 0 else None].translate(
            None, _PDF_WHITESPACE
        ).replace(b"z", b"!!!!!")
        whole = len(text) - len(text) % 5
        yield _from_a85(text[:whole])
        pending = text[whole:]
        if end >= 0:
            break
    if pending:
        yield _from_a85(pending)


def _from_a85(text: bytes) -> bytes:
    try:
        return base64.a85decode(text)
    except ValueError as exc:
        raise _Undecodable("ASCII85Decode") from exc


def _run_length(chunks: Iterable[bytes], parms) -> Iterator[bytes]:
    """RunLengthDecode (ISO 32000-1, 7.4.5): a length byte 0-127 copies the next
    n + 1 bytes, 129-255 repeats the next byte 257 - n times, 128 ends the data."""
    data = bytearray()
    out = bytearray()
    for chunk in chunks:
        data += chunk
        i, n = 0, len(data)
        while i < n:
            length = data[i]
            if length == 128:
                yield bytes(out)
                return
            if length < 128:
                if i + length + 2 > n:
                    break
                out += data[i + 1 : i + length + 2]
                i += length + 2
            else:
                if i + 2 > n:
                    break
                out += data[i + 1 : i + 2] * (257 - length)
                i += 2
            if len(out) >= CHUNK_SIZE:
                yield bytes(out)
                out.clear()
        del data[:i]
    yield bytes(out)


def _lzw(chunks: Iterable[bytes], parms) -> Iterator[bytes]:
    """LZWDecode (ISO 32000-1, 7.4.4) with /EarlyChange (default 1): codes of 9 to
    12 bits, 256 clears the table, 257 ends the data."""
    early = parms.get("/EarlyChange", 1) if parms is not None else 1
    early = 1 if early not in (0, 1) else int(early)
    table: list[bytes] = [bytes([i]) for i in range(256)] + [b"", b""]
    width = 9
    previous: bytes | None = None
    bits = 0
    nbits = 0
    out = bytearray()
    for chunk in chunks:
        for byte in bytes(chunk):
            bits = (bits << 8) | byte
            nbits += 8
            while nbits >= width:
                nbits -= width
                code = bits >> nbits
                bits &= (1 << nbits) - 1
                if code == 256:
                    del table[258:]
                    width = 9
                    previous = None
                    continue
                if code == 257:
                    yield bytes(out)
                    return
                if code < len(table):
                    entry = table[code]
                elif code == len(table) and previous is not None:
                    entry = previous + previous[:1]
                else:
                    raise _Undecodable("LZWDecode")
                if previous is not None and len(table) < 4096:
                    table.append(previous + entry[:1])
                previous = entry
                out += entry
                size = len(table) + early
                width = (
                    12
                    if size >= 2048
                    else 11
                    if size >= 1024
                    else 10
                    if size >= 512
                    else 9
                )
                if len(out) >= CHUNK_SIZE:
                    yield bytes(out)
                    out.clear()
    yield bytes(out)


_DECODERS = {
    "/FlateDecode": _inflate,
    "/Fl": _inflate,
    "/ASCIIHexDecode": _ascii_hex,
    "/AHx": _ascii_hex,
    "/ASCII85Decode": _ascii85,
    "/A85": _ascii85,
    "/RunLengthDecode": _run_length,
    "/RL": _run_length,
    "/LZWDecode": _lzw,
    "/LZW": _lzw,
}


# --- facts ------------------------------------------------------------------------


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def _pdf_version(pdf: pikepdf.Pdf) -> str:
    """The header's version, or the catalog's /Version when an incremental update
    raised it (ISO 32000-1, 7.7.2)."""
    header = pdf.pdf_version
    catalog = pdf.Root.get("/Version")
    if isinstance(catalog, pikepdf.Name):
        declared = str(catalog).lstrip("/")
        if _version_key(declared) > _version_key(header):
            return declared
    return header


def _version_key(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        return ()


def _xmp_facts(pdf: pikepdf.Pdf) -> tuple[str, str]:
    """(PDF/A part + conformance, dc:title) from the XMP metadata, if any."""
    if "/Metadata" not in pdf.Root:
        return "", ""
    try:
        meta = pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False)
        pdfa = meta.pdfa_status or ""
        title = meta.get("dc:title") or ""
    except (pikepdf.PdfError, ValueError, KeyError, TypeError):
        # Unreadable XMP is no reason to refuse a document: it claims nothing.
        return "", ""
    return str(pdfa).upper(), str(title)


def _docinfo_title(pdf: pikepdf.Pdf) -> str:
    info = pdf.trailer.get("/Info")
    if not isinstance(info, pikepdf.Dictionary):
        return ""
    title = info.get("/Title")
    return str(title) if isinstance(title, pikepdf.String) else ""


_TEXT_OPERATORS = "Tj TJ ' \""


def _has_text(pages: list[pikepdf.Page]) -> bool:
    """Whether any page shows text: a text-showing operator in its content or in a
    form XObject of its resources. Stops at the first page with text."""
    for page in pages:
        if pikepdf.parse_content_stream(page, _TEXT_OPERATORS):
            return True
        resources = _inherited(page.obj, "/Resources")
        xobjects = (
            resources.get("/XObject")
            if isinstance(resources, pikepdf.Dictionary)
            else None
        )
        if not isinstance(xobjects, pikepdf.Dictionary):
            continue
        for xobject in xobjects.values():
            if (
                isinstance(xobject, pikepdf.Stream)
                and xobject.get("/Subtype") == pikepdf.Name.Form
                and pikepdf.parse_content_stream(xobject, _TEXT_OPERATORS)
            ):
                return True
    return False


def _inherited(node: pikepdf.Object, key: str):
    """A page attribute, looked up through /Parent as ISO 32000-1, 7.7.3.4 says
    (the file is opened without pushing inherited attributes down)."""
    for _depth in range(MAX_TREE_DEPTH):
        if not isinstance(node, pikepdf.Dictionary):
            return None
        if key in node:
            return node.get(key)
        node = node.get("/Parent")
    return None


def _has_filled_signature_fields(pdf: pikepdf.Pdf, filename: str) -> bool:
    """Whether the form has a field whose value is a signature dictionary: only
    then is the file read a second time, with pyHanko."""
    acroform = pdf.Root.get("/AcroForm")
    fields = (
        acroform.get("/Fields") if isinstance(acroform, pikepdf.Dictionary) else None
    )
    if not isinstance(fields, pikepdf.Array):
        return False
    stack = [(field, 0) for field in fields]
    while stack:
        field, depth = stack.pop()
        if depth > MAX_TREE_DEPTH:
            raise _too_deep(filename)
        if not isinstance(field, pikepdf.Dictionary):
            continue
        value = field.get("/V")
        if isinstance(value, pikepdf.Dictionary) and "/ByteRange" in value:
            return True
        kids = field.get("/Kids")
        if isinstance(kids, pikepdf.Array):
            stack.extend((kid, depth + 1) for kid in kids)
    return False


# --- signatures -------------------------------------------------------------------


def read_signatures(file, filename: str) -> tuple[SignatureFacts, ...]:
    """The signatures a PDF (a seekable binary file) carries, read from its start;
    PdfRejected when one cannot be read."""
    file.seek(0)
    try:
        reader = PdfFileReader(file, strict=False)
        embedded = reader.embedded_signatures
        return tuple(_signature_facts(sig) for sig in embedded)
    except (misc.PdfError, ValueError, KeyError, TypeError) as exc:
        raise PdfRejected(
            _("The file “%(name)s” contains a signature that cannot be read."),
            code="corrupt",
            params={"name": filename},
        ) from exc


def _signature_facts(sig: EmbeddedPdfSignature) -> SignatureFacts:
    cert = sig.signer_cert
    subject = cert.subject.native
    issuer = cert.issuer.native
    is_timestamp = sig.sig_object_type == "/DocTimeStamp"
    return SignatureFacts(
        field_name=_nfc(str(sig.field_name or "")),
        signer_name=_nfc(
            _name_part(subject, "common_name") or cert.subject.human_friendly
        ),
        signer_organisation=_nfc(_name_part(subject, "organization_name")),
        signer_serial=format(cert.serial_number, "x"),
        issuer_name=_nfc(
            _name_part(issuer, "common_name") or cert.issuer.human_friendly
        ),
        claimed_signing_time=_claimed_time(sig, is_timestamp),
        covers_whole_file=_covers_whole_file(sig),
        digest_intact=_digest_intact(sig, is_timestamp),
        certificate_not_after=cert["tbs_certificate"]["validity"]["not_after"].native,
        is_timestamp=is_timestamp,
    )


def _name_part(name: dict, key: str) -> str:
    value = name.get(key, "")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _claimed_time(sig: EmbeddedPdfSignature, is_timestamp: bool) -> datetime | None:
    try:
        if is_timestamp:
            claimed = _tst_info(sig)["gen_time"].native
        else:
            claimed = sig.self_reported_timestamp
    except (misc.PdfError, ValueError, KeyError, TypeError):
        return None
    if claimed is not None and timezone.is_naive(claimed):
        # A PDF date without a zone is the signer's local time; ours is Vietnam's.
        claimed = timezone.make_aware(claimed, timezone.get_default_timezone())
    return claimed


def _covers_whole_file(sig: EmbeddedPdfSignature) -> bool:
    try:
        return sig.evaluate_signature_coverage() == SignatureCoverageLevel.ENTIRE_FILE
    except (misc.PdfError, ValueError, KeyError, TypeError):
        return False


def _tst_info(sig: EmbeddedPdfSignature):
    return sig.signed_data["encap_content_info"]["content"].parsed


def _digest_intact(sig: EmbeddedPdfSignature, is_timestamp: bool) -> bool:
    """The ByteRange digest matches the signed one and the signature verifies with
    the embedded certificate (no trust, no revocation). For a document timestamp the
    document digest is the token's message imprint, and the token's own signed
    data is its TSTInfo."""
    try:
        signer_info = sig.signer_info
        if is_timestamp:
            imprint = _tst_info(sig)["message_imprint"]
            algorithm = imprint["hash_algorithm"]["algorithm"].native
            if imprint["hashed_message"].native != sig.compute_digest(algorithm):
                return False
            content = bytes(sig.signed_data["encap_content_info"]["content"])
            md = signer_info["digest_algorithm"]["algorithm"].native
            hasher = hashes.Hash(get_pyca_cryptography_hash(md))
            hasher.update(content)
            digest = hasher.finalize()
            content_type = "tst_info"
        else:
            digest = sig.compute_digest()
            content_type = "data"
        intact, valid = validate_sig_integrity(
            signer_info, sig.signer_cert, content_type, digest
        )
    except (misc.PdfError, ValueError, KeyError, TypeError, AttributeError):
        return False
    return bool(intact and valid)
