"""Who may import a survey's answers, and who decides whether a panel counts them.

Pure predicates: views compute them and hand templates booleans. Importing is the services'
work (a staff permission, scoped per commune by `amenagements.permissions.commune_scope` line
by line); counting the answers with residents' ratings is the panel's choice, so its
facilitators make it — staff have no say in a panel's choices unless they are members of it
(`participation.panels.permissions`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from common.permissions import is_staff_with

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from participation.models import CitizenPanel
    from participation.panels.selectors import Viewer


def can_import_survey(user: User | AnonymousUser) -> bool:
    """Staff holding the "add survey" permission (superusers included)."""
    return is_staff_with(user, "participation.add_surveysource")


def can_set_survey_counting(viewer: Viewer, panel: CitizenPanel) -> bool:
    """A facilitator of the panel."""
    return viewer.is_facilitator
