"""Sample PDFs built in code, good and bad, for the tests of documents.pdfcheck and
anyone else who needs a PDF: nothing binary is committed.

Good: `text_pdf` (Vietnamese text with a ToUnicode map; the glyphs are not embedded,
so the text extracts but renders in a substitute font), `scan_pdf` (pages that are
only a JPEG image), `pdfa_pdf` (claims PDF/A-2B in XMP), `signed_pdf` (PAdES B-B by
a throwaway self-signed certificate) and `timestamped_pdf`.
Bad: encrypted, truncated, garbage, no pages, decompression bombs, deep nesting,
page-tree loops. `raw_pdf` writes a PDF object by object, for files that pikepdf
would refuse to write.
"""

import base64
import datetime
import functools
import io
import struct
import unicodedata
import zipfile
import zlib

import pikepdf
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from PIL import Image
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers, timestamps
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko_certvalidator.registry import SimpleCertificateStore

MiB = 1024 * 1024

SIGNER_NAME = "Nguyễn Văn An"
SIGNER_ORGANISATION = "Sở Tài chính tỉnh Lạc Hồng (demo)"
SIGNER_SERIAL = 0x5A17C0DE2026
TSA_NAME = "Demo TSA (demo, not a real authority)"

VIETNAMESE_LINES = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Công văn số 12/STC-VP về việc hướng dẫn lập dự toán ngân sách năm 2027",
)
TITLE = "Công văn số 12/STC-VP"


def _save(pdf: pikepdf.Pdf, **kwargs) -> bytes:
    buffer = io.BytesIO()
    pdf.save(buffer, **kwargs)
    return buffer.getvalue()


# --- good files -------------------------------------------------------------------


def _vietnamese_font(pdf: pikepdf.Pdf, text: str) -> tuple[pikepdf.Object, dict]:
    """A Type0 font with Identity-H codes 1..n for the distinct characters of `text`
    and a ToUnicode map back to them; returns the font and char -> code."""
    codes = {ch: i for i, ch in enumerate(sorted(set(text)), start=1)}
    mapping = "\n".join(
        f"<{code:04X}> <{ch.encode('utf-16-be').hex().upper()}>"
        for ch, code in codes.items()
    )
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Vanthu-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        f"{len(codes)} beginbfchar\n{mapping}\nendbfchar\n"
        "endcmap CMapName currentdict /CMap defineresource pop end end\n"
    )
    descriptor = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor,
            FontName=pikepdf.Name("/NotoSans"),
            Flags=32,
            FontBBox=[-600, -300, 1300, 1100],
            ItalicAngle=0,
            Ascent=1069,
            Descent=-293,
            CapHeight=714,
            StemV=80,
        )
    )
    descendant = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.CIDFontType2,
        BaseFont=pikepdf.Name("/NotoSans"),
        CIDSystemInfo=pikepdf.Dictionary(
            Registry=pikepdf.String("Adobe"),
            Ordering=pikepdf.String("Identity"),
            Supplement=0,
        ),
        FontDescriptor=descriptor,
        DW=600,
    )
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type0,
            BaseFont=pikepdf.Name("/NotoSans"),
            Encoding=pikepdf.Name("/Identity-H"),
            DescendantFonts=[pdf.make_indirect(descendant)],
            ToUnicode=pdf.make_stream(cmap.encode("ascii")),
        )
    )
    return font, codes


def text_content(lines=VIETNAMESE_LINES, codes=None) -> bytes:
    """A content stream showing `lines` with font /F1 (codes from _vietnamese_font)."""
    operations = [b"BT /F1 13 Tf 16 TL 60 780 Td"]
    for line in lines:
        hexcodes = "".join(f"{codes[ch]:04X}" for ch in line)
        operations.append(f"<{hexcodes}> Tj T*".encode("ascii"))
    operations.append(b"ET")
    return b"\n".join(operations)


def text_pdf(
    pages: int = 1, *, title: str | None = TITLE, version: str = "1.7"
) -> bytes:
    """A document of `pages` A4 pages of Vietnamese text. The title is stored
    decomposed (NFD), as macOS tools write it, to check that it is read back NFC."""
    pdf = pikepdf.new()
    text = "".join(VIETNAMESE_LINES) + "0123456789 Trang/"
    font, codes = _vietnamese_font(pdf, text)
    for number in range(1, pages + 1):
        page = pdf.add_blank_page(page_size=(595, 842))
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        lines = (*VIETNAMESE_LINES, f"Trang {number}/{pages}")
        page.Contents = pdf.make_stream(text_content(lines, codes))
    if title is not None:
        pdf.docinfo["/Title"] = unicodedata.normalize("NFD", title)
    return _save(pdf, min_version=version, force_version=version)


