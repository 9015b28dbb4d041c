"""The staff guard: the one predicate every "urban services only" permission is built on."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def is_staff_with(user: User | AnonymousUser, permission: str) -> bool:
    """An active staff account holding `permission` ("app_label.codename"; superusers hold
    every permission). Visitors and residents never pass, whatever their permissions."""
    return bool(
        user.is_authenticated and user.is_active and user.is_staff and user.has_perm(permission)
    )
