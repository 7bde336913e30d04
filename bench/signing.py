"""Benchmark of PAdES signing and validation (signing.signers, signing.validation).

    .venv/bin/python bench/signing.py [--runs 30] [--warmup 5]

Makes a demo PKI in a temporary folder (one leader, certomancer, RSA-2048) served
over real HTTP on 127.0.0.1 (LoopbackPkiServer: OCSP, CRLs, TSA), renders a
one-page quyết định with documents.rendering, then in this one process signs it
into its empty field "chu_ky_lanh_dao", `--runs` times per row after `--warmup`
(the rows interleaved: each round times every row once, so that a shared VM's
changing load falls on all of them alike):

* B-B and B-T through Vanthu: `signing.signers.sign_pdf` with `Pkcs12Signer`
  (key parsed once, CachedKeySigner) and, for B-T, the process's reused
  HTTPTimeStamper (`signing.trust.get_timestamper`);
* the same with stock pyHanko as plainly written: `SimpleSigner.load_pkcs12_data`
  once, `signers.sign_pdf(IncrementalPdfFileWriter(...), PdfSignatureMetadata(...))`,
  a new `HTTPTimeStamper` per B-T signature;
* validation of one B-T signature: `signing.validation.validate_pdf` with a fresh
  hard-fail validation context (OCSP and CRLs fetched over loopback each time);
* with a visible stamp, B-B and B-T: Vanthu's leader stamp
  (`signing.stamps.leader_stamp`, the demo signature PNG; image only, as Decree 30
  prescribes) against stock pyHanko's usual stamp (signing-stack.md §5: the same
  PNG beside three lines of text set through `GlyphAccumulatorFactory` from the
  full Liberation Serif TTF, the font Debian ships; Noto is not installed here);
* a text stamp alone, B-B: Vanthu's attachment stamp (`attachment_stamp`, the
  pre-subset 1000-upem "Vanthu Serif") against the same two lines in stock
  pyHanko's `TextStampStyle` with the full Liberation Serif TTF;
* B-LT and B-LTA through Vanthu (validation data fetched over loopback, a new
  validation context per signature), the archival upgrade of a B-T signature
  (`signing.archival.archival_upgrade`: its validation data, then a document
  timestamp), and validation of the B-LTA file (two entries: signature and
  document timestamp).

Each timing is the whole call (parse, incremental write, CMS, TSA round trip).
Prints median and p90 per row and the stock/Vanthu ratios; the last line is the
headline.
"""

import argparse
import io
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vanthu.settings.test")
os.environ.setdefault("VANTHU_LOG_LEVEL", "WARNING")

import django  # noqa: E402

FIELD = "chu_ky_lanh_dao"
TEXT_FIELD = "chu_ky_phu_luc"
PASSPHRASE = b"bench-passphrase"
FULL_FONT = "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"


def draft() -> bytes:
    from documents.rendering import DraftLayout, render_draft_pdf

    return render_draft_pdf(
        DraftLayout(
            parent_agency_name="Ủy ban nhân dân tỉnh Lạc Hồng",
            agency_name="Sở Tài chính",
            agency_abbr="STC",
            type_code="quyet_dinh",
            type_name="Quyết định",
            type_abbr="QĐ",
            place_name="Lạc Hồng",
            subject="Về việc phê duyệt dự toán kinh phí chuyển đổi số năm 2026",
            body="QUYẾT ĐỊNH:\n\nĐiều 1. Phê duyệt dự toán.\n\n"
            "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
            signer_title="Giám đốc",
            signer_name="Nguyễn Văn An",
        )
    ).pdf