def _jpeg(size=(16, 16)) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", size, 235).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def scan_pdf(pages: int = 1) -> bytes:
    """Pages that are only an image, as a scanner without OCR makes them."""
    pdf = pikepdf.new()
    image = pikepdf.Stream(pdf, _jpeg())
    image.write(_jpeg(), filter=pikepdf.Name.DCTDecode)
    image.Type = pikepdf.Name.XObject
    image.Subtype = pikepdf.Name.Image
    image.Width, image.Height = 16, 16
    image.ColorSpace = pikepdf.Name.DeviceGray
    image.BitsPerComponent = 8
    image = pdf.make_indirect(image)
    for _ in range(pages):
        page = pdf.add_blank_page(page_size=(595, 842))
        page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
        page.Contents = pdf.make_stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q")
    return _save(pdf)


def pdfa_pdf() -> bytes:
    """A text page whose XMP claims PDF/A-2B and carries the title as dc:title."""
    with pikepdf.open(io.BytesIO(text_pdf(title=None))) as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["pdfaid:part"] = "2"
            meta["pdfaid:conformance"] = "B"
            meta["dc:title"] = TITLE
        return _save(pdf)


def no_pages_pdf() -> bytes:
    return _save(pikepdf.new())


# --- bad files that are not PDFs ---------------------------------------------------


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def docx_bytes() -> bytes:
    """A minimal Office Open XML document: a zip, like every .docx."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as docx:
        docx.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"/>',
        )
        docx.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


# --- damaged and hostile PDFs -------------------------------------------------------


def encrypted_pdf(*, user: str = "123456", owner: str = "quan-tri") -> bytes:
    """Encrypted; with user="" it opens without a password (owner password only)."""
    with pikepdf.open(io.BytesIO(text_pdf())) as pdf:
        return _save(pdf, encryption=pikepdf.Encryption(owner=owner, user=user))


def truncated_pdf() -> bytes:
    data = text_pdf(pages=3)
    return data[: len(data) * 6 // 10]


def garbage_pdf() -> bytes:
    """A PDF header followed by noise, as a failed conversion leaves behind."""
    noise = bytes((i * 7919 + 13) % 251 for i in range(4000))
    return b"%PDF-1.7\n" + noise + b"\n%%EOF\n"


def stream_object(entries: bytes, data: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (entries, len(data), data)


def raw_pdf(objects: list[bytes], *, root: int = 1, version: bytes = b"1.7") -> bytes:
    """A PDF written object by object: object i + 1 is objects[i]."""
    out = bytearray(b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        root,
        xref,
    )
    return bytes(out)


def one_page_with(content: bytes, *extra: bytes) -> bytes:
    """A one-page PDF whose page content is the stream object `content`; `extra`
    objects follow as 5, 6, ... and the page's resources name them /X5, /X6, ..."""
    xobjects = b" ".join(b"/X%d %d 0 R" % (n, n) for n in range(5, 5 + len(extra)))
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
            b" /Resources << /XObject << %s >> >> >>" % xobjects,
            content,
            *extra,
        ]
    )


