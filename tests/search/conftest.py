"""Fixtures of the search tests.

BACKENDS: every engine the contract tests (test_backend_contract.py) run against.
Each entry makes a fresh, empty backend in a test's tmp_path, or skips when the
engine is not available here. The Elasticsearch backend adds itself here.

SERVICE_CONFIGS: VANTHU_SEARCH settings the service tests run with, per engine."""

import os
import tempfile
from datetime import date
from pathlib import Path

import pytest

from search.backends import get_backend, reset_backends
from search.backends.base import Acl, IndexDocument, SearchQuery
from search.backends.tantivy import TantivyBackend
from search.services import parse_query


def _tantivy(tmp_path):
    return TantivyBackend(path=tmp_path / "tantivy-index", lock_timeout=0.5)


BACKENDS = {"tantivy": _tantivy}

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
}


@pytest.fixture(params=sorted(BACKENDS))
def backend(request, tmp_path):
    engine = BACKENDS[request.param](tmp_path)
    yield engine
    close = getattr(engine, "close", None)
    if close:
        close()


@pytest.fixture(params=sorted(SERVICE_CONFIGS))
def search_index(request, settings, tmp_path):
    """The configured backend of search.services, on an empty index of this test."""
    settings.VANTHU_SEARCH = SERVICE_CONFIGS[request.param](tmp_path)
    reset_backends()
    yield get_backend()
    reset_backends()


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
