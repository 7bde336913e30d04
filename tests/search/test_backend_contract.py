"""The contract of search/backends/base.py, for every engine in conftest.BACKENDS:
matching, Vietnamese folding, number/notation, ranking, ACL inside the query (hits,
counts, facets, snippets), filters, sort, paging, deletion, rebuild aside then
switch while a reader searches, one writer."""

import threading
import time
from datetime import date

import pytest

from search.backends.base import Acl, Filters, IndexLocked
from search.backends.tantivy import TantivyBackend

from .conftest import ids, make_doc, query

DECOYS = [
    make_doc(2, "về việc xây dựng kế hoạch cấp phép lái xe năm 2025", number="16"),
    make_doc(3, "về việc quyết toán kinh phí xây dựng trụ sở", number="15",
             notation="TB-STC", text="cấp phép; định kỳ; quyết"),
    make_doc(4, "cấp phép xây dựng nhà ở riêng lẻ", number="150",
             type_name="Công văn", document_type="cong_van",
             text="Căn cứ Quyết định số 15/QĐ-UBND"),
    make_doc(5, "về việc phòng chống dịch tả lợn châu Phi", number="17"),
]  # fmt: skip
TARGET = make_doc(
    1, "về việc cấp phép xây dựng", number="15", notation="QĐ-UBND",
    organ_name="Ủy ban nhân dân tỉnh Lạc Hồng",
)  # fmt: skip


@pytest.fixture
def corpus(backend):
    backend.bulk([*DECOYS, TARGET])
    return backend


def test_issue_example_finds_the_decision_first(corpus):
    results = corpus.search(query("quyet dinh 15 cap phep xay dung"))
    assert ids(results)[0] == 1
    assert results.total == len(results.hits)
    assert results.hits[0].title == (
        "Quyết định số 15/QĐ-UBND về việc cấp phép xây dựng"
    )


@pytest.mark.parametrize(
    "typed",
    [
        "15/QĐ-UBND",
        "15/qd-ubnd",
        "QĐ-UBND",
        "qd-ubnd",
        "15/QĐ",
        "Quyết định 15/QĐ-UBND",
    ],
)
def test_number_and_notation_find_the_document(corpus, typed):
    results = corpus.search(query(typed))
    assert ids(results)[0] == 1, (typed, ids(results))


def test_notation_in_the_body_also_matches_but_below_the_document_itself(corpus):
    results = corpus.search(query("15/QĐ-UBND"))
    assert ids(results)[:2] == [1, 4]


def test_accent_insensitive_d_with_stroke_and_nfd_query(backend):
    backend.bulk([make_doc(1, "Đồng ý chủ trương đầu tư"), make_doc(2, "dòng chảy")])
    for typed in ("dong y dau tu", "ĐỒNG Ý", "Đồng ý", "đồng ý"):
        assert ids(backend.search(query(typed))) == [1], typed
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Đồng ý đầu tư")
    assert ids(backend.search(query(nfd))) == [1]


@pytest.mark.parametrize(
    ("indexed", "typed", "decoy"),
    [("hoà giải", "hòa giải", "hóa giải"), ("hòa giải", "hoà giải", "hóa giải"),
     ("thuỷ lợi", "thủy lợi", "thùy lỗi"), ("thủy lợi", "thuỷ lợi", "thùy lỗi"),
     ("quý I", "qúy I", "quy I"), ("khoẻ mạnh", "khỏe mạnh", "khóe manh")],
)  # fmt: skip
def test_old_and_new_tone_placement_find_each_other_as_exact_matches(
    backend, indexed, typed, decoy
):
    backend.bulk([make_doc(1, decoy), make_doc(2, indexed)])
    results = backend.search(query(typed))
    # Both fold alike; the one in the other tone placement is the exact match.
    assert ids(results) == [2, 1]
    assert results.hits[0].score > results.hits[1].score


