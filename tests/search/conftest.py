"""Fixtures of the search tests.

BACKENDS: every engine the contract tests (test_backend_contract.py) run against.
Each entry makes a fresh, empty backend in a test's tmp_path, or skips when the
engine is not available here. The Elasticsearch backend adds itself here.

SERVICE_CONFIGS: VANTHU_SEARCH settings the service tests run with, per engine."""

import atexit
import contextlib
import importlib.resources
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import pytest

from search.backends import get_backend, reset_backends
from search.backends.base import Acl, IndexDocument, SearchQuery
from search.backends.tantivy import TantivyBackend
from search.services import parse_query


def _tantivy(tmp_path):
    return TantivyBackend(path=tmp_path / "tantivy-index", lock_timeout=0.5)


# --- Elasticsearch: the noida-db emulator (always), a real cluster (ELASTICSEARCH_URL)

NOIDA_TIMEOUT = 15.0
_noida: dict = {}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def noida_url() -> str:
    """The URL of one noida-db process of this test session, serving only its
    Elasticsearch endpoint on a random loopback port (started on first use,
    stopped at exit); skips when noida-db is not installed."""
    if "url" in _noida:
        return _noida["url"]
    try:
        # The binary itself: the `noida-db` script would leave it running when
        # stopped.
        binary = str(importlib.resources.files("noida_db").joinpath("noida-db"))
    except ModuleNotFoundError:
        pytest.skip("noida-db is not installed (requirements/dev.in)")
    data = Path(tempfile.mkdtemp(prefix="vanthu-noida-"))
    port = _free_port()
    log = open(data / "noida.log", "wb")  # noqa: SIM115 - closed at exit
    proc = subprocess.Popen(
        [binary, "start", "--only", "elasticsearch", "--host", "127.0.0.1",
         "--elasticsearch-port", str(port), "--data-dir", str(data / "data")],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip

    def stop():
        # Its own session: the whole process group goes.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        shutil.rmtree(data, ignore_errors=True)

    atexit.register(stop)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + NOIDA_TIMEOUT
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"noida-db did not start: {(data / 'noida.log').read_text()}"
                )
            time.sleep(0.05)
    _noida["url"] = url
    return url


def _es_options(url: str) -> dict:
    return {
        "url": url,
        "index": f"vanthu-test-{uuid.uuid4().hex[:10]}",
        "refresh": "true",
        "timeout": 10,
    }


def _es_backend(url_of):
    def factory(_tmp_path):
        from search.backends.elasticsearch import ElasticsearchBackend

        return ElasticsearchBackend(**_es_options(url_of()))

    return factory


def _real_es_url() -> str:
    url = os.environ.get("ELASTICSEARCH_URL")
    if not url:
        pytest.skip("ELASTICSEARCH_URL is not set: no real Elasticsearch cluster")
    return url


BACKENDS = {
    "tantivy": _tantivy,
    "elasticsearch-noida": _es_backend(noida_url),
    "elasticsearch": _es_backend(_real_es_url),
}

# The index the Celery worker of the broker tests writes (tests/core/conftest.py
# starts it with this process's environment, after every conftest is imported).
WORKER_INDEX = Path(tempfile.gettempdir()) / f"vanthu-search-worker-{os.getpid()}"
os.environ.setdefault("VANTHU_SEARCH_PATH", str(WORKER_INDEX))

SERVICE_CONFIGS = {
    "tantivy": lambda tmp_path: {
        "BACKEND": "search.backends.tantivy.TantivyBackend",
        "OPTIONS": {"path": str(tmp_path / "service-index"), "lock_timeout": 2},
        "TEXT_CACHE": "",
    },
    "elasticsearch-noida": lambda tmp_path: {
        "BACKEND": "search.backends.elasticsearch.ElasticsearchBackend",
        "OPTIONS": _es_options(noida_url()),
        "TEXT_CACHE": "",
    },
    "elasticsearch": lambda tmp_path: {
        "BACKEND": "search.backends.elasticsearch.ElasticsearchBackend",
        "OPTIONS": _es_options(_real_es_url()),
        "TEXT_CACHE": "",
    },
}


@pytest.fixture(params=sorted(BACKENDS))
def backend(request, tmp_path):
    engine = BACKENDS[request.param](tmp_path)
    yield engine
    _drop_es_indices(engine)
    close = getattr(engine, "close", None)
    if close:
        close()


@pytest.fixture(params=sorted(SERVICE_CONFIGS))
def search_index(request, settings, tmp_path):
    """The configured backend of search.services, on an empty index of this test."""
    settings.VANTHU_SEARCH = SERVICE_CONFIGS[request.param](tmp_path)
    reset_backends()
    engine = get_backend()
    yield engine
    _drop_es_indices(engine)
    reset_backends()


def _drop_es_indices(engine) -> None:
    if getattr(engine, "name", "") == "elasticsearch":
        client = engine.client.options(ignore_status=404)
        # Wildcard deletes are refused (action.destructive_requires_name).
        for name in client.indices.get(index=f"{engine.alias}*").body:
            client.indices.delete(index=name)


EVERYONE = Acl(tokens=None, max_secrecy=3)


def make_doc(pk: int, subject: str, **kw) -> IndexDocument:
    """An IndexDocument with plausible defaults (a Quyết định of organisation 1)."""
    number = kw.pop("number", str(pk))
    notation = kw.pop("notation", "QĐ-STC")
    type_name = kw.pop("type_name", "Quyết định")
    data = {
        "id": pk,
        "organisation_id": 1,
        "organisation_name": "Sở Tài chính tỉnh Lạc Hồng",
        "document_type": "quyet_dinh",
        "document_type_name": type_name,
        "direction": "di",
        "state": "issued",
        "urgency": 0,
        "secrecy": 0,
        "number": number,
        "notation": notation,
        "number_notation": f"{number}/{notation}" if number else notation,
        "organ_name": "Sở Tài chính tỉnh Lạc Hồng",
        "subject": subject,
        "title": " ".join(
            p
            for p in (type_name, f"số {number}/{notation}" if number else "", subject)
            if p
        ),
        "issued_date": date(2025, 3, 1),
        "register_id": None,
        "register_number": None,
        "acl": ("g:1",),
        "text": "",
        "sort_date": date(2025, 3, 1),
    }
    data.update(kw)
    return IndexDocument(**data)


def query(text: str = "", *, acl: Acl = EVERYONE, **kw) -> SearchQuery:
    terms, phrases, identifiers, _notes = parse_query(text)
    return SearchQuery(
        acl=acl, terms=terms, phrases=phrases, identifiers=identifiers, **kw
    )


def ids(results) -> list[int]:
    return [h.id for h in results.hits]
