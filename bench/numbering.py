"""Parallel number assignment (cấp số) on PostgreSQL: numbers per second, and a
check that the numbers are gapless and unique.

Run: .venv/bin/python bench/numbering.py [--processes 8] [--per-process 250]
Uses its own database (vanthu_bench_numbering), created and migrated here. Each
process takes numbers from ONE register (the worst case: every clerk of an agency
numbering at once) in its own transaction that also stores the document, as
documents.services does."""

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vanthu.settings.test")
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vanthu_bench_numbering"
)


def setup_django():
    import django

    django.setup()


def prepare() -> tuple[int, int, int, int]:
    import psycopg

    name = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    with psycopg.connect(
        "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", quiet_logins=True, verbosity=0)
    from directory.models import Organisation, User
    from documents.models import DocumentType
    from documents.numbering import register_for

    stc = Organisation.objects.get(code="000.00.02.H99")
    register = register_for(organisation=stc, incoming=True, year=2026)
    clerk = User.objects.get(username="vanthu.stc")
    doc_type = DocumentType.objects.get(code="cong_van")
    return stc.pk, register.pk, clerk.pk, doc_type.pk


def worker(args) -> list[float]:
    org_id, register_id, clerk_id, type_id, count, start_at = args
    setup_django()
    from django.db import transaction

    from documents.models import Document, Register
    from documents.numbering import register_take_number

    register = Register.objects.get(pk=register_id)
    latencies = []
    while time.time() < start_at:
        time.sleep(0.001)
    for i in range(count):
        t0 = time.perf_counter()
        with transaction.atomic():
            number = register_take_number(register=register)
            Document.objects.create(
                organisation_id=org_id,
                direction="den",
                state="registered",
                document_type_id=type_id,
                organ_name="Sở Nội vụ",
                subject=f"Văn bản thử {os.getpid()}-{i}",
                register=register,
                register_number=number,
                created_by_id=clerk_id,
            )
        latencies.append((time.perf_counter() - t0) * 1000)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--per-process", type=int, default=250)
    args = parser.parse_args()
    org_id, register_id, clerk_id, type_id = prepare()
    from django.db import connection

    connection.close()
    start_at = time.time() + 1.5
    jobs = [
        (org_id, register_id, clerk_id, type_id, args.per_process, start_at)
        for _ in range(args.processes)
    ]
    with mp.get_context("fork").Pool(args.processes) as pool:
        t0 = time.time()
        results = pool.map(worker, jobs)
        elapsed = time.time() - max(t0, start_at)
    from documents.models import Document

    numbers = sorted(
        Document.objects.filter(register_id=register_id).values_list(
            "register_number", flat=True
        )
    )
    total = args.processes * args.per_process
    gapless = numbers == list(range(1, total + 1))
    latencies = sorted(x for r in results for x in r)
    p95 = latencies[int(len(latencies) * 0.95)]
    print(f"processes: {args.processes}, numbers: {total}, elapsed: {elapsed:.2f} s")
    median = statistics.median(latencies)
    print(f"latency per assignment: median {median:.1f} ms, p95 {p95:.1f} ms")
    print(f"gapless: {gapless}, duplicates: {len(numbers) - len(set(numbers))}")
    print(
        f"numbering: {total / elapsed:.0f} numbers/s on one register, "
        f"{'no gap, no duplicate' if gapless else 'GAP OR DUPLICATE FOUND'}"
    )
    if not gapless:
        sys.exit(1)


if __name__ == "__main__":
    main()
