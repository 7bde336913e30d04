"""Permission codenames of the directory app (django-guardian object permissions)."""

VIEW_ORGANISATION = "directory.view_organisation"
MANAGE_ORGANISATION = "directory.manage_organisation"

# Per-object codenames (without the app label), as guardian's assign_perm wants them
# when given an object.
VIEW_ORGANISATION_CODENAME = "view_organisation"
MANAGE_ORGANISATION_CODENAME = "manage_organisation"


def members_group_name(organisation_code: str) -> str:
    """Everybody in an organisation; documents sent to it are granted to this group."""
    return f"org:{organisation_code}:members"


def role_group_name(organisation_code: str, role: str) -> str:
    """Everybody holding `role` in an organisation."""
    return f"org:{organisation_code}:{role}"
