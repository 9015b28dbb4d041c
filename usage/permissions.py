"""Who may do what with usage data. Pure predicates: views compute them, templates get booleans.

Linking counters to arrangements by hand is done in the Django admin, under its own model
permissions on counter links.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from amenagements.permissions import acts_for
from common.permissions import is_staff_with

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from amenagements.models import Amenagement


def can_import_counts(user: User | AnonymousUser) -> bool:
    """Urban services staff holding the "add import" permission (superusers included)."""
    return is_staff_with(user, "usage.add_importrun")


def can_record_manual_count(
    user: User | AnonymousUser, amenagement: Amenagement | None = None
) -> bool:
    """Urban services staff holding the "add manual count" permission (superusers included), on
    an arrangement of their communes (`amenagements.permissions`)."""
    return is_staff_with(user, "usage.add_manualcount") and (
        amenagement is None or acts_for(user, amenagement.commune_id)
    )
