"""Elasticsearch request bodies as plain data (no client, no server): the index
mapping, the document source, the search body, the alias swap. Built from the
engine-neutral SearchQuery; nothing a person typed reaches a query parser (only
`term`, `terms`, `range` and `match_phrase` with the whitespace analyzer on tokens
that `search.text` already normalised and folded).

Unit-tested as data in tests/search/test_elasticsearch_query.py."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date

from documents.constants import Secrecy
from search import text as vt

from .base import FACETS, Acl, IndexDocument, SearchBackendError, SearchQuery

MAX_STORED_TEXT = 200_000
# Boosts: the same as the Tantivy backend (docs/search.md "Ranking contract").
BOOST_TITLE = 2.0
BOOST_ACCENT = 1.5
BOOST_IDENT = 10.0
BOOST_BIGRAM = 2.0
MAX_BIGRAMS = 16
MAX_SECRECY = max(Secrecy.values)

FACET_FIELDS = {
    "document_type": "doc_type",
    "organisation": "org",
    "year": "year",
    "urgency": "urgency",
    "state": "state",
}
# Fields a hit needs (the rest of _source is never sent back).
SOURCE_FIELDS = [
    "id",
    "title_text",
    "number_notation",
    "subject",
    "doc_type",
    "org",
    "issued_date",
    "text",
]


def settings_and_mappings(shards: int = 1, replicas: int = 0) -> dict:
    """The body of `PUT <index>`.

    `all` holds every text (title, issuing organisation, files) after our own
    normalisation (NFC, tone placement: search.text.normalise); the analyzer
    lowercases and folds with `asciifolding` *keeping the original*
    (preserve_original), so `hòa` is indexed as `hoa` and `hòa` at one position:
    a term query on the folded form matches every accent, one on the accented form
    only the exact one (the exact-accent boost), phrases work on either. Queries use
    the whitespace analyzer: their tokens are already folded or accented by
    search.text."""
    text = {"type": "text", "analyzer": "vanthu_fold", "search_analyzer": "whitespace"}
    return {
        "settings": {
            "number_of_shards": shards,
            "number_of_replicas": replicas,
            "analysis": {
                "filter": {
                    "vanthu_folding": {
                        "type": "asciifolding",
                        "preserve_original": True,
                    }
                },
                "analyzer": {
                    "vanthu_fold": {
                        "type": "custom",
                        "tokenizer": "standard",
                        "filter": ["lowercase", "vanthu_folding"],
                    },
                    "vanthu_pairs": {"type": "custom", "tokenizer": "whitespace"},
                },
            },
        },
        "mappings": {
            "dynamic": "strict",
            # Analysed copies are not needed back: the original is `text`.
            "_source": {"excludes": ["all", "title", "all_bi"]},
            "properties": {
                "id": {"type": "long"},
                "org": {"type": "integer"},
                "secrecy": {"type": "integer"},
                "urgency": {"type": "integer"},
                "year": {"type": "integer"},
                "register": {"type": "integer"},
                "ocr": {"type": "long"},
                "date": {"type": "date", "format": "strict_date"},
                "issued_date": {"type": "date", "format": "strict_date"},
                "doc_type": {"type": "keyword"},
                "state": {"type": "keyword"},
                "direction": {"type": "keyword"},
                "acl": {"type": "keyword"},
                # Số, ký hiệu: identifier_keys ("15/qd-ubnd", "qd-ubnd", "15/qd"...).
                "ident": {"type": "keyword"},
                "all": text,
                "title": {**text, "index_options": "freqs"},
                # Adjacent folded word pairs ("cap_phep"): the adjacency boost is a
                # term lookup, as in the Tantivy backend.
                "all_bi": {
                    "type": "text",
                    "analyzer": "vanthu_pairs",
                    "index_options": "docs",
                },
                "title_text": {"type": "keyword", "index": False, "doc_values": False},
                "number_notation": {
                    "type": "keyword",
                    "index": False,
                    "doc_values": False,
                },
                "subject": {"type": "keyword", "index": False, "doc_values": False},
                "text": {"type": "text", "index": False},
            },
        },
    }


def _ymd(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _pairs(tokens: list[str]) -> list[str]:
    return [f"{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False)]


def document_source(doc: IndexDocument) -> dict:
    """The `_source` of one document."""
    everything = f"{doc.title}\n{doc.organ_name} {doc.organisation_name}\n{doc.text}"
    folded = vt.fold_tokens(everything)
    return {
        "id": doc.id,
        "org": doc.organisation_id,
        "secrecy": doc.secrecy,
        "urgency": doc.urgency,
        "year": doc.year,
        "register": doc.register_id,
        "ocr": list(doc.needs_ocr),
        "date": _ymd(doc.issued_date or doc.sort_date),
        "issued_date": _ymd(doc.issued_date),
        "doc_type": doc.document_type,
        "state": doc.state,
        "direction": doc.direction,
        "acl": list(doc.acl),
        "ident": vt.identifier_keys(doc.number, doc.notation),
        "all": vt.normalise(everything),
        "title": vt.normalise(doc.title),
        "all_bi": " ".join(_pairs(folded)),
        "title_text": doc.title,
        "number_notation": doc.number_notation,
        "subject": doc.subject,
        "text": doc.text[:MAX_STORED_TEXT],
    }


def _phrase(field: str, words: list[str], boost: float = 1.0) -> dict:
    if len(words) == 1:
        clause: dict = {"term": {field: {"value": words[0]}}}
        if boost != 1.0:
            clause["term"][field]["boost"] = boost
        return clause
    inner: dict = {"query": " ".join(words), "analyzer": "whitespace"}
    if boost != 1.0:
        inner["boost"] = boost
    return {"match_phrase": {field: inner}}


def _boosts(folded: list[str], accented: list[str]) -> list[dict]:
    subs = [{"term": {"title": {"value": w, "boost": BOOST_TITLE}}} for w in folded]
    if accented and accented != folded:
        subs.append(_phrase("all", accented, BOOST_ACCENT))
    return subs


def filter_clauses(acl: Acl, q: SearchQuery) -> list[dict]:
    """Permissions, secrecy and the person's filters: all go to `bool.filter`
    (no score, cached), so hits, total and aggregations see the same set.
    Never `post_filter`: it would leave the aggregations unfiltered."""
    clauses: list[dict] = []
    if acl.tokens is not None:
        clauses.append({"terms": {"acl": sorted(acl.tokens)}})
    if acl.max_secrecy < MAX_SECRECY:
        clauses.append({"range": {"secrecy": {"lte": int(acl.max_secrecy)}}})
    f = q.filters
    for field, values, kind in (
        ("doc_type", f.document_types, str),
        ("state", f.states, str),
        ("direction", f.directions, str),
        ("org", f.organisation_ids, int),
        ("register", f.register_ids, int),
        ("urgency", f.urgencies, int),
        ("secrecy", f.secrecies, int),
        ("year", f.years, int),
    ):
        if values:
            clauses.append({"terms": {field: [kind(v) for v in values]}})
    if f.date_from or f.date_to:
        bounds = {}
        if f.date_from:
            bounds["gte"] = f.date_from.isoformat()
        if f.date_to:
            bounds["lte"] = f.date_to.isoformat()
        clauses.append({"range": {"date": bounds}})
    return clauses


def build_query(q: SearchQuery) -> dict:
    """The `query` of a search: MUST clauses match (folded), SHOULD clauses only
    add score (title words, accents as typed, adjacent words), FILTER clauses
    (ACL, secrecy, filters) decide admission without scoring."""
    must: list[dict] = []
    should: list[dict] = []
    for term in q.terms:
        must.append({"term": {"all": {"value": term.folded}}})
        should += _boosts([term.folded], [term.accented])
    for phrase in q.phrases:
        folded = [t.folded for t in phrase.terms]
        must.append(_phrase("all", folded))
        should += _boosts(folded, [t.accented for t in phrase.terms])
    for ident in q.identifiers:
        subs = [{"term": {"ident": {"value": ident.keyword, "boost": BOOST_IDENT}}}]
        if ident.parts:
            subs.append(_phrase("all", list(ident.parts)))
        must.append({"bool": {"should": subs, "minimum_should_match": 1}})
    sequence = [t.folded for t in q.terms]
    pairs = list(zip(sequence, sequence[1:], strict=False))[:MAX_BIGRAMS]
    should += [
        {"term": {"all_bi": {"value": f"{a}_{b}", "boost": BOOST_BIGRAM}}}
        for a, b in pairs
    ]
    if not must:
        must.append({"match_all": {}})
    query: dict = {"must": must, "filter": filter_clauses(q.acl, q)}
    if should:
        query["should"] = should
    return {"bool": query}


def sort_clause(sort: str) -> list:
    """A total order (id breaks ties) so that `search_after` pages neither skip nor
    repeat a hit."""
    if sort == "date":
        return [{"date": {"order": "desc", "missing": "_last"}}, {"id": "asc"}]
    return [{"_score": "desc"}, {"id": "asc"}]


def encode_cursor(offset: int, after: list) -> str:
    data = json.dumps({"o": offset, "a": after}, separators=(",", ":"))
    return base64.urlsafe_b64encode(data.encode()).decode()


def decode_cursor(cursor: str | None) -> tuple[int, list | None]:
    """(hits already shown, the sort values of the last one) of a cursor."""
    if not cursor:
        return 0, None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
        offset, after = int(data["o"]), data["a"]
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError):
        raise SearchBackendError("bad cursor") from None
    if offset < 0 or not isinstance(after, list) or not after:
        raise SearchBackendError("bad cursor")
    if not all(isinstance(v, int | float | str) or v is None for v in after):
        raise SearchBackendError("bad cursor")
    return offset, after


def search_body(q: SearchQuery) -> dict:
    """The whole `_search` body: query, sort, `search_after` from the cursor (never
    `from`: deep pages cost the same and pass index.max_result_window), exact
    total, facets (first page only) as terms aggregations on the filtered query."""
    offset, after = decode_cursor(q.cursor)
    body: dict = {
        "query": build_query(q),
        "sort": sort_clause(q.sort),
        "size": max(1, min(int(q.limit), 200)),
        "track_total_hits": True,
        "_source": SOURCE_FIELDS,
    }
    if after is not None:
        body["search_after"] = after
    if q.sort != "date":
        body["track_scores"] = True
    wanted = [n for n in q.facets if n in FACETS]
    if offset == 0 and wanted:
        body["aggs"] = {
            n: {"terms": {"field": FACET_FIELDS[n], "size": 100}} for n in wanted
        }
    return body


def alias_swap_actions(alias: str, old: list[str], new: str) -> dict:
    """One `_aliases` call: readers go from the old index(es) to the new one
    atomically."""
    actions: list[dict] = [{"remove": {"index": i, "alias": alias}} for i in old]
    actions.append({"add": {"index": new, "alias": alias, "is_write_index": True}})
    return {"actions": actions}
