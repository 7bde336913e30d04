"""Template context of the workflow: the unread notifications in the header bell."""

from .notifications import unread_count


def notifications(request) -> dict:
    """`unread_notifications`: one COUNT on the partial index of unread rows
    (notification_unread_idx); nothing, and no query, for anonymous visitors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(user=user)}
