"""Template helpers of residents' opinions: names, profiles, spots and moderation log lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from participation.contributions import moderation
from participation.models import Contribution, ContributorProfile, ModerationLogEntry
from participation.profiles.selectors import public_name

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


register = template.Library()


@register.filter
def contributor_name(contribution: Contribution) -> str:
    """How the contributor is shown publicly (`public_name`); an imported survey's answer by
    its survey's name (it has no account)."""
    if contribution.source is not None:
        return contribution.source.name
    return public_name(contribution.user)


@register.filter
def can_moderate(user: User | AnonymousUser) -> bool:
    """Whether `user` may open the moderation queue (one query; for the profile page)."""
    from participation.contributions import permissions, selectors

    return permissions.can_moderate(selectors.contributor_for(user))


@register.filter
def profile_labels(values: list[str]) -> str:
    labels = dict(ContributorProfile.choices)
    return ", ".join(str(labels.get(v, v)) for v in values)


@register.filter
def spot_text(contribution: Contribution) -> str:
    if contribution.point is None:
        return ""
    if contribution.position_m is None:
        return _("Spot pinned on the arrangement")
    return _("Spot pinned %(m)s m from the start of the arrangement") % {
        "m": round(contribution.position_m)
    }


def _actor(entry: ModerationLogEntry) -> str:
    if entry.actor_id is None and entry.action in AUTOMATIC:
        return _("Tactique")
    return public_name(entry.actor)


AUTOMATIC = {moderation.COMMENT_HELD, moderation.COMMENT_AUTO_HIDDEN}


@register.simple_tag
def moderation_sentence(entry: ModerationLogEntry) -> str:
    """One moderation act as a sentence, for the moderators' page. A report's sentence never
    names its author: the reporter is the entry's actor, and reporters stay anonymous."""
    p = entry.payload or {}
    actor = "" if entry.action == moderation.COMMENT_REPORTED else _actor(entry)
    reason = p.get("reason", "")
    n = p.get("open_reports", 0)
    texts = {
        moderation.COMMENT_HELD: _("A comment was held for moderation before publication."),
        # Who reported is never shown (the report page promises it), not even to moderators.
        moderation.COMMENT_REPORTED: ngettext(
            "Someone reported a comment (%(n)s open report).",
            "Someone reported a comment (%(n)s open reports).",
            n,
        )
        % {"n": n},
        moderation.COMMENT_AUTO_HIDDEN: _(
            "A comment was hidden pending review after %(n)s reports."
        )
        % {"n": n},
        moderation.COMMENT_HIDDEN: _("%(actor)s hid a comment: %(reason)s")
        % {"actor": actor, "reason": reason},
        moderation.COMMENT_PUBLISHED: _("%(actor)s approved a comment for publication.")
        % {"actor": actor},
        moderation.COMMENT_RESTORED: _("%(actor)s restored a comment: %(reason)s")
        % {"actor": actor, "reason": reason},
        moderation.PREMODERATION_ON: _("%(actor)s switched pre-moderation on for %(commune)s.")
        % {"actor": actor, "commune": p.get("commune", "")},
        moderation.PREMODERATION_OFF: _("%(actor)s switched pre-moderation off for %(commune)s.")
        % {"actor": actor, "commune": p.get("commune", "")},
    }
    # Never the dotted code itself: it means nothing to people.
    return texts.get(entry.action, _("A moderation act."))
