"""The account deletion form: the password (a stolen session must not be enough) and an
explicit confirmation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import Form

if TYPE_CHECKING:
    from django.contrib.auth.models import User


ERROR_WRONG_PASSWORD = _("This is not your password.")


class AccountDeleteForm(Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account is deleted for good."),
        required=True,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(ERROR_WRONG_PASSWORD, code="wrong_password")
        return password
