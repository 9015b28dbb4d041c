"""Forms of the panel pages: creating a panel, joining, inviting, the adoption rule, answering."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from amenagements.models import Commune
from common.forms import Form


class JoinRequestForm(Form):
    message = forms.CharField(
        label=_("A word for the facilitators (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class InvitationForm(Form):
    pseudonym = forms.CharField(
        label=_("Pseudonym of the person to invite"),
        max_length=30,
        help_text=_("Invite people by their public pseudonym: email addresses stay private."),
    )
    message = forms.CharField(
        label=_("Message (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RuleForm(Form):
    quorum = forms.IntegerField(
        label=_("Quorum"),
        min_value=1,
        max_value=1000,
        help_text=_("Minimum number of members who took a stance on a proposal."),
    )
    min_endorsement_percent = forms.IntegerField(
        label=_("Minimum share of endorsements (%)"),
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Endorsements, as a share of the stances taken, needed to adopt."),
    )


class DecisionForm(Form):
    """Accept or decline a request to join, or an invitation."""

    decision = forms.ChoiceField(
        choices=[("accept", _("Accept")), ("decline", _("Decline"))], widget=forms.HiddenInput
    )

    @property
    def accepted(self) -> bool:
        return bool(self.cleaned_data["decision"] == "accept")


class PanelForm(RuleForm):
    """A new panel, created by the services: its name, what it is for, where it works, its
    adoption rule and its first facilitator (by pseudonym)."""

    field_order = [
        "name",
        "description",
        "communes",
        "facilitator",
        "quorum",
        "min_endorsement_percent",
    ]

    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("What the panel is for"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    communes = forms.ModelMultipleChoiceField(
        label=_("Communes"),
        queryset=Commune.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The arrangements of these communes are the panel's (none: every commune)."),
    )
    facilitator = forms.CharField(
        label=_("Facilitator's pseudonym"),
        max_length=30,
        required=False,
        help_text=_("The resident who will run the panel (they can invite the others)."),
    )
