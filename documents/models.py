"""Official documents (văn bản) of Decree 30/2020/NĐ-CP.

Document (văn bản đến / đi / nội bộ / dự thảo) carries the metadata of Phụ lục VI;
its files (main file and phụ lục) are chains of immutable versions stored in the
blob store; registers (sổ đăng ký) hand out gapless yearly numbers; drafts keep
every version of their structured content and the comments made on it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .constants import Secrecy, Urgency


class DocumentType(models.Model):
    """Loại văn bản (NĐ 30 Đ7, Phụ lục III)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    abbreviation = models.CharField(
        _("abbreviation"),
        max_length=10,
        blank=True,
        help_text=_("Empty for công văn: its notation is agency-unit."),
    )
    rank = models.PositiveSmallIntegerField(default=100)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("document type")
        verbose_name_plural = _("document types")
        ordering = ["rank", "name"]

    def __str__(self) -> str:
        return self.name


class CopyForm(models.TextChoices):
    """Hình thức bản sao (Phụ lục III)."""

    SAO_Y = "SY", _("True copy (sao y)")
    TRICH_SAO = "TrS", _("Extract (trích sao)")
    SAO_LUC = "SL", _("Reproduction (sao lục)")


class Register(models.Model):
    """Sổ đăng ký văn bản: one yearly sequence of numbers of an organisation.

    Numbers start at 1 on 1 January (a register belongs to one year), are gapless
    and unique; `last_number` is advanced under a row lock in the same transaction
    as the document that takes the number (documents.numbering)."""

    class Kind(models.TextChoices):
        OUTGOING = "di", _("Outgoing documents (văn bản đi)")
        INCOMING = "den", _("Incoming documents (văn bản đến)")
        SECRET_OUTGOING = "mat_di", _("Secret outgoing documents (văn bản mật đi)")
        SECRET_INCOMING = "mat_den", _("Secret incoming documents (văn bản mật đến)")
        CUSTOM = "rieng", _("Separate sequence")
        # One sequence shared by every copy form (sao y, sao lục, trích sao).
        COPY = "sao", _("Copies (bản sao)")

    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="registers",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    document_types = models.ManyToManyField(
        DocumentType,
        verbose_name=_("document types"),
        blank=True,
        help_text=_("For a separate sequence: the types numbered in it."),
    )
    last_number = models.PositiveIntegerField(_("last number"), default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("register")
        verbose_name_plural = _("registers")
        ordering = ["organisation", "-year", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "kind", "name"],
                name="register_unique_per_year",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.year}"


