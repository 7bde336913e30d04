"""Benchmark of the transactional outbox on PostgreSQL and RabbitMQ.

    .venv/bin/python bench/outbox.py [--events 2000] [--backlog 5000] [--concurrency 2]

Uses the PostgreSQL database `vanthu_bench` (created and migrated here; its outbox
tables are emptied between phases), the RabbitMQ broker of the test settings, a
throwaway queue, and a Celery worker process running the probe consumer
(tests/outbox_probe). Measures:

1. outbox_publish: one event per service transaction, commit and the on-commit
   publish to the broker included (no worker yet; the queue is purged after);
2. relay: outbox_relay draining a backlog of pending rows (as after a broker outage);
3. end to end: one event per transaction through the on-commit path to the worker,
   throughput and latency from the event's write to the consumer's effect;
4. backlog end to end: pending rows published by the relay while the worker
   consumes, throughput from the relay's start to the last consumer effect (what the
   worker sustains when it is the bottleneck).
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))

DB_NAME = "vanthu_bench"
QUEUE = f"vanthu-bench-{uuid.uuid4().hex[:12]}"
os.environ["DJANGO_SETTINGS_MODULE"] = "vanthu.settings.test"
os.environ["VANTHU_TEST_DB_NAME"] = DB_NAME
os.environ["VANTHU_TASK_QUEUE"] = QUEUE
# RabbitMQ drops the queue 5 min after its last consumer, should this run be killed.
os.environ["VANTHU_TASK_QUEUE_EXPIRES"] = "300"
os.environ.setdefault("VANTHU_LOG_LEVEL", "WARNING")

import django  # noqa: E402
import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from bench.celery_worker import start_worker, stop_worker  # noqa: E402


def create_database() -> None:
    from django.conf import settings

    db = settings.DATABASES["default"]
    params = {
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))


def empty_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE core_outboxevent, core_processedevent, "
            "outbox_probe_probeeffect RESTART IDENTITY"
        )


def purge_queue(*, delete: bool = False) -> None:
    from vanthu.celery import app

    with app.connection_for_write() as conn:
        if delete:
            conn.default_channel.queue_delete(QUEUE)
        else:
            conn.default_channel.queue_purge(QUEUE)


def publish_events(count: int, prefix: str) -> float:
    """`count` service transactions of one event each; returns the seconds taken."""
    from django.db import transaction

    from core.outbox import outbox_publish

    started = time.perf_counter()
    for i in range(count):
        with transaction.atomic():
            outbox_publish(topic="probe.ping", payload={"marker": f"{prefix}{i}"})
    return time.perf_counter() - started


def bench_publish(count: int) -> float:
    from core.models import OutboxEvent

    seconds = publish_events(count, "p")
    pending = OutboxEvent.objects.filter(published_at__isnull=True).count()
    assert pending == 0, f"{pending} events left pending"
    purge_queue()
    empty_tables()
    return count / seconds


def bench_relay(count: int) -> float:
    from core.models import OutboxEvent
    from core.outbox import outbox_relay

    OutboxEvent.objects.bulk_create(
        OutboxEvent(topic="probe.ping", payload={"marker": f"r{i}"})
        for i in range(count)
    )
    started = time.perf_counter()
    published = 0
    while n := outbox_relay():
        published += n
    seconds = time.perf_counter() - started
    assert published == count, f"relay published {published} of {count}"
    purge_queue()
    empty_tables()
    return count / seconds


def bench_end_to_end(count: int) -> tuple[float, float, float]:
    from django.db.models import Max, Min

    from core.models import OutboxEvent
    from tests.outbox_probe.models import ProbeEffect

    publish_events(count, "e")
    wait_for_effects(count)

    latencies = []
    written = dict(OutboxEvent.objects.values_list("event_id", "created_at"))
    for event_id, effected in ProbeEffect.objects.values_list("event_id", "created_at"):
        latencies.append((effected - written[event_id]).total_seconds())
    first = OutboxEvent.objects.aggregate(t=Min("created_at"))["t"]
    last = ProbeEffect.objects.aggregate(t=Max("created_at"))["t"]
    latencies.sort()
    rate = count / (last - first).total_seconds()
    median = statistics.median(latencies)
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    return rate, median, p95


def bench_backlog_end_to_end(count: int) -> float:
    from django.db.models import Max

    from core.models import OutboxEvent
    from core.outbox import outbox_relay
    from tests.outbox_probe.models import ProbeEffect

    OutboxEvent.objects.bulk_create(
        OutboxEvent(topic="probe.ping", payload={"marker": f"b{i}"})
        for i in range(count)
    )
    started = time.time()
    while outbox_relay():
        pass
    wait_for_effects(count)
    last = ProbeEffect.objects.aggregate(t=Max("created_at"))["t"]
    return count / (last.timestamp() - started)


def wait_for_effects(count: int) -> None:
    from tests.outbox_probe.models import ProbeEffect

    deadline = time.monotonic() + 90
    while (done := ProbeEffect.objects.count()) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {done} of {count} consumer effects after 90 s")
        time.sleep(0.05)
    assert ProbeEffect.objects.count() == count  # and no double effects


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--backlog", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()

    (BASE_DIR / "var").mkdir(exist_ok=True)
    django.setup()
    create_database()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    empty_tables()

    publish_rate = bench_publish(args.events)
    print(
        f"outbox_publish, 1 event per transaction, commit and on-commit publish "
        f"included: {publish_rate:,.0f} events/s ({args.events} events)"
    )
    relay_rate = bench_relay(args.backlog)
    print(
        f"outbox_relay draining a backlog: {relay_rate:,.0f} events/s "
        f"({args.backlog} events, batches of 500)"
    )

    worker = start_worker(QUEUE, args.concurrency, "bench-worker.log")
    try:
        rate, median, p95 = bench_end_to_end(args.events)
        empty_tables()
        backlog_rate = bench_backlog_end_to_end(args.events)
    finally:
        stop_worker(worker, QUEUE)
        purge_queue(delete=True)
        empty_tables()
    print(
        f"end to end, write -> commit -> on-commit publish -> worker -> consumer "
        f"effect: {rate:,.0f} events/s, latency median {median * 1000:.1f} ms, "
        f"p95 {p95 * 1000:.1f} ms ({args.events} events, worker concurrency "
        f"{args.concurrency})"
    )
    print(
        f"backlog end to end, relay -> worker -> consumer effect: "
        f"{backlog_rate:,.0f} events/s ({args.events} events)"
    )
    print(
        f"HEADLINE outbox end to end: {rate:,.0f} events/s, median latency "
        f"{median * 1000:.1f} ms; publish {publish_rate:,.0f}/s, relay "
        f"{relay_rate:,.0f}/s"
    )


if __name__ == "__main__":
    main()
