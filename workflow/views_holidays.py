"""The holiday calendar page for administrators (/quan-tri/ngay-nghi/): the
national holidays (changed by system administrators) and each organisation's own
(changed by its administrators)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from directory.models import Organisation
from directory.selectors import organisation_list_managed

from .holidays_vn import (
    can_edit_holiday,
    holiday_create,
    holiday_delete,
    holiday_list_visible,
)

INVALID = 422


class HolidayForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200, required=False)
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("For"),
        queryset=Organisation.objects.none(),
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        field.queryset = organisation_list_managed(user=user).order_by("path")
        if user.is_superuser:
            field.empty_label = _("Every agency (national holiday)")
        else:
            field.required = True
            field.empty_label = None


def _is_administrator(user) -> bool:
    return user.is_superuser or organisation_list_managed(user=user).exists()


@login_required
def holiday_list(request):
    user = request.user
    if not _is_administrator(user):
        raise PermissionDenied
    form = HolidayForm(request.POST or None, user=user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                holiday = holiday_create(
                    actor=user,
                    day=form.cleaned_data["date"],
                    name=form.cleaned_data["name"],
                    organisation=form.cleaned_data["organisation"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(
                    request,
                    _("%(date)s added: %(name)s.")
                    % {"date": f"{holiday.date:%d/%m/%Y}", "name": holiday.name},
                )
                return redirect("workflow:holidays")
        status = INVALID
    year = timezone.localdate().year
    holidays = [
        {
            "holiday": holiday,
            "can_delete": can_edit_holiday(
                user=user, organisation=holiday.organisation
            ),
        }
        for holiday in holiday_list_visible(user=user)
        .filter(date__year__gte=year - 1)
        .order_by("date", "organisation__name")
    ]
    return render(
        request,
        "workflow/holidays.html",
        {"form": form, "holidays": holidays, "since": year - 1},
        status=status,
    )


@login_required
@require_POST
def holiday_remove(request, pk: int):
    holiday = get_object_or_404(holiday_list_visible(user=request.user), pk=pk)
    holiday_delete(actor=request.user, holiday=holiday)
    messages.success(
        request,
        _("%(date)s is no longer a holiday.") % {"date": f"{holiday.date:%d/%m/%Y}"},
    )
    return redirect("workflow:holidays")
