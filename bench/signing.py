"""Benchmark of PAdES signing and validation (signing.signers, signing.validation).

    .venv/bin/python bench/signing.py [--runs 30] [--warmup 5]

Makes a demo PKI in a temporary folder (one leader, certomancer, RSA-2048) served
over real HTTP on 127.0.0.1 (LoopbackPkiServer: OCSP, CRLs, TSA), renders a
one-page quyết định with documents.rendering, then in this one process signs it
into its empty field "chu_ky_lanh_dao", `--runs` times per row after `--warmup`:

* B-B and B-T through Vanthu: `signing.signers.sign_pdf` with `Pkcs12Signer`
  (key parsed once, CachedKeySigner) and, for B-T, the process's reused
  HTTPTimeStamper (`signing.trust.get_timestamper`);
* the same with stock pyHanko as plainly written: `SimpleSigner.load_pkcs12_data`
  once, `signers.sign_pdf(IncrementalPdfFileWriter(...), PdfSignatureMetadata(...))`,
  a new `HTTPTimeStamper` per B-T signature;
* validation of one B-T signature: `signing.validation.validate_pdf` with a fresh
  hard-fail validation context (OCSP and CRLs fetched over loopback each time).

No visible stamp (the stamp images come with the Decree 30 flow). Each timing is
the whole call (parse, incremental write, CMS, TSA round trip). Prints median and
p90 per row and the stock/Vanthu ratio; the last line is the headline.
"""

import argparse
import io
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
PASSPHRASE = b"bench-passphrase"


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


def timed(fn, runs: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()
    django.setup()

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers as stock
    from pyhanko.sign import timestamps
    from pyhanko.sign.fields import SigSeedSubFilter

    from signing import pki as demo
    from signing.signers import Pkcs12Signer, sign_pdf
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

        def vanthu(level):
            return lambda: sign_pdf(
                pdf=pdf, signer=ours, field_name=FIELD, level=level, timestamper=tsa
            )

        def pyhanko(level):
            def run():
                meta = stock.PdfSignatureMetadata(
                    field_name=FIELD,
                    md_algorithm="sha256",
                    subfilter=SigSeedSubFilter.PADES,
                )
                stamper = (
                    timestamps.HTTPTimeStamper(pki.tsa_url) if level == "T" else None
                )
                return stock.sign_pdf(
                    IncrementalPdfFileWriter(io.BytesIO(pdf)),
                    meta,
                    signer=theirs,
                    timestamper=stamper,
                    existing_fields_only=True,
                ).getvalue()

            return run

        signed_t = vanthu("T")()
        assert validate_pdf(
            signed_t, validation_context=validation_context(roots=[root])
        ).ok

        def validate():
            report = validate_pdf(
                signed_t, validation_context=validation_context(roots=[root])
            )
            assert report.ok

        rows = {}
        for name, fn in (
            ("B-B Vanthu (Pkcs12Signer)", vanthu("B")),
            ("B-B stock pyHanko (SimpleSigner)", pyhanko("B")),
            ("B-T Vanthu (loopback TSA)", vanthu("T")),
            ("B-T stock pyHanko (loopback TSA)", pyhanko("T")),
            ("Validate 1 B-T signature (hard-fail, OCSP+CRL)", validate),
        ):
            rows[name] = timed(fn, args.runs, args.warmup)

    print(f"one-page draft {len(pdf)} bytes, {args.runs} runs after {args.warmup}")
    for name, values in rows.items():
        print(
            f"{name:<48} median {statistics.median(values):7.1f} ms"
            f"   p90 {p90(values):7.1f} ms"
        )
    med = {k: statistics.median(v) for k, v in rows.items()}
    ratio_b = med["B-B stock pyHanko (SimpleSigner)"] / med["B-B Vanthu (Pkcs12Signer)"]
    ratio_t = med["B-T stock pyHanko (loopback TSA)"] / med["B-T Vanthu (loopback TSA)"]
    print(f"stock/Vanthu ratio: B-B {ratio_b:.2f}x, B-T {ratio_t:.2f}x")
    print(
        f"HEADLINE: B-B {med['B-B Vanthu (Pkcs12Signer)']:.1f} ms "
        f"({ratio_b:.2f}x faster than stock), B-T "
        f"{med['B-T Vanthu (loopback TSA)']:.1f} ms ({ratio_t:.2f}x), validation "
        f"{med['Validate 1 B-T signature (hard-fail, OCSP+CRL)']:.1f} ms per signature"
    )


if __name__ == "__main__":
    main()