class Document(models.Model):
    """A văn bản with the metadata of Phụ lục VI (field names follow edXML where
    the regulation gives them: CodeNumber, CodeNotation, IssuedDate, Subject, ...)."""

    class Direction(models.TextChoices):
        INCOMING = "den", _("Incoming (văn bản đến)")
        OUTGOING = "di", _("Outgoing (văn bản đi)")
        INTERNAL = "noi_bo", _("Internal (văn bản nội bộ)")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft (dự thảo)")
        REGISTERED = "registered", _("Registered")
        ISSUED = "issued", _("Issued")
        RETURNED = "returned", _("Returned to sender")
        RECALLED = "recalled", _("Recalled")
        REPLACED = "replaced", _("Replaced")
        COMPLETED = "completed", _("Handled (completed)")

    class SignerCapacity(models.TextChoices):
        NONE = "", _("Signs in own name")
        TM = "TM.", _("On behalf of the collective (TM.)")
        KT = "KT.", _("Signs for the head (KT.)")
        TL = "TL.", _("By order (TL.)")
        TUQ = "TUQ.", _("By authorisation (TUQ.)")
        Q = "Q.", _("Acting (Q.)")

    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="documents",
        help_text=_("The agency whose document this is: receiver or issuer."),
    )
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices
    )
    state = models.CharField(_("state"), max_length=12, choices=State.choices)
    document_type = models.ForeignKey(
        DocumentType, verbose_name=_("type"), on_delete=models.PROTECT
    )
    copy_form = models.CharField(
        _("copy form"), max_length=3, choices=CopyForm.choices, blank=True
    )
    # The document a copy (bản sao) was made from.
    copy_of = models.ForeignKey(
        "self",
        verbose_name=_("copy of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="copies",
    )
    # Số, ký hiệu, ngày ban hành, cơ quan ban hành (PL VI fields 2–6).
    code_number = models.CharField(_("number (số)"), max_length=11, blank=True)
    code_notation = models.CharField(_("notation (ký hiệu)"), max_length=30, blank=True)
    issued_date = models.DateField(_("issued date"), null=True, blank=True)
    organ_id = models.CharField(
        _("issuing organisation identifier"), max_length=13, blank=True
    )
    organ_name = models.CharField(_("issuing organisation"), max_length=200)
    subject = models.CharField(_("subject (trích yếu)"), max_length=500)
    language = models.CharField(_("language"), max_length=30, default="Tiếng Việt")
    page_amount = models.PositiveSmallIntegerField(_("pages"), null=True, blank=True)
    description = models.CharField(_("notes"), max_length=500, blank=True)
    signer_capacity = models.CharField(
        _("signing capacity"),
        max_length=5,
        choices=SignerCapacity.choices,
        blank=True,
    )
    signer_position = models.CharField(
        _("signer's position"), max_length=100, blank=True
    )
    signer_full_name = models.CharField(_("signer"), max_length=50, blank=True)
    urgency = models.PositiveSmallIntegerField(
        _("urgency"), choices=Urgency.choices, default=Urgency.NORMAL
    )
    secrecy = models.PositiveSmallIntegerField(
        _("secrecy"), choices=Secrecy.choices, default=Secrecy.NONE
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    # The register number: số đến of an incoming document, số of an outgoing one.
    register = models.ForeignKey(
        Register,
        verbose_name=_("register"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    register_number = models.PositiveIntegerField(
        _("register number"), null=True, blank=True
    )
    arrival_date = models.DateTimeField(_("arrival date"), null=True, blank=True)
    to_places = models.CharField(
        _("handled by (nơi nhận trong cơ quan)"), max_length=1000, blank=True
    )
    issued_amount = models.PositiveSmallIntegerField(
        _("copies issued"), null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="documents_created",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at"]
        permissions = [("register_document", _("Can register documents"))]
        constraints = [
            models.UniqueConstraint(
                fields=["register", "register_number"],
                condition=Q(register__isnull=False),
                name="document_register_number_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organisation", "direction", "state", "-created_at"],
                name="document_org_list_idx",
            ),
            models.Index(
                fields=["organ_name", "code_number", "code_notation"],
                name="document_identity_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number_notation or self.subject[:80]

    @property
    def number_notation(self) -> str:
        """`12/QĐ-UBND`, or the notation alone while there is no number."""
        if self.code_number and self.code_notation:
            return f"{self.code_number}/{self.code_notation}"
        return self.code_notation


class DocumentRecipient(models.Model):
    """Nơi nhận of an outgoing document (To: OrganId, OrganName)."""

    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="recipients"
    )
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
    organ_id = models.CharField(max_length=13, blank=True)
    organ_name = models.CharField(_("recipient"), max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.organ_name


class DocumentFile(models.Model):
    """A file of a document: the main file or a phụ lục, as a chain of versions."""

    class Role(models.TextChoices):
        MAIN = "main", _("Main file")
        ATTACHMENT = "attachment", _("Attachment (phụ lục)")

    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="files"
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    title = models.CharField(_("title"), max_length=255)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("document file")
        verbose_name_plural = _("document files")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class FileVersion(models.Model):
    """One immutable version of a file: the bytes are a blob, never changed.

    Signing, OCR and conversion add versions; the received original (version 1 of
    an incoming document's file) is kept byte-exact forever."""

    class Kind(models.TextChoices):
        RECEIVED_ORIGINAL = "received", _("Received original")
        UPLOADED = "uploaded", _("Uploaded")
        RENDERED = "rendered", _("Rendered draft")
        SIGNED = "signed", _("Signed")
        DERIVED = "derived", _("Derived copy")

    file = models.ForeignKey(
        DocumentFile, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    blob = models.ForeignKey("core.Blob", on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100, default="application/pdf")
    size = models.PositiveBigIntegerField(_("size"))
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    facts = models.JSONField(
        _("file facts"),
        default=dict,
        blank=True,
        help_text=_("What the intake check found: version, PDF/A, signatures."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("file version")
        verbose_name_plural = _("file versions")
        ordering = ["file", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["file", "number"], name="file_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.filename} v{self.number}"


class DraftVersion(models.Model):
    """One version of a draft (dự thảo): its structured content and, when rendered
    or uploaded, the PDF version it produced."""

    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="draft_versions"
    )
    number = models.PositiveIntegerField(_("version"))
    content = models.JSONField(_("content"), default=dict)
    file_version = models.ForeignKey(
        FileVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("draft version")
        verbose_name_plural = _("draft versions")
        ordering = ["document", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"], name="draft_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"


class DraftComment(models.Model):
    """Góp ý on one version of a draft."""

    version = models.ForeignKey(
        DraftVersion, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:60]


class DocumentRelation(models.Model):
    """A link between two documents: the reply (văn bản trả lời) to an incoming
    document, a document that replaces (thay thế) or amends (sửa đổi, bổ sung,
    đính chính) an issued one. `source` is the newer document."""

    class Kind(models.TextChoices):
        REPLY_TO = "reply_to", _("Replies to")
        REPLACES = "replaces", _("Replaces")
        AMENDS = "amends", _("Amends")

    source = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="relations_from"
    )
    target = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="relations_to"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("document link")
        verbose_name_plural = _("document links")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "kind"], name="documentrelation_unique"
            ),
            models.CheckConstraint(
                condition=~Q(source=models.F("target")),
                name="documentrelation_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"
