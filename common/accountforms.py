"""allauth's account forms, with the text rule of every form of Tactique (`common.forms`):
control characters are refused with the same French message. Named in `ACCOUNT_FORMS`; the
sign-up form is built by allauth on `ACCOUNT_SIGNUP_FORM_CLASS`, itself a `common.forms.Form`."""

from __future__ import annotations

from allauth.account import forms as allauth_forms

from common.forms import CleanTextMixin


class LoginForm(CleanTextMixin, allauth_forms.LoginForm):  # type: ignore[misc]
    pass


class AddEmailForm(CleanTextMixin, allauth_forms.AddEmailForm):  # type: ignore[misc]
    pass


class ChangePasswordForm(CleanTextMixin, allauth_forms.ChangePasswordForm):  # type: ignore[misc]
    pass


class SetPasswordForm(CleanTextMixin, allauth_forms.SetPasswordForm):  # type: ignore[misc]
    pass


class ResetPasswordForm(CleanTextMixin, allauth_forms.ResetPasswordForm):  # type: ignore[misc]
    pass


class ResetPasswordKeyForm(CleanTextMixin, allauth_forms.ResetPasswordKeyForm):  # type: ignore[misc]
    pass


class ReauthenticateForm(CleanTextMixin, allauth_forms.ReauthenticateForm):  # type: ignore[misc]
    pass
