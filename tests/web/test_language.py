"""Vietnamese first: the browser's Accept-Language does not switch the interface;
only the person's own choice does."""

import pytest
from django.conf import settings


@pytest.mark.django_db
def test_english_browser_still_gets_vietnamese(client):
    page = client.get("/dang-nhap/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="vi"' in page.content.decode()
    assert "Đăng nhập" in page.content.decode()


@pytest.mark.django_db
def test_chosen_english_is_kept(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/dang-nhap/"})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get("/dang-nhap/", HTTP_ACCEPT_LANGUAGE="vi")
    assert 'lang="en"' in page.content.decode()
    assert "Sign in" in page.content.decode()


@pytest.mark.django_db
def test_unknown_language_cookie_falls_back_to_vietnamese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = client.get("/dang-nhap/")
    assert 'lang="vi"' in page.content.decode()