def timed_rounds(fns: dict, runs: int, warmup: int) -> dict[str, list[float]]:
    """`warmup` calls of every function, then `runs` rounds each calling every
    function once, in turn: on a shared VM whose load comes and goes, every row
    sees the same load, so their ratios stay meaningful."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - start) * 1000)
    return times


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()
    django.setup()
    # The stock runs subset the full font every time; fontTools warns each time
    # that it drops the FFTM table (harmless, signing-stack.md §10.8).
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)

    from pyhanko import stamp as stock_stamp
    from pyhanko.pdf_utils import images, layout, text
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers as stock
    from pyhanko.sign import timestamps
    from pyhanko.sign.fields import SigSeedSubFilter

    from signing import pki as demo
    from signing.archival import archival_upgrade
    from signing.demo_images import demo_signature_png
    from signing.signers import Pkcs12Signer, sign_pdf
    from signing.stamps import add_attachment_field, attachment_stamp, leader_stamp
    from signing.trust import get_timestamper, validation_context
    from signing.validation import validate_pdf

    pdf = draft()
    subject = demo.DemoSubject(
        "person",
        "lanhdao.bench",
        "Nguyễn Văn An",
        "Sở Tài chính (demo)",
        "000.00.02.H99",
    )
    with tempfile.TemporaryDirectory() as folder, demo.loopback_pki_server() as server:
        pki = demo.demo_pki_ensure(
            directory=folder, base_url=server.base_url, subjects=[subject]
        )
        server.serve(pki)
        p12 = pki.pkcs12(subject.label, PASSPHRASE)
        root = pki.root_cert
        ours = Pkcs12Signer.load(p12, PASSPHRASE)
        theirs = stock.SimpleSigner.load_pkcs12_data(p12, [], passphrase=PASSPHRASE)
        tsa = get_timestamper(pki.tsa_url)

        png = demo_signature_png("Nguyễn Văn An")
        png_path = Path(folder) / "chu-ky.png"
        png_path.write_bytes(png)
        text_pdf = add_attachment_field(pdf, field_name=TEXT_FIELD)

        def vc():
            return validation_context(roots=[root])

        def vanthu(level, appearance=None, params=None, *, source=pdf, field=FIELD):
            def run():
                return sign_pdf(
                    pdf=source,
                    signer=ours,
                    field_name=field,
                    level=level,
                    timestamper=tsa,
                    appearance=appearance() if appearance else None,
                    appearance_params=params,
                    validation_context=vc() if level in ("LT", "LTA") else None,
                )

            return run

        def pyhanko(level, style=None, params=None, *, source=pdf, field=FIELD):
            def run():
                meta = stock.PdfSignatureMetadata(
                    field_name=field,
                    md_algorithm="sha256",
                    subfilter=SigSeedSubFilter.PADES,
                )
                stamper = (
                    timestamps.HTTPTimeStamper(pki.tsa_url) if level == "T" else None
                )
                if style is None:
                    return stock.sign_pdf(
                        IncrementalPdfFileWriter(io.BytesIO(source)),
                        meta,
                        signer=theirs,
                        timestamper=stamper,
                        existing_fields_only=True,
                    ).getvalue()
                return (
                    stock.PdfSigner(
                        meta, signer=theirs, timestamper=stamper, stamp_style=style()
                    )
                    .sign_pdf(
                        IncrementalPdfFileWriter(io.BytesIO(source)),
                        existing_fields_only=True,
                        appearance_text_params=params or {},
                    )
                    .getvalue()
                )

            return run

        def vanthu_leader_stamp():
            return leader_stamp(png)

        def stock_leader_stamp():
            # signing-stack.md §5, as a pyHanko user writes it: the image and
            # three lines of text in a full TrueType font.
            a = layout.AxisAlignment
            return stock_stamp.TextStampStyle(
                stamp_text="Ký bởi: %(signer)s\nCơ quan: %(org)s\nThời gian: %(ts)s",
                timestamp_format="%d/%m/%Y %H:%M:%S %z",
                text_box_style=text.TextBoxStyle(
                    font=GlyphAccumulatorFactory(FULL_FONT, font_size=8)
                ),
                inner_content_layout=layout.SimpleBoxLayoutRule(
                    x_align=a.ALIGN_MAX,
                    y_align=a.ALIGN_MID,
                    margins=layout.Margins(left=60, right=2),
                ),
                background=images.PdfImage(str(png_path)),
                background_layout=layout.SimpleBoxLayoutRule(
                    x_align=a.ALIGN_MIN,
                    y_align=a.ALIGN_MID,
                    margins=layout.Margins(left=2, right=100, top=2, bottom=2),
                ),
                background_opacity=1.0,
                border_width=0,
            )

        stock_params = {"org": "Sở Tài chính"}
        vanthu_text_params = attachment_stamp(number_notation="01/QĐ-STC")[1]

        def vanthu_text_stamp():
            return attachment_stamp(number_notation="01/QĐ-STC")[0]

        def stock_text_stamp():
            return stock_stamp.TextStampStyle(
                stamp_text="Số: %(number)s\nThời gian ký: %(ts)s",
                timestamp_format="%Y-%m-%dT%H:%M:%S%z",
                text_box_style=text.TextBoxStyle(
                    font=GlyphAccumulatorFactory(FULL_FONT, font_size=10)
                ),
                border_width=0,
            )

        signed_t = vanthu("T")()
        assert validate_pdf(
            signed_t, validation_context=validation_context(roots=[root])
        ).ok

        def validate():
            report = validate_pdf(
                signed_t, validation_context=validation_context(roots=[root])
            )
            assert report.ok

        signed_lta = vanthu("LTA")()
        assert validate_pdf(signed_lta, validation_context=vc()).ok
        upgraded = archival_upgrade(signed_t, timestamper=tsa, validation_context=vc())
        assert validate_pdf(upgraded, validation_context=vc()).ok

        def validate_lta():
            report = validate_pdf(signed_lta, validation_context=vc())
            assert report.ok and len(report.signatures) == 2

        rows = timed_rounds(
            {
                "B-B Vanthu (Pkcs12Signer)": vanthu("B"),
                "B-B stock pyHanko (SimpleSigner)": pyhanko("B"),
                "B-T Vanthu (loopback TSA)": vanthu("T"),
                "B-T stock pyHanko (loopback TSA)": pyhanko("T"),
                "Validate 1 B-T signature (hard-fail, OCSP+CRL)": validate,
                "B-B + leader stamp Vanthu": vanthu("B", vanthu_leader_stamp),
                "B-B + stamp stock pyHanko (full TTF)": pyhanko(
                    "B", stock_leader_stamp, stock_params
                ),
                "B-T + leader stamp Vanthu": vanthu("T", vanthu_leader_stamp),
                "B-T + stamp stock pyHanko (full TTF)": pyhanko(
                    "T", stock_leader_stamp, stock_params
                ),
                "B-B + text stamp Vanthu (pre-subset font)": vanthu(
                    "B",
                    vanthu_text_stamp,
                    vanthu_text_params,
                    source=text_pdf,
                    field=TEXT_FIELD,
                ),
                "B-B + text stamp stock pyHanko (full TTF)": pyhanko(
                    "B",
                    stock_text_stamp,
                    {"number": "01/QĐ-STC"},
                    source=text_pdf,
                    field=TEXT_FIELD,
                ),
                "B-LT Vanthu (loopback OCSP, CRL, TSA)": vanthu("LT"),
                "B-LTA Vanthu (loopback OCSP, CRL, TSA)": vanthu("LTA"),
                "Archival upgrade B-T -> B-LTA": lambda: archival_upgrade(
                    signed_t, timestamper=tsa, validation_context=vc()
                ),
                "Validate B-LTA file (signature + doc TS)": validate_lta,
            },
            args.runs,
            args.warmup,
        )

    print(f"one-page draft {len(pdf)} bytes, {args.runs} runs after {args.warmup}")
    for name, values in rows.items():
        print(
            f"{name:<48} median {statistics.median(values):7.1f} ms"
            f"   p90 {p90(values):7.1f} ms"
        )
    med = {k: statistics.median(v) for k, v in rows.items()}
    ratio_b = med["B-B stock pyHanko (SimpleSigner)"] / med["B-B Vanthu (Pkcs12Signer)"]
    ratio_t = med["B-T stock pyHanko (loopback TSA)"] / med["B-T Vanthu (loopback TSA)"]
    ratio_bs = (
        med["B-B + stamp stock pyHanko (full TTF)"] / med["B-B + leader stamp Vanthu"]
    )
    ratio_ts = (
        med["B-T + stamp stock pyHanko (full TTF)"] / med["B-T + leader stamp Vanthu"]
    )
    ratio_text = (
        med["B-B + text stamp stock pyHanko (full TTF)"]
        / med["B-B + text stamp Vanthu (pre-subset font)"]
    )
    print(f"stock/Vanthu ratio: B-B {ratio_b:.2f}x, B-T {ratio_t:.2f}x")
    print(
        f"stock/Vanthu ratio with stamp: B-B {ratio_bs:.2f}x, B-T {ratio_ts:.2f}x, "
        f"text stamp B-B {ratio_text:.2f}x"
    )
    print(
        f"HEADLINE: B-B {med['B-B Vanthu (Pkcs12Signer)']:.1f} ms "
        f"({ratio_b:.2f}x faster than stock), B-T "
        f"{med['B-T Vanthu (loopback TSA)']:.1f} ms ({ratio_t:.2f}x); with the "
        f"stamp B-B {med['B-B + leader stamp Vanthu']:.1f} ms ({ratio_bs:.2f}x), "
        f"B-T {med['B-T + leader stamp Vanthu']:.1f} ms ({ratio_ts:.2f}x); "
        f"B-LTA {med['B-LTA Vanthu (loopback OCSP, CRL, TSA)']:.1f} ms, archival "
        f"upgrade {med['Archival upgrade B-T -> B-LTA']:.1f} ms; validation "
        f"{med['Validate 1 B-T signature (hard-fail, OCSP+CRL)']:.1f} ms per signature"
    )


if __name__ == "__main__":
    main()
