"""The late queue (hàng đợi trễ hạn): every open item of the person past its
deadline, in all their queues, most late first."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from .deadlines import late_items

# The page shows this many; a longer list is for the leader's reports.
LATE_PAGE_ITEMS = 200


@login_required
def late_queue(request):
    now = timezone.now()
    items = list(late_items(user=request.user, at=now, limit=LATE_PAGE_ITEMS))
    return render(
        request,
        "workflow/late.html",
        {"items": items, "limit": LATE_PAGE_ITEMS, "now": now},
    )
