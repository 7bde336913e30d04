"""Sets `request.acting_for`: the person the signed-in user acts for under a
delegation in force (ủy quyền), chosen in the session, or None."""

from .models import User
from .selectors import delegation_active

SESSION_KEY = "vanthu_acting_for"


def _acting_for(request) -> User | None:
    principal_id = request.session.get(SESSION_KEY)
    if not principal_id or not request.user.is_authenticated:
        return None
    principal = User.objects.filter(pk=principal_id).first()
    if (
        principal is None
        or delegation_active(principal=principal, delegate=request.user) is None
    ):
        # The delegation ended or was revoked: stop acting for them at once.
        request.session.pop(SESSION_KEY, None)
        return None
    return principal


class ActingForMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Only a session that chose someone costs a query.
        request.acting_for = (
            _acting_for(request) if request.session.get(SESSION_KEY) else None
        )
        return self.get_response(request)
