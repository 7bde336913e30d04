"""Reads of documents, always from a user's point of view: object permissions
(django-guardian) first, then the person's secrecy clearance."""

from datetime import date

from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user

from directory.selectors import roles_of

from .models import Document, DocumentType, Register
from .permissions import REGISTER_READERS, VIEW_DOCUMENT


def document_list_visible(*, user) -> QuerySet[Document]:
    """Documents the user may open: granted to them or to one of their groups, and
    no more secret than their clearance allows."""
    if not user.is_authenticated or not user.is_active:
        return Document.objects.none()
    granted = get_objects_for_user(
        user, VIEW_DOCUMENT, klass=Document, accept_global_perms=False
    )
    return (
        Document.objects.filter(pk__in=granted.values("pk"))
        .filter(secrecy__lte=user.clearance)
        .select_related("document_type", "register", "organisation")
    )


def document_get_visible(*, user, pk: int) -> Document | None:
    return document_list_visible(user=user).filter(pk=pk).first()


def document_types_in_use() -> QuerySet[DocumentType]:
    return DocumentType.objects.filter(is_active=True)


def register_list_visible(*, user) -> QuerySet[Register]:
    """Registers of the user's organisation, for those who keep and read them
    (văn thư, leaders, archivists)."""
    if not user.is_authenticated or not user.organisation_id:
        return Register.objects.none()
    if not roles_of(user=user) & set(REGISTER_READERS):
        return Register.objects.none()
    return Register.objects.filter(organisation_id=user.organisation_id)


def register_entries(
    *,
    user,
    register: Register,
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[Document]:
    """The documents numbered in a register, in number order, limited to what the
    user may see (a secret register shows nothing to a person without clearance)."""
    entries = document_list_visible(user=user).filter(register=register)
    if register.kind in (Register.Kind.INCOMING, Register.Kind.SECRET_INCOMING):
        if date_from:
            entries = entries.filter(arrival_date__date__gte=date_from)
        if date_to:
            entries = entries.filter(arrival_date__date__lte=date_to)
    else:
        if date_from:
            entries = entries.filter(issued_date__gte=date_from)
        if date_to:
            entries = entries.filter(issued_date__lte=date_to)
    return entries.order_by("register_number").prefetch_related("recipients")
