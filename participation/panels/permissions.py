"""Who may do what in a citizen panel.

Pure predicates over a `Viewer` (who is looking, relative to the panel: built in one query by
`selectors.viewer_for`) and the object concerned. Views compute them and hand templates
booleans. Everything a panel does is public to read; taking part needs a signed-in account
with a verified email address ("resident"); deliberating needs membership; deciding needs the
facilitator role. Staff have no say in a panel's choices unless they are members of it: the
panel, not the services, chooses the criteria arrangements are judged by. `REFUSALS` says in
words why a predicate failed, for the 403 page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from common.permissions import is_staff_with

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from participation.models import CitizenPanel, JoinRequest
    from participation.panels.selectors import Viewer


def can_request_to_join(viewer: Viewer, panel: CitizenPanel) -> bool:
    """A resident who is not a member, has nothing pending, of a panel that takes requests."""
    return (
        viewer.is_resident
        and viewer.role is None
        and not viewer.has_pending_request
        and viewer.pending_invitation_id is None
        and panel.accepts_requests
    )


def can_answer_invitation(viewer: Viewer, invitation: JoinRequest) -> bool:
    """The invited resident, while the invitation is pending."""
    return (
        viewer.is_resident
        and invitation.user_id == viewer.user_id
        and invitation.kind == invitation.Kind.INVITATION
        and invitation.status == invitation.Status.PENDING
    )


def can_manage_members(viewer: Viewer, panel: CitizenPanel) -> bool:
    """Facilitators see pending requests, decide them, invite, and set the adoption rule."""
    return viewer.is_facilitator


# Why a predicate failed, in words (the 403 page says it).
REFUSALS = {
    "member": _("Only members of the panel can do this. Ask to join it from its page."),
    "facilitator": _("Only a facilitator of the panel can do this."),
    "proposer": _("Only the member who made this proposal can edit it, while it is open."),
    "join": _(
        "You cannot ask to join this panel (already a member, "
        "a request pending, or the panel takes no requests)."
    ),
}


def can_create_panel(user: User | AnonymousUser) -> bool:
    """Urban services staff holding the "add citizen panel" permission (superusers included)."""
    return is_staff_with(user, "participation.add_citizenpanel")
