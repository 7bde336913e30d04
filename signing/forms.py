"""Forms of the signing pages."""

from django import forms
from django.utils.translation import gettext_lazy as _


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=_("Signed PDF file"),
        help_text=_(
            "The file is checked and then forgotten: only the report is kept for "
            "this session."
        ),
        error_messages={
            "required": _("Choose the PDF file to check."),
            "empty": _("The file is empty."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
