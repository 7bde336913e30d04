"""The signing pages people use: certificates, signature verification."""

from django.urls import path

from . import views

app_name = "signing"

urlpatterns: list = [
    path("xac-thuc-chu-ky/", views.verify, name="verify"),
    path(
        "xac-thuc-chu-ky/bao-cao/<str:token>.pdf",
        views.verify_report,
        name="verify_report",
    ),
]
