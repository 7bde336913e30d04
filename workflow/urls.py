from django.urls import path

from . import (
    views,
    views_approval,
    views_batch,
    views_circuits,
    views_copies,
    views_issuing,
)

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

# Approval of outgoing drafts and the circuits (workflow.views_approval,
# workflow.views_circuits).
urlpatterns += [
    path(
        "van-ban/<int:pk>/trinh-duyet/",
        views_approval.draft_submit,
        name="approval_submit",
    ),
    path("van-ban/<int:pk>/duyet/", views_approval.approve, name="approval_approve"),
    path("van-ban/<int:pk>/tra-lai/", views_approval.send_back, name="approval_return"),
    path(
        "van-ban/<int:pk>/chuyen-tiep/",
        views_approval.forward,
        name="approval_forward",
    ),
    path(
        "van-ban/<int:pk>/rut-lai/", views_approval.withdraw, name="approval_withdraw"
    ),
    path("quy-trinh-duyet/", views_circuits.circuit_list, name="circuits"),
    path("quy-trinh-duyet/them/", views_circuits.circuit_new, name="circuit_new"),
    path(
        "quy-trinh-duyet/<int:pk>/sua/",
        views_circuits.circuit_edit,
        name="circuit_edit",
    ),
    path(
        "quy-trinh-duyet/<int:pk>/ngung/",
        views_circuits.circuit_retire,
        name="circuit_retire",
    ),
]

# Processing reports (Phụ lục VI) and the leaders' dashboard (workflow.views_reports).
from . import views_reports  # noqa: E402

urlpatterns += [
    path("bao-cao/xu-ly-van-ban/", views_reports.report_page, name="reports"),
    path(
        "bao-cao/xu-ly-van-ban/bao-cao.pdf",
        views_reports.report_export,
        {"extension": "pdf"},
        name="reports_pdf",
    ),
    path(
        "bao-cao/xu-ly-van-ban/bao-cao.xlsx",
        views_reports.report_export,
        {"extension": "xlsx"},
        name="reports_xlsx",
    ),
    path("bang-dieu-khien/", views_reports.dashboard_page, name="dashboard"),
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

# Dispatch, recall (phát hành, thu hồi: workflow.views_dispatch).
from . import views_dispatch  # noqa: E402

urlpatterns += [
    path(
        "van-ban/<int:pk>/danh-sach-phat-hanh/",
        views_dispatch.dispatch_page,
        name="dispatch_page",
    ),
    path(
        "van-ban/<int:pk>/phat-hanh/",
        views_dispatch.document_dispatch_view,
        name="dispatch",
    ),
    path(
        "van-ban/<int:pk>/thu-hoi/", views_dispatch.document_recall_view, name="recall"
    ),
]

# Handling of incoming documents (workflow.views_incoming): trình, phân công,
# chuyển xử lý, tiến độ, ý kiến phối hợp, hoàn thành, mở lại, trả lại nơi gửi.
from . import views_incoming  # noqa: E402

urlpatterns += [
    path(
        "van-ban/<int:pk>/trinh-lanh-dao/",
        views_incoming.submit,
        name="incoming_submit",
    ),
    path("van-ban/<int:pk>/phan-cong/", views_incoming.assign, name="incoming_assign"),
    path(
        "van-ban/<int:pk>/chuyen-xu-ly/",
        views_incoming.pass_on,
        name="incoming_pass_on",
    ),
    path(
        "van-ban/<int:pk>/tien-do/", views_incoming.progress, name="incoming_progress"
    ),
    path(
        "van-ban/<int:pk>/y-kien-phoi-hop/",
        views_incoming.contribute,
        name="incoming_contribute",
    ),
    path(
        "van-ban/<int:pk>/hoan-thanh/",
        views_incoming.complete,
        name="incoming_complete",
    ),
    path("van-ban/<int:pk>/mo-lai/", views_incoming.reopen, name="incoming_reopen"),
    path(
        "van-ban/<int:pk>/tra-lai-noi-gui/",
        views_incoming.return_to_sender,
        name="incoming_return",
    ),
]
