"""Who may run evaluations and decide on their proposals. Pure predicates: views compute them,
templates get booleans. Given an arrangement, they check the account's commune scope
(`amenagements.permissions`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from amenagements.permissions import acts_for
from common.permissions import is_staff_with

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from amenagements.models import Amenagement


def can_run_evaluation(user: User | AnonymousUser, amenagement: Amenagement | None = None) -> bool:
    """Urban services staff holding the "add evaluation run" permission (superusers included),
    on an arrangement of their communes."""
    return is_staff_with(user, "indicators.add_evaluationrun") and (
        amenagement is None or acts_for(user, amenagement.commune_id)
    )


def can_decide_proposal(user: User | AnonymousUser, amenagement: Amenagement | None = None) -> bool:
    """Urban services staff holding the "change adjustment proposal" permission (superusers
    included): they accept, reject or defer the engine's proposals in public, on arrangements of
    their communes."""
    return is_staff_with(user, "indicators.change_adjustmentproposal") and (
        amenagement is None or acts_for(user, amenagement.commune_id)
    )
