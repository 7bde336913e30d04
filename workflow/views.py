"""The queue page: every open item of one of the person's queues (or, while acting
for someone, of theirs), most urgent first."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from .models import Queue
from .selectors import queue_items

# A queue page shows this many items; a longer queue is a matter for search.
QUEUE_PAGE_ITEMS = 100


@login_required
def queue_detail(request, queue: str, acting: bool = False):
    if queue not in Queue.values:
        raise Http404
    if acting and request.acting_for is None:
        raise Http404
    now = timezone.now()
    acting_for = request.acting_for if acting else None
    items = queue_items(
        user=request.user,
        queue=queue,
        limit=QUEUE_PAGE_ITEMS,
        acting_for=acting_for,
        at=now,
    )
    return render(
        request,
        "workflow/queue.html",
        {
            "queue": Queue(queue),
            "items": items,
            "owner": acting_for or request.user,
            "acting": acting,
            "limit": QUEUE_PAGE_ITEMS,
            "now": now,
        },
    )
