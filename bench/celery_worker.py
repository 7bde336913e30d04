"""The Celery worker process of the benchmarks: started on the benchmark's own
queue with the environment the script has set, stopped by a shutdown command."""

import os
import signal
import subprocess
import time
from pathlib import Path

from tests.worker import worker_command

BASE_DIR = Path(__file__).resolve().parents[1]


def start_worker(queue: str, concurrency: int, log_name: str) -> subprocess.Popen:
    """`celery -A vanthu worker` on `queue`, logging to var/`log_name`; returns once
    it answers a ping (exits the benchmark if it does not within 60 s)."""
    (BASE_DIR / "var").mkdir(exist_ok=True)
    log = open(BASE_DIR / "var" / log_name, "wb")  # noqa: SIM115
    process = subprocess.Popen(
        # prefork: the solo pool stalls up to 10 s between bursts here.
        worker_command(
            queue=queue,
            hostname=f"bench@{queue}",
            concurrency=concurrency,
            loglevel="WARNING",
        ),
        cwd=BASE_DIR,
        env=os.environ.copy(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    from vanthu.celery import app

    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[f"bench@{queue}"], timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the Celery worker did not start; see var/{log_name}")
    return process


def stop_worker(process: subprocess.Popen, queue: str) -> None:
    from vanthu.celery import app

    app.control.shutdown(destination=[f"bench@{queue}"])
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
