"""Benchmark of draft rendering (documents.rendering) to PDF/A-2b with its fields.

    .venv/bin/python bench/render.py [--runs 30] [--warmup 3]

Renders a one-page quyết định and a ten-page one, `--runs` times each after
`--warmup` renders, in this process: font subsets already built (they are built
first, untimed), one WeasyPrint font configuration and stylesheet, as in a worker.
Each timing is the whole `render_draft_pdf` call: template, layout, PDF/A writing,
form fields. Prints median and p90 per document; the last line is the headline.
"""

import argparse
import dataclasses
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vanthu.settings.test")
os.environ.setdefault("VANTHU_LOG_LEVEL", "WARNING")

import django  # noqa: E402

ARTICLE = (
    "Các cơ quan, đơn vị căn cứ chức năng, nhiệm vụ được giao chủ động rà soát, "
    "đánh giá kết quả thực hiện nhiệm vụ chuyển đổi số, bảo đảm an toàn thông tin "
    "mạng và đề xuất giải pháp phù hợp với điều kiện thực tế của địa phương."
)


def layouts():
    from documents.rendering import DraftLayout

    one = DraftLayout(
        parent_agency_name="Ủy ban nhân dân tỉnh Lạc Hồng",
        agency_name="Sở Tài chính",
        agency_abbr="STC",
        unit_abbr="NS",
        type_code="quyet_dinh",
        type_name="Quyết định",
        type_abbr="QĐ",
        place_name="Lạc Hồng",
        subject="Về việc phê duyệt dự toán kinh phí chuyển đổi số năm 2026",
        body="GIÁM ĐỐC SỞ TÀI CHÍNH\n\n"
        "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ;\n"
        "Theo đề nghị của Trưởng phòng Quản lý ngân sách.\n\n"
        "QUYẾT ĐỊNH:\n\n" + "\n\n".join(f"Điều {i}. {ARTICLE}" for i in range(1, 5)),
        signer_capacity="KT.",
        signer_capacity_of="Giám đốc",
        signer_title="Phó Giám đốc",
        signer_name="Nguyễn Văn An",
        copies_to=["Như Điều 4", "UBND tỉnh (để b/c)"],
        archive_units=["NS"],
        urgency=1,
    )
    ten = dataclasses.replace(
        one,
        body="\n\n".join(f"Điều {i}. {ARTICLE} {ARTICLE}" for i in range(1, 60)),
    )
    return one, ten


def measure(layout, runs: int) -> tuple[list[float], int]:
    from documents.rendering import render_draft_pdf

    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        rendered = render_draft_pdf(layout)
        timings.append((time.perf_counter() - start) * 1000)
    return timings, rendered.page_count


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    django.setup()
    from documents import fonts
    from documents.rendering import render_draft_pdf

    start = time.perf_counter()
    fonts.font_dir()
    print(f"font subsets ready in {(time.perf_counter() - start) * 1000:.0f} ms")
    one, ten = layouts()
    start = time.perf_counter()
    render_draft_pdf(one)
    print(
        f"first render (process warm-up) {(time.perf_counter() - start) * 1000:.0f} ms"
    )
    for _ in range(args.warmup):
        render_draft_pdf(one)
        render_draft_pdf(ten)
    results = {}
    for name, layout in (("1 page", one), ("10 pages", ten)):
        timings, pages = measure(layout, args.runs)
        results[name] = (statistics.median(timings), p90(timings), pages)
        print(
            f"{name:>8}: {pages} pages, median {results[name][0]:.1f} ms, "
            f"p90 {results[name][1]:.1f} ms over {args.runs} runs"
        )
    one_median, ten_median = results["1 page"][0], results["10 pages"][0]
    print(
        f"render_draft_pdf: 1 page {one_median:.0f} ms, 10 pages {ten_median:.0f} ms "
        f"(median of {args.runs})"
    )


if __name__ == "__main__":
    main()
