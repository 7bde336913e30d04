"""The search page (tìm kiếm văn bản): one box, filters, facets, highlighted
snippets, sort, paging by cursor, saved searches and the export of the hit list.

Everything the person typed goes to search.services.search, which checks it and
answers bad input with a Vietnamese ValidationError: the page shows that message,
never an error page. Hits are shown only for documents document_list_visible
still lets the person open (the index may lag a revoked grant by a moment)."""

from __future__ import annotations

import csv
import functools
import html
import io
import re
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import get_script_prefix, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.audit import audit_record
from directory.models import Organisation
from documents.constants import Urgency
from documents.models import Document, DocumentType
from search import text as vt
from search.acl import documents_visible_among
from search.forms import SavedSearchForm, SearchForm
from search.saved import (
    clean_filters,
    saved_search_delete,
    saved_search_list,
    saved_search_save,
    service_filters,
)
from search.services import parse_query, search

PAGE_SIZE = 20
EXPORT_LIMIT = 5000
EXPORT_BATCH = 100
# The filters of the page (the case-file filter comes with the archive).
PAGE_FILTERS = (
    "document_type",
    "organisation",
    "register",
    "urgency",
    "secrecy",
    "state",
    "year",
    "date_from",
    "date_to",
)
FACET_ORDER = ("document_type", "organisation", "year", "urgency", "state")
# Values shown per facet: a list of 200 organisations helps nobody (and costs a
# link each); every value stays choosable in the filter form.
FACET_SHOWN = 12
_MARK = re.compile(r"(<mark>|</mark>)")


def safe_snippet(snippet: str) -> str:
    """HTML in which only <mark> and </mark> survive: every other piece of the
    engine's snippet is unescaped then escaped again, so text that was escaped
    stays as it reads and anything else is shown as text, never as markup."""
    out: list[str] = []
    open_mark = False
    for part in _MARK.split(snippet or ""):
        if part == "<mark>":
            if not open_mark:
                out.append(part)
                open_mark = True
        elif part == "</mark>":
            if open_mark:
                out.append(part)
                open_mark = False
        else:
            out.append(html.escape(html.unescape(part), quote=False))
    if open_mark:
        out.append("</mark>")
    return mark_safe("".join(out))  # noqa: S308 - only <mark> survives, text escaped


def _words(query: str) -> frozenset[str]:
    """Folded tokens to mark in titles (as SearchQuery.highlight_terms)."""
    try:
        terms, phrases, identifiers, _notes = parse_query(query)
    except ValidationError:
        return frozenset()
    words = {t.folded for t in terms}
    for phrase in phrases:
        words.update(t.folded for t in phrase.terms)
    for ident in identifiers:
        words.update(ident.parts)
    return frozenset(words)


def _mark_title(title: str, words) -> str:
    if not words:
        return html.escape(title, quote=False)
    return safe_snippet(vt.highlight(title, words, max_chars=4 * len(title) + 8))


def _params(request) -> tuple[str, dict[str, list[str]], str, str]:
    """(query, filters, sort, cursor) as the URL gives them; values unchecked."""
    query = request.GET.get("q", "")
    filters = {
        key: values
        for key in PAGE_FILTERS
        if (values := [v for v in request.GET.getlist(key) if v.strip()])
    }
    sort = request.GET.get("sort") or "relevance"
    return query, filters, sort, request.GET.get("cursor", "")


def _url(name: str, query: str, filters: dict, sort: str, **extra) -> str:
    pairs: list[tuple[str, str]] = []
    if query:
        pairs.append(("q", query))
    for key in PAGE_FILTERS:
        pairs.extend((key, v) for v in filters.get(key, ()))
    if sort and sort != "relevance":
        pairs.append(("sort", sort))
    pairs.extend((k, v) for k, v in extra.items() if v)
    base = _reverse(name, get_script_prefix())
    return f"{base}?{urlencode(pairs)}" if pairs else base


@functools.lru_cache(maxsize=16)
def _reverse(name: str, _prefix: str) -> str:
    """reverse() once per name (and script prefix): a page of results links every
    facet value, a hundred and more."""
    return reverse(name)


