"""Who may do what with arrangements, and where.

Pure predicates: views compute them and hand templates booleans.

**Commune scope.** An account of the services (staff, moderator) may be assigned communes
(`Commune.agents`): it then acts — adapts, evaluates, decides, moderates, imports adaptations,
records counts — only on the arrangements of those communes, and an arrangement with no commune
is out of its scope. An account assigned no commune acts city-wide, and so does a superuser:
a deployment for one city needs no assignment. A predicate given an arrangement checks the
scope; without one it answers whether the account may do it somewhere (a page, a menu).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from common.permissions import is_staff_with

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from amenagements.models import Amenagement

_SCOPE_ATTRIBUTE = "_tactique_commune_scope"

ERROR_OUT_OF_SCOPE = _(
    "This arrangement is in a commune you do not act for: its services, or an agent for every "
    "commune, handle it."
)
ERROR_COMMUNE_OUT_OF_SCOPE = _("You act for these communes only: %(communes)s.")


def commune_scope(user: User | AnonymousUser) -> frozenset[int] | None:
    """The ids of the communes `user` acts for, or None when city-wide (module docstring).

    One query per request at most: the answer is kept on the user object, as Django keeps
    its permissions. A visitor's scope is empty."""
    if not user.is_authenticated:
        return frozenset()
    if user.is_superuser:
        return None
    if not hasattr(user, _SCOPE_ATTRIBUTE):
        ids = frozenset(user.agent_communes.values_list("pk", flat=True))
        setattr(user, _SCOPE_ATTRIBUTE, ids or None)
    scope: frozenset[int] | None = getattr(user, _SCOPE_ATTRIBUTE)
    return scope


def acts_for(user: User | AnonymousUser, commune_id: int | None) -> bool:
    """Whether `user` acts for the commune `commune_id` (None: an arrangement without one)."""
    scope = commune_scope(user)
    return scope is None or commune_id in scope


def _in_scope(user: User | AnonymousUser, amenagement: Amenagement | None) -> bool:
    return amenagement is None or acts_for(user, amenagement.commune_id)


def can_record_adaptation(
    user: User | AnonymousUser, amenagement: Amenagement | None = None
) -> bool:
    """Urban services staff holding the "add adaptation" permission (superusers included), on
    an arrangement of their communes."""
    return is_staff_with(user, "amenagements.add_adaptation") and _in_scope(user, amenagement)


def can_create_amenagement(user: User | AnonymousUser) -> bool:
    """Urban services staff holding the "add arrangement" permission (superusers included); an
    agent of some communes creates arrangements in them only (the form says so)."""
    return is_staff_with(user, "amenagements.add_amenagement")
