"""Template helpers of the document pages and the documents' navigation entries."""

from datetime import date, datetime

from django import template
from django.utils import timezone

from ..navigation import nav_entries_for_roles

register = template.Library()


@register.simple_tag
def documents_nav(roles):
    """The document pages a holder of `roles` (the context's person_roles) reaches,
    for the main navigation."""
    return nav_entries_for_roles(roles or ())


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
