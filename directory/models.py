"""The organisation tree and its people.

Organisation (cơ quan, tổ chức) → Unit (đơn vị, phòng) → User (cán bộ) holding a
Position (chức vụ) and Roles (vai trò) in an organisation; Delegation (ủy quyền) lets
one person act for another between two times."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .identifiers import validate_identifier


class Role(models.TextChoices):
    """Vai trò: what a person may do in an organisation."""

    VAN_THU = "van_thu", _("Records clerk (văn thư)")
    CHUYEN_VIEN = "chuyen_vien", _("Specialist (chuyên viên)")
    LANH_DAO_DON_VI = "lanh_dao_don_vi", _("Unit leader (lãnh đạo đơn vị)")
    LANH_DAO_CO_QUAN = "lanh_dao_co_quan", _("Agency leader (lãnh đạo cơ quan)")
    LUU_TRU_VIEN = "luu_tru_vien", _("Archivist (lưu trữ viên)")
    QUAN_TRI = "quan_tri", _("Administrator (quản trị)")


class Organisation(models.Model):
    """A cơ quan, tổ chức identified by its mã định danh."""

    class Kind(models.TextChoices):
        PEOPLES_COMMITTEE = "ubnd", _("People's Committee (UBND)")
        OFFICE = "van_phong", _("Office (văn phòng)")
        DEPARTMENT = "so", _("Department (sở)")
        COMMUNE = "xa", _("Commune or ward (xã, phường)")
        OTHER = "khac", _("Other")

    code = models.CharField(
        _("identifier (mã định danh)"),
        max_length=13,
        unique=True,
        validators=[validate_identifier],
    )
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(
        _("abbreviation"),
        max_length=30,
        help_text=_("Used in document notations, e.g. UBND in 12/QĐ-UBND."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of primary keys ("/1/4/"), so an administrator's whole
    # subtree is one indexed prefix query.
    path = models.CharField(max_length=255, db_index=True, editable=False)
    place_name = models.CharField(
        _("place name (địa danh)"),
        max_length=100,
        help_text=_("Printed in the date line: “Lạc Hồng, ngày 05 tháng 01 năm 2026”."),
    )
    is_demo = models.BooleanField(_("demo organisation"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    # Hình ảnh con dấu: the red seal stamped over the left third of the leader's
    # signature (Decree 30, Phụ lục I), a transparent PNG drawn at `seal_size_mm`.
    seal_image = models.ForeignKey(
        "core.Blob",
        verbose_name=_("seal image"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    seal_size_mm = models.DecimalField(
        _("seal diameter (mm)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("The real size of the seal, printed at that size."),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["path"]
        permissions = [
            (
                "manage_organisation",
                _("Can manage the organisation's units and people"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """An internal unit (phòng, ban) of an organisation."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="units",
    )
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(
        _("abbreviation"),
        max_length=30,
        help_text=_("Used in the notation of official letters, e.g. VX in 05/UBND-VX."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    clearance = models.PositiveSmallIntegerField(
        _("secrecy clearance"),
        default=0,
        help_text=_(
            "Highest secrecy level (0 none, 1 mật, 2 tối mật, 3 tuyệt mật) of the "
            "documents this unit may receive."
        ),
    )

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["organisation", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "short_name"], name="unit_short_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Position(models.Model):
    """A chức vụ such as Chủ tịch, Giám đốc, Trưởng phòng, Chuyên viên."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    is_leader = models.BooleanField(_("leadership position"), default=False)
    rank = models.PositiveSmallIntegerField(
        _("rank"), default=100, help_text=_("Lower ranks are listed first.")
    )

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["rank", "name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person (cán bộ, công chức) who signs in to Vanthu."""

    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    position = models.ForeignKey(
        Position,
        verbose_name=_("position"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # Hình ảnh chữ ký: the blue signature drawn in the signer block when the person
    # signs digitally, a transparent PNG.
    signature_image = models.ForeignKey(
        "core.Blob",
        verbose_name=_("signature image"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    clearance = models.PositiveSmallIntegerField(
        _("secrecy clearance"),
        default=0,
        help_text=_(
            "Highest secrecy level (0 none, 1 mật, 2 tối mật, 3 tuyệt mật) of the "
            "documents this person may be given."
        ),
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["full_name", "username"]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username


class RoleAssignment(models.Model):
    """A role held by a person in an organisation (their own)."""

    user = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="roles"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="role_assignment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"


class Delegation(models.Model):
    """Ủy quyền / ký thay: `delegate` acts for `principal` from `starts_at` to
    `ends_at`. Every action done under it records both people."""

    principal = models.ForeignKey(
        User,
        verbose_name=_("delegating person"),
        on_delete=models.PROTECT,
        related_name="delegations_given",
    )
    delegate = models.ForeignKey(
        User,
        verbose_name=_("delegate"),
        on_delete=models.PROTECT,
        related_name="delegations_received",
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(principal=F("delegate")), name="delegation_not_to_self"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="delegation_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(
                fields=["delegate", "starts_at", "ends_at"],
                name="delegation_active_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.principal} → {self.delegate}"