def test_exact_accent_ranks_above_folded_only(backend):
    backend.bulk(
        [
            make_doc(1, "hóa chất độc hại"),
            make_doc(2, "hòa giải ở cơ sở"),
            make_doc(3, "họa sĩ vẽ tranh"),
        ]
    )
    assert ids(backend.search(query("hòa")))[0] == 2
    assert ids(backend.search(query("hóa")))[0] == 1
    # Unaccented: all three, none preferred for accents.
    assert sorted(ids(backend.search(query("hoa")))) == [1, 2, 3]


def test_phrase_ranks_above_scattered_words(backend):
    backend.bulk(
        [
            make_doc(1, "kế hoạch hỏa táng và xây dựng nghĩa trang"),
            make_doc(2, "hỏa hoạn tại khu táng cũ, kế hoạch xây dựng"),
        ]
    )
    assert ids(backend.search(query("hoa tang")))[0] == 1
    quoted = backend.search(query('"hoa tang"'))
    assert ids(quoted) == [1]


def test_adjacent_words_rank_above_the_same_words_apart(backend):
    # Same words, same length, same fields: only adjacency differs.
    backend.bulk(
        [
            make_doc(1, "táng lễ và hỏa hoạn", number="", notation=""),
            make_doc(2, "hỏa táng và lễ hoạn", number="", notation=""),
        ]
    )
    results = backend.search(query("hoa tang"))
    assert ids(results) == [2, 1]
    assert results.hits[0].score > results.hits[1].score


def test_words_in_the_title_rank_above_words_in_the_body(backend):
    backend.bulk(
        [
            make_doc(1, "báo cáo tháng", text="kiểm tra thuế", number="", notation=""),
            make_doc(2, "kiểm tra thuế", text="báo cáo tháng", number="", notation=""),
        ]
    )
    results = backend.search(query("kiem tra"))
    assert ids(results) == [2, 1]
    assert results.hits[0].score > results.hits[1].score


def test_quoted_phrase_must_be_adjacent(backend):
    backend.bulk([make_doc(1, "cấp phép xây dựng"), make_doc(2, "xây nhà, cấp phép")])
    assert ids(backend.search(query('"cap phep xay dung"'))) == [1]


def test_phrases_of_two_to_six_words_match_exactly(backend):
    backend.bulk(
        [
            make_doc(1, "ứng dụng công nghệ thông tin trong cơ quan"),
            make_doc(2, "công nghệ ứng dụng, thông tin dịch vụ"),  # other order
            make_doc(3, "an toàn thông tin mạng", text="công nghệ thông tin"),
            make_doc(4, "công nghệ và thông tin"),  # the words apart
        ]
    )
    found = lambda text: sorted(ids(backend.search(query(text))))  # noqa: E731
    assert found('"ung dung cong nghe thong tin"') == [1]
    assert found('"cong nghe thong tin"') == [1, 3]
    assert found('"nghe thong"') == [1, 3]
    assert found('"thong tin"') == [1, 2, 3, 4]
    assert found('"thong tin cong nghe"') == []
    # Typed with accents whose letters are all Latin-1: searched as typed (it was
    # once taken for VNI and garbled into "an tồn thơng tin").
    assert found('"an toàn thông tin"') == [3]
    results = backend.search(query('"cong nghe thong tin"'))
    assert results.total == 2
    for name, values in results.facets.items():
        assert sum(f.count for f in values) == 2, name


def test_body_text_is_searched_and_snippet_keeps_accents(backend):
    backend.bulk(
        [
            make_doc(
                1, "Báo cáo tháng", text="Tình hình hồ sơ trễ hạn tại bộ phận một cửa"
            )
        ]
    )
    results = backend.search(query("ho so tre han"))
    assert ids(results) == [1]
    snippet = results.hits[0].snippet
    assert (
        "<mark>hồ</mark> <mark>sơ</mark> <mark>trễ</mark> <mark>hạn</mark>" in snippet
    )


