"""Template context about the signed-in person: roles and who they act for."""

from .selectors import delegation_principals_for, roles_of


def person(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "person_roles": roles_of(user=user),
        "acting_for": getattr(request, "acting_for", None),
        "delegation_principals": delegation_principals_for(user=user),
    }
