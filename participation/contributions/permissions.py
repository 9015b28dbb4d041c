"""Who may give, report and moderate opinions.

Pure predicates over a `Contributor` (who is looking, built in one query by
`selectors.contributor_for`) and the object concerned. Views compute them and hand templates
booleans. Reading opinions is public; giving one needs a signed-in active account with a verified
email address (a "resident", as for citizen panels); moderating needs the moderators' group.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from amenagements.models import Amenagement
from amenagements.permissions import acts_for, commune_scope
from participation.models import CommentStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from participation.contributions.selectors import Contributor
    from participation.models import Comment, Contribution


def can_contribute(contributor: Contributor, amenagement: Amenagement) -> bool:
    """A resident, on an arrangement that has not been removed."""
    return contributor.is_resident and amenagement.status != Amenagement.Status.REMOVED


def can_report(contributor: Contributor, contribution: Contribution) -> bool:
    """A resident, on someone else's published comment."""
    return (
        contributor.is_resident
        and contribution.user_id != contributor.user_id
        and contribution.comment_is_public
    )


def can_moderate(contributor: Contributor) -> bool:
    """An active member of the moderators' group (or a superuser). Moderating is a duty given by
    the services, not taking part, so a verified address is not required."""
    return contributor.is_authenticated and contributor.is_active and contributor.is_moderator


def can_moderate_on(
    contributor: Contributor, user: User | AnonymousUser, amenagement: Amenagement
) -> bool:
    """A moderator (`can_moderate`) acting for the arrangement's commune: a moderator assigned
    communes moderates the opinions on their arrangements only (`amenagements.permissions`)."""
    return can_moderate(contributor) and acts_for(user, amenagement.commune_id)


def can_report_panel_comment(contributor: Contributor, comment: Comment) -> bool:
    """A resident, on someone else's published comment in a panel's deliberation (panels'
    pages are public, so anyone taking part may report what they read there)."""
    return (
        contributor.is_resident
        and comment.author_id != contributor.user_id
        and comment.status == CommentStatus.PUBLISHED
    )


def can_moderate_panel_comment(
    contributor: Contributor, user: User | AnonymousUser, commune_ids: list[int]
) -> bool:
    """A moderator acting for one of the panel's communes (`commune_ids`), or city-wide."""
    if not can_moderate(contributor):
        return False
    scope = commune_scope(user)
    return scope is None or any(c in scope for c in commune_ids)


def can_suspend(contributor: Contributor, user: User | AnonymousUser) -> bool:
    """A moderator acting city-wide (`accounts`: an account is not a commune's)."""
    return can_moderate(contributor) and commune_scope(user) is None
