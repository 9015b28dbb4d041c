"""Forms for arrangements: the staff adaptation form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from leaflet.forms.fields import GeometryField

from amenagements.models import Adaptation, Amenagement, PlannedAdaptation
from common.forms import Form

ERROR_DATE_IN_FUTURE = _("The date cannot be in the future.")
ERROR_DEADLINE_BEFORE_START = _("The decision deadline cannot precede the day it is in place.")


class PlannedAdaptationField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A planned adaptation, named by its kind, date and description."""

    def label_from_instance(self, planned: PlannedAdaptation) -> str:
        when = (
            _("planned for %(date)s") % {"date": date_format(planned.planned_for, "DATE_FORMAT")}
            if planned.planned_for
            else _("no date set")
        )
        return f"{planned.get_kind_display()} ({when}) — {Truncator(planned.description).chars(80)}"


class AdaptationForm(Form):
    field_order = ["carries_out", "date", "kind", "description", "status", "geom"]

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

    carries_out = PlannedAdaptationField(
        label=_("Carries out a planned adaptation"),
        queryset=PlannedAdaptation.objects.none(),
        required=False,
        empty_label=_("No: an adaptation that was not planned"),
        help_text=_("The planned adaptation this one carries out; it is then marked done."),
    )

    def __init__(
        self,
        *args: Any,
        planned: Sequence[PlannedAdaptation] = (),
        carries_out: str | None = None,
        **kwargs: Any,
    ) -> None:
        """`planned`: the arrangement's planned adaptations (others are ignored), offered as
        what this adaptation carries out; `carries_out`, the id of the one to preselect and
        prefill the form from (a link from the planned adaptation)."""
        super().__init__(*args, **kwargs)
        open_ones = [p for p in planned if p.is_planned]
        field = cast(PlannedAdaptationField, self.fields["carries_out"])
        field.queryset = PlannedAdaptation.objects.filter(pk__in=[p.pk for p in open_ones])
        if not open_ones:
            field.widget = forms.HiddenInput()
        chosen = next((p for p in open_ones if str(p.pk) == carries_out), None)
        if chosen is not None and not self.is_bound:
            self.initial.update(
                carries_out=chosen.pk, kind=chosen.kind, description=chosen.description
            )

    def clean_date(self) -> dt.date:
        date: dt.date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError(ERROR_DATE_IN_FUTURE, code="future")
        return date


class AmenagementForm(Form):
    """A new arrangement, drawn on the map by the services (imports create the others)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Amenagement.Kind.choices)
    status = forms.ChoiceField(
        label=_("Status"), choices=Amenagement.Status.choices, initial=Amenagement.Status.TESTING
    )
    commune = forms.CharField(
        label=_("Commune"),
        max_length=120,
        required=False,
        help_text=_("Created if it is not known yet."),
    )
    date = forms.DateField(
        label=_("In place since"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The day it was set up on the ground, or will be."),
    )
    decision_deadline = forms.DateField(
        label=_("Decision deadline"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("For a trial: when the city has to decide whether to keep it."),
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    geom = GeometryField(label=_("Layout"), help_text=_("Draw the line (or the area) on the map."))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        date, deadline = data.get("date"), data.get("decision_deadline")
        if date and deadline and deadline < date:
            self.add_error(
                "decision_deadline",
                forms.ValidationError(ERROR_DEADLINE_BEFORE_START, code="deadline"),
            )
        return data


class CancelPlannedForm(Form):
    """The public reason a planned adaptation is cancelled (the service refuses it empty)."""

    reason = forms.CharField(label=_("Reason"), required=False)
