"""What the moderators' page reads beyond residents' comments (`selectors.moderation_queue`):
panels' deliberation comments to review, suspended accounts, and the moderation log with
everything an act may be about."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from participation.models import (
    CitizenPanel,
    Comment,
    CommentStatus,
    ModerationLogEntry,
    PanelCommentReport,
    Profile,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PANEL_QUEUE_LIMIT = 50


def panel_comment_queue(
    *, hidden: bool = False, communes: frozenset[int] | None = None
) -> list[Comment]:
    """Panel comments to review, oldest first: hidden after reports, or published with reports
    not yet reviewed (with `hidden`, those the moderators hid, latest first), each with its
    open reports (`open_reports`). With `communes` (a moderator's scope), only those of panels
    speaking for one of them. Two queries, at most `PANEL_QUEUE_LIMIT` comments."""
    qs = Comment.objects.annotate(
        open_report_count=Count("reports", filter=Q(reports__resolved_at__isnull=True))
    )
    if communes is not None:
        # A subquery, not a join: joining the panel's communes would repeat each comment once
        # per commune in scope, and multiply its count of reports with it.
        panels = CitizenPanel.objects.filter(communes__in=communes).values("pk")
        qs = qs.filter(definition__panel__in=panels)
    if hidden:
        qs = qs.filter(status=CommentStatus.HIDDEN).order_by("-pk")
    else:
        qs = qs.filter(
            Q(status=CommentStatus.REPORTED)
            | Q(status=CommentStatus.PUBLISHED, open_report_count__gt=0)
        ).order_by("created_at", "pk")
    return list(
        qs.select_related("author__profile", "definition__panel").prefetch_related(
            Prefetch(
                "reports",
                queryset=PanelCommentReport.objects.filter(resolved_at__isnull=True).order_by(
                    "created_at"
                ),
                to_attr="open_reports",
            )
        )[:PANEL_QUEUE_LIMIT]
    )


def suspended_accounts() -> QuerySet[Profile]:
    """The suspended accounts, latest suspension first, with who suspended them."""
    return (
        Profile.objects.filter(suspended_at__isnull=False)
        .select_related("user", "suspended_by__profile")
        .order_by("-suspended_at", "-pk")
    )


def account(pk: int) -> User:
    """The account `pk` with its profile, for the suspension page (404 if unknown)."""
    found: User = get_object_or_404(get_user_model().objects.select_related("profile"), pk=pk)
    return found


def moderation_log(*, limit: int = 30) -> QuerySet[ModerationLogEntry]:
    """The latest moderation acts, newest first, with the arrangement, panel comment or
    account each is about (one query)."""
    return ModerationLogEntry.objects.select_related(
        "actor__profile",
        "contribution__version__amenagement",
        "commune",
        "panel_comment__definition__panel",
        "account__profile",
    ).order_by("-created_at", "-pk")[:limit]
