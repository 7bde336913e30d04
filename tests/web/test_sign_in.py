"""Signing in and out, the lockout after repeated wrong passwords (django-axes), and
the language switch."""

from django.test import Client
from django.urls import reverse

from tests.web.conftest import DEMO_PASSWORD

SIGN_IN = reverse("login")


def sign_in(client: Client, username: str, password: str):
    return client.post(SIGN_IN, {"username": username, "password": password})


def test_the_sign_in_page_is_vietnamese_and_says_the_data_is_demo(demo, client):
    response = client.get(SIGN_IN)
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="vi">' in page
    assert "Hệ thống quản lý văn bản và điều hành" in page
    assert "Đăng nhập" in page
    assert "Bản cài đặt này có dữ liệu demo" in page
    assert "vanthu.stc" in page
    # The demo password itself is never shown.
    assert DEMO_PASSWORD not in page


def test_the_english_login_path_signs_in_too(demo, client):
    assert "Đăng nhập" in client.get("/login/").content.decode()
    response = client.post(
        "/login/?next=/quan-tri/",
        {"username": "quantri.stc", "password": DEMO_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/quan-tri/"


def test_a_clerk_signs_in_and_lands_on_their_work(demo, client):
    response = sign_in(client, "vanthu.stc", DEMO_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "Công việc của tôi" in home.content.decode()


def test_the_home_page_needs_signing_in(db, client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)


def test_a_wrong_password_is_refused_in_vietnamese(demo, client):
    response = sign_in(client, "vanthu.stc", "sai-mat-khau")
    assert response.status_code == 200
    assert "Vui lòng điền vào" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_five_wrong_passwords_lock_the_username_even_for_the_right_one(demo, client):
    for _ in range(4):
        assert sign_in(client, "vanthu.stc", "sai-mat-khau").status_code == 200

    locked = sign_in(client, "vanthu.stc", "sai-mat-khau")
    page = locked.content.decode()
    assert locked.status_code == 429
    assert "Tạm khóa đăng nhập" in page
    assert "5 lần liên tiếp" in page
    assert "Vui lòng thử lại sau 15 phút." in page

    right = sign_in(client, "vanthu.stc", DEMO_PASSWORD)
    assert right.status_code == 429
    assert "Tạm khóa đăng nhập" in right.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 302

    # The lockout is per username: a colleague behind the same address signs in.
    assert sign_in(Client(), "lanhdao.stc", DEMO_PASSWORD).status_code == 302


def test_signing_out_is_a_post(demo, client):
    sign_in(client, "vanthu.stc", DEMO_PASSWORD)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == SIGN_IN
    assert "_auth_user_id" not in client.session


def test_the_interface_switches_to_english_and_back(client_for):
    client = client_for("vanthu.stc")
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("home")}
    )
    assert response.status_code == 302
    page = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in page
    assert "My work" in page
    assert "To receive" in page
    assert "No document is waiting" in page
    assert "Công việc của tôi" not in page

    client.post(reverse("set_language"), {"language": "vi", "next": "/"})
    assert "Công việc của tôi" in client.get(reverse("home")).content.decode()