def test_snippet_escapes_html_of_the_document(backend):
    backend.bulk([make_doc(1, "Thông báo", text="<script>alert(1)</script> ngân sách")])
    snippet = backend.search(query("ngan sach")).hits[0].snippet
    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet


# --- permissions ------------------------------------------------------------


ACL_DOCS = [
    make_doc(1, "ngân sách tỉnh năm 2025", acl=("g:10",), organisation_id=1),
    make_doc(2, "ngân sách huyện năm 2025", acl=("g:20",), organisation_id=2,
             document_type="cong_van", text="ngân sách bí mật của huyện"),
    make_doc(3, "ngân sách xã", acl=("u:7",), organisation_id=2, urgency=3),
    make_doc(4, "ngân sách quốc phòng", acl=("g:10",), organisation_id=1, secrecy=2),
]  # fmt: skip


@pytest.mark.parametrize(
    ("acl", "expected"),
    [
        (Acl(frozenset({"g:10"}), 0), {1}),
        (Acl(frozenset({"g:10"}), 2), {1, 4}),
        (Acl(frozenset({"g:20", "u:7"}), 3), {2, 3}),
        (Acl(frozenset({"u:7"}), 0), {3}),
        (Acl(frozenset({"u:8"}), 3), set()),
        (Acl(frozenset(), 3), set()),
        (Acl(None, 0), {1, 2, 3}),
        (Acl(None, 3), {1, 2, 3, 4}),
    ],
)
def test_acl_limits_hits_counts_and_facets(backend, acl, expected):
    backend.bulk(ACL_DOCS)
    for q in (query("ngan sach", acl=acl), query("", acl=acl)):
        results = backend.search(q)
        assert set(ids(results)) == expected
        assert results.total == len(expected)
        for name, values in results.facets.items():
            assert sum(f.count for f in values) == len(expected), name
        orgs = {f.value for f in results.facets.get("organisation", [])}
        assert orgs == {str(d.organisation_id) for d in ACL_DOCS if d.id in expected}
        types = {f.value for f in results.facets.get("document_type", [])}
        assert types == {d.document_type for d in ACL_DOCS if d.id in expected}


def test_snippets_never_show_text_of_a_hidden_document(backend):
    backend.bulk(ACL_DOCS)
    results = backend.search(query("bi mat", acl=Acl(frozenset({"g:10"}), 3)))
    assert results.total == 0
    assert results.hits == []
    assert all(not values for values in results.facets.values())


# --- filters, sort, paging ----------------------------------------------------


def test_filters_narrow_hits_and_facets(backend):
    backend.bulk(
        [
            make_doc(1, "kế hoạch chuyển đổi số", issued_date=date(2023, 5, 1)),
            make_doc(2, "kế hoạch chuyển đổi số", issued_date=date(2025, 5, 1),
                     document_type="ke_hoach", urgency=2),
            make_doc(3, "kế hoạch chuyển đổi số", issued_date=date(2025, 9, 1),
                     organisation_id=2, state="registered"),
        ]
    )  # fmt: skip
    q = lambda **f: ids(backend.search(query("chuyen doi so", filters=Filters(**f))))  # noqa: E731
    assert sorted(q()) == [1, 2, 3]
    assert q(document_types=("ke_hoach",)) == [2]
    assert sorted(q(organisation_ids=(1,))) == [1, 2]
    assert q(urgencies=(2,)) == [2]
    assert q(states=("registered",)) == [3]
    assert sorted(q(years=(2025,))) == [2, 3]
    assert q(date_from=date(2025, 6, 1)) == [3]
    assert q(date_to=date(2024, 1, 1)) == [1]
    facets = backend.search(query("chuyen doi so", filters=Filters(years=(2025,))))
    assert {f.value: f.count for f in facets.facets["year"]} == {"2025": 2}


