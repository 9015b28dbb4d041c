"""The moderators' log as sentences, with the acts on panels' comments and on accounts
(residents' comments are told by `contribution_tags.moderation_sentence`)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from participation.contributions import accounts, panel_comments
from participation.models import ModerationLogEntry
from participation.profiles.selectors import public_name
from participation.templatetags.contribution_tags import moderation_sentence

register = template.Library()


@register.simple_tag
def moderation_act(entry: ModerationLogEntry) -> str:
    """One moderation act as a sentence. Who reported is never told, as for opinions."""
    p = entry.payload or {}
    reason = p.get("reason", "")
    n = p.get("open_reports", 0)
    if entry.action == panel_comments.PANEL_COMMENT_REPORTED:
        return ngettext(
            "Someone reported a panel comment (%(n)s open report).",
            "Someone reported a panel comment (%(n)s open reports).",
            n,
        ) % {"n": n}
    if entry.action == panel_comments.PANEL_COMMENT_AUTO_HIDDEN:
        return _("A panel comment was hidden pending review after %(n)s reports.") % {"n": n}
    actor = public_name(entry.actor)
    texts = {
        panel_comments.PANEL_COMMENT_HIDDEN: _("%(actor)s hid a panel comment: %(reason)s"),
        panel_comments.PANEL_COMMENT_RESTORED: _(
            "%(actor)s published a panel comment again: %(reason)s"
        ),
        accounts.ACCOUNT_SUSPENDED: _("%(actor)s suspended the account %(account)s: %(reason)s"),
        accounts.ACCOUNT_REINSTATED: _("%(actor)s reinstated the account %(account)s."),
    }
    if entry.action in texts:
        # The pseudonym alone: `public_name` would add the suspension's reason.
        profile = getattr(entry.account, "profile", None) if entry.account is not None else None
        if profile is not None:
            account = f"« {profile.pseudonym} »"
        else:
            account = _("of a former participant")
        return texts[entry.action] % {"actor": actor, "reason": reason, "account": account}
    return moderation_sentence(entry)
