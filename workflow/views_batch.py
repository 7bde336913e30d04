"""Pages of batch signing (ký số hàng loạt): choose drafts and sign them in one
action, then follow each document's progress. Thin: workflow.batch does the work."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from signing.selectors import certificate_list_usable
from signing.signers import SigningError

from .batch import (
    BATCH_MAX_DOCUMENTS,
    batch_get_visible,
    batch_items,
    batch_signable_drafts,
    batch_start,
    batch_status,
)
from .models import SigningBatch


class BatchForm(forms.Form):
    documents = forms.ModelMultipleChoiceField(
        label=_("Documents"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Select at least one document to sign.")},
    )
    certificate = forms.ModelChoiceField(
        label=_("Digital certificate"), queryset=None, empty_label=None
    )
    secret = forms.CharField(
        label=_("Passphrase or PIN"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_(
            "Used only to sign this batch: it is never stored in clear and is "
            "wiped when the batch ends."
        ),
    )

    def __init__(self, *args, user, drafts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["documents"].queryset = drafts
        self.fields["certificate"].queryset = certificate_list_usable(user=user).filter(
            person=user
        )


@login_required
def batch_new(request):
    user = request.user
    drafts = batch_signable_drafts(user=user)
    form = BatchForm(request.POST or None, user=user, drafts=drafts)
    if request.method == "POST" and form.is_valid():
        try:
            batch = batch_start(
                actor=user,
                documents=form.cleaned_data["documents"],
                certificate=form.cleaned_data["certificate"],
                secret=form.cleaned_data["secret"],
                on_behalf_of=request.acting_for,
            )
        except SigningError as exc:
            form.add_error("secret", str(exc))
        except (ValidationError, PermissionDenied) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            for message in messages:
                form.add_error(None, message)
        else:
            return redirect("workflow:batch_detail", pk=batch.pk)
    recent = SigningBatch.objects.filter(actor=user).order_by("-pk")[:5]
    return render(
        request,
        "workflow/batch_new.html",
        {
            "form": form,
            "drafts": list(drafts[:BATCH_MAX_DOCUMENTS]),
            "selected": {str(pk) for pk in request.POST.getlist("documents")},
            "recent": recent,
        },
    )


def _batch(request, pk: int) -> SigningBatch:
    try:
        return batch_get_visible(user=request.user, pk=pk)
    except SigningBatch.DoesNotExist:
        raise Http404 from None


@login_required
def batch_detail(request, pk: int):
    batch = _batch(request, pk)
    return render(
        request,
        "workflow/batch_detail.html",
        {"batch": batch, "items": batch_items(batch=batch)},
    )


@login_required
@require_GET
def batch_status_json(request, pk: int):
    response = JsonResponse(batch_status(batch=_batch(request, pk)))
    response["Cache-Control"] = "no-store"
    return response
