"""Benchmark of batch signing (ký số hàng loạt, workflow.batch) on 2 cores.

    .venv/bin/python bench/signing_batch.py [--documents 200] [--profile 50]

Makes a throwaway PostgreSQL database (`vanthu_bench_batch`, dropped at the end),
migrates it, seeds the demo province, makes the demo PKI in a temporary folder and
serves it over real HTTP on 127.0.0.1 (LoopbackPkiServer in this process: OCSP,
CRLs and the TSA), registers the demo certificates, renders one quyết định with
documents.draft_create and clones it into `--documents` drafts (same blob, own
rows and permissions: rendering 200 drafts would take minutes and is not what is
measured). Then, with one Celery worker process (prefork, two children: the 2
cores) on the real RabbitMQ broker:

1. batch B-T **with the visible stamp** (the real path: `batch_start` → one
   `sign_batch_item` task per draft → `document_sign_as_leader`: row lock, blob
   read, PAdES B-T certification signature with the blue leader stamp, new file
   version, audit entry, outbox event). Wall time from `batch_start` to the batch
   being done; median per document = the item's finished_at - started_at.
   `document_sign_as_leader` always draws the stamp, so there is no stamp-less
   batch; instead:
2. direct `sign_pdf` B-T **without a stamp** in 2 processes (multiprocessing, same
   key cache and TSA client as the worker), `--documents` signatures: the ceiling
   of the signature itself;
3. the same **with the stamp**, to split the stamp's cost from the batch's
   (database, blob store, Celery, audit) overhead.
4. cProfile of the task body (`batch_item_sign`) for `--profile` documents in
   this process: the top 5 entries by cumulative time.

The TSA (and OCSP) are served by this process on the same 2 cores: every B-T
signature makes one TSA request that competes with the workers for CPU.
The last printed line is the headline.
"""

import argparse
import cProfile
import io
import multiprocessing
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))

DB_NAME = "vanthu_bench_batch"
QUEUE = f"vanthu-bench-batch-{uuid.uuid4().hex[:12]}"
BLOBS = tempfile.mkdtemp(prefix="vanthu-bench-blobs-")
PKI_DIR = tempfile.mkdtemp(prefix="vanthu-bench-pki-")
os.environ["DJANGO_SETTINGS_MODULE"] = "vanthu.settings.test"
os.environ["VANTHU_TEST_DB_NAME"] = DB_NAME
os.environ["VANTHU_TASK_QUEUE"] = QUEUE
os.environ["VANTHU_TASK_QUEUE_EXPIRES"] = "300"
os.environ["VANTHU_BLOB_ROOT"] = BLOBS
os.environ["VANTHU_PKI_DIR"] = PKI_DIR
os.environ["VANTHU_TSA_URL"] = ""
os.environ["VANTHU_TRUST_ROOTS"] = ""
os.environ.setdefault("VANTHU_LOG_LEVEL", "WARNING")

import django  # noqa: E402
import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from bench.celery_worker import start_worker, stop_worker  # noqa: E402

LEADER = "lanhdao.stc"
DRAFTER = "chuyenvien.stc"
STC = "000.00.02.H99"


def _admin_connection():
    from django.conf import settings

    db = settings.DATABASES["default"]
    return psycopg.connect(
        dbname="postgres",
        autocommit=True,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
    )


def create_database() -> None:
    with _admin_connection() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(DB_NAME))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))


def drop_database() -> None:
    from django.db import connections

    connections.close_all()
    with _admin_connection() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(DB_NAME)
            )
        )


def clone_drafts(template, count: int) -> list:
    """`count` copies of a rendered draft: own document, file and version rows
    (the same PDF blob) and the view permissions draft_create gives, each
    submitted and approved for LEADER's signature."""
    from django.db import transaction

    from directory.models import User
    from documents.models import DocumentFile
    from documents.permissions import DRAFT_READERS
    from documents.services import _grant

    drafter = User.objects.get(username=DRAFTER)
    files = list(template.files.all())
    versions = {f.pk: list(f.versions.all()) for f in files}
    made = []
    with transaction.atomic():
        for i in range(count):
            document = type(template).objects.get(pk=template.pk)
            document.pk = None
            document.subject = f"{template.subject} (bản {i + 1})"
            document.save()
            for file in files:
                copy = DocumentFile.objects.get(pk=file.pk)
                copy.pk = None
                copy.document = document
                copy.save()
                for version in versions[file.pk]:
                    v = type(version).objects.get(pk=version.pk)
                    v.pk = None
                    v.file = copy
                    v.save()
            _grant(document, DRAFT_READERS, people=[drafter])
            made.append(document)
    for document in made:
        approve(document)
    return made


