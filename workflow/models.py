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
    # The document the item is about and, when it comes from one, the process step
    # that opened it (an assignment to handle, an approval task).
    document = models.ForeignKey(
        "documents.Document",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="work_items",
    )
    process = models.ForeignKey(
        "workflow.Process",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="work_items",
    )
    assignment = models.ForeignKey(
        "workflow.Assignment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="work_items",
    )
    approval_task = models.ForeignKey(
        "workflow.ApprovalTask",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="work_items",
    )
    # Who acted on it (the assignee, or their delegate) when it was done.
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
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
            # The deadline scan: open items with a deadline, soonest first.
            models.Index(
                "due_at",
                condition=Q(state="open", due_at__isnull=False),
                name="workitem_open_due_idx",
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


# ---------------------------------------------------------------------------
# Processes: how a document moves (workflow.engine holds the states and the
# allowed transitions as data; these tables hold where each document stands).


class Process(models.Model):
    """Luồng xử lý of one document: the handling of an incoming document (văn bản
    đến: đăng ký → trình → phân công → giải quyết → hoàn thành) or the approval and
    issuing of an outgoing one (văn bản đi: soạn thảo → duyệt → ký → cấp số, đóng
    dấu → phát hành).

    `state` takes its values from workflow.engine.STATES[kind]; it changes only
    through workflow.engine.transition, which bumps `revision` so that two people
    acting on the same document at once cannot both win."""

    class Kind(models.TextChoices):
        INCOMING = "den", _("Incoming handling")
        OUTGOING = "di", _("Outgoing approval and issuing")

    document = models.OneToOneField(
        "documents.Document",
        verbose_name=_("document"),
        on_delete=models.PROTECT,
        related_name="process",
    )
    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=3, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=20)
    revision = models.PositiveIntegerField(_("revision"), default=0)
    urgency = models.PositiveSmallIntegerField(
        _("urgency"), choices=Urgency.choices, default=Urgency.NORMAL
    )
    # Incoming: the handling deadline of the lead (thời hạn giải quyết).
    # Outgoing: the date the reply is due, when the draft answers a document.
    due_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # Incoming: the leader the clerk submitted it to (trình), the unit of the lead.
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leader"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lead_unit = models.ForeignKey(
        "directory.Unit",
        verbose_name=_("lead unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Outgoing: the drafter who submitted it, the circuit and its round, the signer
    # (the circuit's last approver) and the group of steps now running.
    drafter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drafter"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    circuit = models.ForeignKey(
        "workflow.ApprovalCircuit",
        verbose_name=_("approval circuit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    round = models.PositiveSmallIntegerField(_("submission round"), default=0)
    current_group = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("process")
        verbose_name_plural = _("processes")
        indexes = [
            models.Index(
                fields=["organisation", "kind", "state"], name="process_org_state_idx"
            ),
            models.Index(
                fields=["organisation", "kind", "started_at"],
                name="process_org_started_idx",
            ),
            # The outgoing report: processes that moved in a period.
            models.Index(
                fields=["organisation", "kind", "updated_at"],
                name="process_org_kind_updated_idx",
            ),
            models.Index(
                "organisation",
                "due_at",
                condition=Q(completed_at__isnull=True, due_at__isnull=False),
                name="process_open_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_id}: {self.kind}/{self.state}"


class Transition(models.Model):
    """One move of a process (lịch sử xử lý): who did what, for whom, from which
    state to which, with their note. Written by workflow.engine.transition only."""

    process = models.ForeignKey(
        Process, on_delete=models.CASCADE, related_name="transitions"
    )
    action = models.CharField(_("action"), max_length=30)
    from_state = models.CharField(_("from"), max_length=20)
    to_state = models.CharField(_("to"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")
        ordering = ["process", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.process_id}: {self.from_state} -{self.action}-> {self.to_state}"


class Assignment(models.Model):
    """Phân công xử lý văn bản đến: one person or unit given a part of the
    handling with the leader's directive (ý kiến chỉ đạo) and a deadline.

    A unit head who received the lead may re-assign it down the hierarchy: the new
    assignment's `parent` is the one it came from, so the chain is the document's
    trace (TraceHeaderList)."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead (chủ trì)")
        CO = "co", _("Co-handler (phối hợp)")
        INFO = "info", _("For information (để biết)")

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("assignment", "In progress")
        DONE = "done", pgettext_lazy("assignment", "Done")
        DELEGATED = "delegated", pgettext_lazy("assignment", "Passed on")
        CANCELLED = "cancelled", pgettext_lazy("assignment", "Cancelled")

    process = models.ForeignKey(
        Process, on_delete=models.CASCADE, related_name="assignments"
    )
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("role"), max_length=4, choices=Role.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    unit = models.ForeignKey(
        "directory.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The handler's unit when assigned: reports count it there."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("passed on from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    directive = models.TextField(_("directive (ý kiến chỉ đạo)"), blank=True)
    due_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.OPEN
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    result = models.TextField(_("result"), blank=True)
    created_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["process", "created_at", "pk"]
        indexes = [
            models.Index(
                fields=["organisation", "unit", "created_at"],
                name="assignment_unit_idx",
            ),
            # The leaders' dashboard: open parts of a unit by deadline.
            models.Index(
                "organisation",
                "unit",
                "due_at",
                condition=Q(state="open"),
                name="assignment_open_unit_due_idx",
            ),
            # The incoming report: leads given in a period.
            models.Index(
                "organisation",
                "created_at",
                condition=Q(role="lead") & ~Q(state="cancelled"),
                name="assignment_lead_created_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.process_id}: {self.role} {self.assignee_id}"


class ProgressNote(models.Model):
    """Tiến độ, ý kiến: what a handler records on their assignment; a co-handler's
    contribution (ý kiến phối hợp) goes to the lead."""

    class Kind(models.TextChoices):
        PROGRESS = "progress", _("Progress")
        OPINION = "opinion", _("Opinion")
        CONTRIBUTION = "contribution", _("Contribution to the lead")

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="notes"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField(_("text"))
    progress = models.PositiveSmallIntegerField(_("progress (%)"), null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class ApprovalCircuit(models.Model):
    """Quy trình duyệt: the steps an outgoing draft of one document type (or any
    type, when `document_type` is empty) of an organisation goes through before
    the signer. The signer, chosen when the draft is submitted, is always the last
    approver: the circuit lists the steps before him."""

    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="approval_circuits",
    )
    document_type = models.ForeignKey(
        "documents.DocumentType",
        verbose_name=_("document type"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty: every type without a circuit of its own."),
    )
    name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("approval circuit")
        verbose_name_plural = _("approval circuits")
        ordering = ["organisation", "document_type", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "document_type"],
                condition=Q(is_active=True),
                name="circuit_one_active_per_type",
            ),
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(is_active=True, document_type__isnull=True),
                name="circuit_one_active_default",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ApprovalStep(models.Model):
    """One step of a circuit. Steps with the same `group` run in parallel (each of
    their approvers must approve); groups run in ascending order."""

    class Kind(models.TextChoices):
        UNIT_HEAD = "unit_head", _("Head of the drafter's unit")
        PERSON = "person", _("A named person")
        ROLE = "role", _("Any holder of a role (chosen when submitting)")

    circuit = models.ForeignKey(
        ApprovalCircuit, on_delete=models.CASCADE, related_name="steps"
    )
    group = models.PositiveSmallIntegerField(_("order"), default=1)
    kind = models.CharField(_("approver"), max_length=10, choices=Kind.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.CharField(_("role"), max_length=30, blank=True)
    label = models.CharField(
        _("label"), max_length=100, blank=True, help_text=_("e.g. Kiểm tra thể thức")
    )

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["circuit", "group", "pk"]

    def __str__(self) -> str:
        return self.label or self.get_kind_display()


class ApprovalTask(models.Model):
    """One approver's turn on one submission of a draft (trình duyệt): approve,
    return with comments, or forward to someone else."""

    class State(models.TextChoices):
        WAITING = "waiting", pgettext_lazy("approval", "Not yet its turn")
        PENDING = "pending", pgettext_lazy("approval", "Waiting for approval")
        APPROVED = "approved", pgettext_lazy("approval", "Approved")
        RETURNED = "returned", pgettext_lazy("approval", "Returned with comments")
        FORWARDED = "forwarded", pgettext_lazy("approval", "Forwarded")
        CANCELLED = "cancelled", pgettext_lazy("approval", "Cancelled")

    process = models.ForeignKey(
        Process, on_delete=models.CASCADE, related_name="approval_tasks"
    )
    round = models.PositiveSmallIntegerField(_("submission round"))
    group = models.PositiveSmallIntegerField(_("order"))
    is_signer = models.BooleanField(_("signer"), default=False)
    label = models.CharField(_("step"), max_length=100, blank=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approver"),
        on_delete=models.PROTECT,
        related_name="approval_tasks",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.WAITING
    )
    comment = models.TextField(_("comment"), blank=True)
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    forwarded_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    acted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("approval task")
        verbose_name_plural = _("approval tasks")
        ordering = ["process", "round", "group", "pk"]

    def __str__(self) -> str:
        return f"{self.process_id} r{self.round} g{self.group}: {self.state}"


class Dispatch(models.Model):
    """Phát hành: one recipient of an issued document. Internal recipients (units
    and people of the agency) receive it at once; another agency receives it
    through the exchange queue (liên thông), which picks up the hand-off event
    `workflow.dispatch_requested`; a recipient on paper is sent by post."""

    class Channel(models.TextChoices):
        INTERNAL = "internal", _("Inside the agency")
        EXCHANGE = "exchange", _("Electronic exchange (liên thông)")
        POST = "post", _("By post (paper)")

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("dispatch", "To send")
        HANDED_OFF = "handed_off", pgettext_lazy("dispatch", "Handed to exchange")
        DELIVERED = "delivered", pgettext_lazy("dispatch", "Delivered")
        FAILED = "failed", pgettext_lazy("dispatch", "Failed")
        RECALLED = "recalled", pgettext_lazy("dispatch", "Recalled")

    document = models.ForeignKey(
        "documents.Document", on_delete=models.CASCADE, related_name="dispatches"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    organisation = models.ForeignKey(
        "directory.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        "directory.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    organ_id = models.CharField(max_length=13, blank=True)
    name = models.CharField(_("recipient"), max_length=200)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")
        ordering = ["document", "pk"]

    def __str__(self) -> str:
        return self.name


class Holiday(models.Model):
    """Ngày nghỉ lễ, tết: a day on which no working-day deadline runs, for every
    agency (organisation empty) or one. Weekends are in settings
    (VANTHU_WEEKEND)."""

    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=200)
    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "organisation"], name="holiday_unique_day"
            ),
            models.UniqueConstraint(
                fields=["date"],
                condition=Q(organisation__isnull=True),
                name="holiday_unique_national_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.name}"


class DeadlineAlert(models.Model):
    """That the deadline scan has sent one kind of alert for a work item: at most
    one reminder, one late notice and one escalation each, however many times the
    scan runs or the worker restarts (the unique constraint is the guard)."""

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("Reminder before the deadline")
        LATE = "late", _("Late notice")
        ESCALATION = "escalation", _("Escalation to the supervisor")

    work_item = models.ForeignKey(
        WorkItem, on_delete=models.CASCADE, related_name="alerts"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("deadline alert")
        verbose_name_plural = _("deadline alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["work_item", "kind"], name="deadlinealert_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.work_item_id}: {self.kind}"


class Notification(models.Model):
    """Thông báo: an in-app message (counted in the header) and, when the person
    has an e-mail address, an e-mail sent by the outbox consumer. `key` makes a
    notification idempotent: the same key never notifies twice."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=30)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    document = models.ForeignKey(
        "documents.Document",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                "recipient",
                models.F("created_at").desc(),
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_idx"),
        ]

    def __str__(self) -> str:
        return self.title
