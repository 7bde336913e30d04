"""Small template helpers of the web interface."""

from datetime import timedelta

from django import template

from workflow.queues import queues_for_roles

register = template.Library()


@register.simple_tag
def role_queues(roles):
    """The queues of a person holding `roles` (the context's person_roles), for
    the navigation."""
    return queues_for_roles(roles or ())


@register.filter
def minutes(value: timedelta | None) -> int:
    """Whole minutes of a duration, rounded up: a lockout of 14 min 30 s says 15."""
    if not value:
        return 0
    return -(-int(value.total_seconds()) // 60)
