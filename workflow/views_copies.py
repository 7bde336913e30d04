"""The "make an electronic copy" panel of the document page (bản sao điện tử: sao
y, sao lục, trích sao) for a văn thư, and its POST action (workflow.copies). The
panel is added through documents.panels (registered in WorkflowConfig.ready());
the action redirects to the new copy's page, or back with the refusal."""

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from directory.selectors import roles_of
from documents.models import CopyForm, Document
from documents.panels import Panel
from documents.permissions import REGISTRARS
from documents.selectors import document_get_visible
from signing.forms import SignForm
from signing.selectors import certificate_list_usable
from signing.signers import SigningError

from .copies import document_copy_make

_PAGES = re.compile(r"^\s*\d+\s*(-\s*\d+\s*)?$")


def parse_pages(text: str) -> list[int] | None:
    """ "1, 3-5" → [1, 3, 4, 5]; empty → None. Raises ValidationError."""
    text = (text or "").strip()
    if not text:
        return None
    pages: list[int] = []
    for part in text.split(","):
        if not _PAGES.match(part):
            raise ValidationError(
                _("Write the pages as numbers and ranges, e.g. 1, 3-5.")
            )
        first, _dash, last = part.partition("-")
        start, end = int(first), int(last or first)
        if end < start or end - start > 10_000:
            raise ValidationError(
                _("Write the pages as numbers and ranges, e.g. 1, 3-5.")
            )
        pages.extend(range(start, end + 1))
    return pages


class CopyMakeForm(SignForm):
    copy_form = forms.ChoiceField(
        label=gettext_lazy("Copy form"), choices=CopyForm.choices
    )
    pages = forms.CharField(
        label=gettext_lazy("Pages (extract only)"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("For an extract (trích sao): e.g. 1, 3-5."),
    )

    field_order = ["copy_form", "pages", "certificate", "secret"]


def _is_clerk(user) -> bool:
    return user.organisation_id is not None and bool(
        set(REGISTRARS) & roles_of(user=user)
    )


def _seals(user):
    return certificate_list_usable(user=user).filter(
        organisation_id=user.organisation_id
    )


def copy_panels(request, document) -> list[Panel]:
    """The copy panel: for a văn thư, on a document that is not a draft."""
    user = request.user
    if document.state == Document.State.DRAFT or not _is_clerk(user):
        return []
    form = CopyMakeForm(certificates=_seals(user), prefix_id="copy")
    context = {
        "document": document,
        "form": form if form.fields["certificate"].queryset.exists() else None,
        "copies": list(
            document.copies.filter(organisation_id=user.organisation_id).order_by("pk")
        ),
    }
    return [Panel("workflow/includes/copy_panel.html", context, "side", 20)]


@sensitive_variables("secret")
@sensitive_post_parameters("secret")
@require_POST
@login_required
def document_copy(request, pk: int):
    """Make the copy (sao y, sao lục, trích sao) and open it."""
    document = document_get_visible(user=request.user, pk=pk)
    if document is None:
        raise Http404
    form = CopyMakeForm(request.POST, certificates=_seals(request.user))
    if not form.is_valid():
        messages.error(
            request,
            " ".join(
                f"{form.fields[name].label}: {' '.join(errors)}"
                for name, errors in form.errors.items()
            ),
        )
        return redirect("documents:detail", pk=document.pk)
    secret = form.cleaned_data["secret"]
    try:
        copy = document_copy_make(
            document=document,
            copy_form=form.cleaned_data["copy_form"],
            actor=request.user,
            pages=parse_pages(form.cleaned_data["pages"]),
            certificate=form.cleaned_data["certificate"],
            secret=secret,
        )
    except (SigningError, ValidationError, PermissionDenied) as error:
        messages.error(
            request,
            " ".join(error.messages)
            if isinstance(error, ValidationError)
            else str(error),
        )
        return redirect("documents:detail", pk=document.pk)
    messages.success(
        request,
        _("The copy %(number)s is made and signed.") % {"number": copy.number_notation},
    )
    return redirect("documents:detail", pk=copy.pk)
