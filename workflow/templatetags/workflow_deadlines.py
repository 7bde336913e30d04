"""Template filters of the deadlines: how late an item is, in words."""

from django import template
from django.utils import timezone
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def late_by(due_at, now=None) -> str:
    """“2 ngày 3 giờ”: the time since `due_at`, in days and hours (in minutes
    when under an hour); empty when not past."""
    if due_at is None:
        return ""
    seconds = int(((now or timezone.now()) - due_at).total_seconds())
    if seconds <= 0:
        return ""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if not days and not hours:
        minutes = max(1, rest // 60)
        return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}
    parts = []
    if days:
        parts.append(ngettext("%(n)s day", "%(n)s days", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours})
    return " ".join(parts)
