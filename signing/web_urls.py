"""The signing pages people use: certificates, signature verification."""

from django.urls import path

from . import views, views_certificates

app_name = "signing"

urlpatterns: list = [
    path("xac-thuc-chu-ky/", views.verify, name="verify"),
    path(
        "xac-thuc-chu-ky/bao-cao/<str:token>.pdf",
        views.verify_report,
        name="verify_report",
    ),
]

# Certificates (chứng thư số).
urlpatterns += [
    path("chung-thu-so/", views_certificates.certificate_list, name="certificates"),
    path(
        "chung-thu-so/dang-ky/",
        views_certificates.certificate_register_pkcs12,
        name="certificate_register",
    ),
    path(
        "chung-thu-so/dang-ky-thiet-bi/",
        views_certificates.certificate_register_remote,
        name="certificate_register_remote",
    ),
    path(
        "chung-thu-so/<int:pk>/ngung-su-dung/",
        views_certificates.certificate_deactivate,
        name="certificate_deactivate",
    ),
    path(
        "chung-thu-so/<int:pk>/kiem-tra-thu-hoi/",
        views_certificates.certificate_check_revocation,
        name="certificate_check_revocation",
    ),
]
