"""Template helpers of the document pages and the documents' navigation entries."""

from datetime import date, datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..navigation import NavEntry, nav_entries_for_roles

register = template.Library()

# The workflow's reports and the leaders' dashboard (issue 5), named by URL only:
# documents may not import workflow. The roles are those of workflow.reports.
REPORT_NAV_ENTRIES = (
    NavEntry(
        "workflow:reports",
        _("Reports"),
        ("lanh_dao_co_quan", "lanh_dao_don_vi", "van_thu"),
        ("workflow:reports",),
    ),
    NavEntry(
        "workflow:dashboard",
        _("Dashboard"),
        ("lanh_dao_co_quan", "lanh_dao_don_vi"),
        ("workflow:dashboard",),
    ),
)


@register.simple_tag
def documents_nav(roles):
    """The document pages a holder of `roles` (the context's person_roles) reaches,
    for the main navigation, then the reports' pages."""
    held = set(roles or ())
    return nav_entries_for_roles(held) + [
        entry for entry in REPORT_NAV_ENTRIES if held & set(entry.roles)
    ]


@register.filter
def isodatetime(value):
    """A datetime or date from the ISO text kept in FileVersion.facts, in local
    time; anything else as it is."""
    if not isinstance(value, str) or not value:
        return value
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    if timezone.is_aware(parsed):
        return timezone.localtime(parsed)
    return parsed


@register.filter
def short_hash(value: str) -> str:
    """The first 12 hex digits of a SHA-256: enough to tell files apart on screen."""
    return (value or "")[:12]
