"""The Elasticsearch backend: request bodies as data (no server), then what only
a server shows (noida-db: deep paging past 10,000, the alias swap, an unreachable
cluster). The shared contract runs in test_backend_contract.py and
test_services.py for every entry of conftest.BACKENDS / SERVICE_CONFIGS."""

import json
from datetime import date

import pytest

from search.backends import es_query as esq
from search.backends.base import Acl, Filters, SearchBackendError
from search.backends.elasticsearch import ElasticsearchBackend

from .conftest import _es_options, ids, make_doc, noida_url, query


def _walk(body):
    """Every key of a nested request body."""
    if isinstance(body, dict):
        for k, v in body.items():
            yield k
            yield from _walk(v)
    elif isinstance(body, list):
        for v in body:
            yield from _walk(v)


# --- mapping -----------------------------------------------------------------


def test_mapping_folds_keeping_the_original_and_has_keyword_identifiers():
    body = esq.settings_and_mappings(shards=3, replicas=1)
    analysis = body["settings"]["analysis"]
    assert analysis["filter"]["vanthu_folding"] == {
        "type": "asciifolding",
        "preserve_original": True,
    }
    assert analysis["analyzer"]["vanthu_fold"] == {
        "type": "custom",
        "tokenizer": "standard",
        "filter": ["lowercase", "vanthu_folding"],
    }
    props = body["mappings"]["properties"]
    assert props["all"] == {
        "type": "text",
        "analyzer": "vanthu_fold",
        "search_analyzer": "whitespace",
    }
    assert props["ident"] == {"type": "keyword"}
    assert props["acl"] == {"type": "keyword"}
    assert props["text"]["index"] is False
    assert body["mappings"]["dynamic"] == "strict"
    assert body["settings"]["number_of_shards"] == 3


def test_document_source_is_normalised_before_indexing():
    doc = make_doc(
        7, "hoà giải thuỷ lợi", number="15", notation="QĐ-UBND", acl=("g:1", "u:2")
    )
    src = esq.document_source(doc)
    # Tone placement normalised in Python (hoà -> hòa); the original kept for
    # snippets and display.
    assert "hòa giải thủy lợi" in src["all"]
    assert src["subject"] == "hoà giải thuỷ lợi"
    assert src["ident"] == ["15", "15/qd", "15/qd-ubnd", "qd", "qd-ubnd", "ubnd"]
    assert src["acl"] == ["g:1", "u:2"]
    assert "hoa_giai" in src["all_bi"].split()
    assert src["date"] == "2025-03-01"
    # Every field is in the strict mapping.
    assert set(src) <= set(esq.settings_and_mappings()["mappings"]["properties"])


# --- queries -------------------------------------------------------------------


def test_terms_must_match_folded_and_accents_only_boost():
    body = esq.build_query(query("hòa giải"))
    assert body["bool"]["must"] == [
        {"term": {"all": {"value": "hoa"}}},
        {"term": {"all": {"value": "giai"}}},
    ]
    should = body["bool"]["should"]
    assert {"term": {"all": {"value": "hòa", "boost": esq.BOOST_ACCENT}}} in should
    assert {"term": {"title": {"value": "hoa", "boost": esq.BOOST_TITLE}}} in should
    assert {
        "term": {"all_bi": {"value": "hoa_giai", "boost": esq.BOOST_BIGRAM}}
    } in should


def test_phrases_and_identifiers():
    body = esq.build_query(query('"cấp phép" 15/QĐ-UBND'))
    must = body["bool"]["must"]
    assert must[0] == {
        "match_phrase": {"all": {"query": "cap phep", "analyzer": "whitespace"}}
    }
    assert must[1] == {
        "bool": {
            "should": [
                {"term": {"ident": {"value": "15/qd-ubnd", "boost": esq.BOOST_IDENT}}},
                {
                    "match_phrase": {
                        "all": {"query": "15 qd ubnd", "analyzer": "whitespace"}
                    }
                },
            ],
            "minimum_should_match": 1,
        }
    }


def test_acl_secrecy_and_filters_are_in_bool_filter_never_post_filter():
    q = query(
        "ngan sach",
        acl=Acl(frozenset({"u:7", "g:3"}), 1),
        filters=Filters(
            organisation_ids=(2,),
            document_types=("cong_van",),
            years=(2025,),
            date_from=date(2025, 1, 1),
            date_to=date(2025, 6, 30),
        ),
    )
    body = esq.search_body(q)
    assert "post_filter" not in set(_walk(body))
    assert body["query"]["bool"]["filter"] == [
        {"terms": {"acl": ["g:3", "u:7"]}},
        {"range": {"secrecy": {"lte": 1}}},
        {"terms": {"doc_type": ["cong_van"]}},
        {"terms": {"org": [2]}},
        {"terms": {"year": [2025]}},
        {"range": {"date": {"gte": "2025-01-01", "lte": "2025-06-30"}}},
    ]
    # Facets: terms aggregations of the same (filtered) query.
    assert body["aggs"]["organisation"] == {"terms": {"field": "org", "size": 100}}
    assert body["track_total_hits"] is True


