"""search.services against the database: the index holds exactly what
document_list_visible shows each person; file text and the OCR hook; indexing
through the outbox; every bad input gets a clear Vietnamese answer."""

import io
from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from guardian.shortcuts import assign_perm, remove_perm

from core.events import event_deliver
from core.models import OutboxEvent
from core.outbox import outbox_publish
from directory.models import Organisation, Role, User
from directory.permissions import role_group_name
from documents.models import Document, DocumentType
from documents.permissions import VIEW_DOCUMENT_CODENAME
from documents.selectors import document_list_visible
from documents.services import document_register_incoming
from search import acl, services
from search.services import index_documents_for, reindex_all, search
from vanthu.celery import app as celery_app

from ..documents.pdf_samples import scan_pdf, text_pdf

pytestmark = pytest.mark.usefixtures("demo", "search_index")

USERS = [
    "vanthu.stc",
    "lanhdao.stc",
    "pholanhdao.stc",
    "chuyenvien.stc",
    "truongphong.stc",
    "luutru.stc",
    "quantri.stc",
    "vanthu.snv",
    "chuyenvien.snv",
]


def _org(code):
    return Organisation.objects.get(code=code)


def _doc(org, subject, *, roles=(), people=(), secrecy=0, state="registered", **kw):
    document = Document.objects.create(
        organisation=org,
        direction=kw.pop("direction", "den"),
        state=state,
        document_type=DocumentType.objects.get(code=kw.pop("type", "cong_van")),
        code_number=kw.pop("number", "7"),
        code_notation=kw.pop("notation", "UBND-KT"),
        organ_name=kw.pop("organ_name", "Ủy ban nhân dân tỉnh Lạc Hồng"),
        subject=subject,
        secrecy=secrecy,
        issued_date=kw.pop("issued_date", date(2025, 4, 2)),
        created_by=User.objects.get(username="vanthu.stc"),
        **kw,
    )
    for role in roles:
        group = Group.objects.get(name=role_group_name(org.code, role))
        assign_perm(VIEW_DOCUMENT_CODENAME, group, document)
    for login in people:
        assign_perm(VIEW_DOCUMENT_CODENAME, User.objects.get(username=login), document)
    return document


@pytest.fixture
def documents(demo):
    stc, snv = _org("000.00.02.H99"), _org("000.00.03.H99")
    leaders = (Role.VAN_THU, Role.LANH_DAO_CO_QUAN, Role.LUU_TRU_VIEN)
    made = [
        _doc(stc, "hướng dẫn lập dự toán ngân sách năm 2026", roles=leaders),
        _doc(stc, "ngân sách chi thường xuyên", roles=(Role.CHUYEN_VIEN,)),
        _doc(stc, "ngân sách mật", roles=leaders, secrecy=1),
        _doc(stc, "ngân sách tối mật", roles=leaders, secrecy=2),
        _doc(stc, "ngân sách tuyệt mật", roles=leaders, secrecy=3),
        _doc(stc, "dự thảo tờ trình ngân sách", people=["chuyenvien.stc"]),
        _doc(stc, "ngân sách thu hồi", roles=leaders, state="recalled"),
        _doc(snv, "biên chế và ngân sách của Sở Nội vụ", roles=leaders),
        _doc(snv, "ngân sách gửi riêng", people=["truongphong.stc"]),
        _doc(stc, "không ai được xem ngân sách này"),
    ]
    reindex_all()
    return made


@pytest.fixture
def eager_tasks():
    """Celery tasks run in this process when sent (the broker path is covered by
    core's outbox tests; here: event -> consumer -> task -> index)."""
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


def _searchable(user):
    return set(
        document_list_visible(user=user)
        .exclude(state__in=services.HIDDEN_STATES)
        .values_list("pk", flat=True)
    )


@pytest.mark.parametrize("login", USERS)
def test_match_all_returns_exactly_what_document_list_visible_shows(documents, login):
    user = User.objects.get(username=login)
    results = search(user=user, query="", match_all=True, limit=100)
    expected = _searchable(user)
    assert {h.id for h in results.hits} == expected
    assert results.total == len(expected)
    for name, values in results.facets.items():
        assert sum(f.count for f in values) == len(expected), name
    # And a word query sees the same subset.
    words = search(user=user, query="ngan sach", limit=100)
    assert {h.id for h in words.hits} <= expected


