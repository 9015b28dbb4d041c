"""Writes of the deliberation on a proposed indicator: members' stances and comments.

Rules: only members of the panel take a stance or comment, and only while the proposal is open;
a member has one stance per proposal, which they may change. Each stance taken or changed and
each comment is logged in the panel's public log, in the same transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy

from common.rules import require_open
from participation.models import Comment, IndicatorDefinition, Stance
from participation.panels.log import (
    PROPOSAL_COMMENTED,
    PROPOSAL_ENDORSED,
    PROPOSAL_OBJECTED,
    panel_log_record,
)
from participation.panels.services import require_member

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ERROR_EMPTY_COMMENT = gettext_lazy("The comment is empty.")


def _lock_open_definition(definition: IndicatorDefinition) -> IndicatorDefinition:
    # The proposal row is locked while a stance or comment is written: an adoption (which locks
    # it too) never counts stances that are changing under it.
    locked = (
        IndicatorDefinition.objects.select_for_update()
        .select_related("panel")
        .get(pk=definition.pk)
    )
    require_open(locked)
    return locked


@transaction.atomic
def stance_set(
    *, definition: IndicatorDefinition, user: User, position: str
) -> tuple[Stance, bool]:
    """A member endorses or objects to an open proposal, or changes their stance.

    One stance per member and proposal (a database constraint). Logs "proposal.endorsed" or
    "proposal.objected" when the stance is new or changed; taking the same stance again changes
    nothing. Returns the stance and whether it changed. Raises `ValidationError` if the
    proposal is not open or `user` is not a member of its panel.
    """
    definition = _lock_open_definition(definition)
    require_member(definition.panel, user)
    if position not in Stance.Position.values:
        raise ValueError(position)
    stance, created = Stance.objects.get_or_create(
        definition=definition, user=user, defaults={"position": position}
    )
    if not created and stance.position == position:
        return stance, False
    previous = None if created else stance.position
    if not created:
        stance.position = position
        stance.save(update_fields=["position", "updated_at"])
    panel_log_record(
        panel=definition.panel,
        action=PROPOSAL_ENDORSED if position == Stance.Position.ENDORSE else PROPOSAL_OBJECTED,
        actor=user,
        definition=definition,
        payload={"previous": previous},
    )
    return stance, True


@transaction.atomic
def comment_add(*, definition: IndicatorDefinition, user: User, body: str) -> Comment:
    """A member comments on an open proposal; logs "proposal.commented".

    Raises `ValidationError` if the comment is empty, the proposal is not open, or `user` is
    not a member of its panel.
    """
    body = body.strip()
    if not body:
        raise ValidationError({"body": ERROR_EMPTY_COMMENT}, code="empty")
    definition = _lock_open_definition(definition)
    require_member(definition.panel, user)
    comment = Comment.objects.create(definition=definition, author=user, body=body)
    panel_log_record(
        panel=definition.panel,
        action=PROPOSAL_COMMENTED,
        actor=user,
        definition=definition,
        payload={"comment": comment.pk},
    )
    return comment
