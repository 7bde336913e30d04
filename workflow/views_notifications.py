"""The person's notifications (thông báo): the list, marking them read, and opening
one, which marks it read and leads to what it is about."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .notifications import notification_list, notifications_mark_read

NOTIFICATIONS_PAGE_SIZE = 30


@login_required
def notification_index(request):
    page = Paginator(notification_list(user=request.user), NOTIFICATIONS_PAGE_SIZE)
    return render(
        request,
        "workflow/notifications.html",
        {"page": page.get_page(request.GET.get("page"))},
    )


@login_required
@require_POST
def notification_mark_all_read(request):
    count = notifications_mark_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    else:
        messages.info(request, _("There was no unread notification."))
    return redirect("workflow:notifications")


@login_required
def notification_open(request, pk: int):
    """Only the recipient's own: another person's notification is not found."""
    notification = get_object_or_404(notification_list(user=request.user), pk=pk)
    notifications_mark_read(user=request.user, ids=[notification.pk])
    if notification.url and url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}
    ):
        return redirect(notification.url)
    return redirect("workflow:notifications")