def _among(user, ids) -> set[int]:
    return set(acl.documents_visible_among(user, ids).values_list("pk", flat=True))


@pytest.mark.parametrize("login", USERS)
def test_visible_among_the_hits_is_document_list_visible(documents, login):
    """The page's re-check of its hits (search.acl.documents_visible_among) is
    document_list_visible for those ids: grants to the person or their groups,
    secrecy within the clearance."""
    user = User.objects.get(username=login)
    every = [d.pk for d in documents]
    visible = document_list_visible(user=user).filter(pk__in=every)
    expected = set(visible.values_list("pk", flat=True))
    assert _among(user, every) == expected
    assert _among(user, every[:4]) == expected & set(every[:4])


def test_visible_among_for_superuser_inactive_and_nothing(documents):
    every = [d.pk for d in documents]
    root = User.objects.create_superuser("search-root-2", password="x", clearance=1)
    assert _among(root, every) == {d.pk for d in documents if d.secrecy <= 1}
    gone = User.objects.get(username="vanthu.stc")
    gone.is_active = False
    gone.save()
    assert _among(gone, every) == set()
    assert _among(root, []) == set()


def test_superuser_and_inactive_person(documents):
    root = User.objects.create_superuser("search-root", password="x", clearance=3)
    seen = {h.id for h in search(user=root, query="", match_all=True, limit=100).hits}
    assert seen == _searchable(root)
    assert len(seen) == len(documents) - 1  # all but the recalled one
    gone = User.objects.get(username="vanthu.stc")
    gone.is_active = False
    gone.save()
    nothing = search(user=gone, query="ngan sach", limit=100)
    assert nothing.total == 0
    assert nothing.facets == {} or all(not v for v in nothing.facets.values())


def test_other_organisation_sees_nothing_of_stc_in_hits_counts_facets(documents):
    outsider = User.objects.get(username="vanthu.snv")
    results = search(user=outsider, query="ngan sach", limit=100)
    stc = _org("000.00.02.H99")
    assert all(
        Document.objects.get(pk=h.id).organisation_id != stc.pk for h in results.hits
    )
    orgs = {f.value for f in results.facets["organisation"]}
    assert str(stc.pk) not in orgs
    assert "thường xuyên" not in " ".join(h.snippet for h in results.hits)


@pytest.mark.usefixtures("eager_tasks")
def test_grant_and_secrecy_changes_reach_the_index(documents):
    clerk = User.objects.get(username="chuyenvien.stc")
    secret = documents[2]  # ngân sách mật, for leaders
    assert secret.pk not in {h.id for h in search(user=clerk, query="mat").hits}
    with transaction.atomic():
        assign_perm(VIEW_DOCUMENT_CODENAME, clerk, secret)
        outbox_publish(
            topic="documents.permissions_changed", payload={"document_id": secret.pk}
        )
    _deliver_last("documents.permissions_changed")
    # Granted, but the clearance is 0: still not found, as on the list.
    assert secret.pk not in {h.id for h in search(user=clerk, query="mat").hits}
    clerk.clearance = 1
    clerk.save()
    assert secret.pk in {h.id for h in search(user=clerk, query="ngan sach mat").hits}
    with transaction.atomic():
        remove_perm(VIEW_DOCUMENT_CODENAME, clerk, secret)
        outbox_publish(
            topic="documents.permissions_changed", payload={"document_id": secret.pk}
        )
    _deliver_last("documents.permissions_changed")
    assert secret.pk not in {h.id for h in search(user=clerk, query="mat").hits}
    assert _searchable(clerk) == {
        h.id for h in search(user=clerk, query="", match_all=True, limit=100).hits
    }


# --- indexing through the outbox -----------------------------------------------


def _deliver_last(topic):
    event = OutboxEvent.objects.filter(topic=topic).latest("pk")
    return event_deliver(event_pk=event.pk)


