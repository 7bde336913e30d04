"""Elasticsearch, the scale-out engine (công cụ tìm kiếm cho nhiều máy chủ).

Readers and writers go through the alias OPTIONS["index"] (default "vanthu-documents");
the concrete indices are "<alias>-<stamp>-<id>". `rebuild` fills a new index aside
and swaps the alias in one `_aliases` call, then deletes the old index. During a
rebuild the new index also carries the alias "<alias>-building", and every write goes
to both, so nothing indexed meanwhile is lost at the switch.

OPTIONS:
    hosts / url       one URL or a list ("http://es1:9200"), default localhost:9200
    index             alias name (index prefix), "vanthu-documents"
    timeout           seconds per request (10); max_retries (2)
    refresh           how a write becomes visible: "wait_for" (default: when the
                      task ends its change is searchable), "true" (tests), "false"
    api_key, basic_auth, ca_certs, verify_certs: passed to the client
    shards, replicas  of a new index (1, 0)

Request bodies are built as data in es_query.py (unit-tested without a server).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import date

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout, TransportError
from elasticsearch import ApiError, Elasticsearch, NotFoundError, helpers

from search import text as vt

from . import es_query as esq
from .base import (
    FacetCount,
    Hit,
    IndexDocument,
    Progress,
    SearchBackend,
    SearchBackendError,
    SearchQuery,
    SearchResults,
)

logger = logging.getLogger(__name__)
SNIPPET_SCAN = 20_000


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(
        self,
        *,
        hosts=None,
        url: str | None = None,
        index: str = "vanthu-documents",
        timeout: float = 10.0,
        max_retries: int = 2,
        refresh: str = "wait_for",
        shards: int = 1,
        replicas: int = 0,
        **options,
    ) -> None:
        super().__init__(
            hosts=hosts,
            url=url,
            index=index,
            timeout=timeout,
            max_retries=max_retries,
            refresh=refresh,
            shards=shards,
            replicas=replicas,
            **options,
        )
        if isinstance(hosts, str):
            hosts = [h.strip() for h in hosts.split(",") if h.strip()]
        self.hosts = hosts or [url or "http://localhost:9200"]
        self.alias = index
        self.building_alias = f"{index}-building"
        self.refresh_mode = str(refresh).lower()
        self.shards = int(shards)
        self.replicas = int(replicas)
        client_options = {
            k: options[k]
            for k in ("api_key", "basic_auth", "ca_certs", "verify_certs")
            if k in options
        }
        self.client = Elasticsearch(
            self.hosts,
            request_timeout=float(timeout),
            max_retries=int(max_retries),
            retry_on_timeout=True,
            **client_options,
        )

    # --- errors -------------------------------------------------------------

    def _fail(self, exc: Exception, what: str) -> SearchBackendError:
        if isinstance(exc, TransportConnectionError | ConnectionTimeout):
            message = (
                f"cannot reach the Elasticsearch cluster at {', '.join(self.hosts)} "
                f"({what}): {exc}"
            )
        else:
            message = f"Elasticsearch refused {what}: {exc}"
        logger.error(message)
        return SearchBackendError(message)

    def _call(self, what: str, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (ApiError, TransportError) as exc:
            raise self._fail(exc, what) from exc

    # --- indices ------------------------------------------------------------

    def _new_index_name(self) -> str:
        return f"{self.alias}-{time.strftime('%Y%m%dt%H%M%S')}-{uuid.uuid4().hex[:8]}"

    def _create_index(self, name: str) -> None:
        body = esq.settings_and_mappings(self.shards, self.replicas)
        self._call(
            "creating an index",
            self.client.indices.create,
            index=name,
            settings=body["settings"],
            mappings=body["mappings"],
        )

    def _indices_of(self, alias: str) -> list[str]:
        try:
            return sorted(self.client.indices.get_alias(name=alias).body)
        except NotFoundError:
            return []
        except (ApiError, TransportError) as exc:
            raise self._fail(exc, "reading the alias") from exc

    def _ensure_alias(self) -> None:
        """The first write creates "<alias>-initial" and points the alias at it;
        two first writers create the same index (the second gets "already
        exists") and add the same alias (idempotent)."""
        if self._indices_of(self.alias):
            return
        first = f"{self.alias}-initial"
        try:
            self._create_index(first)
        except SearchBackendError:
            if not self._call(
                "checking an index", self.client.indices.exists, index=first
            ):
                raise
        self._call(
            "adding the alias",
            self.client.indices.update_aliases,
            actions=[{"add": {"index": first, "alias": self.alias}}],
        )

    def _write_targets(self) -> list[str]:
        self._ensure_alias()
        building = self._indices_of(self.building_alias)
        return self._indices_of(self.alias) + building

    # --- writing ------------------------------------------------------------

    def _bulk(self, actions: list[dict], what: str) -> None:
        if not actions:
            return
        try:
            helpers.bulk(
                self.client,
                actions,
                refresh=self.refresh_mode,
                raise_on_error=True,
            )
        except helpers.BulkIndexError as exc:
            raise SearchBackendError(
                f"Elasticsearch refused {what}: {exc.errors[:3]}"
            ) from exc
        except (ApiError, TransportError) as exc:
            raise self._fail(exc, what) from exc

    def bulk(self, documents: Iterable[IndexDocument]) -> int:
        docs = list(documents)
        targets = self._write_targets()
        actions = [
            {
                "_op_type": "index",
                "_index": target,
                "_id": str(doc.id),
                "_source": esq.document_source(doc),
            }
            for doc in docs
            for target in targets
        ]
        self._bulk(actions, "indexing documents")
        return len(docs)

    def delete(self, document_ids: Iterable[int]) -> None:
        ids = [int(pk) for pk in document_ids]
        if not ids:
            return
        targets = self._write_targets()
        actions = [
            {"_op_type": "delete", "_index": target, "_id": str(pk)}
            for pk in ids
            for target in targets
        ]
        try:
            helpers.bulk(
                self.client,
                actions,
                refresh=self.refresh_mode,
                raise_on_error=False,  # an unknown id is no error
            )
        except (ApiError, TransportError) as exc:
            raise self._fail(exc, "deleting documents") from exc

    def clear(self) -> None:
        self.rebuild(())

    def rebuild(
        self,
        documents: Iterable[IndexDocument],
        *,
        progress: Progress | None = None,
        batch: int = 1000,
    ) -> int:
        """Fill a new index aside, then swap the alias in one `_aliases` call and
        delete the old index. On error the new index is deleted and the alias
        still points at the old one."""
        new = self._new_index_name()
        self._create_index(new)
        n = 0
        try:
            self._call(
                "marking the index being built",
                self.client.indices.update_aliases,
                actions=[{"add": {"index": new, "alias": self.building_alias}}],
            )
            chunk: list[dict] = []
            for doc in documents:
                chunk.append(
                    {
                        "_op_type": "index",
                        "_index": new,
                        "_id": str(doc.id),
                        "_source": esq.document_source(doc),
                    }
                )
                n += 1
                if len(chunk) >= batch:
                    self._bulk_raw(chunk)
                    if progress:
                        progress(len(chunk))
                    chunk = []
            if chunk:
                self._bulk_raw(chunk)
                if progress:
                    progress(len(chunk))
            self._call("refreshing", self.client.indices.refresh, index=new)
            old = self._indices_of(self.alias)
            body = esq.alias_swap_actions(self.alias, old, new)
            body["actions"].insert(
                0, {"remove": {"index": new, "alias": self.building_alias}}
            )
            self._call(
                "switching the alias",
                self.client.indices.update_aliases,
                actions=body["actions"],
            )
        except BaseException:
            try:
                self.client.options(ignore_status=404).indices.delete(index=new)
            except (ApiError, TransportError):
                logger.exception("could not delete the failed index %s", new)
            raise
        for name in old:
            try:
                self.client.options(ignore_status=404).indices.delete(index=name)
            except (ApiError, TransportError):
                logger.exception("could not delete the old index %s", name)
        return n

    def _bulk_raw(self, chunk: list[dict]) -> None:
        try:
            helpers.bulk(self.client, chunk, raise_on_error=True)
        except helpers.BulkIndexError as exc:
            raise SearchBackendError(
                f"Elasticsearch refused documents: {exc.errors[:3]}"
            ) from exc
        except (ApiError, TransportError) as exc:
            raise self._fail(exc, "indexing documents") from exc

    def refresh(self) -> None:
        if self._indices_of(self.alias):
            self._call("refreshing", self.client.indices.refresh, index=self.alias)

    def close(self) -> None:
        self.client.close()

    # --- reading ------------------------------------------------------------

    def count(self) -> int:
        if not self._indices_of(self.alias):
            return 0
        return int(self._call("counting", self.client.count, index=self.alias)["count"])

    def get_ids(self) -> Iterator[int]:
        if not self._indices_of(self.alias):
            return iter(())
        ids: list[int] = []
        after = None
        while True:
            body: dict = {
                "query": {"match_all": {}},
                "sort": [{"id": "asc"}],
                "size": 1000,
                "_source": ["id"],
            }
            if after is not None:
                body["search_after"] = after
            page = self._call(
                "listing ids", self.client.search, index=self.alias, **body
            )["hits"]["hits"]
            if not page:
                break
            ids += [int(h["_source"]["id"]) for h in page]
            after = page[-1]["sort"]
        return iter(ids)

    def check(self) -> list[str]:
        try:
            self.client.info()
        except (ApiError, TransportError) as exc:
            return [str(self._fail(exc, "a health check"))]
        if not self._indices_of(self.alias):
            return [f"no Elasticsearch index {self.alias}: run manage.py reindex"]
        return []

    def search(self, query: SearchQuery) -> SearchResults:
        empty = SearchResults(total=0, hits=[], facets={f: [] for f in query.facets})
        if query.acl.tokens is not None and not query.acl.tokens:
            return empty
        body = esq.search_body(query)
        offset, _after = esq.decode_cursor(query.cursor)
        try:
            response = self.client.search(index=self.alias, **body)
        except NotFoundError:
            return empty  # no index yet
        except (ApiError, TransportError) as exc:
            raise self._fail(exc, "a search") from exc
        words = query.highlight_terms()
        raw_hits = response["hits"]["hits"]
        hits = [self._hit(h, query, words) for h in raw_hits]
        total = int(response["hits"]["total"]["value"])
        facets = {}
        aggs = response.get("aggregations") or {}
        if "aggs" in body:
            for name in body["aggs"]:
                values = []
                for b in (aggs.get(name) or {}).get("buckets") or []:
                    key = b["key"]
                    if isinstance(key, float) and key.is_integer():
                        key = int(key)
                    values.append(FacetCount(value=str(key), count=int(b["doc_count"])))
                facets[name] = values
        shown = offset + len(hits)
        more = bool(raw_hits) and shown < total
        return SearchResults(
            total=total,
            hits=hits,
            facets=facets,
            next_cursor=esq.encode_cursor(shown, raw_hits[-1]["sort"])
            if more
            else None,
        )

    def _hit(self, raw: dict, query: SearchQuery, words: frozenset[str]) -> Hit:
        src = raw["_source"]
        snippet = ""
        if query.highlight:
            # The same snippets as the Tantivy backend: made from the stored
            # original text, accents kept, by search.text.
            body = (src.get("text") or "")[:SNIPPET_SCAN]
            snippet = vt.snippet(body, src["subject"], words)
        issued = src.get("issued_date")
        return Hit(
            id=int(src["id"]),
            score=float(raw.get("_score") or 0.0) if query.sort != "date" else 0.0,
            title=src["title_text"],
            number_notation=src["number_notation"],
            subject=src["subject"],
            document_type=src["doc_type"],
            organisation_id=int(src["org"]),
            issued_date=date.fromisoformat(issued) if issued else None,
            snippet=snippet,
        )