def zeros_deflated(size: int) -> bytes:
    """A zlib stream of `size` zero bytes (a multiple of 1 MiB), built without ever
    holding more than 1 MiB: after a full flush, deflate output depends on no
    earlier data, so the compressed block of one MiB of zeros repeats."""
    assert size % MiB == 0
    compressor = zlib.compressobj(9)
    zeros = bytes(MiB)
    first = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    # Final empty block, then the Adler-32 of `size` zeros: A = 1, B = size mod 65521.
    end = b"\x03\x00" + struct.pack(">I", ((size % 65521) << 16) | 1)
    return first + block * (size // MiB - 1) + end


def flate_bomb_pdf(size: int = 2048 * MiB) -> bytes:
    """A page content stream that inflates to `size` zero bytes (2 GiB from 2 MB)."""
    return one_page_with(stream_object(b"/Filter /FlateDecode", zeros_deflated(size)))


def nested_flate_bomb_pdf(size: int = 2048 * MiB) -> bytes:
    """Deflate applied twice: 2 GiB of zeros in a few kilobytes."""
    inner = zeros_deflated(size)
    return one_page_with(
        stream_object(b"/Filter [/FlateDecode /FlateDecode]", zlib.compress(inner, 9))
    )


def image_bomb_pdf() -> bytes:
    """A tiny JPEG that declares itself 100,000 × 100,000 RGB pixels (30 GB)."""
    image = stream_object(
        b"/Type /XObject /Subtype /Image /Width 100000 /Height 100000"
        b" /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode",
        _jpeg(),
    )
    return one_page_with(stream_object(b"", b"q 10 0 0 10 0 0 cm /X5 Do Q"), image)


def filtered_content_pdf(
    encoded: bytes, filters: list[str], parms: bytes = b"null"
) -> bytes:
    """A one-page PDF whose content stream is `encoded` under `filters`, with
    /DecodeParms `parms` (a dictionary or an array of them)."""
    names = b" ".join(b"/" + name.encode() for name in filters)
    return one_page_with(
        stream_object(b"/Filter [%s] /DecodeParms %s" % (names, parms), encoded)
    )


def rebuilt_xref_pdf() -> bytes:
    """A complete text document whose startxref points nowhere: qpdf has to rebuild
    the cross-reference table, as for many scanner outputs."""
    data = text_pdf(pages=2)
    head, _, tail = data.rpartition(b"startxref\n")
    offset = tail.split(b"\n", 1)[0]
    return head + b"startxref\n" + b"9" * len(offset) + tail[len(offset) :]


def form_text_pdf() -> bytes:
    """Text only inside a form XObject, named in resources that the page inherits
    from its /Pages node (as some imposition tools write pages)."""
    form = stream_object(
        b"/Type /XObject /Subtype /Form /BBox [0 0 595 842]",
        b"BT /F1 12 Tf 72 720 Td (Cong van) Tj ET",
    )
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 /Resources << /XObject"
            b" << /Fm0 5 0 R >> /Font << /F1 << /Type /Font /Subtype /Type1"
            b" /BaseFont /Helvetica >> >> >> >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            stream_object(b"", b"q /Fm0 Do Q"),
            form,
        ]
    )


def catalog_version_pdf() -> bytes:
    """A PDF 1.4 header whose catalog declares /Version /2.0 (as an update may)."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /Version /2.0 >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        ],
        version=b"1.4",
    )


def corrupt_flate_pdf() -> bytes:
    """A content stream that claims FlateDecode but holds bytes that are not."""
    return one_page_with(
        stream_object(b"/Filter /FlateDecode", b"x\x9c" + bytes(range(7, 200)))
    )


def unreadable_signature_pdf() -> bytes:
    """A signed file whose signature value (/Contents) was zeroed: the field is
    there, the CMS object is not."""
    signed = signed_pdf()
    start = signed.index(b"/Contents <") + len(b"/Contents <")
    end = signed.index(b">", start)
    return signed[:start] + b"0" * (end - start) + signed[end:]


def many_objects_pdf(count: int) -> bytes:
    """A one-page PDF with `count` extra unreferenced objects."""
    return one_page_with(
        stream_object(b"", b"BT ET"), *(b"(%d)" % n for n in range(count))
    )


def deeply_nested_pdf(depth: int = 600) -> bytes:
    """An array nested `depth` levels deep in the catalog (qpdf stops at 499)."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /Deep %s%s >>"
            % (b"[" * depth, b"]" * depth),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        ]
    )


