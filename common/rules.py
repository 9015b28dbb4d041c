"""Rules that hold for several kinds of object, written once."""

from __future__ import annotations

from typing import Protocol

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ERROR_NOT_OPEN = _("This proposal is no longer open (status: %(status)s).")


class Decidable(Protocol):
    """A proposal that is open until it is decided: an indicator definition, an adjustment
    proposal of an evaluation."""

    @property
    def is_open(self) -> bool: ...

    def get_status_display(self) -> str: ...


def require_open(proposal: Decidable) -> None:
    """Raise `ValidationError` (`ERROR_NOT_OPEN`, code "not_open", its status in words) unless
    `proposal` is still open. Call it on a row locked for the change."""
    if not proposal.is_open:
        raise ValidationError(
            ERROR_NOT_OPEN, code="not_open", params={"status": proposal.get_status_display()}
        )
