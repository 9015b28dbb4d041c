"""Forms of the panel pages: joining, inviting, the adoption rule, answering."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

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
