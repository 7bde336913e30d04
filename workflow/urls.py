from django.urls import path

from . import views, views_batch, views_copies, views_issuing

app_name = "workflow"

urlpatterns = [
    path("hang-doi/<slug:queue>/", views.queue_detail, name="queue"),
    path(
        "hang-doi/<slug:queue>/xu-ly-thay/",
        views.queue_detail,
        {"acting": True},
        name="queue_acting",
    ),
]

# The issuing order on the document page (ký số, cấp số, đóng dấu).
urlpatterns += [
    path("van-ban/<int:pk>/ky-so/", views_issuing.document_sign, name="issuing_sign"),
    path(
        "van-ban/<int:pk>/ky-tu-xa/",
        views_issuing.document_sign_prepare,
        name="issuing_sign_prepare",
    ),
    path(
        "van-ban/<int:pk>/ky-tu-xa/<str:token>/",
        views_issuing.document_two_phase,
        name="issuing_two_phase",
    ),
    path(
        "van-ban/<int:pk>/cap-so-dong-dau/",
        views_issuing.document_seal,
        name="issuing_seal",
    ),
]

# Batch signing (ký số hàng loạt, workflow.views_batch).
urlpatterns += [
    path("ky-hang-loat/", views_batch.batch_new, name="batch_new"),
    path("ky-hang-loat/<int:pk>/", views_batch.batch_detail, name="batch_detail"),
    path(
        "ky-hang-loat/<int:pk>/trang-thai.json",
        views_batch.batch_status_json,
        name="batch_status",
    ),
]

# Electronic copies (bản sao điện tử, workflow.views_copies).
urlpatterns += [
    path("van-ban/<int:pk>/sao/", views_copies.document_copy, name="document_copy"),
]

# Notifications, holidays and the late queue (workflow.views_notifications,
# views_holidays, views_late).
from . import views_holidays, views_late, views_notifications  # noqa: E402

urlpatterns += [
    path("thong-bao/", views_notifications.notification_index, name="notifications"),
    path(
        "thong-bao/da-doc/",
        views_notifications.notification_mark_all_read,
        name="notifications_read",
    ),
    path(
        "thong-bao/<int:pk>/",
        views_notifications.notification_open,
        name="notification_open",
    ),
    path("quan-tri/ngay-nghi/", views_holidays.holiday_list, name="holidays"),
    path(
        "quan-tri/ngay-nghi/<int:pk>/xoa/",
        views_holidays.holiday_remove,
        name="holiday_delete",
    ),
    path("hang-doi-tre-han/", views_late.late_queue, name="late"),
]
