"""An installation without the demo province says nothing about demo data.

In a module of its own: the other sign-in tests seed the demo province for their
whole module."""

from django.urls import reverse


def test_without_demo_data_there_is_no_demo_notice(db, client):
    page = client.get(reverse("login")).content.decode()
    assert "Hệ thống quản lý văn bản và điều hành" in page
    assert "dữ liệu demo" not in page
    assert "vanthu.stc" not in page
