"""The panels' public log: every step of a panel's life, with a dotted action code.

The actor's pseudonym is copied into each row's payload, so the log reads the same after the
account is gone (`participation.profiles.selectors.public_name`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from participation.logs import log_record
from participation.models import CitizenPanel, DeliberationLogEntry
from participation.profiles.selectors import public_name

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from participation.models import IndicatorDefinition

# Dotted action codes of the public log.
PANEL_CREATED = "panel.created"
PANEL_RULE_CHANGED = "panel.rule_changed"
MEMBER_JOINED = "member.joined"
MEMBER_INVITED = "member.invited"
PROPOSAL_CREATED = "proposal.created"
PROPOSAL_REVISED = "proposal.revised"
PROPOSAL_COMMENTED = "proposal.commented"
PROPOSAL_ENDORSED = "proposal.endorsed"
PROPOSAL_OBJECTED = "proposal.objected"
PROPOSAL_ADOPTED = "proposal.adopted"
PROPOSAL_CLOSED = "proposal.closed"
INDICATOR_RETIRED = "indicator.retired"
PANEL_SURVEYS_COUNTED = "panel.survey_opinions_counted"
PANEL_SURVEYS_APART = "panel.survey_opinions_apart"


def panel_log_record(
    *,
    panel: CitizenPanel,
    action: str,
    actor: User | None,
    definition: IndicatorDefinition | None = None,
    payload: dict[str, Any] | None = None,
) -> DeliberationLogEntry:
    """Append one public step to the panel's log. Call it inside the transaction of the change."""
    data = {"actor": public_name(actor) if actor is not None else "", **(payload or {})}
    return log_record(
        DeliberationLogEntry,
        action=action,
        actor=actor,
        payload=data,
        panel=panel,
        definition=definition,
    )
