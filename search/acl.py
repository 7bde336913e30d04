"""Permissions in the index (quyền trong chỉ mục): the same rule as
documents.selectors.document_list_visible, split into what is stored with each
document and what each person brings to a query.

document_list_visible(user) = documents on which the user, or one of their groups,
holds `documents.view_document` (django-guardian object permission, global
permissions not accepted; a superuser holds them all), and whose secrecy is at most
the user's clearance; nothing for an anonymous or inactive user.

So a document carries the tokens "u:<user id>" and "g:<group id>" of every holder
of the permission, and its secrecy; a query admits documents that carry one of the
person's tokens (own id, their groups) with secrecy ≤ clearance. A grant or a
secrecy change re-indexes the document (search.consumers)."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from guardian.models import GroupObjectPermission, UserObjectPermission

from documents.models import Document
from documents.permissions import VIEW_DOCUMENT_CODENAME
from search.backends.base import Acl

NOTHING = Acl(tokens=frozenset(), max_secrecy=-1)


def _view_permission() -> Permission:
    ct = ContentType.objects.get_for_model(Document)
    return Permission.objects.get(content_type=ct, codename=VIEW_DOCUMENT_CODENAME)


def acl_tokens_for_documents(document_ids) -> dict[int, tuple[str, ...]]:
    """The ACL tokens of many documents at once (two queries)."""
    ids = [int(pk) for pk in document_ids]
    permission = _view_permission()
    ct = permission.content_type
    tokens: dict[int, set[str]] = {pk: set() for pk in ids}
    keys = [str(pk) for pk in ids]
    for object_pk, user_id in UserObjectPermission.objects.filter(
        content_type=ct, permission=permission, object_pk__in=keys
    ).values_list("object_pk", "user_id"):
        tokens[int(object_pk)].add(f"u:{user_id}")
    for object_pk, group_id in GroupObjectPermission.objects.filter(
        content_type=ct, permission=permission, object_pk__in=keys
    ).values_list("object_pk", "group_id"):
        tokens[int(object_pk)].add(f"g:{group_id}")
    return {pk: tuple(sorted(t)) for pk, t in tokens.items()}


def acl_tokens_for_document(document: Document) -> tuple[str, ...]:
    return acl_tokens_for_documents([document.pk])[document.pk]


def acl_for_user(user) -> Acl:
    """What the person may see, as a filter inside the engine query."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    clearance = int(getattr(user, "clearance", 0) or 0)
    if user.is_superuser:
        return Acl(tokens=None, max_secrecy=clearance)
    tokens = {f"u:{user.pk}"}
    tokens.update(f"g:{gid}" for gid in user.groups.values_list("pk", flat=True))
    return Acl(tokens=frozenset(tokens), max_secrecy=clearance)


def documents_visible_among(user, document_ids) -> QuerySet[Document]:
    """document_list_visible(user) restricted to `document_ids`, checked for those
    documents only: the search page re-checks its 20 hits (the index may lag a
    revoked grant by a moment). guardian's get_objects_for_user first gathers
    every document the person may see (all their grants), which grows with the
    archive; here each hit is one index lookup in the grant tables.
    tests/search/test_services.py compares the two for the demo people."""
    ids = [int(pk) for pk in document_ids]
    if user is None or not user.is_authenticated or not user.is_active or not ids:
        return Document.objects.none()
    documents = Document.objects.filter(pk__in=ids, secrecy__lte=user.clearance)
    if user.is_superuser:
        return documents
    permission = _view_permission()
    ct = permission.content_type
    key = Cast(OuterRef("pk"), output_field=CharField())
    # object_pk__in as well as = key: whichever plan PostgreSQL picks (a hashed
    # subplan or a lookup per row), it reads the grants of these ids only.
    keys = [str(pk) for pk in ids]
    own = UserObjectPermission.objects.filter(
        content_type=ct,
        permission=permission,
        user_id=user.pk,
        object_pk__in=keys,
        object_pk=key,
    )
    groups = GroupObjectPermission.objects.filter(
        content_type=ct,
        permission=permission,
        group_id__in=user.groups.values("pk"),
        object_pk__in=keys,
        object_pk=key,
    )
    return documents.filter(Q(Exists(own)) | Q(Exists(groups)))
