"""What the workflow's views share: the document of the page (only if the person
may open it), and the posted values every form carries."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from directory.models import User
from documents.models import Document
from documents.selectors import document_get_visible


def visible_document(request, pk: int) -> Document:
    """The document of the page, or 404 when the person may not open it."""
    document = document_get_visible(user=request.user, pk=pk)
    if document is None:
        raise Http404
    return document


def to_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def posted_revision(request) -> int | None:
    """The process revision the form was drawn from (engine.transition checks it)."""
    return to_int(request.POST.get("revision", ""))


def person(pk) -> User | None:
    pk = to_int(pk)
    return User.objects.filter(pk=pk).first() if pk else None


def refusal(error: Exception) -> str:
    """The message of a service's refusal, for the page."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def act_on_document(request, pk: int, run, success: str, anchor: str):
    """The POST-redirect-GET of a panel's action: `run(document)` calls the
    service; its refusal or `success` is shown as a message on the document page,
    at the panel (`anchor`)."""
    document = visible_document(request, pk)
    try:
        run(document)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, refusal(error))
    else:
        messages.success(request, success)
    return redirect(reverse("documents:detail", args=[document.pk]) + anchor)
