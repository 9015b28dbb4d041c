"""Who may run evaluations and decide on their proposals. Pure predicates: views compute them,
templates get booleans."""

from __future__ import annotations

from typing import TYPE_CHECKING

from common.permissions import is_staff_with

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def can_run_evaluation(user: User | AnonymousUser) -> bool:
    """Urban services staff holding the "add evaluation run" permission (superusers included)."""
    return is_staff_with(user, "indicators.add_evaluationrun")


def can_decide_proposal(user: User | AnonymousUser) -> bool:
    """Urban services staff holding the "change adjustment proposal" permission (superusers
    included): they accept, reject or defer the engine's proposals in public."""
    return is_staff_with(user, "indicators.change_adjustmentproposal")
