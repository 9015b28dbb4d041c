"""Who may do what with arrangements.

Pure predicates: views compute them and hand templates booleans.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def can_record_adaptation(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Urban services staff holding the "add adaptation" permission (superusers included)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm("amenagements.add_adaptation")
    )
