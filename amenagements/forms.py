"""Forms for arrangements: the staff adaptation form."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from leaflet.forms.fields import GeometryField

from amenagements.models import Adaptation, Amenagement

ERROR_DATE_IN_FUTURE = _("The date cannot be in the future.")


class AdaptationForm(forms.Form):
    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The day the change took effect on the ground."),
    )
    kind = forms.ChoiceField(
        label=_("Kind of adaptation"),
        choices=[(v, label) for v, label in Adaptation.Kind.choices if v != "created"],
    )
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("What changed and why, in words residents will understand."),
    )
    status = forms.ChoiceField(
        label=_("New status"),
        choices=[("", _("Unchanged")), *list(Amenagement.Status.choices)],
        required=False,
    )
    geom = GeometryField(
        label=_("New geometry"),
        required=False,
        help_text=_(
            "Edit the line or polygon on the map if the layout changed; "
            "leave it as it is otherwise."
        ),
    )

    def clean_date(self) -> dt.date:
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError(ERROR_DATE_IN_FUTURE, code="future")
        return date