def _facet_labels(facets) -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = {}
    codes = [f.value for f in facets.get("document_type", ())]
    labels["document_type"] = dict(
        DocumentType.objects.filter(code__in=codes).values_list("code", "name")
    )
    org_ids = [
        int(f.value) for f in facets.get("organisation", ()) if str(f.value).isdigit()
    ]
    labels["organisation"] = {
        str(pk): name
        for pk, name in Organisation.objects.filter(pk__in=org_ids).values_list(
            "pk", "name"
        )
    }
    labels["urgency"] = {str(v): str(label) for v, label in Urgency.choices}
    labels["state"] = {str(v): str(label) for v, label in Document.State.choices}
    return labels


FACET_TITLES = {
    "document_type": lambda: _("Document type"),
    "organisation": lambda: _("Issuing organisation"),
    "year": lambda: _("Year"),
    "urgency": lambda: _("Urgency"),
    "state": lambda: _("Status"),
}


def _facets(results, query, filters, sort) -> list[dict]:
    """The facets beside the hits: per facet its FACET_SHOWN most frequent values
    (the engine gives them by count) and any value in force, each with its exact
    count and the link that filters on it (or lifts the filter)."""
    labels = _facet_labels(results.facets)
    out = []
    for name in FACET_ORDER:
        values = results.facets.get(name) or []
        if not values:
            continue
        items = []
        for rank, facet in enumerate(values):
            value = str(facet.value)
            active = value in filters.get(name, ())
            if rank >= FACET_SHOWN and not active:
                continue  # the rest are in the filter's list above
            changed = {k: list(v) for k, v in filters.items()}
            if active:
                changed[name] = [v for v in changed[name] if v != value]
            else:
                changed[name] = [value]
            items.append(
                {
                    "label": labels.get(name, {}).get(value, value),
                    "count": facet.count,
                    "active": active,
                    "url": _url("search:search", query, changed, sort),
                }
            )
        out.append({"name": name, "title": FACET_TITLES[name](), "items": items})
    return out


def _active_filters(form, query, filters, sort) -> list[dict]:
    """Chips of the filters in force, each with the link that removes it."""
    chips = []
    for key, values in filters.items():
        field = form.fields.get(key)
        choices = dict(getattr(field, "choices", ()) or ())
        for value in values:
            rest = {k: list(v) for k, v in filters.items()}
            rest[key] = [v for v in rest[key] if v != value]
            label = field.label if field else FACET_TITLES[key]()
            chips.append(
                {
                    "label": label,
                    "value": choices.get(value, value),
                    "url": _url("search:search", query, rest, sort),
                }
            )
    return chips


def _visible_documents(user, ids) -> dict[int, Document]:
    return {
        d.pk: d
        for d in documents_visible_among(user, ids).select_related(
            "document_type", "organisation"
        )
    }


@login_required
def search_page(request):
    query, filters, sort, cursor = _params(request)
    initial = {"q": query, "sort": sort}
    initial.update({k: v[0] for k, v in filters.items()})
    form = SearchForm(initial=initial, user=request.user)
    searched = bool(query.strip() or filters)
    context = {
        "form": form,
        "query": query,
        "sort": sort,
        "searched": searched,
        "saved_searches": saved_search_list(user=request.user),
        "save_form": SavedSearchForm(),
        "chips": _active_filters(form, query, filters, sort),
        "filtered": bool(filters),
    }
    if searched:
        try:
            results = search(
                user=request.user,
                query=query,
                filters=service_filters(filters),
                sort=sort,
                cursor=cursor or None,
                limit=PAGE_SIZE,
            )
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
        else:
            documents = _visible_documents(request.user, [h.id for h in results.hits])
            words = _words(query)
            context.update(
                results=results,
                message=results.message,
                hits=[
                    {
                        "hit": hit,
                        "document": documents[hit.id],
                        "title": _mark_title(hit.title, words),
                        "snippet": safe_snippet(hit.snippet),
                    }
                    for hit in results.hits
                    if hit.id in documents
                ],
                facets=_facets(results, query, filters, sort),
                next_url=(
                    _url(
                        "search:search",
                        query,
                        filters,
                        sort,
                        cursor=results.next_cursor,
                    )
                    if results.next_cursor
                    else ""
                ),
                first_url=(
                    _url("search:search", query, filters, sort) if cursor else ""
                ),
                csv_url=_url("search:export", query, filters, sort, format="csv"),
                xlsx_url=_url("search:export", query, filters, sort, format="xlsx"),
                sort_urls={
                    "relevance": _url("search:search", query, filters, "relevance"),
                    "date": _url("search:search", query, filters, "date"),
                },
            )
    return render(request, "search/search.html", context)


