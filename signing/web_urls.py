"""The signing pages people use: certificates, signature verification."""

from django.urls import path  # noqa: F401 - the pages are added below

app_name = "signing"

urlpatterns: list = []
