"""The search page through Django's test client: a person sees only the documents
they may open (hits, snippets, counts, facets, export); filters and facets; the
export; saved searches per owner; every bad input of issue 6 gets a clear
Vietnamese message on the page, never an error page."""

import csv
import io
from datetime import date

import pytest
from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm
from openpyxl import load_workbook

from directory.models import Organisation, Role, User
from directory.permissions import role_group_name
from documents.models import Document, DocumentType
from documents.permissions import VIEW_DOCUMENT_CODENAME
from search.models import SavedSearch
from search.services import reindex_all
from search.views import safe_snippet

pytestmark = pytest.mark.usefixtures("demo", "search_index")

STC, SNV = "000.00.02.H99", "000.00.03.H99"
LEADERS = (Role.VAN_THU, Role.LANH_DAO_CO_QUAN, Role.LUU_TRU_VIEN)


def _doc(code, subject, *, type="cong_van", number="7", notation="UBND-KT", **kw):
    org = Organisation.objects.get(code=code)
    document = Document.objects.create(
        organisation=org,
        direction="den",
        state="registered",
        document_type=DocumentType.objects.get(code=type),
        code_number=number,
        code_notation=notation,
        organ_name=kw.pop("organ_name", "Ủy ban nhân dân tỉnh Lạc Hồng"),
        subject=subject,
        issued_date=kw.pop("issued_date", date(2025, 4, 2)),
        created_by=User.objects.get(username="vanthu.stc"),
        **kw,
    )
    for role in LEADERS:
        group = Group.objects.get(name=role_group_name(org.code, role))
        assign_perm(VIEW_DOCUMENT_CODENAME, group, document)
    return document


@pytest.fixture
def documents(demo):
    made = {
        "qd15": _doc(
            STC,
            "về việc cấp phép xây dựng",
            type="quyet_dinh",
            number="15",
            notation="QĐ-UBND",
        ),
        "cv": _doc(
            STC,
            "hướng dẫn hồ sơ cấp phép xây dựng nhà ở riêng lẻ",
            urgency=1,
            issued_date=date(2024, 6, 1),
        ),
        "script": _doc(STC, "ngân sách <script>alert(1)</script> & dự toán"),
        "snv": _doc(
            SNV,
            "cấp phép xây dựng trụ sở tại Hoàng Liên",
            organ_name="Sở Nội vụ tỉnh Lạc Hồng",
        ),
    }
    reindex_all()
    return made


def _get(client, **params):
    response = client.get("/tim-kiem/", params)
    assert response.status_code == 200
    return response


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get("/tim-kiem/?q=ngan+sach")
    assert response.status_code == 302
    assert "/dang-nhap/" in response["Location"]


def test_the_empty_page_invites_a_search(client_for):
    content = _get(client_for("chuyenvien.stc")).content.decode()
    assert "Tìm kiếm văn bản" in content
    assert "Hãy nhập" in content or "Nhập" in content
    assert "không tìm thấy" not in content.lower()


def test_each_person_sees_only_their_organisations_documents(client_for, documents):
    stc = _get(client_for("vanthu.stc"), q="cap phep xay dung")
    ids = [item["document"].pk for item in stc.context["hits"]]
    assert set(ids) == {documents["qd15"].pk, documents["cv"].pk}
    assert stc.context["results"].total == 2
    content = stc.content.decode()
    assert "Hoàng Liên" not in content
    assert "Sở Nội vụ" not in content
    for facet in stc.context["facets"]:
        assert sum(i["count"] for i in facet["items"]) == 2, facet["name"]

    snv = _get(client_for("vanthu.snv"), q="cap phep xay dung")
    assert [i["document"].pk for i in snv.context["hits"]] == [documents["snv"].pk]
    assert "Hoàng Liên" in snv.content.decode()


