"""Every demo role finds its own work on the home page, in Vietnamese, and only the
navigation that fits its roles."""

import re

import pytest
from django.urls import reverse

QUEUE_HEADINGS = {
    "vanthu.stc": ["Chờ tiếp nhận", "Chờ cấp số, đóng dấu", "Chờ phát hành"],
    "lanhdao.stc": ["Chờ phân công", "Chờ duyệt", "Chờ ký"],
    "pholanhdao.stc": ["Chờ phân công", "Chờ duyệt", "Chờ ký"],
    "truongphong.stc": ["Chờ phân công", "Chờ xử lý", "Chờ duyệt"],
    "chuyenvien.stc": ["Chờ xử lý"],
    "luutru.stc": ["Hồ sơ chờ tiếp nhận"],
    "quantri.stc": [],
    "quantri.tinh": [],
}


def queue_headings(page: str) -> list[str]:
    return re.findall(r'<h3 id="queue-[^"]+">\s*<a [^>]*>([^<]+)</a>', page)


@pytest.mark.parametrize("username", QUEUE_HEADINGS)
def test_each_demo_role_sees_its_own_queues(client_for, person, username):
    response = client_for(username).get(reverse("home"))
    page = response.content.decode()

    assert response.status_code == 200
    assert "<h1>Công việc của tôi</h1>" in page
    assert queue_headings(page) == QUEUE_HEADINGS[username]
    if QUEUE_HEADINGS[username]:
        empty = (
            "Không có hồ sơ nào đang chờ"
            if username == "luutru.stc"
            else ("Không có văn bản nào đang chờ")
        )
        assert page.count(empty) == len(QUEUE_HEADINGS[username])
    else:
        assert "Vai trò của bạn không có hàng đợi văn bản." in page
    # The header says who is signed in, where, and that the agency is a demo one.
    someone = person(username)
    assert someone.full_name in page
    assert someone.position.name in page
    assert someone.organisation.name in page
    assert 'class="demo-ribbon"' in page


@pytest.mark.parametrize("username", ["quantri.stc", "quantri.tinh"])
def test_administrators_find_the_administration(client_for, username):
    page = client_for(username).get(reverse("home")).content.decode()
    administration = reverse("directory:organisations")
    assert f'href="{administration}"' in page
    assert "Mở trang quản trị" in page


@pytest.mark.parametrize(
    "username", ["vanthu.stc", "lanhdao.stc", "chuyenvien.stc", "luutru.stc"]
)
def test_others_get_no_administration_link(client_for, username):
    page = client_for(username).get(reverse("home")).content.decode()
    assert reverse("directory:organisations") not in page
    assert reverse("admin:index") not in page


def test_delegations_in_force_are_listed_on_both_sides(client_for, person):
    director, deputy = person("lanhdao.stc"), person("pholanhdao.stc")

    page = client_for("lanhdao.stc").get(reverse("home")).content.decode()
    assert "Đang xử lý thay bạn" in page
    assert deputy.full_name in page

    page = client_for("pholanhdao.stc").get(reverse("home")).content.decode()
    assert "Bạn được xử lý thay" in page
    assert f"Xử lý thay {director.full_name}" in page
    # The acting-for selector offers the director.
    assert f'<option value="{director.pk}"' in page


def test_the_home_page_costs_a_bounded_number_of_queries(
    client_for, django_assert_max_num_queries
):
    client = client_for("pholanhdao.stc")
    # 16: with the header bell's count and the late card, one query each.
    with django_assert_max_num_queries(16):
        client.get(reverse("home"))


def test_a_leader_reaches_batch_signing_from_the_sign_queue(client_for):
    page = client_for("lanhdao.stc").get(reverse("home")).content.decode()
    assert f'href="{reverse("workflow:batch_new")}"' in page
    assert "Ký số nhiều dự thảo cùng lúc" in page
    queue = client_for("lanhdao.stc").get(reverse("workflow:queue", args=["sign"]))
    assert reverse("workflow:batch_new") in queue.content.decode()
    clerk = client_for("vanthu.stc").get(reverse("home")).content.decode()
    assert reverse("workflow:batch_new") not in clerk
