"""The base of every form of Tactique: text that PostgreSQL cannot store, or that no person
types, is refused by the form with one French message, before any query sees it.

`Form` (and `CleanTextMixin`, for forms built on another library's, e.g. allauth's) gives each
text field (`forms.CharField` and its subclasses: email, slug, regex…) the validator
`refuse_control_characters`: a NUL byte (which PostgreSQL refuses in text, so it answered 500)
or another control character (C0 but tab, line feed and carriage return; DEL; C1) makes the
field invalid. Django's own NUL validator is replaced by it, so the message is said once. The
validators are set at cleaning time, so fields a subclass adds in its `__init__` are covered.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

# Control characters, but tab, line feed and carriage return (text areas keep them).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
ERROR_CONTROL_CHARACTERS = _(
    "This text contains an invisible control character (such as a NUL byte) that cannot be "
    "saved: remove it and send again."
)


def has_control_characters(text: str) -> bool:
    """Whether `text` holds a character `refuse_control_characters` refuses."""
    return CONTROL_CHARACTERS.search(text) is not None


def refuse_control_characters(value: object) -> None:
    """Validator: raise `ValidationError` (`ERROR_CONTROL_CHARACTERS`, code
    "control_characters") when the text holds a NUL byte or another control character."""
    if isinstance(value, str) and has_control_characters(value):
        raise ValidationError(ERROR_CONTROL_CHARACTERS, code="control_characters")


class CleanTextMixin:
    """Mix into a form class (before the form base): its text fields refuse control
    characters (`refuse_control_characters`)."""

    fields: dict[str, forms.Field]

    def full_clean(self) -> None:
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators = [
                    *(
                        v
                        for v in field.validators
                        if not isinstance(v, ProhibitNullCharactersValidator)
                        and v is not refuse_control_characters
                    ),
                    refuse_control_characters,
                ]
        super().full_clean()  # type: ignore[misc]


class Form(CleanTextMixin, forms.Form):
    """The base of Tactique's forms."""
