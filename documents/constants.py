"""Codes of Decree 30/2020/NĐ-CP shared by every app above documents."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Urgency(models.IntegerChoices):
    """Độ khẩn (NĐ 30 Đ8/PL I): higher values are handled first."""

    NORMAL = 0, _("Normal")
    KHAN = 1, _("Urgent (khẩn)")
    THUONG_KHAN = 2, _("Very urgent (thượng khẩn)")
    HOA_TOC = 3, _("Immediate (hỏa tốc)")


class Secrecy(models.IntegerChoices):
    """Độ mật: mật, tối mật, tuyệt mật restrict who may see a document."""

    NONE = 0, _("Not secret")
    MAT = 1, _("Confidential (mật)")
    TOI_MAT = 2, _("Secret (tối mật)")
    TUYET_MAT = 3, _("Top secret (tuyệt mật)")