def test_the_best_hit_comes_first_with_its_accents_highlighted(client_for, documents):
    response = _get(client_for("vanthu.stc"), q="quyet dinh 15 cap phep xay dung")
    first = response.context["hits"][0]
    assert first["document"].pk == documents["qd15"].pk
    assert "<mark>Quyết</mark> <mark>định</mark>" in first["title"]
    assert (
        "<mark>cấp</mark> <mark>phép</mark> <mark>xây</mark> <mark>dựng</mark>"
        in (first["title"])
    )
    content = response.content.decode()
    assert "<mark>Quyết</mark>" in content
    assert f'href="/van-ban/{documents["qd15"].pk}/"' in content


def test_facets_count_and_filter(client_for, documents):
    client = client_for("vanthu.stc")
    response = _get(client, q="cap phep xay dung")
    facets = {f["name"]: f for f in response.context["facets"]}
    types = {i["label"]: i["count"] for i in facets["document_type"]["items"]}
    assert types == {"Quyết định": 1, "Công văn": 1}
    years = {i["label"]: i["count"] for i in facets["year"]["items"]}
    assert years == {"2025": 1, "2024": 1}
    cong_van = next(
        i for i in facets["document_type"]["items"] if i["label"] == "Công văn"
    )
    assert "document_type=cong_van" in cong_van["url"]
    filtered = client.get(cong_van["url"])
    assert [i["document"].pk for i in filtered.context["hits"]] == [documents["cv"].pk]
    assert filtered.context["chips"][0]["value"] == "Công văn"
    urgent = _get(client, q="cap phep xay dung", urgency="1")
    assert [i["document"].pk for i in urgent.context["hits"]] == [documents["cv"].pk]
    period = _get(
        client, q="cap phep xay dung", date_from="2025-01-01", date_to="2025-12-31"
    )
    assert period.context.get("error") is None, period.context.get("error")
    assert [i["document"].pk for i in period.context["hits"]] == [documents["qd15"].pk]
    by_date = _get(client, q="cap phep xay dung", sort="date")
    assert [i["document"].pk for i in by_date.context["hits"]] == [
        documents["qd15"].pk,
        documents["cv"].pk,
    ]


def test_user_text_in_snippets_is_escaped():
    assert (
        safe_snippet("<b>x</b> <mark>ấ</mark> &amp; <img src=x onerror=1></mark>")
        == "&lt;b&gt;x&lt;/b&gt; <mark>ấ</mark> &amp; &lt;img src=x onerror=1&gt;"
    )
    assert safe_snippet("<mark>a") == "<mark>a</mark>"


def test_a_subject_with_markup_is_shown_as_text(client_for, documents):
    content = _get(client_for("vanthu.stc"), q="ngan sach").content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


def test_paging_with_the_cursor(client_for, documents):
    client = client_for("vanthu.stc")
    for n in range(25):
        _doc(STC, f"kế hoạch phòng cháy số {n}")
    reindex_all()
    first = _get(client, q="ke hoach phong chay")
    assert first.context["results"].total == 25
    assert len(first.context["hits"]) == 20
    assert first.context["next_url"]
    second = client.get(first.context["next_url"])
    assert len(second.context["hits"]) == 5
    assert not second.context["next_url"]
    seen = {i["document"].pk for i in first.context["hits"]} | {
        i["document"].pk for i in second.context["hits"]
    }
    assert len(seen) == 25
    assert "Xem thêm" in first.content.decode()


def test_no_results(client_for, documents):
    content = _get(client_for("vanthu.stc"), q="khong co van ban nao").content
    assert "Không có văn bản nào khớp" in content.decode()


