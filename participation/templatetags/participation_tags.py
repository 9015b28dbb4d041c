"""Template helpers of the participation pages: accessible fields, public names, log lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template
from django.forms import BoundField
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from participation.models import DeliberationLogEntry
from participation.panels import log
from participation.profiles import selectors as profile_selectors

if TYPE_CHECKING:
    from django.contrib.auth.models import User


register = template.Library()


@register.simple_tag
def field_widget(field: BoundField) -> str:
    """The field's widget, tied to its help text and errors for screen readers
    (`aria-describedby`), and marked `aria-invalid` when it has errors."""
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    if field.errors:
        described.append(f"{field.auto_id}_errors")
    attrs: dict[str, str | bool] = {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def public_name(user: User | None) -> str:
    """The pseudonym of `user` (never their email address)."""
    return profile_selectors.public_name(user)


def _role_label(role: str) -> str:
    return _("facilitator") if role == "facilitator" else _("member")


@register.simple_tag
def log_sentence(entry: DeliberationLogEntry) -> str:
    """One public log entry as a sentence. The names come from the payload, written when the
    step happened (pseudonyms only)."""
    p = entry.payload or {}
    actor = p.get("actor") or _("someone")
    subject = entry.definition.name if entry.definition is not None else p.get("name", "")
    action = entry.action
    if action == log.PANEL_CREATED:
        text = _(
            "The panel was created (adoption rule: quorum %(quorum)s, %(share)s %% endorsements)."
        ) % {
            "quorum": p.get("quorum"),
            "share": p.get("min_endorsement_percent"),
        }
    elif action == log.PANEL_RULE_CHANGED:
        before, after = p.get("before", {}), p.get("after", {})
        text = _(
            "%(actor)s changed the adoption rule: quorum %(q1)s → %(q2)s, endorsements "
            "%(s1)s %% → %(s2)s %%."
        ) % {
            "actor": actor,
            "q1": before.get("quorum"),
            "q2": after.get("quorum"),
            "s1": before.get("min_endorsement_percent"),
            "s2": after.get("min_endorsement_percent"),
        }
    elif action == log.MEMBER_JOINED:
        text = _("%(member)s joined the panel as %(role)s.") % {
            "member": p.get("member", actor),
            "role": _role_label(p.get("role", "member")),
        }
    elif action == log.MEMBER_INVITED:
        text = _("%(actor)s invited %(member)s.") % {"actor": actor, "member": p.get("member")}
    elif action == log.PROPOSAL_CREATED:
        if p.get("revises_version"):
            text = _(
                "%(actor)s proposed a new version of “%(name)s” (replacing version %(version)s)."
            ) % {
                "actor": actor,
                "name": subject,
                "version": p["revises_version"],
            }
        else:
            text = _("%(actor)s proposed “%(name)s”.") % {"actor": actor, "name": subject}
    elif action == log.PROPOSAL_REVISED:
        n = p.get("stances_withdrawn", 0)
        text = ngettext(
            "%(actor)s edited the proposal “%(name)s”; %(n)s stance was withdrawn.",
            "%(actor)s edited the proposal “%(name)s”; %(n)s stances were withdrawn.",
            n,
        ) % {"actor": actor, "name": subject, "n": n}
    elif action == log.PROPOSAL_COMMENTED:
        text = _("%(actor)s commented on “%(name)s”.") % {"actor": actor, "name": subject}
    elif action == log.PROPOSAL_ENDORSED:
        text = _("%(actor)s endorsed “%(name)s”.") % {"actor": actor, "name": subject}
    elif action == log.PROPOSAL_OBJECTED:
        text = _("%(actor)s objected to “%(name)s”.") % {"actor": actor, "name": subject}
    elif action == log.PROPOSAL_ADOPTED:
        text = _(
            "%(actor)s adopted “%(name)s” as version %(version)s: %(endorsements)s "
            "endorsements and %(objections)s objections (rule: at least %(quorum)s stances, "
            "%(required)s %% endorsements)."
        ) % {
            "actor": actor,
            "name": subject,
            **{
                k: p.get(k) for k in ("version", "endorsements", "objections", "quorum", "required")
            },
        }
    elif action == log.PROPOSAL_CLOSED:
        text = _("%(actor)s closed “%(name)s” without adopting it: %(reason)s") % {
            "actor": actor,
            "name": subject,
            "reason": p.get("reason", ""),
        }
    elif action == log.INDICATOR_RETIRED:
        text = _("%(actor)s retired “%(name)s” (version %(version)s): %(reason)s") % {
            "actor": actor,
            "name": subject,
            "version": p.get("version"),
            "reason": p.get("reason", ""),
        }
    elif action == log.PANEL_SURVEYS_COUNTED:
        text = _(
            "%(actor)s decided that the answers of imported surveys count in the panel's results."
        ) % {"actor": actor}
    elif action == log.PANEL_SURVEYS_APART:
        text = _(
            "%(actor)s decided that the answers of imported surveys are shown apart from the "
            "panel's results."
        ) % {"actor": actor}
    else:
        # Never the dotted code itself: it means nothing to people.
        text = _("A step of the deliberation.")
    return format_html("{}", text)