def page_tree_loop_pdf() -> bytes:
    """A /Pages node that lists itself among its kids."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        ]
    )


# --- encoders for the rarer filters (qpdf decodes them, but cannot write them) -------


def ascii_hex_encode(data: bytes) -> bytes:
    hexed = data.hex().upper().encode()
    return b"\n".join(hexed[i : i + 64] for i in range(0, len(hexed), 64)) + b">"


def ascii85_encode(data: bytes) -> bytes:
    return base64.a85encode(data, wrapcol=72) + b"~>"


def run_length_encode(data: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(data):
        run = 1
        while i + run < len(data) and run < 128 and data[i + run] == data[i]:
            run += 1
        if run > 1:
            out += bytes([257 - run, data[i]])
            i += run
            continue
        start = i
        while i < len(data) and i - start < 128:
            if i + 1 < len(data) and data[i + 1] == data[i]:
                break
            i += 1
        i = max(i, start + 1)
        out += bytes([i - start - 1]) + data[start:i]
    return bytes(out + b"\x80")


def lzw_encode(data: bytes, *, early_change: int = 1) -> bytes:
    """LZW as PDF uses it. The decoder's table is one entry behind the encoder's;
    code widths follow the decoder's table size (+ early_change)."""
    out = bytearray()
    bits = nbits = 0

    def emit(code: int, width: int) -> None:
        nonlocal bits, nbits
        bits = (bits << width) | code
        nbits += width
        while nbits >= 8:
            nbits -= 8
            out.append((bits >> nbits) & 0xFF)
        bits &= (1 << nbits) - 1

    def width_for(decoder_size: int) -> int:
        size = decoder_size + early_change
        return 12 if size >= 2048 else 11 if size >= 1024 else 10 if size >= 512 else 9

    table = {bytes([i]): i for i in range(256)}
    decoder_size = 258
    first = True
    emit(256, 9)
    word = b""
    for value in data:
        candidate = word + bytes([value])
        if candidate in table:
            word = candidate
            continue
        emit(table[word], width_for(decoder_size))
        if not first:
            decoder_size += 1
        first = False
        if len(table) + 2 < 4000:
            table[candidate] = len(table) + 2  # 256 and 257 are clear and end
        else:
            emit(256, width_for(decoder_size))
            table = {bytes([i]): i for i in range(256)}
            decoder_size = 258
            first = True
        word = bytes([value])
    if word:
        emit(table[word], width_for(decoder_size))
        if not first:
            decoder_size += 1
    emit(257, width_for(decoder_size))
    if nbits:
        out.append((bits << (8 - nbits)) & 0xFF)
    return bytes(out)


# --- signed files -------------------------------------------------------------------


@functools.cache
def _identity(common_name: str, organisation: str, serial: int, tsa: bool):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now.replace(microsecond=0) + datetime.timedelta(days=365))
    )
    if tsa:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
    certificate = builder.sign(key, hashes.SHA256())
    asn1_cert = asn1_x509.Certificate.load(
        certificate.public_bytes(serialization.Encoding.DER)
    )
    asn1_key = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return asn1_cert, asn1_key


def signer_certificate() -> asn1_x509.Certificate:
    return _identity(SIGNER_NAME, SIGNER_ORGANISATION, SIGNER_SERIAL, False)[0]


def signed_pdf(data: bytes | None = None, *, field: str = "ChuKyLanhDao") -> bytes:
    """`data` (default: a text page) signed PAdES B-B, invisibly, by a throwaway
    self-signed certificate of SIGNER_NAME at SIGNER_ORGANISATION."""
    cert, key = _identity(SIGNER_NAME, SIGNER_ORGANISATION, SIGNER_SERIAL, False)
    signer = signers.SimpleSigner(
        signing_cert=cert,
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs([cert]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=field, md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(data or text_pdf()), strict=False)
    return signers.PdfSigner(meta, signer=signer).sign_pdf(writer).getvalue()


def timestamped_pdf(data: bytes) -> bytes:
    """`data` with a document timestamp (as B-LTA adds) from a throwaway TSA."""
    cert, key = _identity(TSA_NAME, "Vanthu demo", 0x75A, True)
    stamper = signers.PdfTimeStamper(timestamps.DummyTimeStamper(cert, key))
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    return stamper.timestamp_pdf(writer, "sha256").getvalue()


def flip_signed_byte(signed: bytes, marker: bytes = b"/Producer") -> bytes:
    """A copy with one byte changed inside the first signed range (in the first
    occurrence of `marker`), leaving the file readable."""
    position = signed.index(marker) + len(marker) - 1
    flipped = bytearray(signed)
    flipped[position] ^= 0x20  # "r" -> "R": still a valid name, different bytes
    return bytes(flipped)


def append_update(signed: bytes, title: str = "Đã sửa sau khi ký") -> bytes:
    """A copy with an incremental update appended after the signature (it changes
    the document title), so the signature no longer covers the whole file."""
    writer = IncrementalPdfFileWriter(io.BytesIO(signed), strict=False)
    writer.set_info(
        generic.DictionaryObject(
            {generic.NameObject("/Title"): generic.TextStringObject(title)}
        )
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
