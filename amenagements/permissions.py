"""Who may do what with arrangements.

Pure predicates: views compute them and hand templates booleans.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from common.permissions import is_staff_with

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def can_record_adaptation(user: User | AnonymousUser) -> bool:
    """Urban services staff holding the "add adaptation" permission (superusers included)."""
    return is_staff_with(user, "amenagements.add_adaptation")


def can_create_amenagement(user: User | AnonymousUser) -> bool:
    """Urban services staff holding the "add arrangement" permission (superusers included)."""
    return is_staff_with(user, "amenagements.add_amenagement")