def test_sort_by_date_and_cursor_paging(backend):
    backend.bulk(
        [make_doc(i, "báo cáo tuần", issued_date=date(2025, 1, i)) for i in range(1, 8)]
    )
    seen = []
    cursor = None
    while True:
        page = backend.search(query("bao cao", sort="date", limit=3, cursor=cursor))
        assert page.total == 7
        seen += ids(page)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [7, 6, 5, 4, 3, 2, 1]


# --- writing ------------------------------------------------------------------------


def test_update_replaces_and_delete_removes_at_once(backend):
    backend.bulk([make_doc(1, "tờ trình cũ"), make_doc(2, "tờ trình khác")])
    backend.index(make_doc(1, "tờ trình mới"))
    assert ids(backend.search(query("cu"))) == []
    assert ids(backend.search(query("moi"))) == [1]
    assert backend.count() == 2
    backend.delete([1, 999])
    assert ids(backend.search(query("to trinh"))) == [2]
    assert sorted(backend.get_ids()) == [2]
    backend.clear()
    assert backend.count() == 0


def test_rebuild_switches_atomically_while_a_reader_searches(backend):
    old = [make_doc(i, "văn bản cũ về ngân sách") for i in range(1, 201)]
    new = [make_doc(i, "văn bản mới về ngân sách") for i in range(1, 301)]
    backend.bulk(old)
    totals: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    # Another instance, as in another web process: it sees the switch only
    # through the index itself.
    other = type(backend)(**backend.options)

    def reader():
        while not stop.is_set():
            try:
                totals.append(other.search(query("ngan sach")).total)
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        time.sleep(0.05)

        def slow():
            for doc in new:
                if doc.id % 50 == 0:
                    time.sleep(0.02)
                yield doc

        assert backend.rebuild(slow()) == 300
        time.sleep(0.1)
    finally:
        stop.set()
        thread.join()
    assert not errors, errors
    # Every answer came from a complete index: the old one or the new one.
    assert set(totals) <= {200, 300}, sorted(set(totals))
    assert totals[0] == 200
    assert totals[-1] == 300
    assert backend.search(query("cu")).total == 0


def test_failed_rebuild_keeps_the_old_index(backend):
    backend.bulk([make_doc(1, "giữ nguyên")])

    def broken():
        yield make_doc(2, "một phần")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        backend.rebuild(broken())
    assert ids(backend.search(query("giu nguyen"))) == [1]
    assert backend.count() == 1


def test_tantivy_second_writer_waits_then_fails_cleanly(tmp_path):
    first = TantivyBackend(path=tmp_path / "idx", lock_timeout=0.3)
    second = TantivyBackend(path=tmp_path / "idx", lock_timeout=0.3)
    first.bulk([make_doc(1, "một")])
    with first._lock():
        started = time.monotonic()
        with pytest.raises(IndexLocked):
            second.bulk([make_doc(2, "hai")])
        assert time.monotonic() - started >= 0.25
    second.bulk([make_doc(2, "hai")])  # free again: the second writer goes ahead
    assert sorted(first.get_ids()) == [1, 2]


def test_tantivy_index_of_another_schema_is_refused_until_reindexed(tmp_path):
    import tantivy

    from search.backends.base import SearchBackendError

    old = TantivyBackend(path=tmp_path / "idx")
    old.bulk([make_doc(1, "cũ")])
    gen = tmp_path / "idx" / (tmp_path / "idx" / "CURRENT").read_text()
    # Replace the generation by an index of a different schema.
    import shutil

    shutil.rmtree(gen)
    gen.mkdir()
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("id", indexed=True)
    tantivy.Index(sb.build(), path=str(gen))
    fresh = TantivyBackend(path=tmp_path / "idx")
    with pytest.raises(SearchBackendError):
        fresh.search(query("cu"))
    assert "reindex" in fresh.check()[0]
    with pytest.raises(SearchBackendError):
        fresh.bulk([make_doc(2, "mới")])
    assert fresh.rebuild([make_doc(2, "mới")]) == 1
    assert ids(fresh.search(query("moi"))) == [2]
    assert fresh.check() == []
