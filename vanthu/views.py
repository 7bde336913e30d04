"""The pages every person sees: sign-in and the home page with their own queues."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.models import Role
from directory.selectors import (
    delegation_list_visible,
    organisation_directory,
    organisation_list_managed,
)
from signing.models import RevocationStatus
from signing.selectors import certificate_list_needing_renewal
from workflow.deadlines import late_items
from workflow.selectors import queue_items, queue_summary

# Items shown under each non-empty queue on the home page; the queue page has more.
HOME_ITEMS_PER_QUEUE = 5
# Items shown on the home page's late card (trễ hạn); /hang-doi-tre-han/ has all.
HOME_LATE_ITEMS = 5

# Demo logins shown on the sign-in page of an installation holding the demo province
# (directory.demo); the shared password is printed by `manage.py seed_demo`.
DEMO_LOGINS = [
    ("vanthu.stc", Role.VAN_THU.label),
    ("lanhdao.stc", Role.LANH_DAO_CO_QUAN.label),
    ("pholanhdao.stc", _("Deputy director, acting for the director")),
    ("truongphong.stc", Role.LANH_DAO_DON_VI.label),
    ("chuyenvien.stc", Role.CHUYEN_VIEN.label),
    ("luutru.stc", Role.LUU_TRU_VIEN.label),
    ("quantri.stc", Role.QUAN_TRI.label),
    ("quantri.tinh", _("Administrator of the whole province")),
]


class LoginView(auth_views.LoginView):
    """Django's sign-in with our page; django-axes refuses locked-out usernames
    before the password is even checked."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["has_demo_data"] = (
            organisation_directory().filter(is_demo=True).exists()
        )
        context["demo_logins"] = DEMO_LOGINS
        return context


def certificate_warnings(user, *, at) -> list:
    """The person's certificates (and the seal they use) that need replacing."""
    warnings = list(certificate_list_needing_renewal(user=user, at=at))
    for row in warnings:
        row.days_left = (row.not_after - at).days
        row.is_expired = row.not_after <= at
        row.is_revoked = row.revocation_status == RevocationStatus.REVOKED
    return warnings


@login_required
def home(request):
    """The person's own queues (and, while acting for someone, theirs), their
    delegations in force, and the administration for a quản trị."""
    user = request.user
    now = timezone.now()
    sections = queue_summary(user=user, acting_for=request.acting_for, at=now)
    queues = [
        {
            "section": section,
            "queues": [
                {
                    "count": count,
                    "items": list(
                        queue_items(
                            user=user,
                            queue=count.queue,
                            limit=HOME_ITEMS_PER_QUEUE,
                            acting_for=section.person if section.is_principal else None,
                            at=now,
                        )
                    )
                    if count.open
                    else [],
                }
                for count in section.queues
            ],
        }
        for section in sections
    ]
    delegations = list(
        delegation_list_visible(user=user)
        .filter(Q(principal=user) | Q(delegate=user))
        .filter(revoked_at__isnull=True, ends_at__gt=now)
        .order_by("starts_at")
    )
    return render(
        request,
        "home.html",
        {
            "sections": queues,
            "delegations_given": [d for d in delegations if d.principal_id == user.pk],
            "delegations_received": [
                d for d in delegations if d.delegate_id == user.pk
            ],
            "is_administrator": organisation_list_managed(user=user).exists(),
            "certificate_warnings": certificate_warnings(user, at=now),
            # One query: one more than shown tells whether there are more.
            "late_items": list(
                late_items(user=user, at=now, limit=HOME_LATE_ITEMS + 1)
            ),
            "late_shown": HOME_LATE_ITEMS,
            "now": now,
        },
    )
