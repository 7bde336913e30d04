"""`make run`'s embedded default, end to end: SQLite, the filesystem broker, the web
server, a worker and beat as separate processes (deploy/Procfile.embedded).

A demo person signs in over real HTTP, and the outbox events that seed_demo wrote
are relayed by beat through the broker to the worker."""

import http.cookiejar
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def embedded_env(var_dir: Path, port: int) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="vanthu.settings.dev",
        VANTHU_VAR_DIR=str(var_dir),
        VANTHU_PORT=str(port),
        VANTHU_OUTBOX_RELAY_SECONDS="1",
        PYTHONUNBUFFERED="1",
    )
    return env


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_make_run_stack_serves_logins_and_relays_events(tmp_path):
    port = free_port()
    env = embedded_env(tmp_path, port)
    manage = [sys.executable, "manage.py"]
    subprocess.run(
        [*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    seeded = subprocess.run(
        [*manage, "seed_demo"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    password = re.search(r"password for every demo person: (\S+)", seeded.stdout).group(
        1
    )
    assert (tmp_path / "demo_password").read_text().strip() == password

    log_path = tmp_path / "honcho.log"
    with open(log_path, "w") as log:
        stack = subprocess.Popen(
            [str(ROOT / ".venv/bin/honcho"), "-f", "deploy/Procfile.embedded", "start"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

        def login_page():
            try:
                return opener.open(f"{base}/dang-nhap/", timeout=2).read().decode()
            except OSError:
                return None

        page = wait_for(login_page, 60, "the login page")
        assert "Đăng nhập" in page
        csrf = next(c.value for c in jar if c.name == "csrftoken")
        form = urllib.parse.urlencode(
            {
                "username": "vanthu.stc",
                "password": password,
                "csrfmiddlewaretoken": csrf,
            }
        ).encode()
        request = urllib.request.Request(
            f"{base}/dang-nhap/", data=form, headers={"Referer": f"{base}/dang-nhap/"}
        )
        home = opener.open(request, timeout=10)
        body = home.read().decode()
        assert home.url.rstrip("/") == base, home.url
        assert "Sở Tài chính" in body

        db = tmp_path / "vanthu.sqlite3"

        def pending_events():
            with sqlite3.connect(db) as conn:
                total, pending = conn.execute(
                    "SELECT count(*), sum(published_at IS NULL) FROM core_outboxevent"
                ).fetchone()
            return total > 0 and pending == 0

        wait_for(pending_events, 60, "beat to relay every outbox event")
        wait_for(
            lambda: (
                "deliver_event" in log_path.read_text()
                and "succeeded" in log_path.read_text()
            ),
            60,
            "the worker to deliver an event",
        )
        # Read before stopping: what the processes print while they are killed is
        # not the running system's behaviour.
        running_log = log_path.read_text()
    finally:
        os.killpg(stack.pid, signal.SIGTERM)
        try:
            stack.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(stack.pid, signal.SIGKILL)
    assert "Traceback" not in running_log, running_log[-5000:]
