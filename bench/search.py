"""Benchmark of search (skeleton): a synthetic Vietnamese corpus indexed through the
configured backend, then fixed queries with an ACL, filters, facets and snippets.

    .venv/bin/python bench/search.py [--docs 100000] [--path /tmp/vanthu-bench-search]

Measures indexing throughput (backend.rebuild: folding, tokens, write, commit) and
query latency (median, p95) of backend.search with the same SearchQuery the service
builds (search.services.parse_query), for a user who sees every document and for
one who sees a tenth of them. No database: the corpus is generated in memory.

Still to do (issue 6, "Figures"): 1,000,000 documents, the 50 queries of
reference/search-anchor.md, the bare-Tantivy and PostgreSQL baselines in the same
run, and the search page's server time.
"""

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))

# Administrative vocabulary (full diacritics), as in the anchor's generator.
VOCABULARY = (
    "thực hiện|ủy ban nhân dân|thủ tục hành chính|cải cách hành chính|"
    "dịch vụ công trực tuyến|ứng dụng công nghệ thông tin|cấp phép|"
    "giấy phép xây dựng|hồ sơ trễ hạn|chữ ký số|đầu tư|quy hoạch|ngân sách|"
    "đất đai|giáo dục|y tế|nông nghiệp|thủy lợi|phòng chống dịch|"
    "an toàn thông tin|hỏa táng|rầy nâu|sầu riêng|dịch tả lợn châu Phi|"
    "chuyển đổi số|kế hoạch|báo cáo|tổng kết|triển khai|phê duyệt|dự toán|"
    "quyết toán|biên chế|công chức|viên chức|thi đua khen thưởng|"
    "phòng cháy chữa cháy|giải phóng mặt bằng|bồi thường|tái định cư|môi trường|"
    "khoáng sản|tài nguyên nước|giao thông|xây dựng nông thôn mới|hòa giải|cơ sở|"
    "thủy sản|khuyến nông|hộ nghèo|bảo hiểm xã hội|lao động|việc làm|du lịch|"
    "văn hóa|thể thao|kiểm tra|thanh tra|khiếu nại|tố cáo|tiếp công dân"
)
PHRASES = [p.strip() for p in VOCABULARY.split("|") if p.strip()]
TYPES = [
    ("cong_van", "Công văn", ""),
    ("quyet_dinh", "Quyết định", "QĐ"),
    ("thong_bao", "Thông báo", "TB"),
    ("bao_cao", "Báo cáo", "BC"),
    ("ke_hoach", "Kế hoạch", "KH"),
    ("to_trinh", "Tờ trình", "TTr"),
]
UNITS = ["UBND", "STC", "SXD", "SYT", "SNV", "STNMT", "SGDĐT", "SNNPTNT"]
HEADS = ["về việc", "triển khai", "phê duyệt", "hướng dẫn", "tăng cường"]

QUERIES = [
    "quyet dinh 15 cap phep xay dung",
    "dịch vụ công trực tuyến",
    "thu tuc hanh chinh",
    '"hỏa táng"',
    "rầy nâu",
    "15/QĐ-UBND",
    "qd-ubnd",
    "ngan sach du toan",
    "hòa giải cơ sở",
    "chuyen doi so",
]


def corpus(n: int, seed: int = 20260101):
    from search.backends.base import IndexDocument

    rng = random.Random(seed)
    serial: dict[tuple[int, int], int] = {}
    start = date(2015, 1, 1)
    for pk in range(1, n + 1):
        org = int(rng.paretovariate(0.6)) % 200 + 1
        code, type_name, abbr = rng.choices(TYPES, weights=[30, 18, 10, 10, 8, 5])[0]
        issued = start + timedelta(days=rng.randrange(4300))
        serial[(org, issued.year)] = serial.get((org, issued.year), 0) + 1
        number = str(serial[(org, issued.year)])
        unit = rng.choice(UNITS)
        notation = f"{abbr}-{unit}" if abbr else f"{unit}-VP"
        words = [rng.choice(HEADS)]
        while len(" ".join(words).split()) < rng.randint(8, 25):
            words.append(rng.choice(PHRASES))
        subject = " ".join(words)
        body = " ".join(rng.choice(PHRASES) for _ in range(rng.randint(25, 45)))
        yield IndexDocument(
            id=pk,
            organisation_id=org,
            organisation_name=f"Cơ quan {org}",
            document_type=code,
            document_type_name=type_name,
            direction="di",
            state="issued",
            urgency=rng.choice([0, 0, 0, 1, 2, 3]),
            secrecy=0,
            number=number,
            notation=notation,
            number_notation=f"{number}/{notation}",
            organ_name=f"Cơ quan {org}",
            subject=subject,
            title=f"{type_name} số {number}/{notation} {subject}",
            issued_date=issued,
            register_id=None,
            register_number=None,
            acl=(f"g:{org}",),
            text=body,
            sort_date=issued,
        )


def percentile(values, q):
    values = sorted(values)
    return values[max(0, min(len(values) - 1, int(round(q * len(values))) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--path", default="/tmp/vanthu-bench-search")
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()

    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vanthu.settings.test")
    import django

    django.setup()
    from search.backends.base import Acl, SearchQuery
    from search.backends.tantivy import TantivyBackend
    from search.services import parse_query

    backend = TantivyBackend(path=args.path, lock_timeout=60)
    started = time.perf_counter()
    n = backend.rebuild(corpus(args.docs))
    seconds = time.perf_counter() - started
    print(f"indexed {n} documents in {seconds:.1f} s ({n / seconds:.0f}/s)")

    users = {
        "everyone": Acl(tokens=None, max_secrecy=3),
        "tenth": Acl(tokens=frozenset(f"g:{i}" for i in range(1, 21)), max_secrecy=0),
    }
    for label, acl in users.items():
        timings = []
        for rep in range(args.reps + 1):
            for text in QUERIES:
                terms, phrases, identifiers, _ = parse_query(text)
                q = SearchQuery(
                    acl=acl, terms=terms, phrases=phrases, identifiers=identifiers
                )
                t0 = time.perf_counter()
                results = backend.search(q)
                elapsed = (time.perf_counter() - t0) * 1000
                if rep:  # the first pass warms up
                    timings.append(elapsed)
                if rep == 1 and label == "everyone":
                    print(f"  {text!r}: {results.total} hits")
        print(
            f"{label}: median {statistics.median(timings):.1f} ms, "
            f"p95 {percentile(timings, 0.95):.1f} ms "
            f"(top 20 + total + 5 facets + snippets, {len(timings)} runs)"
        )


if __name__ == "__main__":
    main()
