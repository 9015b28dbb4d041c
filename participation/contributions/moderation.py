"""Writes of moderation: residents report a comment, moderators hide or publish it, a commune's
comments are pre-moderated.

Rules:
- a resident reports a comment once, never their own; once `TACTIQUE_REPORT_HIDE_THRESHOLD`
  residents have reported it, it is hidden pending review;
- moderators hide or publish a comment with a reason shown publicly in its place; answering a
  comment's reports resolves them;
- with pre-moderation on for its commune, a comment waits for a moderator before it is shown
  (`premoderated`, read by `services.contribution_submit`);
- every act is a row of the moderation log (`ModerationLogEntry`, a dotted code), written in
  the same transaction. Moderation concerns the text: ratings always count.
Permissions are checked by views; these functions check the rules that must hold whoever calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from amenagements.models import Commune
from participation.logs import log_record
from participation.models import (
    REPORT_DETAILS_MAX_LENGTH,
    CommentStatus,
    CommuneModeration,
    Contribution,
    ModerationLogEntry,
    Report,
    ReportReason,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User


ERROR_NOT_REPORTABLE = _("This comment cannot be reported.")
ERROR_OWN_COMMENT = _("You cannot report your own comment.")
ERROR_ALREADY_REPORTED = _("You have already reported this comment; moderators will review it.")
ERROR_UNKNOWN_REASON = _("Choose a reason for the report.")
ERROR_DETAILS_TOO_LONG = _("The details can have at most %(max)s characters.")
ERROR_NOTHING_TO_MODERATE = _("This contribution has no comment to moderate.")
ERROR_REASON_REQUIRED = _("Give the reason for this decision: it is shown publicly.")
ERROR_UNKNOWN_DECISION = _("Unknown moderation decision.")
ERROR_ALREADY_IN_STATE = _("This comment is already in that state.")

# Dotted action codes of the moderation log.
COMMENT_HELD = "comment.held"
COMMENT_REPORTED = "comment.reported"
COMMENT_AUTO_HIDDEN = "comment.auto_hidden"
COMMENT_HIDDEN = "comment.hidden"
COMMENT_PUBLISHED = "comment.published"
COMMENT_RESTORED = "comment.restored"
PREMODERATION_ON = "premoderation.enabled"
PREMODERATION_OFF = "premoderation.disabled"

# A moderator's decisions, and why a comment is held (in the "comment.held" payload).
HIDE = "hide"
PUBLISH = "publish"
HELD_BY_PREMODERATION = "premoderation"
HELD_AFTER_MODERATION = "edited_after_moderation"


def premoderated(commune_id: int | None) -> bool:
    """Whether comments on the arrangements of this commune wait for a moderator."""
    if commune_id is None:
        return False
    return CommuneModeration.objects.filter(commune_id=commune_id, premoderation=True).exists()


def report_details(reason: str, details: str) -> str:
    """A report's details, stripped. Raises `ValidationError` (on the field) if the reason is
    unknown or the details too long."""
    if reason not in ReportReason.values:
        raise ValidationError({"reason": ValidationError(ERROR_UNKNOWN_REASON, code="reason")})
    details = details.strip()
    if len(details) > REPORT_DETAILS_MAX_LENGTH:
        raise ValidationError(
            {
                "details": ValidationError(
                    ERROR_DETAILS_TOO_LONG,
                    code="details_too_long",
                    params={"max": REPORT_DETAILS_MAX_LENGTH},
                )
            }
        )
    return details


@transaction.atomic
def report_create(
    *, contribution: Contribution, reporter: User, reason: str, details: str = ""
) -> Report:
    """`reporter` reports a published comment; logs "comment.reported". When the comment's open
    reports reach `TACTIQUE_REPORT_HIDE_THRESHOLD`, it is hidden pending review and
    "comment.auto_hidden" is logged.

    The contribution row is locked, so simultaneous reports count exactly. Raises
    `ValidationError` if the comment is not published, is the reporter's own, was already
    reported by them, or the reason is unknown or the details too long.
    """
    details = report_details(reason, details)
    contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
    if contribution.user_id == reporter.pk:
        raise ValidationError(ERROR_OWN_COMMENT, code="own_comment")
    if not contribution.comment_is_public:
        raise ValidationError(ERROR_NOT_REPORTABLE, code="not_reportable")
    if Report.objects.filter(contribution=contribution, reporter=reporter).exists():
        raise ValidationError(ERROR_ALREADY_REPORTED, code="already_reported")
    report = Report.objects.create(
        contribution=contribution, reporter=reporter, reason=reason, details=details
    )
    open_reports = Report.objects.filter(
        contribution=contribution, resolved_at__isnull=True
    ).count()

    def hide() -> None:
        contribution.comment_status = CommentStatus.REPORTED
        contribution.save(update_fields=["comment_status", "updated_at"])

    report_logged(
        reporter=reporter,
        reason=reason,
        open_reports=open_reports,
        actions=(COMMENT_REPORTED, COMMENT_AUTO_HIDDEN),
        hide=hide,
        about={"contribution": contribution},
    )
    return report


def report_logged(
    *,
    reporter: User,
    reason: str,
    open_reports: int,
    actions: tuple[str, str],
    hide: Callable[[], None],
    about: dict[str, Any],
) -> None:
    """After a report of a comment (residents' or a panel's, `about` the log's key to it):
    log it (`actions[0]`) and, once its `open_reports` reach `TACTIQUE_REPORT_HIDE_THRESHOLD`,
    `hide` the comment pending review and log that (`actions[1]`, an automatic act)."""
    reported, auto_hidden = actions
    log_record(
        ModerationLogEntry,
        action=reported,
        actor=reporter,
        payload={"reason": reason, "open_reports": open_reports},
        **about,
    )
    threshold = settings.TACTIQUE_REPORT_HIDE_THRESHOLD
    if open_reports >= threshold:
        hide()
        log_record(
            ModerationLogEntry,
            action=auto_hidden,
            actor=None,
            payload={
                "from": CommentStatus.PUBLISHED,
                "to": CommentStatus.REPORTED,
                "open_reports": open_reports,
                "threshold": threshold,
            },
            **about,
        )


@transaction.atomic
def comment_moderate(
    *, contribution: Contribution, by: User, decision: str, reason: str = ""
) -> Contribution:
    """A moderator hides a comment, or publishes it (approving one awaiting pre-moderation, or
    restoring one hidden). The reason is public; it is required except to approve a comment
    awaiting pre-moderation. Open reports are marked reviewed.

    Logs "comment.hidden", "comment.published" (approval) or "comment.restored".
    Raises `ValidationError` if there is no comment, no reason where one is needed, an unknown
    decision, or the comment is already in that state.
    """
    if decision not in {HIDE, PUBLISH}:
        raise ValidationError(ERROR_UNKNOWN_DECISION, code="decision")
    reason = reason.strip()
    contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
    if not contribution.comment:
        raise ValidationError(ERROR_NOTHING_TO_MODERATE, code="no_comment")
    before = contribution.comment_status
    if decision == HIDE:
        target, action = CommentStatus.HIDDEN, COMMENT_HIDDEN
    elif before == CommentStatus.PENDING:
        target, action = CommentStatus.PUBLISHED, COMMENT_PUBLISHED
    else:
        target, action = CommentStatus.PUBLISHED, COMMENT_RESTORED
    open_reports = Report.objects.filter(contribution=contribution, resolved_at__isnull=True)
    if before == target and not (target == CommentStatus.PUBLISHED and open_reports.exists()):
        raise ValidationError(ERROR_ALREADY_IN_STATE, code="same_state")
    if not reason and action != COMMENT_PUBLISHED:
        raise ValidationError({"reason": ValidationError(ERROR_REASON_REQUIRED, code="reason")})
    now = timezone.now()
    resolved = open_reports.update(resolved_at=now)
    contribution.comment_status = target
    contribution.moderation_reason = reason
    contribution.moderated_at = now
    contribution.moderated_by = by
    contribution.save(
        update_fields=[
            "comment_status",
            "moderation_reason",
            "moderated_at",
            "moderated_by",
            "updated_at",
        ]
    )
    log_record(
        ModerationLogEntry,
        action=action,
        actor=by,
        contribution=contribution,
        payload={"from": before, "to": target, "reason": reason, "reports_reviewed": resolved},
    )
    return contribution


@transaction.atomic
def premoderation_set(*, commune: Commune, enabled: bool, by: User | None) -> CommuneModeration:
    """Switch pre-moderation on or off for a commune; logs "premoderation.enabled/disabled"
    when it changes. Comments already published stay published."""
    setting, _created = CommuneModeration.objects.select_for_update().get_or_create(commune=commune)
    if setting.premoderation != enabled:
        setting.premoderation = enabled
        setting.save(update_fields=["premoderation", "updated_at"])
        log_record(
            ModerationLogEntry,
            action=PREMODERATION_ON if enabled else PREMODERATION_OFF,
            actor=by,
            commune=commune,
            payload={"commune": commune.name},
        )
    return setting
