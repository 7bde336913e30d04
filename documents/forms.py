"""Forms of the document pages: they parse what was typed or uploaded, the services
decide (documents.services) and their refusals are shown on these forms
(directory.forms.add_service_errors)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from directory.models import Unit, User
from directory.selectors import unit_list_visible

from .constants import Secrecy, Urgency
from .models import Document
from .selectors import document_types_in_use

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (phụ lục); none is fine."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class DocumentTypeField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            queryset=document_types_in_use(),
            to_field_name="code",
            label=_("Document type"),
            empty_label=None,
            **kwargs,
        )

    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.abbreviation})" if obj.abbreviation else obj.name


def _urgency_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=_("Urgency"), choices=Urgency.choices, coerce=int, initial=Urgency.NORMAL
    )


def _secrecy_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=_("Secrecy"), choices=Secrecy.choices, coerce=int, initial=Secrecy.NONE
    )


# ---------------------------------------------------------------------------
# Incoming documents (văn bản đến)


class IncomingUploadForm(forms.Form):
    """Step 1 of tiếp nhận: the files, checked before anything is asked."""

    main_file = forms.FileField(
        label=_("Main file (PDF)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"}),
        help_text=_("The document as received, signed or scanned, in PDF."),
    )
    attachments = MultipleFileField(
        label=_("Attachments (phụ lục)"),
        help_text=_("Optional; several PDF files may be chosen at once."),
    )


class IncomingMetadataForm(forms.Form):
    """Step 2 of tiếp nhận: the metadata of Phụ lục VI to confirm or complete."""

    document_type = DocumentTypeField()
    organ_name = forms.CharField(label=_("Issuing organisation"), max_length=200)
    organ_id = forms.CharField(
        label=_("Issuing organisation identifier (mã định danh)"),
        max_length=13,
        required=False,
        help_text=_("Optional, e.g. 000.00.01.H49."),
    )
    code_number = forms.CharField(label=_("Number (số)"), max_length=11, required=False)
    code_notation = forms.CharField(
        label=_("Notation (ký hiệu)"),
        max_length=30,
        required=False,
        help_text=_("After the slash, e.g. QĐ-UBND."),
    )
    issued_date = forms.DateField(
        label=_("Issued date"), required=False, widget=DATE_WIDGET
    )
    subject = forms.CharField(
        label=_("Subject (trích yếu)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    signer_full_name = forms.CharField(label=_("Signer"), max_length=50, required=False)
    signer_position = forms.CharField(
        label=_("Signer's position"), max_length=100, required=False
    )
    urgency = _urgency_field()
    secrecy = _secrecy_field()
    due_date = forms.DateField(
        label=_("Processing deadline"), required=False, widget=DATE_WIDGET
    )
    to_places = forms.CharField(
        label=_("Handed to (unit or person)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    description = forms.CharField(
        label=_("Notes"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    allow_duplicate = forms.BooleanField(
        label=_("Register it anyway"),
        required=False,
        widget=forms.CheckboxInput,
    )

    def metadata(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("allow_duplicate", None)
        return data


class IncomingFilterForm(forms.Form):
    """The simple filters of the incoming list (GET)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=_("Words of the subject, or the number and notation."),
    )
    date_from = forms.DateField(
        label=_("Arrived from"), required=False, widget=DATE_WIDGET
    )
    date_to = forms.DateField(
        label=_("Arrived until"), required=False, widget=DATE_WIDGET
    )
    urgency = forms.TypedChoiceField(
        label=_("Urgency"),
        choices=[("", _("All"))] + list(Urgency.choices),
        coerce=int,
        required=False,
        empty_value=None,
    )


class DateRangeForm(forms.Form):
    """The period of a register's entries (GET)."""

    date_from = forms.DateField(label=_("From"), required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("Until"), required=False, widget=DATE_WIDGET)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end of the period is before its start."))
        return cleaned


# ---------------------------------------------------------------------------
# Drafts (dự thảo)


class DraftForm(forms.Form):
    """The structured content of a draft, rendered by the system to a Decree 30
    layout (documents.rendering)."""

    document_type = DocumentTypeField()
    subject = forms.CharField(
        label=_("Subject (trích yếu)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For a công văn, begin with “V/v”."),
    )
    recipients = forms.CharField(
        label=_("Addressed to (kính gửi)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One recipient per line."),
    )
    body = forms.CharField(
        label=_("Content"),
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Separate paragraphs with a blank line."),
    )
    signer_capacity = forms.ChoiceField(
        label=_("Signing capacity"),
        choices=[("", "—")] + [c for c in Document.SignerCapacity.choices if c[0]],
        required=False,
    )
    signer_capacity_of = forms.CharField(
        label=_("Signing for"),
        max_length=100,
        required=False,
        help_text=_("With a capacity: the title signed for, e.g. GIÁM ĐỐC."),
    )
    signer_title = forms.CharField(
        label=_("Signer's title"),
        max_length=100,
        help_text=_("e.g. PHÓ GIÁM ĐỐC"),
    )
    signer_name = forms.CharField(label=_("Signer's full name"), max_length=50)
    copies_to = forms.CharField(
        label=_("Distribution (nơi nhận)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, e.g. “Như trên;”. The archive copy line is added."),
    )
    unit = forms.ModelChoiceField(
        label=_("Drafting unit"), queryset=Unit.objects.none(), required=False
    )
    urgency = _urgency_field()
    secrecy = _secrecy_field()

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = unit_list_visible(user=user).filter(
            organisation_id=user.organisation_id, is_active=True
        )
        if user.unit_id and not self.is_bound:
            self.fields["unit"].initial = user.unit_id

    def content(self) -> dict:
        return dict(self.cleaned_data)

    @staticmethod
    def initial_from(content: dict) -> dict:
        """The form's initial values from a draft version's stored content."""
        initial = {
            key: content.get(key)
            for key in (
                "document_type",
                "subject",
                "body",
                "signer_capacity",
                "signer_capacity_of",
                "signer_title",
                "signer_name",
                "unit",
                "urgency",
                "secrecy",
            )
            if content.get(key) is not None
        }
        initial["recipients"] = "\n".join(content.get("recipients") or [])
        initial["copies_to"] = "\n".join(content.get("copies_to") or [])
        return initial


class DraftUploadForm(forms.Form):
    """A draft written elsewhere, uploaded as a ready PDF."""

    file = forms.FileField(
        label=_("Draft (PDF)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"}),
    )
    document_type = DocumentTypeField()
    subject = forms.CharField(
        label=_("Subject (trích yếu)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    urgency = _urgency_field()
    secrecy = _secrecy_field()

    def metadata(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("file", None)
        return data


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
