"""Forms of residents' opinions: the contribution form (one 1–5 scale per question asked, a
comment, profiles, a pinned spot), the report form and the moderator's decision form.

Each has a honeypot field, `website`: people never see it (it is off-screen and skipped by
assistive technologies), robots that fill every field do. A form that comes back with errors
keeps everything that was typed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.forms import Form
from participation.contributions import moderation
from participation.contributions.accounts import SUSPENSION_REASON_MAX_LENGTH
from participation.contributions.services import ContributionInput
from participation.models import (
    COMMENT_MAX_LENGTH,
    REPORT_DETAILS_MAX_LENGTH,
    Contribution,
    ContributorProfile,
    IndicatorDefinition,
    ReportReason,
)

ERROR_HONEYPOT = _(
    "This form was filled in by a program: the field “Leave this field empty” must stay empty."
)
ERROR_HALF_POINT = _("The spot is incomplete: place it again on the map.")
NO_OPINION = ""


class HoneypotMixin(Form):
    """A field people leave empty and robots fill: a filled one is refused, nothing is saved."""

    def add_honeypot(self) -> None:
        self.fields["website"] = forms.CharField(
            label=_("Leave this field empty"),
            required=False,
            widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
        )

    def check_honeypot(self) -> None:
        if self.cleaned_data.get("website"):
            self.add_error(None, forms.ValidationError(ERROR_HONEYPOT, code="honeypot"))

    @property
    def honeypot_tripped(self) -> bool:
        return any(e.code == "honeypot" for e in self.errors.as_data().get("__all__", []))


class ContributionForm(HoneypotMixin, Form):
    comment = forms.CharField(
        label=_("Your comment (optional)"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Public, under your pseudonym. Describe the place, not people: do not name anyone."
        ),
    )
    profiles = forms.MultipleChoiceField(
        label=_("You come here as… (optional, several answers possible)"),
        required=False,
        choices=ContributorProfile.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    point_lon = forms.FloatField(
        required=False, min_value=-180, max_value=180, widget=forms.HiddenInput
    )
    point_lat = forms.FloatField(
        required=False, min_value=-90, max_value=90, widget=forms.HiddenInput
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, definitions: list[IndicatorDefinition], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.definitions = definitions
        for d in definitions:
            self.fields[self.rating_name(d.pk)] = forms.TypedChoiceField(
                label=d.question,
                required=False,
                coerce=int,
                empty_value=None,
                choices=[*d.scale(), (NO_OPINION, _("No opinion"))],
                widget=forms.RadioSelect,
                help_text=d.name,
            )
        self.add_honeypot()

    @staticmethod
    def rating_name(definition_id: int) -> str:
        return f"rating_{definition_id}"

    @classmethod
    def initial_for(cls, contribution: Contribution | None, version_number: int) -> dict[str, Any]:
        """The form's values for a resident's existing contribution (or a blank one)."""
        initial: dict[str, Any] = {"version": version_number}
        if contribution is None:
            return initial
        initial.update(comment=contribution.comment, profiles=contribution.profiles)
        for rating in contribution.ratings.all():
            initial[cls.rating_name(rating.definition_id)] = rating.value
        if contribution.point is not None:
            initial.update(point_lon=contribution.point.x, point_lat=contribution.point.y)
        return initial

    def rating_fields(self) -> list[tuple[IndicatorDefinition, forms.BoundField]]:
        return [(d, self[self.rating_name(d.pk)]) for d in self.definitions]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.check_honeypot()
        lon, lat = cleaned.get("point_lon"), cleaned.get("point_lat")
        if (lon is None) != (lat is None):
            self.add_error(None, forms.ValidationError(ERROR_HALF_POINT, code="half_point"))
        return cleaned

    def to_input(self) -> ContributionInput:
        data = self.cleaned_data
        point = None
        if data.get("point_lon") is not None and data.get("point_lat") is not None:
            point = Point(data["point_lon"], data["point_lat"], srid=4326)
        return ContributionInput(
            ratings={d.pk: data.get(self.rating_name(d.pk)) for d in self.definitions},
            comment=data.get("comment", ""),
            profiles=data.get("profiles", []),
            point=point,
        )

    def add_service_errors(self, error: ValidationError) -> None:
        """Put the service's errors on the fields they concern (the spot's on the form)."""
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, error)


class ReportForm(HoneypotMixin, Form):
    reason = forms.ChoiceField(
        label=_("Why should moderators look at this comment?"),
        choices=ReportReason.choices,
        widget=forms.RadioSelect,
    )
    details = forms.CharField(
        label=_("Details for the moderators (optional, not public)"),
        required=False,
        max_length=REPORT_DETAILS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_honeypot()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.check_honeypot()
        return cleaned


class ModerationForm(Form):
    decision = forms.ChoiceField(
        choices=[(moderation.HIDE, _("Hide")), (moderation.PUBLISH, _("Publish"))],
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label=_("Reason (shown publicly)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SuspensionForm(Form):
    reason = forms.CharField(
        label=_("Reason for the suspension (shown publicly with the pseudonym)"),
        max_length=SUSPENSION_REASON_MAX_LENGTH,
        help_text=_("Short and factual, for example: “repeated insults in comments”."),
        error_messages={"required": _("Give the reason for the suspension: it is shown publicly.")},
    )
