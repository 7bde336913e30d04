"""Tantivy, the embedded engine (công cụ tìm kiếm nhúng): an index directory on
local disk, one writer, every web process a reader.

Layout of OPTIONS["path"]:

    CURRENT          the name of the generation in service ("gen-…"), replaced
                     atomically (os.replace) to switch readers to a rebuilt index
    gen-<stamp>/     one complete Tantivy index per generation
    writer.lock      fcntl lock held by the one writer (worker task, reindex)

Folding is done in Python (search.text) on both sides; Tantivy's own ASCII folding
is right for Đ but knows nothing of tone placement, and the accented field needs our
normal form anyway. The text exists three times: `all_f` holds folded tokens,
`all_a` the accented ones (both without positions), `all_bi` the pairs of adjacent
folded tokens with positions (phrases, and the score of adjacent query words). The
original text is stored in a bytes field for snippets with accents.

Speed (bench/search.py, docs/search.md "Figures"): a phrase is matched on the pairs;
facets are counted by one aggregation over the query without its scoring clauses;
snippets are made for the shown hits only, with one regular expression each.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import errno
import fcntl
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import tantivy
from tantivy import FieldType, Occur, Order, Query

from documents.constants import Secrecy
from search import text as vt

from .base import (
    FACETS,
    Acl,
    FacetCount,
    Hit,
    IndexDocument,
    IndexLocked,
    Progress,
    SearchBackend,
    SearchBackendError,
    SearchQuery,
    SearchResults,
)

# Stored original text kept for snippets, per document (characters).
MAX_STORED_TEXT = 200_000
# Characters of the stored text a snippet is looked for in.
SNIPPET_SCAN = 20_000
# Boosts (docs/search.md "Ranking contract").
BOOST_TITLE = 2.0  # a word of the query in the title (type, number, subject)
BOOST_ACCENT = 1.5  # the words as typed, accents included
BOOST_IDENT = 10.0
BOOST_BIGRAM = 2.0
MAX_BIGRAMS = 16
MAX_SECRECY = max(Secrecy.values)  # tuyệt mật

_FACET_FIELDS = {
    "document_type": "doc_type",
    "organisation": "org",
    "year": "year",
    "urgency": "urgency",
    "state": "state",
}


BIGRAM_TOKENIZER = "vanthu_ws"


def _open(schema, path: str) -> tantivy.Index:
    try:
        index = tantivy.Index(schema, path=path)
    except ValueError as exc:
        # An index written by another version of this schema: searching it would
        # be wrong, writing it impossible. `manage.py reindex` builds a new one.
        raise SearchBackendError(
            f"the search index at {path} does not match this version of Vanthu "
            f"({exc}): run manage.py reindex"
        ) from exc
    index.register_tokenizer(
        BIGRAM_TOKENIZER,
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build(),
    )
    return index


def _bigrams(tokens: list[str]) -> list[str]:
    return [f"{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False)]


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("id", stored=True, indexed=True, fast=True)
    for name in ("org", "secrecy", "urgency", "year", "date", "register", "ocr"):
        sb.add_integer_field(name, indexed=True, fast=True)
    for name in ("doc_type", "state", "direction"):
        sb.add_text_field(name, tokenizer_name="raw", fast=True)
    sb.add_text_field("acl", tokenizer_name="raw")
    sb.add_text_field("ident", tokenizer_name="raw")
    # all_f: every text (title, issuing organisation, files) folded, for matching
    # and phrases; all_a: the same with accents, for the exact-accent boost;
    # title_f: type, number and subject folded, for the title boost.
    sb.add_text_field("all_f", index_option="freq")
    sb.add_text_field("all_a", index_option="freq")
    sb.add_text_field("title_f", index_option="freq")
    # all_bi: adjacent folded word pairs ("cap_phep"), so that the boost for query
    # words next to each other is a cheap term lookup, not a phrase query run on
    # every match (10 ms of 13 at 100,000 documents).
    # Phrases are matched on it too: "dich vu cong" is the bigrams dich_vu, vu_cong
    # at adjacent positions, exactly the documents with the three words adjacent,
    # with posting lists far shorter than the words' (2-4 times faster than a
    # phrase of words); two words are one term, no positions at all. So all_f and
    # all_a need no positions.
    sb.add_text_field(
        "all_bi", tokenizer_name=BIGRAM_TOKENIZER, index_option="position"
    )
    sb.add_bytes_field("data", stored=True)  # JSON of the hit's display fields
    sb.add_bytes_field("text", stored=True)  # original text for snippets
    return sb.build()


def _ymd(d: date | None) -> int:
    return d.year * 10000 + d.month * 100 + d.day if d else 0


class _WriterLock:
    """An exclusive fcntl lock on <path>/writer.lock, waited for up to `timeout`
    seconds. Held by the one writer; a lock dies with its process."""

    def __init__(self, path: Path, timeout: float):
        self.path = path
        self.timeout = timeout
        self._fd: int | None = None

    def __enter__(self):
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise IndexLocked(
                        f"the search index writer lock {self.path} is held by "
                        "another process"
                    ) from None
                time.sleep(0.05)
        self._fd = fd
        return self

    def __exit__(self, *exc):
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class TantivyBackend(SearchBackend):
    name = "tantivy"

    def __init__(
        self,
        *,
        path,
        lock_timeout: float = 5.0,
        writer_heap: int = 64_000_000,
        **options,
    ) -> None:
        super().__init__(path=path, lock_timeout=lock_timeout, **options)
        self.path = Path(path)
        self.lock_timeout = float(lock_timeout)
        self.writer_heap = int(writer_heap)
        self.schema = _schema()
        self._reader_lock = threading.Lock()
        self._reader: tuple[str, tantivy.Index] | None = None
        self._meta_mtime: float = 0.0

    # --- generations --------------------------------------------------------

    def _current_name(self) -> str | None:
        try:
            return (self.path / "CURRENT").read_text().strip() or None
        except FileNotFoundError:
            return None

    def _new_generation(self) -> Path:
        stamp = time.strftime("%Y%m%dT%H%M%S")
        gen = self.path / f"gen-{stamp}-{uuid.uuid4().hex[:8]}"
        gen.mkdir(parents=True)
        _open(self.schema, str(gen))  # create the empty index
        return gen

    def _switch(self, gen: Path) -> None:
        """Point CURRENT at `gen` in one atomic rename; keep the previous
        generation (readers may still hold it open) and drop older ones."""
        previous = self._current_name()
        tmp = self.path / f"CURRENT.{uuid.uuid4().hex}"
        tmp.write_text(gen.name)
        with open(tmp) as f:
            os.fsync(f.fileno())
        os.replace(tmp, self.path / "CURRENT")
        keep = {gen.name, previous}
        for old in self.path.glob("gen-*"):
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)

    def _ensure_current(self) -> Path:
        """The generation in service, created empty on first use (under the
        writer lock, so two first writers cannot both create one)."""
        name = self._current_name()
        if name and (self.path / name).is_dir():
            return self.path / name
        self.path.mkdir(parents=True, exist_ok=True)
        gen = self._new_generation()
        self._switch(gen)
        return gen

    def _lock(self, timeout: float | None = None) -> _WriterLock:
        self.path.mkdir(parents=True, exist_ok=True)
        return _WriterLock(
            self.path / "writer.lock",
            self.lock_timeout if timeout is None else timeout,
        )

    @contextlib.contextmanager
    def _writer(self):
        with self._lock():
            gen = self._ensure_current()
            index = _open(self.schema, str(gen))
            try:
                writer = index.writer(heap_size=self.writer_heap, num_threads=1)
            except ValueError as exc:  # Tantivy's own lock: a foreign writer
                raise IndexLocked(str(exc)) from exc
            try:
                yield writer
                writer.commit()
                writer.wait_merging_threads()
            except BaseException:
                writer.rollback()
                raise

    # --- writing --------------------------------------------------------------

    def _document(self, doc: IndexDocument) -> tantivy.Document:
        d = tantivy.Document()
        d.add_integer("id", doc.id)
        d.add_integer("org", doc.organisation_id)
        d.add_integer("secrecy", doc.secrecy)
        d.add_integer("urgency", doc.urgency)
        d.add_integer("year", doc.year or 0)
        d.add_integer("date", _ymd(doc.issued_date or doc.sort_date))
        d.add_integer("register", doc.register_id or 0)
        for version_id in doc.needs_ocr:
            d.add_integer("ocr", version_id)
        d.add_text("doc_type", doc.document_type)
        d.add_text("state", doc.state)
        d.add_text("direction", doc.direction)
        for token in doc.acl:
            d.add_text("acl", token)
        for key in vt.identifier_keys(doc.number, doc.notation):
            d.add_text("ident", key)
        everything = (
            f"{doc.title}\n{doc.organ_name} {doc.organisation_name}\n{doc.text}"
        )
        folded = vt.fold_tokens(everything)
        d.add_text("all_f", " ".join(folded))
        d.add_text("all_bi", " ".join(_bigrams(folded)))
        d.add_text("all_a", " ".join(vt.accent_tokens(everything)))
        d.add_text("title_f", " ".join(vt.fold_tokens(doc.title)))
        data = {
            "title": doc.title,
            "number_notation": doc.number_notation,
            "subject": doc.subject,
            "document_type": doc.document_type,
            "organisation_id": doc.organisation_id,
            "issued_date": doc.issued_date.isoformat() if doc.issued_date else None,
        }
        d.add_bytes("data", json.dumps(data, ensure_ascii=False).encode())
        d.add_bytes("text", doc.text[:MAX_STORED_TEXT].encode())
        return d

    def bulk(self, documents: Iterable[IndexDocument]) -> int:
        n = 0
        with self._writer() as writer:
            for doc in documents:
                writer.delete_documents_by_term("id", doc.id)
                writer.add_document(self._document(doc))
                n += 1
        self.refresh()
        return n

    def delete(self, document_ids: Iterable[int]) -> None:
        with self._writer() as writer:
            for pk in document_ids:
                writer.delete_documents_by_term("id", int(pk))
        self.refresh()

    def clear(self) -> None:
        with self._writer() as writer:
            writer.delete_all_documents()
        self.refresh()

    def rebuild(
        self,
        documents: Iterable[IndexDocument],
        *,
        progress: Progress | None = None,
        batch: int = 2000,
    ) -> int:
        """Build a new generation aside, then switch CURRENT to it.

        The writer lock is held throughout, so indexing tasks that arrive meanwhile
        wait and retry (search.tasks) and apply their change to the new generation
        after the switch: nothing done during a rebuild is lost."""
        with self._lock(timeout=max(self.lock_timeout, 60.0)):
            self.path.mkdir(parents=True, exist_ok=True)
            gen = self._new_generation()
            try:
                index = _open(self.schema, str(gen))
                writer = index.writer(heap_size=max(self.writer_heap, 200_000_000))
                n = 0
                pending = 0
                for doc in documents:
                    writer.add_document(self._document(doc))
                    n += 1
                    pending += 1
                    if pending >= batch:
                        if progress:
                            progress(pending)
                        pending = 0
                writer.commit()
                writer.wait_merging_threads()
                if progress and pending:
                    progress(pending)
            except BaseException:
                shutil.rmtree(gen, ignore_errors=True)
                raise
            self._switch(gen)
        self.refresh()
        return n

    # --- reading --------------------------------------------------------------

    def _index(self) -> tantivy.Index | None:
        """The reader of the generation in service, reopened after a switch and
        reloaded after a commit of the writer (another process)."""
        name = self._current_name()
        if name is None or not (self.path / name).is_dir():
            return None
        with self._reader_lock:
            if self._reader is None or self._reader[0] != name:
                self._reader = (name, _open(self.schema, str(self.path / name)))
                self._meta_mtime = 0.0
            index = self._reader[1]
            try:
                mtime = (self.path / name / "meta.json").stat().st_mtime_ns
            except FileNotFoundError:
                mtime = 0
            if mtime != self._meta_mtime:
                index.reload()
                self._meta_mtime = mtime
            return index

    def refresh(self) -> None:
        with self._reader_lock:
            self._meta_mtime = -1.0  # reload on the next search
        self._index()

    def close(self) -> None:
        with self._reader_lock:
            self._reader = None

    def count(self) -> int:
        index = self._index()
        return index.searcher().num_docs if index else 0

    def get_ids(self) -> Iterator[int]:
        index = self._index()
        if index is None:
            return iter(())
        searcher = index.searcher()
        total = searcher.num_docs
        if not total:
            return iter(())
        result = searcher.search(Query.all_query(), limit=total, count=False)
        ids = searcher.fast_field_values("id", [addr for _score, addr in result.hits])
        return iter(sorted(ids))

    def check(self) -> list[str]:
        problems = []
        if self._current_name() is None:
            problems.append(f"no search index at {self.path}: run manage.py reindex")
            return problems
        try:
            self._index()
        except SearchBackendError as exc:
            problems.append(str(exc))
        return problems

    # --- queries ----------------------------------------------------------------

    def _term(self, field: str, value: str, boost: float = 1.0) -> Query:
        q = Query.term_query(self.schema, field, value)
        return Query.boost_query(q, boost) if boost != 1.0 else q

    def _adjacent(self, words: list[str]) -> Query:
        """Documents with the folded `words` adjacent, in order: one word on
        all_f; two, their bigram; more, the phrase of their bigrams on all_bi."""
        if len(words) == 1:
            return self._term("all_f", words[0])
        pairs = _bigrams(words)
        if len(pairs) == 1:
            return self._term("all_bi", pairs[0])
        return Query.phrase_query(self.schema, "all_bi", pairs)

    def _should(self, queries: list[Query]) -> Query:
        return Query.boolean_query([(Occur.Should, q) for q in queries])

    def _boosts(self, folded: list[str], accented: list[str] | None) -> list[Query]:
        """Scoring-only clauses of matched words: in the title, with the accents
        typed (when the person typed any). Term queries, never phrases: a SHOULD
        clause is evaluated on every match, and positions would cost more than the
        match itself (adjacency is scored by the bigram field)."""
        subs = [self._term("title_f", w, BOOST_TITLE) for w in folded]
        if accented:
            subs += [
                self._term("all_a", a, BOOST_ACCENT)
                for a, f in zip(accented, folded, strict=False)
                if a != f
            ]
        return subs

    def _filter_clauses(self, acl: Acl, q: SearchQuery) -> list[Query]:
        s = self.schema
        clauses = []
        if acl.tokens is not None:
            clauses.append(Query.term_set_query(s, "acl", sorted(acl.tokens)))
        if acl.max_secrecy < MAX_SECRECY:  # cleared for everything: no clause
            clauses.append(
                Query.range_query(
                    s, "secrecy", FieldType.Integer, 0, int(acl.max_secrecy)
                )
            )
        f = q.filters
        for field, values in (
            ("doc_type", f.document_types),
            ("state", f.states),
            ("direction", f.directions),
        ):
            if values:
                clauses.append(Query.term_set_query(s, field, [str(v) for v in values]))
        for field, values in (
            ("org", f.organisation_ids),
            ("register", f.register_ids),
            ("urgency", f.urgencies),
            ("secrecy", f.secrecies),
            ("year", f.years),
        ):
            if values:
                clauses.append(Query.term_set_query(s, field, [int(v) for v in values]))
        if f.date_from or f.date_to:
            clauses.append(
                Query.range_query(
                    s,
                    "date",
                    FieldType.Integer,
                    _ymd(f.date_from) if f.date_from else 0,
                    _ymd(f.date_to) if f.date_to else 99991231,
                )
            )
        return clauses

    def _must_clauses(self, q: SearchQuery) -> list[Query]:
        """What decides matching: every term, phrase and identifier on the folded
        text (the filters and ACL come apart, _filter_clauses)."""
        musts: list[Query] = []
        for term in q.terms:
            musts.append(self._term("all_f", term.folded))
        for phrase in q.phrases:
            musts.append(self._adjacent([t.folded for t in phrase.terms]))
        for ident in q.identifiers:
            subs = [self._term("ident", ident.keyword, BOOST_IDENT)]
            if ident.parts:
                subs.append(self._adjacent(list(ident.parts)))
            musts.append(self._should(subs))
        return musts

    def _should_clauses(self, q: SearchQuery) -> list[Query]:
        """What only adds score: title words, accents as typed, adjacent words."""
        should: list[Query] = []
        for term in q.terms:
            should += self._boosts([term.folded], [term.accented])
        for phrase in q.phrases:
            should += self._boosts(
                [t.folded for t in phrase.terms], [t.accented for t in phrase.terms]
            )
        # Words of the query next to each other in the document score more.
        sequence = [t.folded for t in q.terms]
        bigrams = list(zip(sequence, sequence[1:], strict=False))[:MAX_BIGRAMS]
        should += [self._term("all_bi", f"{a}_{b}", BOOST_BIGRAM) for a, b in bigrams]
        return should

    def build_query(self, q: SearchQuery, *, scored: bool = True) -> Query:
        """The engine query. Matching: every term, phrase and identifier is a MUST
        clause on the folded text; filters and ACL are MUST clauses of constant
        score 0 (they decide matching, never ranking). Ranking: SHOULD clauses
        (title words, accents as typed, adjacent query words) only add score.

        `scored=False` leaves the SHOULD clauses out: the same documents match,
        which is all that counting facets needs."""
        clauses = [(Occur.Must, m) for m in self._must_clauses(q)]
        if not clauses:
            clauses.append((Occur.Must, Query.all_query()))
        if scored:
            clauses += [(Occur.Should, sq) for sq in self._should_clauses(q)]
        for f in self._filter_clauses(q.acl, q):
            clauses.append((Occur.Must, Query.const_score_query(f, 0.0)))
        return Query.boolean_query(clauses)

    # --- search ------------------------------------------------------------------

    @staticmethod
    def _offset(cursor: str | None) -> int:
        if not cursor:
            return 0
        try:
            data = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
            offset = int(data["o"])
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError):
            raise SearchBackendError("bad cursor") from None
        if offset < 0:
            raise SearchBackendError("bad cursor")
        return offset

    @staticmethod
    def _cursor(offset: int) -> str:
        return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode()

    def search(self, query: SearchQuery) -> SearchResults:
        if query.acl.tokens is not None and not query.acl.tokens:
            return SearchResults(total=0, hits=[], facets={f: [] for f in query.facets})
        index = self._index()
        if index is None:
            return SearchResults(total=0, hits=[], facets={f: [] for f in query.facets})
        searcher = index.searcher()
        engine_query = self.build_query(query)
        offset = self._offset(query.cursor)
        limit = max(1, min(int(query.limit), 200))
        # Facets describe the whole result, not a page: counted on the first page,
        # in another thread while this one ranks and makes the snippets (Tantivy
        # lets go of the GIL): a second pass over the matches, but not a second
        # wait on a machine with a core to spare.
        facets_later = None
        if offset == 0 and any(n in FACETS for n in query.facets):
            facets_later = _facet_pool().submit(
                self._facets,
                searcher,
                self.build_query(query, scored=False),
                query.facets,
            )
        if query.sort == "date":
            result = searcher.search(
                engine_query,
                limit=limit,
                count=True,
                order_by_field="date",
                order=Order.Desc,
                offset=offset,
            )
        else:
            result = searcher.search(
                engine_query, limit=limit, count=True, offset=offset
            )
        words = query.highlight_terms()
        hits = []
        for score, address in result.hits:
            stored = searcher.doc(address)
            data = json.loads(stored.get_first("data").decode())
            snippet = ""
            if query.highlight:
                body = stored.get_first("text").decode()[:SNIPPET_SCAN]
                snippet = vt.snippet(body, data["subject"], words)
            hits.append(
                Hit(
                    id=int(stored.get_first("id")),
                    score=float(score) if query.sort != "date" else 0.0,
                    title=data["title"],
                    number_notation=data["number_notation"],
                    subject=data["subject"],
                    document_type=data["document_type"],
                    organisation_id=data["organisation_id"],
                    issued_date=(
                        date.fromisoformat(data["issued_date"])
                        if data["issued_date"]
                        else None
                    ),
                    snippet=snippet,
                )
            )
        facets = facets_later.result() if facets_later is not None else {}
        total = int(result.count or 0)
        more = offset + len(hits) < total
        return SearchResults(
            total=total,
            hits=hits,
            facets=facets,
            next_cursor=self._cursor(offset + len(hits)) if more else None,
        )

    def _facets(self, searcher, engine_query, names) -> dict[str, list[FacetCount]]:
        wanted = [n for n in names if n in FACETS]
        if not wanted:
            return {}
        aggs = {n: {"terms": {"field": _FACET_FIELDS[n], "size": 100}} for n in wanted}
        raw = searcher.aggregate(engine_query, aggs)
        facets = {}
        for n in wanted:
            buckets = (raw.get(n) or {}).get("buckets") or []
            values = []
            for b in buckets:
                key = b["key"]
                if isinstance(key, float) and key.is_integer():
                    key = int(key)
                if n == "year" and key == 0:
                    continue
                values.append(FacetCount(value=str(key), count=int(b["doc_count"])))
            facets[n] = values
        return facets


_pool: tuple[int, ThreadPoolExecutor] | None = None
_pool_lock = threading.Lock()


def _facet_pool() -> ThreadPoolExecutor:
    """The threads that count facets, made once per process (after a fork the
    parent's threads are gone: a new pool)."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid():
            _pool = (os.getpid(), ThreadPoolExecutor(4, "vanthu-facets"))
        return _pool[1]
