"""The follow form: how often to hear of an arrangement or a commune."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from participation.models import Frequency


class FollowForm(forms.Form):
    frequency = forms.ChoiceField(
        label=_("Messages"),
        choices=Frequency.choices,
        error_messages={"invalid_choice": _("Choose one of the proposed frequencies.")},
    )
    # Where to come back to (the arrangement's page, or the profile); checked by the view.
    next = forms.CharField(required=False, widget=forms.HiddenInput, max_length=500)