BAD_INPUT = [
    ({"q": "!!! ,,, ??? ..."}, "không có từ hoặc số nào để tìm"),
    ({"q": "a" * 10_000}, "Nội dung tìm kiếm quá dài"),
    ({"q": '"cap phep xay dung'}, "Đã bỏ qua một dấu ngoặc kép"),
    ({"q": "cap phep", "document_type": "' OR 1=1 --"}, "Bộ lọc “loại văn bản”"),
    ({"q": "cap phep", "organisation": "1; DROP TABLE x"}, "Bộ lọc “cơ quan"),
    ({"q": "cap phep", "register": "1 OR 1=1"}, "Bộ lọc “sổ đăng ký”"),
    ({"q": "cap phep", "urgency": "<script>"}, "Bộ lọc “độ khẩn”"),
    ({"q": "cap phep", "secrecy": "3' --"}, "Bộ lọc “độ mật”"),
    ({"q": "cap phep", "state": "issued' OR '1'='1"}, "Bộ lọc “trạng thái”"),
    ({"q": "cap phep", "year": "2025 OR 1"}, "Bộ lọc “năm”"),
    ({"q": "cap phep", "date_from": "2025-01-01' --"}, "Ngày ở ô “từ ngày”"),
    ({"q": "cap phep", "date_to": "'; DELETE"}, "Ngày ở ô “đến ngày”"),
    ({"q": "cap phep", "sort": "id desc"}, "Cách sắp xếp không hợp lệ"),
    ({"q": "cap phep", "cursor": "not-a-cursor"}, "Trang kết quả này không còn hợp lệ"),
]


@pytest.mark.parametrize(("params", "message"), BAD_INPUT)
def test_bad_input_gets_a_clear_message(client_for, documents, params, message):
    response = _get(client_for("vanthu.stc"), **params)
    content = response.content.decode()
    assert message in content
    assert "Hoàng Liên" not in content
    assert "<script>" not in content.split("<main", 1)[1]


def test_engine_syntax_finds_only_what_the_person_may_open(client_for, documents):
    for q in ("*:*", "acl:* OR id:[0 TO 99999]", "xay AND dung OR *", "/.*/"):
        response = _get(client_for("vanthu.stc"), q=q)
        assert "Hoàng Liên" not in response.content.decode()
        for item in response.context.get("hits", []):
            assert item["document"].organisation.code == STC


def test_a_filter_on_an_organisation_the_person_cannot_see(client_for, documents):
    snv = Organisation.objects.get(code=SNV)
    response = _get(client_for("vanthu.stc"), q="cap phep", organisation=str(snv.pk))
    content = response.content.decode()
    assert "Bạn không có quyền tìm kiếm văn bản của cơ quan, tổ chức này." in content
    assert "Hoàng Liên" not in content
    assert "results" not in response.context or not response.context["results"]
    # A filter alone (no words) is refused the same way.
    alone = _get(client_for("vanthu.stc"), organisation=str(snv.pk))
    assert "Bạn không có quyền tìm kiếm" in alone.content.decode()


def _csv_rows(response):
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_export_csv_holds_every_visible_hit(client_for, documents):
    response = client_for("vanthu.stc").get(
        "/tim-kiem/xuat/", {"q": "cap phep xay dung", "format": "csv"}
    )
    assert "attachment" in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert rows[0] == [
        "STT",
        "Số, ký hiệu",
        "Ngày văn bản",
        "Cơ quan ban hành",
        "Trích yếu",
        "Loại văn bản",
    ]
    assert rows[1] == [
        "1",
        "15/QĐ-UBND",
        "02/04/2025",
        "Ủy ban nhân dân tỉnh Lạc Hồng",
        "về việc cấp phép xây dựng",
        "Quyết định",
    ]
    assert len(rows) == 3
    assert "Hoàng Liên" not in response.content.decode()


def test_export_xlsx(client_for, documents):
    response = client_for("vanthu.snv").get(
        "/tim-kiem/xuat/", {"q": "cap phep xay dung", "format": "xlsx"}
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][4] == "cấp phép xây dựng trụ sở tại Hoàng Liên"
    assert rows[1][3] == "Sở Nội vụ tỉnh Lạc Hồng"


def test_export_neutralises_formulas(client_for, documents):
    _doc(STC, '=HYPERLINK("http://x") cấp phép xây dựng')
    reindex_all()
    response = client_for("vanthu.stc").get(
        "/tim-kiem/xuat/", {"q": "cap phep xay dung", "format": "csv"}
    )
    subjects = [r[4] for r in _csv_rows(response)[1:]]
    assert '\'=HYPERLINK("http://x") cấp phép xây dựng' in subjects


