"""Search services (dịch vụ tìm kiếm): what goes into the index, and searching it
from a person's point of view.

The database is the source of truth: `index_document` reads a document afresh and
writes it to the index, or removes it when it no longer exists or is recalled;
`reindex_all` rebuilds the whole index aside and switches. Both run in the indexing
worker (search.tasks) or `manage.py reindex`, never in a web request.

`search()` parses what the person typed into terms, phrases and number/notation
tokens (search.text), validates every filter, adds the person's ACL (search.acl)
and asks the configured engine. Nothing the person typed reaches an engine's query
parser; every bad input gets a clear Vietnamese answer and never an exception page.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Iterator
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.blobstore import BlobStoreError, get_blob_store
from documents.constants import Secrecy, Urgency
from documents.models import Document, DocumentType, FileVersion
from documents.selectors import document_list_visible, register_list_visible
from search import text as vt
from search.acl import acl_for_user, acl_tokens_for_documents
from search.backends import get_backend
from search.backends.base import (
    FACETS,
    SORTS,
    Filters,
    Identifier,
    IndexDocument,
    Phrase,
    SearchBackendError,
    SearchQuery,
    SearchResults,
    Term,
)
from search.extract import extract_text

logger = logging.getLogger(__name__)

# States whose documents are not searchable: a recalled document disappears.
HIDDEN_STATES = (Document.State.RECALLED,)
MAX_QUERY_CHARS = 500
MAX_QUERY_WORDS = 32
MAX_LIMIT = 100
MAX_FILTER_VALUES = 50


# ---------------------------------------------------------------------------
# What is indexed


def _text_cache_path(sha256: str):
    root = settings.VANTHU_SEARCH.get("TEXT_CACHE")
    if not root:
        return None
    from pathlib import Path

    return Path(root) / sha256[:2] / f"{sha256}.txt"


def version_text(version: FileVersion) -> tuple[str, bool]:
    """(text, needs_ocr) of one file version, cached by blob hash when
    VANTHU_SEARCH["TEXT_CACHE"] is set (versions are immutable)."""
    facts = version.facts or {}
    cache = _text_cache_path(version.blob_id)
    if cache is not None and cache.exists():
        text = cache.read_text(encoding="utf-8")
        return text, not text.strip() and _is_pdf(version)
    try:
        with get_blob_store().open(version.blob_id) as stream:
            data = stream.read()
    except (BlobStoreError, OSError) as exc:
        logger.warning("search: cannot read version %s: %r", version.pk, exc)
        return "", False
    extracted = extract_text(
        data, content_type=version.content_type, filename=version.filename
    )
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        tmp.write_text(extracted.text, encoding="utf-8")
        tmp.replace(cache)
    needs_ocr = extracted.needs_ocr or (
        _is_pdf(version) and facts.get("has_text") is False and not extracted.text
    )
    return extracted.text, needs_ocr


def _is_pdf(version: FileVersion) -> bool:
    return (
        version.content_type == "application/pdf"
        or version.filename.lower().endswith(".pdf")
    )


def _title(document: Document) -> str:
    parts = [document.document_type.name]
    if document.number_notation:
        parts.append(f"số {document.number_notation}")
    parts.append(document.subject)
    return " ".join(p for p in parts if p)


def _index_document(document: Document, acl: tuple[str, ...]) -> IndexDocument:
    texts: list[str] = []
    seen: set[str] = set()
    needs_ocr: list[int] = []
    for doc_file in document.files.all():
        for version in doc_file.versions.all():
            text, ocr = version_text(version)
            if ocr:
                needs_ocr.append(version.pk)
            digest = hashlib.sha256(text.encode()).hexdigest()
            if text and digest not in seen:  # signed copies repeat the same text
                seen.add(digest)
                texts.append(text)
    sort_date = (
        document.issued_date or (document.arrival_date or document.created_at).date()
    )
    return IndexDocument(
        id=document.pk,
        organisation_id=document.organisation_id,
        organisation_name=document.organisation.name,
        document_type=document.document_type.code,
        document_type_name=document.document_type.name,
        direction=document.direction,
        state=document.state,
        urgency=document.urgency,
        secrecy=document.secrecy,
        number=document.code_number,
        notation=document.code_notation,
        number_notation=document.number_notation,
        organ_name=document.organ_name,
        subject=document.subject,
        title=_title(document),
        issued_date=document.issued_date,
        register_id=document.register_id,
        register_number=document.register_number,
        acl=acl,
        text="\n".join(texts),
        needs_ocr=tuple(needs_ocr),
        sort_date=sort_date,
    )


def _indexable() -> Iterable[Document]:
    return (
        Document.objects.exclude(state__in=HIDDEN_STATES)
        .select_related("document_type", "organisation")
        .prefetch_related("files__versions")
    )


def index_documents_for(document_ids: Iterable[int]) -> list[IndexDocument]:
    """IndexDocuments of the given ids that are searchable (others are left out)."""
    documents = list(_indexable().filter(pk__in=list(document_ids)))
    acls = acl_tokens_for_documents([d.pk for d in documents])
    return [_index_document(d, acls[d.pk]) for d in documents]


def iter_index_documents(*, batch: int = 500) -> Iterator[IndexDocument]:
    """Every searchable document, in id order, a batch of queries at a time."""
    last = 0
    while True:
        ids = list(
            _indexable()
            .filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return
        documents = {d.id: d for d in index_documents_for(ids)}
        for pk in ids:
            if pk in documents:
                yield documents[pk]
        last = ids[-1]


def searchable_count() -> int:
    return _indexable().count()


def index_document(*, document_id: int) -> bool:
    """Bring the index in line with the database for one document: write it, or
    remove it when it is gone or hidden. Returns True when it was written."""
    docs = index_documents_for([document_id])
    backend = get_backend()
    if docs:
        backend.index(docs[0])
        return True
    backend.delete([document_id])
    return False


def remove_document(*, document_id: int) -> None:
    get_backend().delete([document_id])


def reconcile() -> dict[str, int]:
    """Bring the index in line with the database for every document: index the
    searchable ones it lacks, remove the ones it should not hold. For beat, after a
    restore or an outage; the outbox normally keeps the two in step."""
    backend = get_backend()
    wanted = set(_indexable().values_list("pk", flat=True))
    held = set(backend.get_ids())
    missing = sorted(wanted - held)
    extra = sorted(held - wanted)
    for start in range(0, len(missing), 500):
        backend.bulk(index_documents_for(missing[start : start + 500]))
    if extra:
        backend.delete(extra)
    return {"indexed": len(missing), "removed": len(extra)}


def reindex_all(*, progress=None) -> int:
    """Rebuild the index from the database aside, then switch (no downtime)."""
    return get_backend().rebuild(iter_index_documents(), progress=progress)


# ---------------------------------------------------------------------------
# Parsing what a person typed

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})
_FIELD_PREFIX = re.compile(r"^[A-Za-z_]+:(?=\S)")
_OPERATORS = {"AND", "OR", "NOT", "&&", "||"}


def _terms(text: str) -> list[Term]:
    terms = []
    for word in re.findall(r"\S+", text):
        if word in _OPERATORS:
            continue  # engine syntax typed by hand: the words count, not the logic
        word = _FIELD_PREFIX.sub("", word)
        for accented in vt.accent_tokens(word):
            folded = " ".join(vt.fold_tokens(accented))
            for part in folded.split():
                # A token that folds to several ASCII tokens (rare letters) keeps
                # its accented form on the first only.
                terms.append(Term(accented=accented, folded=part))
                accented = part
    return terms


def parse_query(text: str) -> tuple[tuple, tuple, tuple, list[str]]:
    """(terms, phrases, identifiers, notes) of a query. Raises ValidationError for
    a query too long or with too many words; notes tell what was ignored."""
    notes: list[str] = []
    # Text pasted from an old TCVN3/VNI file is searched as the Unicode it means.
    text = vt.normalise(vt.to_unicode(text or "")).translate(_QUOTES)
    if len(text) > MAX_QUERY_CHARS:
        raise ValidationError(
            _("The search text is too long: at most %(max)s characters.")
            % {"max": MAX_QUERY_CHARS},
            code="too_long",
        )
    if text.count('"') % 2:
        notes.append(_("An unmatched quotation mark was ignored."))
        last = text.rfind('"')
        text = text[:last] + " " + text[last + 1 :]
    phrases = []
    identifiers = []
    rest = []
    for i, chunk in enumerate(text.split('"')):
        if i % 2:  # inside quotes
            words = _terms(chunk)
            if len(words) > 1:
                phrases.append(Phrase(terms=tuple(words)))
            elif words:
                rest.append(chunk)
            continue
        for token in re.findall(r"\S+", chunk):
            ident = vt.identifier_from_token(_FIELD_PREFIX.sub("", token))
            if ident:
                keyword, parts = ident
                identifiers.append(Identifier(raw=token, keyword=keyword, parts=parts))
            else:
                rest.append(token)
    terms = _terms(" ".join(rest))
    count = len(terms) + sum(len(p.terms) for p in phrases) + len(identifiers)
    if count > MAX_QUERY_WORDS:
        raise ValidationError(
            _("Too many words to search for: at most %(max)s.")
            % {"max": MAX_QUERY_WORDS},
            code="too_many_words",
        )
    return tuple(terms), tuple(phrases), tuple(identifiers), notes


# ---------------------------------------------------------------------------
# Filters


FILTER_LABELS = {
    "document_type": gettext_lazy("document type"),
    "organisation": gettext_lazy("organisation"),
    "register": gettext_lazy("register"),
    "urgency": gettext_lazy("urgency"),
    "secrecy": gettext_lazy("secrecy"),
    "state": gettext_lazy("status"),
    "direction": gettext_lazy("direction"),
    "year": gettext_lazy("year"),
    "date_from": gettext_lazy("from date"),
    "date_to": gettext_lazy("to date"),
}


def _bad(name: str) -> ValidationError:
    return ValidationError(
        _("The filter “%(name)s” has a value that is not allowed.")
        % {"name": FILTER_LABELS.get(name, name)},
        code="bad_filter",
    )


def _values(filters: dict, key: str) -> list:
    value = filters.get(key)
    if value in (None, "", [], ()):
        return []
    values = list(value) if isinstance(value, list | tuple | set) else [value]
    if len(values) > MAX_FILTER_VALUES:
        raise _bad(key)
    return values


def _ints(filters: dict, key: str) -> tuple[int, ...]:
    out = []
    for v in _values(filters, key):
        if isinstance(v, bool):
            raise _bad(key)
        if isinstance(v, int):
            out.append(v)
        elif isinstance(v, str) and re.fullmatch(r"\d{1,9}", v.strip()):
            out.append(int(v.strip()))
        else:
            raise _bad(key)
    return tuple(out)


def _choices(filters: dict, key: str, allowed) -> tuple:
    values = []
    for v in _values(filters, key):
        match = next((a for a in allowed if str(a) == str(v).strip()), None)
        if match is None:
            raise _bad(key)
        values.append(match)
    return tuple(values)


def _date(filters: dict, key: str) -> date | None:
    value = filters.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(
            _("The date “%(name)s” is not a valid date (YYYY-MM-DD).")
            % {"name": FILTER_LABELS[key]},
            code="bad_date",
        ) from None


FILTER_KEYS = (
    "document_type",
    "organisation",
    "register",
    "urgency",
    "secrecy",
    "state",
    "direction",
    "year",
    "date_from",
    "date_to",
)


def validate_filters(*, user, filters: dict | None) -> Filters:
    """Filters from a form or the command line, checked: known names, values of
    the right kind, organisations and registers the person may see."""
    if filters is not None and not isinstance(filters, dict):
        raise ValidationError(_("The search filters are not valid."), code="bad_filter")
    filters = dict(filters or {})
    unknown = sorted(set(filters) - set(FILTER_KEYS))
    if unknown:
        raise ValidationError(
            _("Unknown filter: %(names)s.") % {"names": ", ".join(unknown)},
            code="unknown_filter",
        )
    codes = set(DocumentType.objects.values_list("code", flat=True))
    document_types = _choices(filters, "document_type", sorted(codes))
    organisations = _ints(filters, "organisation")
    if organisations:
        from directory.selectors import organisation_list_visible

        visible = set(
            organisation_list_visible(user=user).values_list("pk", flat=True)
        ) | set(
            document_list_visible(user=user)
            .filter(organisation_id__in=organisations)
            .values_list("organisation_id", flat=True)
        )
        if not set(organisations) <= visible:
            raise ValidationError(
                _("You cannot search the documents of this organisation."),
                code="organisation_not_visible",
            )
    registers = _ints(filters, "register")
    if registers:
        visible = set(register_list_visible(user=user).values_list("pk", flat=True))
        if not set(registers) <= visible:
            raise ValidationError(
                _("You cannot search this register."), code="register_not_visible"
            )
    years = _ints(filters, "year")
    if any(not 1900 <= y <= 2200 for y in years):
        raise _bad("year")
    date_from, date_to = _date(filters, "date_from"), _date(filters, "date_to")
    if date_from and date_to and date_from > date_to:
        raise ValidationError(
            _("The start date is after the end date."), code="date_order"
        )
    return Filters(
        document_types=document_types,
        organisation_ids=organisations,
        register_ids=registers,
        urgencies=_choices(filters, "urgency", Urgency.values),
        secrecies=_choices(filters, "secrecy", Secrecy.values),
        states=_choices(filters, "state", Document.State.values),
        directions=_choices(filters, "direction", Document.Direction.values),
        years=years,
        date_from=date_from,
        date_to=date_to,
    )


# ---------------------------------------------------------------------------
# Searching


def _is_empty_filters(filters: Filters) -> bool:
    return filters == Filters()


def search(
    *,
    user,
    query: str,
    filters: dict | None = None,
    sort: str = "relevance",
    cursor: str | None = None,
    limit: int = 20,
    match_all: bool = False,
) -> SearchResults:
    """Search the documents `user` may open.

    An empty query lists the documents within the filters when there are filters
    (or `match_all`); with neither it answers with a message. Raises
    ValidationError (Vietnamese message) for bad input: a query too long, an
    unknown or malformed filter, an organisation or register the person may not
    search, a bad sort, limit or cursor."""
    if sort not in SORTS:
        raise ValidationError(_("Unknown sort order."), code="bad_sort")
    if (
        isinstance(limit, bool)
        or not isinstance(limit, int)
        or not 1 <= limit <= MAX_LIMIT
    ):
        raise ValidationError(
            _("The number of results per page must be between 1 and %(max)s.")
            % {"max": MAX_LIMIT},
            code="bad_limit",
        )
    if query is not None and not isinstance(query, str):
        raise ValidationError(_("The search text is not valid."), code="bad_query")
    checked = validate_filters(user=user, filters=filters)
    terms, phrases, identifiers, notes = parse_query(query or "")
    empty = not (terms or phrases or identifiers)
    if empty and (query or "").strip():
        return SearchResults(
            total=0,
            hits=[],
            message=_(
                "The search text has no word or number to look for: type a word, "
                "a phrase or a document number."
            ),
        )
    if empty and not match_all and _is_empty_filters(checked):
        return SearchResults(
            total=0,
            hits=[],
            message=_("Type a word, a phrase or a document number to search for."),
        )
    parsed = SearchQuery(
        acl=acl_for_user(user),
        terms=terms,
        phrases=phrases,
        identifiers=identifiers,
        filters=checked,
        sort="date" if empty and sort == "relevance" else sort,
        cursor=cursor or None,
        limit=limit,
        facets=FACETS,
    )
    try:
        results = get_backend().search(parsed)
    except SearchBackendError as exc:
        if "cursor" in str(exc):
            raise ValidationError(
                _("This page of results is no longer valid: search again."),
                code="bad_cursor",
            ) from exc
        logger.exception("search: the engine failed")
        raise ValidationError(
            _("Search is unavailable at the moment. Please try again later."),
            code="unavailable",
        ) from exc
    if notes:
        results.message = " ".join(notes)
    return results
