"""Work items: what a person has to do next, grouped into queues on the home page.

The workflow issue creates and completes them as documents move; the queues, their
ordering (urgency, then deadline) and their indexes are fixed here."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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


class SigningBatch(models.Model):
    """Ký số hàng loạt: a leader signs many approved drafts in one action. Each
    document is one SigningBatchItem signed by its own Celery task (workflow.batch).

    `secret_sealed` is the passphrase/PIN encrypted under a random per-batch key
    that is never stored: it travels only in the task messages. The column is wiped
    when the batch ends (or expires)."""

    class State(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("signing batch", "Queued")
        RUNNING = "running", pgettext_lazy("signing batch", "Running")
        DONE = "done", pgettext_lazy("signing batch", "Done")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        on_delete=models.PROTECT,
        related_name="signing_batches",
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    certificate = models.ForeignKey(
        "signing.Certificate",
        verbose_name=_("certificate"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.QUEUED
    )
    total = models.PositiveIntegerField(_("documents"), default=0)
    signed_count = models.PositiveIntegerField(_("signed"), default=0)
    failed_count = models.PositiveIntegerField(_("failed"), default=0)
    secret_sealed = models.BinaryField(_("sealed secret"), blank=True, default=b"")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signing batch")
        verbose_name_plural = _("signing batches")

    def __str__(self) -> str:
        return f"{self.pk}: {self.signed_count}+{self.failed_count}/{self.total}"

    @property
    def finished_count(self) -> int:
        return self.signed_count + self.failed_count


class SigningBatchItem(models.Model):
    """One document of a signing batch and what became of it."""

    class State(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("batch item", "Waiting")
        SIGNING = "signing", pgettext_lazy("batch item", "Signing")
        SIGNED = "signed", pgettext_lazy("batch item", "Signed")
        FAILED = "failed", pgettext_lazy("batch item", "Failed")

    batch = models.ForeignKey(
        SigningBatch, on_delete=models.CASCADE, related_name="items"
    )
    document = models.ForeignKey(
        "documents.Document",
        verbose_name=_("document"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.QUEUED
    )
    error = models.TextField(_("error"), blank=True)
    version = models.ForeignKey(
        "documents.FileVersion",
        verbose_name=_("signed version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signing batch item")
        verbose_name_plural = _("signing batch items")
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "document"], name="signingbatchitem_unique_document"
            )
        ]
        indexes = [
            models.Index(
                "created_at",
                condition=Q(state="queued"),
                name="signingbatchitem_queued_idx",
            ),
        ]
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.document_id}: {self.state}"
