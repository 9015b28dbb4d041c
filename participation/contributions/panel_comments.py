"""Writes of moderation on panels' deliberation comments: reported and moderated like residents'
comments (`moderation`), by the same moderators, in the same log.

Rules:
- a resident reports a published panel comment once, never their own; once
  `TACTIQUE_REPORT_HIDE_THRESHOLD` people have reported it, it is hidden pending review;
- a moderator hides it with a reason shown publicly in its place, or publishes it again (a
  reason is then required too: it tells why the reports were not followed); answering
  resolves its open reports;
- every act is a row of `ModerationLogEntry` ("panel_comment.reported", ".auto_hidden",
  ".hidden", ".restored") about the comment, written in the same transaction. The panel's own
  log is unchanged: moderation is not a step of the deliberation.
Permissions are checked by views (`permissions.can_report_panel_comment`,
`can_moderate_panel_comment`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from participation.contributions.moderation import (
    ERROR_ALREADY_IN_STATE,
    ERROR_ALREADY_REPORTED,
    ERROR_NOT_REPORTABLE,
    ERROR_OWN_COMMENT,
    ERROR_REASON_REQUIRED,
    ERROR_UNKNOWN_DECISION,
    HIDE,
    PUBLISH,
    report_details,
    report_logged,
)
from participation.logs import log_record
from participation.models import (
    Comment,
    CommentStatus,
    ModerationLogEntry,
    PanelCommentReport,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PANEL_COMMENT_REPORTED = "panel_comment.reported"
PANEL_COMMENT_AUTO_HIDDEN = "panel_comment.auto_hidden"
PANEL_COMMENT_HIDDEN = "panel_comment.hidden"
PANEL_COMMENT_RESTORED = "panel_comment.restored"


@transaction.atomic
def panel_comment_report(
    *, comment: Comment, reporter: User, reason: str, details: str = ""
) -> PanelCommentReport:
    """`reporter` reports a published panel comment (module rules). The comment's row is
    locked, so simultaneous reports count exactly. Raises `ValidationError` as
    `moderation.report_create` does."""
    details = report_details(reason, details)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.author_id == reporter.pk:
        raise ValidationError(ERROR_OWN_COMMENT, code="own_comment")
    if comment.status != CommentStatus.PUBLISHED:
        raise ValidationError(ERROR_NOT_REPORTABLE, code="not_reportable")
    if PanelCommentReport.objects.filter(comment=comment, reporter=reporter).exists():
        raise ValidationError(ERROR_ALREADY_REPORTED, code="already_reported")
    report = PanelCommentReport.objects.create(
        comment=comment, reporter=reporter, reason=reason, details=details
    )
    open_reports = PanelCommentReport.objects.filter(
        comment=comment, resolved_at__isnull=True
    ).count()

    def hide() -> None:
        comment.status = CommentStatus.REPORTED
        comment.save(update_fields=["status"])

    report_logged(
        reporter=reporter,
        reason=reason,
        open_reports=open_reports,
        actions=(PANEL_COMMENT_REPORTED, PANEL_COMMENT_AUTO_HIDDEN),
        hide=hide,
        about={"panel_comment": comment},
    )
    return report


@transaction.atomic
def panel_comment_moderate(*, comment: Comment, by: User, decision: str, reason: str) -> Comment:
    """A moderator hides a panel comment or publishes it again, with a public reason (module
    rules). Raises `ValidationError` for an unknown decision, a missing reason, or a comment
    already in that state with no report to answer."""
    if decision not in {HIDE, PUBLISH}:
        raise ValidationError(ERROR_UNKNOWN_DECISION, code="decision")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ValidationError(ERROR_REASON_REQUIRED, code="reason")})
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    before = comment.status
    target = CommentStatus.HIDDEN if decision == HIDE else CommentStatus.PUBLISHED
    action = PANEL_COMMENT_HIDDEN if decision == HIDE else PANEL_COMMENT_RESTORED
    open_reports = PanelCommentReport.objects.filter(comment=comment, resolved_at__isnull=True)
    if before == target and not (target == CommentStatus.PUBLISHED and open_reports.exists()):
        raise ValidationError(ERROR_ALREADY_IN_STATE, code="same_state")
    resolved = open_reports.update(resolved_at=timezone.now())
    comment.status = target
    comment.moderation_reason = reason
    comment.save(update_fields=["status", "moderation_reason"])
    log_record(
        ModerationLogEntry,
        action=action,
        actor=by,
        panel_comment=comment,
        payload={"from": before, "to": target, "reason": reason, "reports_reviewed": resolved},
    )
    return comment
