"""Forms of the participation pages, and the pseudonym field added to allauth's sign-up form."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.utils.translation import gettext_lazy as _

from participation import services
from participation.models import PSEUDONYM_HELP, PSEUDONYM_PATTERN, Profile, Stance

PSEUDONYM_FORMAT_ERROR = _(
    "A pseudonym has 3 to 30 characters: letters, digits, spaces, dots, hyphens or "
    "underscores, and starts and ends with a letter or a digit."
)


def pseudonym_field() -> forms.CharField:
    return forms.CharField(
        label=_("Public pseudonym"),
        max_length=30,
        min_length=3,
        help_text=PSEUDONYM_HELP,
        validators=[RegexValidator(PSEUDONYM_PATTERN, message=PSEUDONYM_FORMAT_ERROR)],
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )


class PseudonymSignupForm(forms.Form):
    """Extra field of allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS): the pseudonym."""

    pseudonym = pseudonym_field()

    def clean_pseudonym(self) -> str:
        pseudonym = " ".join(self.cleaned_data["pseudonym"].split())
        if Profile.objects.filter(pseudonym__iexact=pseudonym).exists():
            raise forms.ValidationError(services.ERROR_PSEUDONYM_TAKEN, code="pseudonym_taken")
        return pseudonym

    def signup(self, request, user) -> None:
        services.profile_set_pseudonym(user=user, pseudonym=self.cleaned_data["pseudonym"])


class ProfileForm(forms.Form):
    pseudonym = pseudonym_field()


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label=_("A word for the facilitators (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class InvitationForm(forms.Form):
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


class RuleForm(forms.Form):
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


class StanceForm(forms.Form):
    position = forms.ChoiceField(label=_("Your stance"), choices=Stance.Position.choices)


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (public)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DecisionForm(forms.Form):
    """Accept or decline a request to join, or an invitation."""

    decision = forms.ChoiceField(
        choices=[("accept", _("Accept")), ("decline", _("Decline"))], widget=forms.HiddenInput
    )

    @property
    def accepted(self) -> bool:
        return self.cleaned_data["decision"] == "accept"