def upload(data, name="van-ban.pdf"):
    stream = io.BytesIO(data)
    stream.name = name
    return stream


def _register(subject, data, **meta):
    return document_register_incoming(
        organisation=_org("000.00.02.H99"),
        main_file=upload(data),
        metadata={
            "document_type": "cong_van",
            "organ_name": "Sở Nội vụ tỉnh Lạc Hồng",
            "organ_id": "000.00.03.H99",
            "code_number": "12",
            "code_notation": "STC-VP",
            "issued_date": "2026-01-05",
            "subject": subject,
            "signer_full_name": "Trần Văn Bình",
            "signer_position": "Giám đốc",
            **meta,
        },
        actor=User.objects.get(username="vanthu.stc"),
    )


@pytest.mark.usefixtures("eager_tasks")
def test_registration_event_indexes_the_file_text_and_recall_removes_it():
    clerk = User.objects.get(username="vanthu.stc")
    document = _register("V/v dự toán", text_pdf())
    # Nothing is indexed inline: only the outbox event exists.
    assert search(user=clerk, query="12/STC-VP").total == 0
    acted = _deliver_last("documents.incoming_registered")
    assert "search.consumers.reindex" in acted
    # The PDF's text layer is searchable, without accents typed.
    results = search(user=clerk, query="huong dan lap du toan ngan sach")
    assert [h.id for h in results.hits] == [document.pk]
    assert "<mark>hướng</mark>" in results.hits[0].snippet
    assert search(user=clerk, query="12/STC-VP").hits[0].id == document.pk
    # A second delivery of the same event does nothing (idempotent consumer).
    assert _deliver_last("documents.incoming_registered") == []
    # Recalled: gone at once when its event is consumed.
    with transaction.atomic():
        Document.objects.filter(pk=document.pk).update(state="recalled")
        outbox_publish(topic="documents.recalled", payload={"document_id": document.pk})
    _deliver_last("documents.recalled")
    assert search(user=clerk, query="12/STC-VP").total == 0


@pytest.mark.usefixtures("eager_tasks")
def test_deleted_document_disappears():
    clerk = User.objects.get(username="vanthu.stc")
    document = _register("V/v xóa thử", text_pdf())
    _deliver_last("documents.incoming_registered")
    assert search(user=clerk, query="xoa thu").total == 1
    pk = document.pk
    with transaction.atomic():
        Document.objects.filter(pk=pk).update(state="draft")  # keep the row simple
        outbox_publish(topic="documents.deleted", payload={"document_id": pk})
    # The task reads the database: a document that no longer exists is removed.
    services.get_backend().bulk(index_documents_for([pk]))
    Document.objects.filter(pk=pk).update(state="recalled")
    _deliver_last("documents.deleted")
    assert search(user=clerk, query="xoa thu").total == 0
    assert services.index_document(document_id=987654321) is False


def test_scan_without_text_layer_is_marked_for_ocr():
    document = _register("V/v bản quét", scan_pdf())
    (indexed,) = index_documents_for([document.pk])
    version = document.files.get().versions.get()
    assert indexed.needs_ocr == (version.pk,)
    assert indexed.text == ""


def test_text_pdf_is_not_marked_for_ocr():
    document = _register("V/v có chữ", text_pdf())
    (indexed,) = index_documents_for([document.pk])
    assert indexed.needs_ocr == ()
    assert "Độc lập - Tự do - Hạnh phúc" in indexed.text


# --- bad input ---------------------------------------------------------------


def _vi_error(call) -> str:
    with translation.override("vi"), pytest.raises(ValidationError) as exc:
        call()
    message = " ".join(exc.value.messages)
    assert message and not message.isascii(), message  # Vietnamese, with accents
    return message


@pytest.fixture
def clerk(documents):
    return User.objects.get(username="vanthu.stc")


def test_empty_query_answers_with_a_message(clerk):
    with translation.override("vi"):
        results = search(user=clerk, query="   ")
    assert results.total == 0 and results.hits == []
    assert results.message and not results.message.isascii()


def test_punctuation_only_query_answers_with_a_message(clerk):
    with translation.override("vi"):
        results = search(user=clerk, query="!!! ??? ... --- /// ((( )))")
    assert results.total == 0
    assert results.message and not results.message.isascii()