# ---------------------------------------------------------------------------
# Export


def _export_rows(user, query, filters, sort) -> list[Document]:
    """Every hit the person may open for the search, in its order, up to
    EXPORT_LIMIT, read page by page through the service."""
    ids: list[int] = []
    cursor = None
    while len(ids) < EXPORT_LIMIT:
        results = search(
            user=user,
            query=query,
            filters=service_filters(filters),
            sort=sort,
            cursor=cursor,
            limit=min(EXPORT_BATCH, EXPORT_LIMIT - len(ids)),
        )
        ids.extend(h.id for h in results.hits)
        cursor = results.next_cursor
        if not cursor or not results.hits:
            break
    documents: dict[int, Document] = {}
    for start in range(0, len(ids), 1000):
        documents.update(_visible_documents(user, ids[start : start + 1000]))
    return [documents[pk] for pk in ids if pk in documents]


def _cell(value: str) -> str:
    """Text of a CSV cell that a spreadsheet never takes for a formula."""
    value = str(value or "")
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def export_columns():
    return [
        _("No."),
        _("Number, notation"),
        _("Dated"),
        _("Issuing organisation"),
        _("Subject"),
        _("Document type"),
    ]


def export_row(index: int, document: Document) -> list:
    return [
        index,
        document.number_notation or "",
        document.issued_date,
        document.organ_name or document.organisation.name,
        document.subject,
        document.document_type.name,
    ]


def _csv(documents) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(export_columns())
    for index, document in enumerate(documents, start=1):
        row = export_row(index, document)
        row[2] = row[2].strftime("%d/%m/%Y") if row[2] else ""
        writer.writerow([row[0], *(_cell(v) for v in row[1:])])
    # With a BOM, spreadsheet programs read the Vietnamese letters as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx(documents, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Search results")[:31]
    workbook.properties.title = title
    workbook.properties.creator = "Vanthu"
    sheet.append(export_columns())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, document in enumerate(documents, start=1):
        sheet.append(export_row(index, document))
        sheet.cell(row=index + 1, column=3).number_format = "DD/MM/YYYY"
    for letter, width in zip("ABCDEF", (6, 18, 12, 36, 70, 18), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2, min_col=5, max_col=5):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@login_required
def export(request):
    query, filters, sort, _cursor = _params(request)
    kind = request.GET.get("format", "csv")
    back = _url("search:search", query, filters, sort)
    if kind not in ("csv", "xlsx"):
        messages.error(request, _("Unknown export format."))
        return redirect(back)
    if not (query.strip() or filters):
        messages.error(
            request, _("Search first: the export holds the hits of a search.")
        )
        return redirect(back)
    try:
        documents = _export_rows(request.user, query, filters, sort)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="search.exported",
            details={
                "query": query[:500],
                "filters": clean_filters(filters),
                "format": kind,
                "rows": len(documents),
            },
        )
    if kind == "xlsx":
        body = _xlsx(documents, _("Search results"))
        content_type = (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        body = _csv(documents)
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="ket-qua-tim-kiem.{kind}"'
    return response


# ---------------------------------------------------------------------------
# Saved searches


@login_required
@require_POST
def saved_create(request):
    query = request.POST.get("q", "")
    filters = {
        key: values
        for key in PAGE_FILTERS
        if (values := [v for v in request.POST.getlist(key) if v.strip()])
    }
    sort = request.POST.get("sort") or "relevance"
    form = SavedSearchForm(request.POST)
    back = _url("search:search", query[:600], filters, sort)
    if not form.is_valid():
        messages.error(
            request, " ".join(e for errs in form.errors.values() for e in errs)
        )
        return redirect(back)
    try:
        saved = saved_search_save(
            user=request.user,
            name=form.cleaned_data["name"],
            query=query,
            filters=filters,
            sort=sort,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(request, _("Search saved as “%(name)s”.") % {"name": saved.name})
    return redirect(back)


@login_required
def saved_run(request, pk: int):
    saved = saved_search_list(user=request.user).filter(pk=pk).first()
    if saved is None:
        raise Http404
    return redirect(_url("search:search", saved.query, saved.filters, saved.sort))


@login_required
@require_POST
def saved_delete(request, pk: int):
    try:
        saved_search_delete(user=request.user, saved_id=pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The saved search was deleted."))
    return redirect(reverse("search:search"))
