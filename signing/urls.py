"""URLs of the signing app; vanthu/urls.py mounts them under /demo-pki/."""

from django.urls import path

from . import views

urlpatterns = [
    path("<path:path>", views.demo_pki_service, name="demo_pki_service"),
]
