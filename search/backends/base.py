"""The search backend interface (giao diện công cụ tìm kiếm): what every engine
implements, and the engine-neutral data it receives and returns.

An engine never sees user text. `search.services` parses what a person typed into a
`SearchQuery` (terms, phrases and number/notation tokens, already NFC, tone-normalised
and folded by `search.text`), adds the person's ACL tokens and clearance, and hands it
to the configured backend (settings.VANTHU_SEARCH["BACKEND"], like Django's CACHES).
The backend builds its own query *from these parts*: never through an engine query
parser, so nothing a person types is ever engine syntax.

Contract every backend keeps (tests/search/test_backend_contract.py checks it for each
backend in tests/search/conftest.py BACKENDS):

- Matching: every `Term` must match (AND), in any text field, folded or with its
  accents; every `Phrase` must match as adjacent folded tokens; every `Identifier` must
  match its number/notation keyword or, as a phrase of its parts, the text.
- Ranking (sort="relevance"): a match of the accented form ranks above a folded-only
  match; the whole query as an adjacent phrase ranks above scattered terms; title
  fields (type, number, subject) weigh more than the body.
- Permissions: `SearchQuery.acl` is applied *inside* the engine query, as a filter
  (Tantivy: a MUST clause with constant score; Elasticsearch: `bool.filter`, never
  `post_filter`). Hits, `total`, snippets and every facet count only ever include
  documents the ACL admits.
- Facets are computed over the same filtered query as the hits.
- Paging by an opaque cursor the backend made (`SearchResults.next_cursor`); the
  service never inspects it. Tantivy encodes an offset, Elasticsearch `search_after`.
- Writes (`index`, `bulk`, `delete`) are visible to `search` after `refresh()` and,
  without it, within the engine's refresh interval (Tantivy: at once after commit).
- `rebuild(...)` builds a complete new index aside and then switches readers to it in
  one atomic step: a reader searching meanwhile sees either the old or the new index,
  never an empty or half-built one.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

# Facet names every backend returns (SearchQuery.facets picks among them).
FACETS = ("document_type", "organisation", "year", "urgency", "state")
SORTS = ("relevance", "date")


# ---------------------------------------------------------------------------
# What is indexed


@dataclass(frozen=True)
class IndexDocument:
    """One document as the index holds it (built by search.services from the database,
    the source of truth; see `search.services.index_document_for`).

    Text fields hold the original text as the document has it (shown in hits and
    snippets); the backend derives folded and accented tokens from it with the
    `search.text` helpers (NFC, tone placement, folding), so that index and query
    side agree.
    """

    id: int
    organisation_id: int
    organisation_name: str
    document_type: str  # DocumentType.code
    document_type_name: str  # "Quyết định"
    direction: str  # Document.Direction
    state: str  # Document.State
    urgency: int  # Urgency
    secrecy: int  # Secrecy
    number: str  # code_number, "15"
    notation: str  # code_notation, "QĐ-UBND"
    number_notation: str  # "15/QĐ-UBND"
    organ_name: str  # issuing organisation (cơ quan ban hành)
    subject: str  # trích yếu
    title: str  # "Quyết định số 15/QĐ-UBND về việc ..." (type, number, subject)
    issued_date: date | None
    register_id: int | None
    register_number: int | None
    # Permission tokens, search.acl: "u:<user id>" and "g:<group id>" holding the
    # view permission on the document. Secrecy is checked separately (field above).
    acl: tuple[str, ...]
    # The text of every file version (PDF text layer, DOCX), joined.
    text: str = ""
    # File versions that have no text layer and wait for OCR (ids of FileVersion).
    needs_ocr: tuple[int, ...] = ()
    # Date used by sort="date": issued date, else arrival/creation date.
    sort_date: date | None = None

    @property
    def year(self) -> int | None:
        d = self.issued_date or self.sort_date
        return d.year if d else None


# ---------------------------------------------------------------------------
# What is searched


@dataclass(frozen=True)
class Term:
    """One word (syllable) of the query.

    `accented`: lowercase NFC with normalised tone placement ("hòa"); `folded`: ASCII
    without diacritics, Đ→d ("hoa"). Equal when the person typed no diacritics."""

    accented: str
    folded: str


@dataclass(frozen=True)
class Phrase:
    """Words that must be adjacent, in order (a quoted part of the query)."""

    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Identifier:
    """A number/notation token (số, ký hiệu): "15/QĐ-UBND", "QĐ-UBND", "15/QĐ".

    `keyword` is its normalised form ("15/qd-ubnd": folded, lowercase, separators kept)
    matched against the document's identifier keywords (search.text.identifier_keys);
    `parts` are its folded tokens ("15", "qd", "ubnd") matched as a phrase in the text.
    """

    raw: str
    keyword: str
    parts: tuple[str, ...]


@dataclass(frozen=True)
class Acl:
    """Who is asking, as the index sees it (search.acl.acl_for_user).

    `tokens`: the document must carry at least one of them; None means no token
    restriction (a superuser, as guardian's get_objects_for_user grants them all).
    `max_secrecy`: the document's secrecy must be at most this (the clearance).
    An empty token set admits nothing."""

    tokens: frozenset[str] | None
    max_secrecy: int


@dataclass(frozen=True)
class Filters:
    """Filters chosen by the person, already validated (search.services). Empty
    tuples mean "no filter"."""

    document_types: tuple[str, ...] = ()
    organisation_ids: tuple[int, ...] = ()
    register_ids: tuple[int, ...] = ()
    urgencies: tuple[int, ...] = ()
    secrecies: tuple[int, ...] = ()
    states: tuple[str, ...] = ()
    directions: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    date_from: date | None = None  # on issued_date (sort_date when none)
    date_to: date | None = None


@dataclass(frozen=True)
class SearchQuery:
    """A parsed, validated query. No terms, phrases or identifiers = match all
    (within filters and ACL): the listing and facet view."""

    acl: Acl
    terms: tuple[Term, ...] = ()
    phrases: tuple[Phrase, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    filters: Filters = field(default_factory=Filters)
    sort: str = "relevance"  # SORTS
    cursor: str | None = None  # opaque, from SearchResults.next_cursor
    limit: int = 20
    facets: tuple[str, ...] = FACETS
    highlight: bool = True

    @property
    def is_match_all(self) -> bool:
        return not (self.terms or self.phrases or self.identifiers)

    def highlight_terms(self) -> frozenset[str]:
        """Folded tokens to mark in snippets."""
        words = {t.folded for t in self.terms}
        for p in self.phrases:
            words.update(t.folded for t in p.terms)
        for i in self.identifiers:
            words.update(i.parts)
        return frozenset(words)


# ---------------------------------------------------------------------------
# What comes back


@dataclass(frozen=True)
class Hit:
    id: int
    score: float
    title: str
    number_notation: str
    subject: str
    document_type: str
    organisation_id: int
    issued_date: date | None
    # HTML: the original text with accents, escaped, matches in <mark>…</mark>.
    snippet: str = ""


@dataclass(frozen=True)
class FacetCount:
    value: str  # the raw value: type code, organisation id, year, urgency, state
    count: int


@dataclass
class SearchResults:
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetCount]] = field(default_factory=dict)
    next_cursor: str | None = None
    # A message for the person (Vietnamese, gettext) when the query was refused or
    # reduced (for instance punctuation only): the service sets it, not backends.
    message: str = ""


Progress = Callable[[int], None]  # called with the number of documents just added


class SearchBackendError(Exception):
    """The engine failed (index missing or corrupt, lock held, server down)."""


class IndexLocked(SearchBackendError):
    """Another process holds the index writer (Tantivy allows one writer)."""


class SearchBackend(abc.ABC):
    """One search engine. Built from settings.VANTHU_SEARCH by
    `search.backends.get_backend()`:

        VANTHU_SEARCH = {
            "BACKEND": "search.backends.tantivy.TantivyBackend",
            "OPTIONS": {"path": VAR_DIR / "search"},
        }

    Reader methods (`search`, `count`, `get_ids`) are safe in every web process;
    writer methods (`index`, `bulk`, `delete`, `rebuild`, `clear`) run in the
    indexing worker (search.tasks) and in `manage.py reindex`."""

    name = "base"

    def __init__(self, **options) -> None:
        self.options = options

    # --- writing ---------------------------------------------------------

    @abc.abstractmethod
    def bulk(self, documents: Iterable[IndexDocument]) -> int:
        """Add or replace (by id) each document; return how many were written.
        Visible to readers when this returns (after `refresh` for near-real-time
        engines)."""

    def index(self, document: IndexDocument) -> None:
        """Add or replace one document."""
        self.bulk([document])

    @abc.abstractmethod
    def delete(self, document_ids: Iterable[int]) -> None:
        """Remove documents by id (no error for ids not in the index)."""

    @abc.abstractmethod
    def rebuild(
        self, documents: Iterable[IndexDocument], *, progress: Progress | None = None
    ) -> int:
        """Build a complete new index aside from `documents`, then switch readers to
        it atomically and drop the old one. Returns the number of documents.
        On error the old index stays in service untouched."""

    @abc.abstractmethod
    def clear(self) -> None:
        """Remove every document (tests, and `reindex --clear`)."""

    def refresh(self) -> None:  # noqa: B027 - optional for engines without refresh
        """Make every completed write visible to the next search."""

    # --- reading ---------------------------------------------------------

    @abc.abstractmethod
    def search(self, query: SearchQuery) -> SearchResults:
        """Run a parsed query; see the module docstring for the contract."""

    @abc.abstractmethod
    def count(self) -> int:
        """Documents in the index (all, no ACL: for operators and health checks)."""

    @abc.abstractmethod
    def get_ids(self) -> Iterator[int]:
        """Every document id in the index (for reconciliation with the database)."""

    def check(self) -> list[str]:
        """Problems an operator should know about (empty when healthy)."""
        return []