def test_export_of_bad_input_goes_back_with_the_message(client_for, documents):
    client = client_for("vanthu.stc")
    response = client.get(
        "/tim-kiem/xuat/",
        {"q": "cap phep", "urgency": "x", "format": "csv"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Bộ lọc “độ khẩn”" in response.content.decode()
    nothing = client.get("/tim-kiem/xuat/", {"format": "csv"}, follow=True)
    assert "Hãy tìm kiếm trước" in nothing.content.decode()


def test_saved_searches_belong_to_their_owner(client_for, documents):
    stc, snv = client_for("vanthu.stc"), client_for("vanthu.snv")
    response = stc.post(
        "/tim-kiem/da-luu/",
        {"name": "Cấp phép khẩn", "q": "cap phep xay dung", "urgency": "1"},
        follow=True,
    )
    assert "Đã lưu tìm kiếm “Cấp phép khẩn”" in response.content.decode()
    saved = SavedSearch.objects.get()
    assert saved.owner.username == "vanthu.stc"
    assert saved.filters == {"urgency": ["1"]}
    assert "Cấp phép khẩn" in _get(stc).content.decode()
    assert "Cấp phép khẩn" not in _get(snv).content.decode()

    run = stc.get(f"/tim-kiem/da-luu/{saved.pk}/", follow=True)
    assert [i["document"].pk for i in run.context["hits"]] == [documents["cv"].pk]
    assert snv.get(f"/tim-kiem/da-luu/{saved.pk}/").status_code == 404

    refused = snv.post(f"/tim-kiem/da-luu/{saved.pk}/xoa/", follow=True)
    assert "Không tìm thấy tìm kiếm đã lưu này" in refused.content.decode()
    assert SavedSearch.objects.filter(pk=saved.pk).exists()
    stc.post(f"/tim-kiem/da-luu/{saved.pk}/xoa/")
    assert not SavedSearch.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "q": "cap phep"}, "Trường này là bắt buộc"),
        ({"name": "Rỗng", "q": ""}, "Không có gì để lưu"),
        (
            {"name": "X", "q": "cap phep", "organisation": "999999"},
            "Bạn không có quyền",
        ),
        ({"name": "X", "q": "cap phep", "state": "bogus"}, "Bộ lọc “trạng thái”"),
    ],
)
def test_saving_bad_input_is_refused(client_for, documents, data, message):
    response = client_for("vanthu.stc").post("/tim-kiem/da-luu/", data, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SavedSearch.objects.exists()


@pytest.mark.parametrize(
    "login",
    ["vanthu.stc", "lanhdao.stc", "chuyenvien.stc", "luutru.stc", "quantri.stc"],
)
def test_every_role_has_the_search_entry_and_the_header_box(client_for, login):
    content = client_for(login).get("/").content.decode()
    assert 'href="/tim-kiem/"' in content
    assert 'class="header-search"' in content


def test_facets_show_the_most_frequent_values_and_the_one_in_force(client_for):
    from search.backends.base import FacetCount, SearchResults
    from search.views import FACET_SHOWN, _facets

    years = [FacetCount(str(2000 + i), 100 - i) for i in range(FACET_SHOWN + 5)]
    results = SearchResults(total=1000, hits=[], facets={"year": years})
    shown = _facets(results, "ngan sach", {}, "relevance")[0]["items"]
    assert [i["label"] for i in shown] == [str(2000 + i) for i in range(FACET_SHOWN)]
    assert [i["count"] for i in shown] == list(range(100, 100 - FACET_SHOWN, -1))
    rare = str(2000 + FACET_SHOWN + 4)
    shown = _facets(results, "ngan sach", {"year": [rare]}, "relevance")[0]["items"]
    assert len(shown) == FACET_SHOWN + 1
    assert shown[-1]["label"] == rare and shown[-1]["active"]
    assert "year=" not in shown[-1]["url"]  # its link lifts the filter
