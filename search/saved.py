"""Saved searches: the service that keeps or removes one (audited, one
transaction) and the selector of a person's own list."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from core.audit import audit_record
from search.backends.base import SORTS
from search.models import SavedSearch
from search.services import FILTER_KEYS, MAX_QUERY_CHARS, parse_query, validate_filters

MAX_SAVED_PER_PERSON = 50
MAX_NAME_CHARS = 100


def saved_search_list(*, user) -> QuerySet[SavedSearch]:
    """The person's own saved searches, by name (nobody else's, ever)."""
    if not user.is_authenticated or not user.is_active:
        return SavedSearch.objects.none()
    return SavedSearch.objects.filter(owner=user).order_by("name", "pk")


def clean_filters(filters: dict | None) -> dict[str, list[str]]:
    """Filters as lists of non-empty strings, known names only (as in a URL)."""
    out: dict[str, list[str]] = {}
    for key, value in (filters or {}).items():
        if key not in FILTER_KEYS:
            continue
        values = value if isinstance(value, list | tuple) else [value]
        values = [str(v).replace("\x00", "").strip() for v in values]
        values = [v for v in values if v]
        if values:
            out[key] = values
    return out


SINGLE_VALUED = ("date_from", "date_to")


def service_filters(filters: dict[str, list[str]]) -> dict:
    """URL filters (lists) as search.services takes them: dates are one value."""
    out: dict = {}
    for key, values in filters.items():
        if key in SINGLE_VALUED:
            out[key] = values[-1] if values else ""
        else:
            out[key] = values
    return out


@transaction.atomic
def saved_search_save(
    *, user, name: str, query: str, filters: dict | None, sort: str = "relevance"
) -> SavedSearch:
    """Keep the query and filters under `name` (the same name replaces the earlier
    one). The query and every filter are checked as a search checks them."""
    if not user.is_authenticated or not user.is_active:
        raise ValidationError(_("Sign in to save a search."), code="anonymous")
    name = " ".join((name or "").replace("\x00", "").split())
    if not name:
        raise ValidationError(_("Give the saved search a name."), code="name_required")
    if len(name) > MAX_NAME_CHARS:
        raise ValidationError(
            _("The name is too long: at most %(max)s characters.")
            % {"max": MAX_NAME_CHARS},
            code="name_too_long",
        )
    query = (query or "").replace("\x00", "").strip()
    if len(query) > MAX_QUERY_CHARS:
        raise ValidationError(
            _("The search text is too long: at most %(max)s characters.")
            % {"max": MAX_QUERY_CHARS},
            code="too_long",
        )
    if sort not in SORTS:
        raise ValidationError(_("Unknown sort order."), code="bad_sort")
    parse_query(query)  # too many words -> ValidationError
    raw = filters or {}
    if not isinstance(raw, dict) or set(raw) - set(FILTER_KEYS):
        raise ValidationError(_("The search filters are not valid."), code="bad_filter")
    kept = clean_filters(raw)
    validate_filters(user=user, filters=service_filters(kept))
    if not query and not kept:
        raise ValidationError(
            _("There is nothing to save: type a search text or choose a filter."),
            code="nothing_to_save",
        )
    existing = (
        SavedSearch.objects.select_for_update().filter(owner=user, name=name).first()
    )
    if (
        existing is None
        and saved_search_list(user=user).count() >= MAX_SAVED_PER_PERSON
    ):
        raise ValidationError(
            _("You already have %(max)s saved searches: delete one first.")
            % {"max": MAX_SAVED_PER_PERSON},
            code="too_many_saved",
        )
    saved = existing or SavedSearch(owner=user, name=name)
    saved.query, saved.filters, saved.sort = query, kept, sort
    saved.save()
    audit_record(
        actor=user,
        action="search.saved_search_saved",
        obj=saved,
        details={"name": name, "query": query, "filters": kept, "sort": sort},
    )
    return saved


@transaction.atomic
def saved_search_delete(*, user, saved_id: int) -> None:
    """Delete one of the person's own saved searches; another's is 'not found'."""
    saved = saved_search_list(user=user).select_for_update().filter(pk=saved_id).first()
    if saved is None:
        raise ValidationError(
            _("This saved search does not exist."), code="saved_not_found"
        )
    audit_record(
        actor=user,
        action="search.saved_search_deleted",
        obj=saved,
        details={"name": saved.name},
    )
    saved.delete()
