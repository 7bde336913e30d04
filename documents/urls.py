from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("van-ban-den/", views.incoming_list, name="incoming"),
    path("van-ban-den/tiep-nhan/", views.incoming_upload, name="incoming_upload"),
    path(
        "van-ban-den/tiep-nhan/<str:token>/",
        views.incoming_confirm,
        name="incoming_confirm",
    ),
    path(
        "van-ban-den/tiep-nhan/<str:token>/tep/<int:index>/",
        views.incoming_staged_file,
        name="incoming_staged_file",
    ),
    path(
        "van-ban-den/tiep-nhan/<str:token>/huy/",
        views.incoming_discard,
        name="incoming_discard",
    ),
    path("van-ban/<int:pk>/", views.document_detail, name="detail"),
    path(
        "van-ban/<int:pk>/tep/<int:version_pk>/",
        views.file_download,
        name="file_download",
    ),
    path(
        "van-ban/<int:pk>/tep/<int:version_pk>/bao-cao-chu-ky.pdf",
        views.signature_report_pdf,
        name="signature_report",
    ),
    path(
        "van-ban/<int:pk>/tep/<int:version_pk>/kiem-tra-chu-ky/",
        views.signature_recheck,
        name="signature_recheck",
    ),
    path("van-ban/<int:pk>/gop-y/", views.draft_comment, name="draft_comment"),
    path(
        "van-ban/<int:pk>/phien-ban-moi/", views.draft_revise_view, name="draft_revise"
    ),
    path("so-dang-ky/", views.register_list, name="registers"),
    path("so-dang-ky/<int:pk>/", views.register_detail, name="register"),
    path("so-dang-ky/<int:pk>/in/", views.register_print, name="register_print"),
    path(
        "so-dang-ky/<int:pk>/xuat-excel/",
        views.register_export,
        name="register_export",
    ),
    path("du-thao/", views.draft_list, name="drafts"),
    path("du-thao/soan/", views.draft_new, name="draft_new"),
    path("du-thao/tai-len/", views.draft_upload_view, name="draft_upload"),
]