def test_ten_thousand_characters_are_refused(clerk):
    assert "500" in _vi_error(lambda: search(user=clerk, query="ngân sách " * 1000))


def test_too_many_words_are_refused(clerk):
    _vi_error(lambda: search(user=clerk, query=" ".join(f"từ{i}" for i in range(40))))


def test_unbalanced_quote_is_ignored_with_a_note(clerk):
    with translation.override("vi"):
        results = search(user=clerk, query='"ngân sách năm 2026')
    assert results.total >= 1
    assert results.message and not results.message.isascii()


@pytest.mark.parametrize(
    "typed",
    [
        "*:*",
        "*",
        "subject:* OR id:[0 TO 99999]",
        "acl:* OR secrecy:[0 TO 3]",
        'title:"ngân sách"~5^10 +mật -thường',
        "ngân AND (sách OR NOT mật)",
        "ngân\\ sách /regex.*/ {0 TO 1} fuzzy~2",
        "'; DROP TABLE documents_document; --",
        "<script>alert(1)</script>",
        "\x00\x01 ngân sách \u202e",
    ],
)
def test_engine_syntax_typed_by_a_person_is_only_words(documents, typed):
    user = User.objects.get(username="chuyenvien.stc")
    results = search(user=user, query=typed, limit=100)
    assert {h.id for h in results.hits} <= _searchable(user)
    for h in results.hits:
        assert "<script>" not in h.snippet


@pytest.mark.parametrize(
    "filters",
    [
        {"organisation": "1 OR 1=1"},
        {"organisation": ["1", "x"]},
        {"document_type": "cong_van' OR '1'='1"},
        {"urgency": "9"},
        {"secrecy": ["0", "99"]},
        {"state": "*"},
        {"direction": "<script>"},
        {"year": "abc"},
        {"year": "99999"},
        {"register": "1;DROP TABLE x"},
        {"date_from": "2025-13-01"},
        {"date_to": "'; --"},
        {"date_from": "2026-01-01", "date_to": "2025-01-01"},
        {"acl": "g:1"},
        {"organisation": [str(i) for i in range(100)]},
    ],
)
def test_injection_in_every_filter_is_refused(clerk, filters):
    _vi_error(lambda: search(user=clerk, query="ngân sách", filters=filters))


def test_filter_on_an_organisation_the_person_cannot_see(clerk):
    snv = _org("000.00.03.H99")
    hoabinh = _org("000.00.22.H99")
    # The clerk of STC sees no document of Hòa Bình: refused, same as unknown.
    unknown = _vi_error(
        lambda: search(user=clerk, query="", filters={"organisation": 99999})
    )
    hidden = _vi_error(
        lambda: search(user=clerk, query="", filters={"organisation": hoabinh.pk})
    )
    assert unknown == hidden
    # truongphong.stc was sent one document of the Sở Nội vụ: that filter works.
    head = User.objects.get(username="truongphong.stc")
    results = search(user=head, query="", filters={"organisation": snv.pk})
    assert {h.id for h in results.hits} == (
        _searchable(head)
        & set(Document.objects.filter(organisation=snv).values_list("pk", flat=True))
    )


def test_bad_sort_limit_and_cursor(clerk):
    _vi_error(lambda: search(user=clerk, query="ngân sách", sort="id desc"))
    _vi_error(lambda: search(user=clerk, query="ngân sách", limit=0))
    _vi_error(lambda: search(user=clerk, query="ngân sách", limit=10_000))
    _vi_error(lambda: search(user=clerk, query="ngân sách", cursor="not-a-cursor"))


def test_filters_work_for_valid_values(clerk):
    stc = _org("000.00.02.H99")
    results = search(
        user=clerk,
        query="ngan sach",
        filters={
            "organisation": [str(stc.pk)],
            "year": "2025",
            "document_type": "cong_van",
            "date_from": "2025-01-01",
            "date_to": "2025-12-31",
        },
        limit=100,
    )
    assert results.total >= 1
    assert {h.id for h in results.hits} <= _searchable(clerk)


# --- commands ------------------------------------------------------------------


