"""The form staff fill in to decide on an evaluation's proposal."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from amenagements.models import Adaptation
from common.forms import Form


class ProposalDecisionForm(Form):
    """Accept, reject or defer a proposal with a public note; when accepting a proposal that
    changes something on the ground, describe the planned adaptation (prefilled)."""

    class Decision(models.TextChoices):
        ACCEPT = "accept", _("Accept: plan the adaptation")
        REJECT = "reject", _("Reject")
        DEFER = "defer", _("Defer the decision")

    decision = forms.ChoiceField(
        label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Reasons for the decision (published)"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Residents who gave their opinion on this arrangement receive it by email; "
            "everyone can read it on the arrangement's page."
        ),
    )
    kind = forms.ChoiceField(
        label=_("Kind of adaptation planned"),
        choices=[(v, label) for v, label in Adaptation.Kind.choices if v != "created"],
        required=False,
    )
    planned_for = forms.DateField(
        label=_("Planned for"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Optional: the date the services aim at."),
    )
    description = forms.CharField(
        label=_("Description of the planned adaptation"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args: Any, plans_adaptation: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plans_adaptation = plans_adaptation
        if not plans_adaptation:
            for name in ("kind", "planned_for", "description"):
                del self.fields[name]
            decision = cast(forms.ChoiceField, self.fields["decision"])
            decision.choices = [
                (self.Decision.ACCEPT, _("Accept")),
                *self.Decision.choices[1:],
            ]
