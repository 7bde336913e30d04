"""Which document pages each role reaches: the entries of the main navigation and
the role gates of the pages that only some roles may open.

Lists are never gated by role: they show what the selectors let the person see
(a chuyên viên handed one incoming document sees that one). Registering incoming
documents, writing drafts and reading the registers are gated, with the same role
sets as documents.permissions."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from directory.models import Role

from .permissions import (
    DRAFT_READERS,
    DRAFTERS,
    INCOMING_READERS,
    REGISTER_READERS,
    REGISTRARS,
)

# Văn thư, leaders and archivists work with incoming documents; a unit leader
# sees the ones handed to their unit.
INCOMING_LIST_ROLES = (*INCOMING_READERS, Role.LANH_DAO_DON_VI)
INCOMING_REGISTRARS = REGISTRARS
DRAFT_WRITERS = DRAFTERS
DRAFT_LIST_ROLES = tuple(dict.fromkeys((*DRAFTERS, *DRAFT_READERS)))
# Anyone may check the signatures of a PDF (signing's verification page).
ALL_ROLES = tuple(Role.values)


@dataclass(frozen=True)
class NavEntry:
    url_name: str
    label: str
    roles: tuple[str, ...]
    # The pages under the entry, marked as current in the navigation.
    view_names: tuple[str, ...] = ()


NAV_ENTRIES = (
    # Everyone may search the documents they may open (search app, issue 6).
    NavEntry("search:search", _("Search"), ALL_ROLES, ("search:search",)),
    NavEntry(
        "documents:incoming",
        _("Incoming documents"),
        INCOMING_LIST_ROLES,
        (
            "documents:incoming",
            "documents:incoming_upload",
            "documents:incoming_confirm",
        ),
    ),
    NavEntry(
        "documents:registers",
        _("Registers"),
        REGISTER_READERS,
        ("documents:registers", "documents:register"),
    ),
    NavEntry(
        "documents:drafts",
        _("Drafts"),
        DRAFT_LIST_ROLES,
        (
            "documents:drafts",
            "documents:draft_new",
            "documents:draft_upload",
            "documents:draft_revise",
        ),
    ),
    NavEntry(
        "signing:verify",
        _("Verify signatures"),
        ALL_ROLES,
        ("signing:verify",),
    ),
    NavEntry(
        "signing:certificates",
        _("Digital certificates"),
        (Role.LANH_DAO_CO_QUAN, Role.LANH_DAO_DON_VI, Role.VAN_THU, Role.QUAN_TRI),
        (
            "signing:certificates",
            "signing:certificate_register",
            "signing:certificate_register_remote",
        ),
    ),
)


def nav_entries_for_roles(roles: Iterable[str]) -> list[NavEntry]:
    held = set(roles or ())
    return [entry for entry in NAV_ENTRIES if held & set(entry.roles)]


def has_any_role(roles: Iterable[str], wanted: Iterable[str]) -> bool:
    return bool(set(roles) & set(wanted))
