"""Forms of the search page. The search form only draws the fields (its choices
are what the person may pick); what arrives in the URL is checked by
search.services, whose Vietnamese messages the page shows."""

from django import forms
from django.utils.translation import gettext_lazy as _

from directory.selectors import organisation_list_visible
from documents.constants import Secrecy, Urgency
from documents.models import Document, DocumentType
from documents.selectors import register_list_visible
from search.saved import MAX_NAME_CHARS
from search.services import MAX_QUERY_CHARS

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ALL = [("", _("All"))]


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search for"),
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "maxlength": MAX_QUERY_CHARS,
                "autocomplete": "off",
                "placeholder": _(
                    "Words, a phrase in quotes, or a number such as 15/QĐ-UBND"
                ),
            }
        ),
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("relevance", _("Relevance")), ("date", _("Newest first"))],
    )
    document_type = forms.ChoiceField(label=_("Document type"), required=False)
    organisation = forms.ChoiceField(label=_("Issuing organisation"), required=False)
    register = forms.ChoiceField(label=_("Document register"), required=False)
    date_from = forms.DateField(
        label=_("Dated from"), required=False, widget=DATE_WIDGET
    )
    date_to = forms.DateField(
        label=_("Dated until"), required=False, widget=DATE_WIDGET
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), required=False, choices=ALL + list(Urgency.choices)
    )
    secrecy = forms.ChoiceField(
        label=_("Secrecy"), required=False, choices=ALL + list(Secrecy.choices)
    )
    state = forms.ChoiceField(
        label=_("Status"), required=False, choices=ALL + list(Document.State.choices)
    )

    FILTER_FIELDS = (
        "document_type",
        "organisation",
        "register",
        "date_from",
        "date_to",
        "urgency",
        "secrecy",
        "state",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document_type"].choices = ALL + [
            (t.code, t.name) for t in DocumentType.objects.order_by("name")
        ]
        self.fields["organisation"].choices = ALL + [
            (str(o.pk), o.name)
            for o in organisation_list_visible(user=user).order_by("name")
        ]
        self.fields["register"].choices = ALL + [
            (str(r.pk), f"{r.name} ({r.year})")
            for r in register_list_visible(user=user).order_by("-year", "name")
        ]

    def filter_fields(self):
        return [self[name] for name in self.FILTER_FIELDS]


class SavedSearchForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the saved search"), max_length=MAX_NAME_CHARS
    )
