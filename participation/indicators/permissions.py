"""Who may do what with a panel's indicators: propose, take a stance, comment, edit one's
proposal, adopt or close it, propose a revision, retire. Pure predicates over a `Viewer`
(`participation.panels.selectors.viewer_for`), like the panel's own (`panels.permissions`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from participation.models import CitizenPanel, IndicatorDefinition
    from participation.panels.selectors import Viewer


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
