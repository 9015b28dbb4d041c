"""Everything Tactique holds about one account, as a JSON-ready dictionary.

Read from every table that points to the account: the account and its email addresses, the
public profile, opinions (ratings, comments, spots, profiles), reports made, panel memberships,
requests and invitations, stances, comments and proposals in panels, the steps of panels' public
logs they took, the moderation acts they did, what they follow and the messages written to
them. IP addresses are not stored in the database
(the rate-limit counters in the cache hold them, hashed, for at most a day).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from participation.models import (
    Comment,
    Contribution,
    DeliberationLogEntry,
    Follow,
    IndicatorDefinition,
    JoinRequest,
    Membership,
    ModerationLogEntry,
    Notice,
    Profile,
    Report,
    Stance,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

EXPORT_FORMAT = "tactique-personal-data/1"


def _when(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _definition(d: IndicatorDefinition) -> dict[str, Any]:
    return {"code": d.code, "name": d.name, "version": d.version, "panel": d.panel.name}


def personal_data_export(*, user: User) -> dict[str, Any]:
    """Everything held about `user` (see the module docstring). A fixed number of queries."""
    from allauth.account.models import EmailAddress

    profile = Profile.objects.filter(user=user).first()
    contributions = (
        Contribution.objects.filter(user=user)
        .select_related("version__amenagement")
        .prefetch_related("ratings__definition__panel")
        .order_by("created_at", "pk")
    )
    return {
        "format": EXPORT_FORMAT,
        "generated_at": timezone.now().isoformat(),
        "account": {
            "id": user.pk,
            "email": user.email,
            "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
            "is_staff": user.is_staff,
            "groups": sorted(user.groups.values_list("name", flat=True)),
        },
        "email_addresses": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "profile": (
            {"pseudonym": profile.pseudonym, "created_at": _when(profile.created_at)}
            if profile
            else None
        ),
        "contributions": [_contribution(c) for c in contributions],
        "reports_made": [
            {
                "contribution": r.contribution_id,
                "reason": r.reason,
                "details": r.details,
                "created_at": _when(r.created_at),
                "reviewed_at": _when(r.resolved_at),
            }
            for r in Report.objects.filter(reporter=user).order_by("created_at", "pk")
        ],
        "panel_memberships": [
            {"panel": m.panel.name, "role": m.role, "joined_at": _when(m.joined_at)}
            for m in Membership.objects.filter(user=user).select_related("panel")
        ],
        "panel_requests_and_invitations": [
            {
                "panel": r.panel.name,
                "kind": r.kind,
                "status": r.status,
                "message": r.message,
                "created_at": _when(r.created_at),
                "decided_at": _when(r.decided_at),
            }
            for r in JoinRequest.objects.filter(user=user).select_related("panel")
        ],
        "stances": [
            {
                "indicator": _definition(s.definition),
                "position": s.position,
                "updated_at": _when(s.updated_at),
            }
            for s in Stance.objects.filter(user=user).select_related("definition__panel")
        ],
        "panel_comments": [
            {
                "indicator": _definition(c.definition),
                "body": c.body,
                "created_at": _when(c.created_at),
            }
            for c in Comment.objects.filter(author=user).select_related("definition__panel")
        ],
        "indicator_proposals": [
            {**_definition(d), "status": d.status, "proposed_at": _when(d.proposed_at)}
            for d in IndicatorDefinition.objects.filter(proposed_by=user).select_related("panel")
        ],
        "panel_log_steps": [
            {"panel": e.panel.name, "action": e.action, "created_at": _when(e.created_at)}
            for e in DeliberationLogEntry.objects.filter(actor=user).select_related("panel")
        ],
        "moderation_acts": [
            {
                "action": e.action,
                "contribution": e.contribution_id,
                "created_at": _when(e.created_at),
                "details": e.payload,
            }
            for e in ModerationLogEntry.objects.filter(actor=user).order_by("created_at", "pk")
        ],
        "follows": [
            {
                "arrangement": f.amenagement.slug if f.amenagement else None,
                "commune": f.commune.name if f.commune else None,
                "messages": f.frequency,
                "language": f.language,
                "updated_at": _when(f.updated_at),
            }
            for f in Follow.objects.filter(user=user)
            .select_related("amenagement", "commune")
            .order_by("created_at", "pk")
        ],
        "messages_received": [
            {
                "subject": n.subject,
                "text": n.body,
                "created_at": _when(n.created_at),
                "sent_at": _when(n.sent_at),
            }
            for n in Notice.objects.filter(user=user).order_by("created_at", "pk")
        ],
    }


def _contribution(c: Contribution) -> dict[str, Any]:
    return {
        "id": c.pk,
        "arrangement": {"slug": c.version.amenagement.slug, "name": c.version.amenagement.name},
        "arrangement_version": c.version.number,
        "created_at": _when(c.created_at),
        "updated_at": _when(c.updated_at),
        "ratings": [
            {**_definition(r.definition), "question": r.definition.question, "value": r.value}
            for r in c.ratings.all()
        ],
        "comment": c.comment,
        "comment_status": c.comment_status,
        "moderation_reason": c.moderation_reason,
        "profiles": c.profiles,
        "spot": (
            {"longitude": c.point.x, "latitude": c.point.y, "position_m": c.position_m}
            if c.point is not None
            else None
        ),
    }
