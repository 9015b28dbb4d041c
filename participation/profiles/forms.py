"""The pseudonym field: on one's profile page and added to allauth's sign-up form."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from common.forms import Form
from participation.models import PSEUDONYM_HELP, PSEUDONYM_PATTERN, Profile
from participation.profiles import services

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.http import HttpRequest


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


class PseudonymSignupForm(Form):
    """Extra field of allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS): the pseudonym."""

    pseudonym = pseudonym_field()

    def clean_pseudonym(self) -> str:
        pseudonym = " ".join(self.cleaned_data["pseudonym"].split())
        if Profile.objects.filter(pseudonym__iexact=pseudonym).exists():
            raise forms.ValidationError(services.ERROR_PSEUDONYM_TAKEN, code="pseudonym_taken")
        return pseudonym

    def signup(self, request: HttpRequest, user: User) -> None:
        services.profile_set_pseudonym(user=user, pseudonym=self.cleaned_data["pseudonym"])


class ProfileForm(Form):
    pseudonym = pseudonym_field()