def approve(document) -> None:
    """Submit the draft and approve its circuit (workflow.approval), so that it
    waits for LEADER's signature: only such drafts are signed."""
    from directory.models import User
    from workflow import approval
    from workflow.models import ApprovalTask

    process = approval.draft_submit(
        document=document,
        signer=User.objects.get(username=LEADER),
        actor=document.created_by,
    )
    while process.state == approval.IN_APPROVAL:
        task = ApprovalTask.objects.filter(
            process=process,
            round=process.round,
            state=ApprovalTask.State.PENDING,
            is_signer=False,
        ).first()
        process = approval.approval_approve(process=process, actor=task.approver)


def stop_worker_and_queue(process: subprocess.Popen) -> None:
    from vanthu.celery import app

    stop_worker(process, QUEUE)
    with app.connection_for_write() as conn:
        conn.default_channel.queue_delete(QUEUE)


def run_batch(documents, certificate, passphrase) -> tuple[float, float, object]:
    from directory.models import User
    from workflow.batch import batch_start
    from workflow.models import SigningBatch

    started = time.perf_counter()
    batch = batch_start(
        actor=User.objects.get(username=LEADER),
        documents=documents,
        certificate=certificate,
        secret=passphrase,
    )
    deadline = time.monotonic() + 900
    while True:
        state = SigningBatch.objects.filter(pk=batch.pk).values_list("state", flat=True)
        if state[0] == SigningBatch.State.DONE:
            break
        if time.monotonic() > deadline:
            raise SystemExit("the batch did not finish within 15 min")
        time.sleep(0.05)
    wall = time.perf_counter() - started
    batch.refresh_from_db()
    durations = [
        (item.finished_at - item.started_at).total_seconds() * 1000
        for item in batch.items.all()
        if item.started_at and item.finished_at
    ]
    return wall, statistics.median(durations), batch


# --- Direct sign_pdf in 2 processes ----------------------------------------------

_worker_state: dict = {}


def _direct_init(pdf, p12, passphrase, tsa_url, stamp_name):
    from signing.signers import Pkcs12Signer
    from signing.trust import get_timestamper

    _worker_state.update(
        pdf=pdf,
        signer=Pkcs12Signer.load(p12, passphrase),
        tsa=get_timestamper(tsa_url),
        stamp_name=stamp_name,
    )


def _direct_sign(_):
    from documents.rendering import FIELD_LEADER
    from signing.demo_images import demo_signature_png
    from signing.signers import FILL_FORMS, sign_pdf
    from signing.stamps import leader_stamp

    s = _worker_state
    appearance = (
        leader_stamp(demo_signature_png(s["stamp_name"])) if s["stamp_name"] else None
    )
    started = time.perf_counter()
    sign_pdf(
        pdf=s["pdf"],
        signer=s["signer"],
        field_name=FIELD_LEADER,
        level="T",
        certify=True,
        docmdp=FILL_FORMS,
        appearance=appearance,
        timestamper=s["tsa"],
    )
    return (time.perf_counter() - started) * 1000


def run_direct(count, pdf, p12, passphrase, tsa_url, stamp_name) -> tuple[float, float]:
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(
        2,
        initializer=_direct_init,
        initargs=(pdf, p12, passphrase, tsa_url, stamp_name),
    ) as pool:
        pool.map(_direct_sign, range(4))  # warm-up: key parsed, TSA client made
        started = time.perf_counter()
        times = pool.map(_direct_sign, range(count), chunksize=1)
        wall = time.perf_counter() - started
    return wall, statistics.median(times)


