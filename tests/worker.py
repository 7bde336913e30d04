"""A real Celery worker process for the tests: `celery -A vanthu worker` on a
queue of the test's own, on the test database, stopped by a shutdown command."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from vanthu.celery import app as celery_app

BASE_DIR = Path(__file__).resolve().parents[1]
RABBITMQ = ("127.0.0.1", 5672)
RABBITMQ_URL = f"amqp://guest:guest@{RABBITMQ[0]}:{RABBITMQ[1]}//"
# RabbitMQ deletes a test queue this many seconds after its last consumer left, in
# case a killed run never reaches the teardown that deletes it.
QUEUE_EXPIRES = 600.0


@contextlib.contextmanager
def queue_deleted_after(name: str):
    """Yields the queue name `name`; the queue is deleted from RabbitMQ on leaving."""
    try:
        yield name
    finally:
        with celery_app.connection_for_write(RABBITMQ_URL) as conn:
            conn.default_channel.queue_delete(name)


def worker_command(
    *, queue: str, hostname: str, concurrency: int, loglevel: str
) -> list[str]:
    """`celery -A vanthu worker` consuming `queue` alone (the benchmarks use it
    too). Prefork even with one child: with the solo pool the idle worker
    sometimes left prefetched messages unread until its 10 s timer woke it."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "vanthu",
        "worker",
        f"--concurrency={concurrency}",
        f"--queues={queue}",
        f"--hostname={hostname}",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        f"--loglevel={loglevel}",
    ]


class WorkerProcess:
    def __init__(self, process: subprocess.Popen, log: Path):
        self.process = process
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextlib.contextmanager
def worker_running(*, queue: str, log: Path, concurrency: int = 1, env=None):
    """A worker (prefork, `concurrency` children) consuming `queue`, logging to
    `log`, with `env` added to this process's environment; yields a
    WorkerProcess once the worker is ready, stops it on leaving."""
    hostname = f"worker@{queue}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vanthu.settings.test",
        "VANTHU_TEST_DB_NAME": connection.settings_dict["NAME"],
        "VANTHU_TASK_QUEUE": queue,
        "VANTHU_TASK_QUEUE_EXPIRES": str(QUEUE_EXPIRES),
        **(env or {}),
        "PYTHONUNBUFFERED": "1",
    }
    command = worker_command(
        queue=queue, hostname=hostname, concurrency=concurrency, loglevel="INFO"
    )
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    worker = WorkerProcess(process, log)
    try:
        deadline = time.monotonic() + 60
        while " ready." not in worker.output():
            if process.poll() is not None:
                pytest.fail(f"celery worker exited:\n{worker.output()}")
            if time.monotonic() > deadline:
                pytest.fail(f"celery worker not ready after 60 s:\n{worker.output()}")
            time.sleep(0.1)
        yield worker
    finally:
        _stop_worker(process, hostname)


def _stop_worker(process: subprocess.Popen, hostname: str) -> None:
    # A warm shutdown (the task at hand finishes first). SIGTERM alone is noticed
    # only when the idle worker's event loop wakes, up to 10 s later; the shutdown
    # command arrives on the worker's control queue and wakes it at once.
    if process.poll() is None:
        try:
            celery_app.control.shutdown(destination=[hostname])
            process.wait(timeout=10)
        except Exception:
            process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