def test_superuser_cleared_for_everything_has_no_acl_clause():
    body = esq.search_body(query("", acl=Acl(None, esq.MAX_SECRECY)))
    assert body["query"] == {"bool": {"must": [{"match_all": {}}], "filter": []}}


def test_user_text_never_reaches_a_query_parser():
    body = esq.search_body(query('*:* acl:* id:[0 TO 9] "unbalanced ~2^5 /re/'))
    keys = set(_walk(body))
    assert not keys & {"query_string", "simple_query_string", "regexp", "wildcard"}
    assert "acl" not in json.dumps(body["query"]["bool"]["must"])


def test_cursor_pages_with_search_after_never_from():
    first = esq.search_body(query("bao cao", sort="date"))
    assert "search_after" not in first and "from" not in first
    assert first["sort"] == [
        {"date": {"order": "desc", "missing": "_last"}},
        {"id": "asc"},
    ]
    cursor = esq.encode_cursor(10_200, ["2025-01-03", 42])
    later = esq.search_body(query("bao cao", sort="date", cursor=cursor))
    assert later["search_after"] == ["2025-01-03", 42]
    assert "from" not in later
    assert "aggs" not in later  # facets on the first page only
    relevance = esq.search_body(query("bao cao"))
    assert relevance["sort"] == [{"_score": "desc"}, {"id": "asc"}]


@pytest.mark.parametrize(
    "cursor", ["garbage", "eyJvIjogLTF9", esq.encode_cursor(3, [])[:-2], "e30="]
)
def test_bad_cursor_is_refused(cursor):
    with pytest.raises(SearchBackendError):
        esq.search_body(query("x", cursor=cursor))


def test_alias_swap_is_one_aliases_call():
    assert esq.alias_swap_actions("docs", ["docs-1"], "docs-2") == {
        "actions": [
            {"remove": {"index": "docs-1", "alias": "docs"}},
            {"add": {"index": "docs-2", "alias": "docs", "is_write_index": True}},
        ]
    }


# --- against a server (noida-db) ------------------------------------------------


@pytest.fixture
def noida():
    engine = ElasticsearchBackend(**_es_options(noida_url()))
    yield engine
    client = engine.client.options(ignore_status=404)
    for name in client.indices.get(index=f"{engine.alias}*").body:
        client.indices.delete(index=name)
    engine.close()


@pytest.mark.slow
def test_cursor_pages_past_ten_thousand_hits(noida):
    n = 10_050
    noida.rebuild(
        make_doc(i, "báo cáo", number="", notation="", text="") for i in range(1, n + 1)
    )
    seen: list[int] = []
    cursor = None
    while True:
        page = noida.search(
            query("bao cao", limit=200, cursor=cursor, highlight=False, facets=())
        )
        assert page.total == n
        seen += ids(page)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == n
    assert len(set(seen)) == n


def test_rebuild_swaps_the_alias_and_deletes_the_old_index(noida):
    noida.bulk([make_doc(1, "cũ")])
    old = noida._indices_of(noida.alias)
    assert old == [f"{noida.alias}-initial"]
    noida.rebuild([make_doc(2, "mới")])
    new = noida._indices_of(noida.alias)
    assert len(new) == 1 and new != old
    assert not noida.client.indices.exists(index=old[0])
    assert noida._indices_of(noida.building_alias) == []
    assert sorted(noida.get_ids()) == [2]


def test_writes_during_a_rebuild_reach_the_new_index(noida):
    noida.bulk([make_doc(1, "một")])

    def docs():
        yield make_doc(2, "hai")
        # An indexing task arrives while the new index is being filled.
        noida.index(make_doc(3, "ba"))
        noida.delete([1])

    noida.rebuild(docs())
    assert sorted(noida.get_ids()) == [2, 3]


def test_unreachable_cluster_gives_a_clear_error():
    engine = ElasticsearchBackend(
        url="http://127.0.0.1:9", index="x", timeout=1, max_retries=0
    )
    with pytest.raises(SearchBackendError, match="cannot reach the Elasticsearch"):
        engine.search(query("ngan sach"))
    with pytest.raises(SearchBackendError, match="cannot reach"):
        engine.bulk([make_doc(1, "một")])
    assert "cannot reach" in engine.check()[0]


def test_why_never_post_filter_aggregations_ignore_it(noida):
    """The engine behaviour the backend avoids: a post_filter hides hits but the
    aggregations still count the hidden document (a facet-count leak)."""
    noida.bulk(
        [
            make_doc(1, "ngân sách", acl=("g:1",), organisation_id=1),
            make_doc(2, "ngân sách", acl=("g:2",), organisation_id=2),
        ]
    )
    raw = noida.client.search(
        index=noida.alias,
        query={"match_all": {}},
        post_filter={"terms": {"acl": ["g:1"]}},
        aggs={"org": {"terms": {"field": "org"}}},
    )
    assert [h["_source"]["id"] for h in raw["hits"]["hits"]] == [1]
    assert {b["key"] for b in raw["aggregations"]["org"]["buckets"]} == {1, 2}
    # Our query: the ACL in bool.filter, so the facets only count document 1.
    ours = noida.search(query("ngan sach", acl=Acl(frozenset({"g:1"}), 3)))
    assert ids(ours) == [1]
    assert [f.value for f in ours.facets["organisation"]] == ["1"]