def test_reindex_command_rebuilds_with_progress(documents, capsys):
    from django.core.management import call_command

    services.get_backend().clear()
    assert services.get_backend().count() == 0
    call_command("reindex")
    out, err = capsys.readouterr()
    assert f"indexed {len(documents) - 1} document(s)" in out
    assert "reindex" in err and "doc" in err  # the progress bar
    assert services.get_backend().count() == len(documents) - 1


def test_search_command_prints_json_as_the_person_sees_it(documents, capsys):
    import json

    from django.core.management import CommandError, call_command

    call_command("search", "ngan sach", user="chuyenvien.stc", json=True)
    data = json.loads(capsys.readouterr().out)
    user = User.objects.get(username="chuyenvien.stc")
    assert {h["id"] for h in data["hits"]} <= _searchable(user)
    assert data["total"] == len(data["hits"]) >= 1
    assert "<mark>" in data["hits"][0]["snippet"]
    call_command("search", "ngân sách", user="vanthu.stc", filter=["year=2025"])
    assert "document(s)" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("search", "x", user="nobody-here")
    with pytest.raises(CommandError):
        call_command("search", "x", user="vanthu.stc", filter=["organisation=1 OR 1"])


def test_reconcile_repairs_a_drifted_index(documents):
    backend = services.get_backend()
    first, recalled = documents[0], documents[6]
    backend.delete([first.pk])  # an update lost
    backend.bulk(
        [services._index_document(recalled, ("g:1",))]  # a recalled one left over
    )
    assert services.reconcile() == {"indexed": 1, "removed": 1}
    assert first.pk in set(backend.get_ids())
    assert recalled.pk not in set(backend.get_ids())
    assert services.reconcile() == {"indexed": 0, "removed": 0}


def test_legacy_text_pasted_in_the_box_is_searched_as_unicode(documents):
    clerk = User.objects.get(username="vanthu.stc")
    pasted = search(user=clerk, query="ng©n s¸ch", limit=100)  # TCVN3 "ngân sách"
    typed = search(user=clerk, query="ngân sách", limit=100)
    assert pasted.total == typed.total > 0


def test_filters_of_the_wrong_shape(clerk):
    _vi_error(lambda: search(user=clerk, query="ngân sách", filters="organisation=1"))
    _vi_error(lambda: search(user=clerk, query="ngân sách", filters=[("year", 1)]))


@pytest.mark.slow
@pytest.mark.usefixtures("eager_tasks")
def test_revised_draft_is_searched_by_its_new_text():
    from documents.services import draft_create, draft_revise

    from ..documents.test_services import draft_content

    author = User.objects.get(username="chuyenvien.stc")
    stc = _org("000.00.02.H99")
    draft = draft_create(organisation=stc, content=draft_content(), actor=author)
    _deliver_last("documents.draft_created")
    # The rendered PDF's text is indexed: a word of the body only.
    assert [h.id for h in search(user=author, query="hieu luc ke tu ngay ky").hits] == [
        draft.pk
    ]
    draft_revise(
        document=draft,
        content=draft_content(subject="Về việc quyết toán kinh phí sửa chữa trụ sở"),
        actor=author,
    )
    _deliver_last("documents.draft_revised")
    assert search(user=author, query="sua chua tru so").hits[0].id == draft.pk
    # Both versions' texts stay searchable (every file version is indexed), but
    # the old subject is no longer the title.
    hit = search(user=author, query="quyet toan kinh phi").hits[0]
    assert hit.title.endswith("Về việc quyết toán kinh phí sửa chữa trụ sở")
    # A leader of another organisation finds nothing.
    outsider = User.objects.get(username="lanhdao.snv")
    assert search(user=outsider, query="sua chua tru so").total == 0


def test_engine_failure_is_a_clear_answer_not_an_error_page(clerk, monkeypatch):
    from search.backends.base import SearchBackendError

    def broken(_query):
        raise SearchBackendError("index corrupt")

    monkeypatch.setattr(services.get_backend(), "search", broken)
    message = _vi_error(lambda: search(user=clerk, query="ngân sách"))
    assert "index corrupt" not in message
