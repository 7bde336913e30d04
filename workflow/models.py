"""Work items: what a person has to do next, grouped into queues on the home page.

The workflow issue creates and completes them as documents move; the queues, their
ordering (urgency, then deadline) and their indexes are fixed here."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.constants import Urgency


class Queue(models.TextChoices):
    """A person's queues (hàng đợi công việc)."""

    RECEIVE = "receive", _("To receive")
    ASSIGN = "assign", _("To assign")
    HANDLE = "handle", _("To handle")
    APPROVE = "approve", _("To approve")
    SIGN = "sign", _("To sign")
    NUMBER_SEAL = "number_seal", _("To number and seal")
    DISPATCH = "dispatch", _("To dispatch")
    ARCHIVE = "archive", _("Case files to receive")


class WorkItem(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="work_items",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        related_name="work_items",
    )
    queue = models.CharField(_("queue"), max_length=20, choices=Queue.choices)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.OPEN
    )
    urgency = models.PositiveSmallIntegerField(
        _("urgency"), choices=Urgency.choices, default=Urgency.NORMAL
    )
    title = models.CharField(_("title"), max_length=500)
    due_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT
    )
    object_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("work item")
        verbose_name_plural = _("work items")
        indexes = [
            models.Index(
                "assignee",
                "queue",
                models.F("urgency").desc(),
                "due_at",
                condition=Q(state="open"),
                name="workitem_open_queue_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title
