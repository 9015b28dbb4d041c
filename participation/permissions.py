"""Who may do what in a citizen panel.

Pure predicates over a `Viewer` (who is looking, relative to the panel: built in one query by
`selectors.viewer_for`) and the object concerned. Views compute them and hand templates
booleans. Everything a panel does is public to read; taking part needs a signed-in account
with a verified email address ("resident"); deliberating needs membership; deciding needs the
facilitator role. Staff have no say in a panel's choices unless they are members of it: the
panel, not the services, chooses the criteria arrangements are judged by.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from indicators.models import IndicatorDefinition
    from participation.models import CitizenPanel, JoinRequest
    from participation.selectors import Viewer


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


def can_propose(viewer: Viewer, panel: CitizenPanel) -> bool:
    return viewer.is_member


def can_take_stance(viewer: Viewer, definition: IndicatorDefinition) -> bool:
    return viewer.is_member and definition.is_open


def can_comment(viewer: Viewer, definition: IndicatorDefinition) -> bool:
    return viewer.is_member and definition.is_open


def can_edit_proposal(viewer: Viewer, definition: IndicatorDefinition) -> bool:
    """Only its author, only while open (a decided text is a public record)."""
    return viewer.is_member and definition.is_open and definition.proposed_by_id == viewer.user_id


def can_decide_proposal(viewer: Viewer, definition: IndicatorDefinition) -> bool:
    """Adopt (when the rule is met: the service checks it) or close with a reason."""
    return viewer.is_facilitator and definition.is_open


def can_propose_revision(viewer: Viewer, definition: IndicatorDefinition) -> bool:
    return viewer.is_member and definition.status == definition.Status.ADOPTED


def can_retire(viewer: Viewer, definition: IndicatorDefinition) -> bool:
    return viewer.is_facilitator and definition.can_be_retired