def profile_task_body(documents, certificate, passphrase, top: int = 5) -> str:
    """cProfile of batch_item_sign for `documents`, run in this process."""
    from django.test.utils import CaptureQueriesContext  # noqa: F401 - warms imports

    from directory.models import User
    from workflow import batch as service

    captured = []

    def grab(batch_pk, item_ids, key):
        captured.append((item_ids, key))

    original = service._enqueue
    service._enqueue = grab  # keep the tasks in this process
    try:
        batch = service.batch_start(
            actor=User.objects.get(username=LEADER),
            documents=documents,
            certificate=certificate,
            secret=passphrase,
        )
    finally:
        service._enqueue = original
    ((item_ids, key),) = captured
    profiler = cProfile.Profile()
    profiler.enable()
    for item_id in item_ids:
        service.batch_item_sign(item_id=item_id, key=key)
    profiler.disable()
    batch.refresh_from_db()
    assert batch.signed_count == len(item_ids), batch.items.values("error")[:3]
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative")
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][3], reverse=True)
    total = max(row[1][3] for row in rows)
    lines = [f"{'cumulative':>10} {'per doc':>8}  function (top {top})"]
    for (filename, line, name), (_cc, _nc, _tt, cumulative, _callers) in rows[:top]:
        where = filename.replace(str(BASE_DIR) + "/", "")
        lines.append(
            f"{cumulative:9.2f}s {cumulative / len(item_ids) * 1000:6.0f}ms  "
            f"{where}:{line}({name})"
        )
    # The top entries are wrappers (the task body, asyncio.run): the project's
    # own functions and the libraries below them tell more.
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(
        r"(workflow|signing|documents|core)/.*\.py|pyhanko|asn1crypto/core|psycopg",
        18,
    )
    detail = "\n".join(line for line in out.getvalue().splitlines() if line.strip())
    return "\n".join(lines) + f"\n(total {total:.2f} s)\n" + detail


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--profile", type=int, default=50)
    args = parser.parse_args()

    from signing import pki as demo

    with demo.loopback_pki_server() as server:
        os.environ["VANTHU_DEMO_PKI_URL"] = server.base_url
        django.setup()
        create_database()
        worker = None
        try:
            from django.conf import settings
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
            call_command("seed_demo", quiet_logins=True, verbosity=0)

            from core.blobstore import get_blob_store
            from directory.models import Organisation, User
            from documents.services import draft_create
            from signing.models import Certificate
            from signing.services import demo_certificates_register
            from tests.workflow.issuing_fixtures import draft_content

            pki = demo.demo_pki_ensure(
                directory=PKI_DIR,
                base_url=server.base_url,
                subjects=demo.demo_subjects_from_directory(),
            )
            server.serve(pki)
            demo_certificates_register(pki=pki)
            passphrase = settings.VANTHU_DEMO_PASSWORD
            leader = User.objects.get(username=LEADER)
            certificate = Certificate.objects.get(person=leader, is_active=True)

            template = draft_create(
                organisation=Organisation.objects.get(code=STC),
                content=draft_content(),
                actor=User.objects.get(username=DRAFTER),
            )
            version = template.files.get().versions.get()
            with get_blob_store().open(version.blob_id) as stream:
                pdf = stream.read()
            p12 = pki.pkcs12(demo.subject_label("person", LEADER), passphrase.encode())
            drafts = clone_drafts(template, args.documents + args.profile)
            batch_drafts, profile_drafts = (
                drafts[: args.documents],
                drafts[args.documents :],
            )

            worker = start_worker(QUEUE, 2, "bench-batch-worker.log")
            wall, per_doc, batch = run_batch(batch_drafts, certificate, passphrase)
            stop_worker_and_queue(worker)
            worker = None
            n = args.documents
            batch_rate = n / wall
            print(
                f"batch B-T with stamp, Celery worker 2 children: {n} documents "
                f"({batch.signed_count} signed, {batch.failed_count} failed) in "
                f"{wall:.1f} s = {batch_rate:.1f} docs/s; median per document "
                f"{per_doc:.0f} ms"
            )
            direct_wall, direct_med = run_direct(
                n, pdf, p12, passphrase, pki.tsa_url, None
            )
            print(
                "direct sign_pdf B-T without stamp, 2 processes: "
                f"{n / direct_wall:.1f} docs/s; median {direct_med:.0f} ms"
            )
            stamp_wall, stamp_med = run_direct(
                n, pdf, p12, passphrase, pki.tsa_url, leader.get_full_name()
            )
            print(
                f"direct sign_pdf B-T with stamp, 2 processes: {n / stamp_wall:.1f} "
                f"docs/s; median {stamp_med:.0f} ms"
            )
            if args.profile:
                print(
                    f"\ncProfile of batch_item_sign, {args.profile} documents, "
                    "one process:"
                )
                print(profile_task_body(profile_drafts, certificate, passphrase))
            print(
                f"HEADLINE: batch signing on 2 cores (TSA on the same cores): "
                f"{batch_rate:.1f} docs/s B-T with stamps via Celery (aim 25); "
                f"direct sign_pdf {n / direct_wall:.1f} docs/s without stamps "
                "(aim 60), "
                f"{n / stamp_wall:.1f} docs/s with stamps"
            )
        finally:
            if worker is not None:
                stop_worker_and_queue(worker)
            drop_database()


if __name__ == "__main__":
    main()
