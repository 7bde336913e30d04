"""Forms of the organisation administration (quản trị tổ chức).

They parse what was typed; the services decide. Choice fields validate against what
the administrator may see (the selectors) and offer only the organisation at hand,
so a tampered choice of another organisation gets the service's clear refusal or,
when the administrator cannot see it at all, Django's "not a valid choice"."""

from datetime import timedelta

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Organisation, Position, Role, Unit, User
from .selectors import person_list_managed, unit_list_visible

DATETIME_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


def add_service_errors(
    form: forms.Form, error: ValidationError, aliases: dict[str, str] | None = None
) -> None:
    """Show a service's ValidationError on the form: messages keyed by a field go
    under that field (through `aliases` when the service names it differently),
    the rest above the form."""
    aliases = aliases or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for key, errors in error.error_dict.items():
        name = aliases.get(key, key)
        if name == NON_FIELD_ERRORS or name not in form.fields:
            name = None
        form.add_error(name, errors)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        position = f", {obj.position.name}" if obj.position_id else ""
        return f"{obj.get_full_name()}{position} ({obj.username})"


def _offer_only(field: forms.ModelChoiceField, queryset, blank: bool = True) -> None:
    """Render the choices of `queryset` while still validating against the field's
    own (wider) queryset."""
    choices = [("", "---------")] if blank else []
    choices += [(obj.pk, field.label_from_instance(obj)) for obj in queryset]
    field.widget.choices = choices


class UnitForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    short_name = forms.CharField(
        label=_("Abbreviation"),
        max_length=30,
        help_text=_("Used in the notation of official letters, e.g. VX in 05/UBND-VX."),
    )


class _PersonFields(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False
    )
    position = forms.ModelChoiceField(
        label=_("Position"), queryset=Position.objects.all(), required=False
    )
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user: User, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        units = self.fields["unit"]
        units.queryset = unit_list_visible(user=user).filter(is_active=True)
        _offer_only(units, units.queryset.filter(organisation=organisation))


class PersonCreateForm(_PersonFields):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("Letters, digits and . _ - only, e.g. nguyen.van.an"),
    )
    password = forms.CharField(
        label=_("Initial password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters; tell it to the person in private."),
    )
    password_confirm = forms.CharField(
        label=_("Initial password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    field_order = [
        "username",
        "full_name",
        "unit",
        "position",
        "email",
        "phone",
        "roles",
        "password",
        "password_confirm",
    ]

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password and password != cleaned.get("password_confirm"):
            self.add_error("password_confirm", _("The two passwords differ."))
        elif password:
            candidate = User(
                username=cleaned.get("username", ""),
                full_name=cleaned.get("full_name", ""),
                email=cleaned.get("email", ""),
            )
            try:
                validate_password(password, candidate)
            except ValidationError as exc:
                self.add_error("password", exc)
        return cleaned


class PersonUpdateForm(_PersonFields):
    is_active = forms.BooleanField(
        label=_("May sign in"),
        required=False,
        help_text=_("Untick to disable the account; nothing of the person is lost."),
    )


class DelegationForm(forms.Form):
    principal = PersonChoiceField(
        label=_("Delegating person"), queryset=User.objects.none()
    )
    delegate = PersonChoiceField(label=_("Delegate"), queryset=User.objects.none())
    starts_at = forms.DateTimeField(
        label=_("From"),
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format=DATETIME_INPUT_FORMAT
        ),
    )
    ends_at = forms.DateTimeField(
        label=_("Until"),
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format=DATETIME_INPUT_FORMAT
        ),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=255,
        required=False,
        help_text=_("For example: on a business trip, on leave."),
    )

    def __init__(self, *args, user: User, organisation: Organisation, **kwargs):
        kwargs.setdefault("initial", {})
        now = timezone.localtime().replace(second=0, microsecond=0)
        kwargs["initial"].setdefault("starts_at", now)
        kwargs["initial"].setdefault("ends_at", now + timedelta(days=7))
        super().__init__(*args, **kwargs)
        people = person_list_managed(user=user).filter(is_active=True)
        offered = people.filter(organisation=organisation).order_by(
            "position__rank", "full_name"
        )
        for name in ("principal", "delegate"):
            field = self.fields[name]
            field.queryset = people
            _offer_only(field, offered)


class SignatureImageForm(forms.Form):
    """Upload of a person's signature image (hình ảnh chữ ký)."""

    signature_image = forms.FileField(
        label=_("Signature image (PNG, transparent background)"),
        help_text=_(
            "Drawn in blue in the signer block when the person signs digitally. "
            "At most 2 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png"}),
    )


class SealImageForm(forms.Form):
    """Upload of an organisation's seal image (hình ảnh con dấu)."""

    seal_image = forms.FileField(
        label=_("Seal image (PNG, transparent background)"),
        help_text=_(
            "Drawn in red over the left third of the leader's signature. At most 2 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png"}),
    )
    seal_size_mm = forms.DecimalField(
        label=_("Seal diameter (mm)"),
        help_text=_("The real size of the seal: it is printed at that size."),
        max_digits=4,
        decimal_places=1,
        initial=36,
    )
