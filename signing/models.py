"""The certificate registry (sổ chứng thư số) and pending two-phase signatures.

A Certificate belongs either to a person (their personal signing certificate) or
to an organisation (its agency seal certificate, used by the organisation's văn
thư), never to both. It records where its private key is: a PKCS#12 file in the
blob store (encrypted with its passphrase, which Vanthu never stores), a key in a
PKCS#11 token or HSM (module from settings, token label, key id), or nowhere in
Vanthu (remote: the signer's own device signs the hash, two-phase).

A PendingSignature is the state of a two-phase signature between its preparation
and the return of the signature value, keyed by a random token."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class KeyBackend(models.TextChoices):
    PKCS12 = "pkcs12", _("PKCS#12 file")
    PKCS11 = "pkcs11", _("PKCS#11 token or HSM")
    REMOTE = "remote", _("Signer's own device (two-phase)")


class RevocationStatus(models.TextChoices):
    UNKNOWN = "unknown", _("not checked")
    GOOD = "good", _("not revoked")
    REVOKED = "revoked", _("revoked")
    UNDETERMINED = "undetermined", _("cannot be determined")


class Certificate(models.Model):
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    subject = models.CharField(_("subject"), max_length=1000)
    common_name = models.CharField(_("common name"), max_length=255)
    issuer = models.CharField(_("issuer"), max_length=1000)
    serial = models.CharField(_("serial number"), max_length=64)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    der = models.BinaryField(_("certificate (DER)"))
    chain_der = models.JSONField(
        _("issuer chain"),
        default=list,
        blank=True,
        help_text=_("Base64 DER of the issuing certificates, nearest first."),
    )
    key_backend = models.CharField(
        _("key storage"), max_length=10, choices=KeyBackend.choices
    )
    pkcs12_blob = models.ForeignKey(
        "core.Blob",
        verbose_name=_("PKCS#12 file"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    pkcs11_token_label = models.CharField(_("token label"), max_length=32, blank=True)
    pkcs11_key_id = models.CharField(_("key id (hex)"), max_length=128, blank=True)
    pkcs11_key_label = models.CharField(_("key label"), max_length=128, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_demo = models.BooleanField(_("demo certificate"), default=False)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)
    revocation_status = models.CharField(
        _("revocation status"),
        max_length=15,
        choices=RevocationStatus.choices,
        default=RevocationStatus.UNKNOWN,
    )
    revocation_checked_at = models.DateTimeField(
        _("revocation checked at"), null=True, blank=True
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revocation_detail = models.CharField(
        _("revocation detail"), max_length=500, blank=True
    )

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-not_after"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(person__isnull=False, organisation__isnull=True)
                    | Q(person__isnull=True, organisation__isnull=False)
                ),
                name="certificate_one_holder",
            ),
            models.CheckConstraint(
                condition=~Q(key_backend="pkcs12") | Q(pkcs12_blob__isnull=False),
                name="certificate_pkcs12_has_file",
            ),
            models.CheckConstraint(
                condition=~Q(key_backend="pkcs11")
                | (
                    ~Q(pkcs11_token_label="")
                    & (~Q(pkcs11_key_id="") | ~Q(pkcs11_key_label=""))
                ),
                name="certificate_pkcs11_has_key",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "is_active"], name="cert_person_active_idx"),
            models.Index(
                fields=["organisation", "is_active"], name="cert_org_active_idx"
            ),
            models.Index(fields=["not_after"], name="cert_not_after_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.common_name} ({self.serial})"

    @property
    def is_seal(self) -> bool:
        """An agency (seal) certificate rather than a person's."""
        return self.organisation_id is not None


class PendingSignature(models.Model):
    """A two-phase signature waiting for its signature value."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the signature")
        COMPLETED = "completed", _("signed")
        CANCELLED = "cancelled", _("cancelled")

    token = models.CharField(_("token"), max_length=64, unique=True)
    certificate = models.ForeignKey(
        Certificate,
        verbose_name=_("certificate"),
        on_delete=models.PROTECT,
        related_name="pending_signatures",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source_blob = models.ForeignKey(
        "core.Blob",
        verbose_name=_("document before signing"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    prepared_blob = models.ForeignKey(
        "core.Blob",
        verbose_name=_("prepared document"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    result_blob = models.ForeignKey(
        "core.Blob",
        verbose_name=_("signed document"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    field_name = models.CharField(_("signature field"), max_length=100)
    level = models.CharField(_("PAdES level"), max_length=3)
    state = models.JSONField(_("signing state"))
    hash_to_sign = models.CharField(_("hash to sign (hex)"), max_length=64)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("pending signature")
        verbose_name_plural = _("pending signatures")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.field_name} — {self.get_status_display()}"


class SignatureCheck(models.Model):
    """The last validation report of a file, keyed by its SHA-256 (kiểm tra chữ ký
    số): the document page and the verification page reuse it while it is younger
    than VANTHU_REVOCATION_CACHE_SECONDS (a revoked signer stays revoked). Only the
    report is kept, never the file."""

    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    report = models.JSONField(_("report"))
    verdict = models.CharField(_("verdict"), max_length=12)
    checked_at = models.DateTimeField(_("checked at"))

    class Meta:
        verbose_name = _("signature check")
        verbose_name_plural = _("signature checks")

    def __str__(self) -> str:
        return f"{self.sha256[:12]} {self.verdict}"
