"""Moderation of residents' comments and of panels' deliberation comments: reports,
per-commune pre-moderation, the moderation log (accounts' suspensions included).

The database holds: one report per person and comment; moderation log actions are dotted
codes; log rows are only ever added."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from participation.models.deliberation import Comment
from participation.models.logs import DOTTED_ACTION, LogEntry
from participation.models.opinions import Contribution

REPORT_DETAILS_MAX_LENGTH = 500


class ReportReason(models.TextChoices):
    ABUSE = "abuse", _("Insulting, hateful or harassing")
    PERSONAL_DATA = "personal_data", _("Reveals personal information about someone")
    SPAM = "spam", _("Advertising or spam")
    OFF_TOPIC = "off_topic", _("Unrelated to the arrangement")
    OTHER = "other", _("Other reason")


class ReportFields(models.Model):
    """What every report holds, whatever it is about: why, details for the moderators, when it
    was made and when a moderator answered it. Who reported is never shown publicly."""

    Reason = ReportReason

    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    details = models.TextField(_("details"), blank=True, max_length=REPORT_DETAILS_MAX_LENGTH)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Set when a moderator reviews the comment: the report has then been answered.
    resolved_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.created_at:%Y-%m-%d})"


class Report(ReportFields):
    """A resident's report of a comment on an arrangement."""

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports_made",
        verbose_name=_("reported by"),
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(
                fields=["contribution", "reporter"], name="report_one_per_resident"
            ),
            models.CheckConstraint(
                condition=Q(reason__in=ReportReason.values), name="report_known_reason"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("details"), REPORT_DETAILS_MAX_LENGTH),
                name="report_details_length",
            ),
        ]
        indexes = [
            models.Index(
                fields=["contribution"],
                condition=Q(resolved_at__isnull=True),
                name="report_open",
            )
        ]


class PanelCommentReport(ReportFields):
    """A report of a comment in a panel's deliberation, like a resident's `Report`."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="panel_reports_made",
        verbose_name=_("reported by"),
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("report of a panel comment")
        verbose_name_plural = _("reports of panel comments")
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "reporter"], name="panel_comment_report_one_per_person"
            ),
            models.CheckConstraint(
                condition=Q(reason__in=ReportReason.values),
                name="panel_comment_report_known_reason",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("details"), REPORT_DETAILS_MAX_LENGTH),
                name="panel_comment_report_details_length",
            ),
        ]
        indexes = [
            models.Index(
                fields=["comment"],
                condition=Q(resolved_at__isnull=True),
                name="panel_comment_report_open",
            )
        ]


class CommuneModeration(models.Model):
    """A commune's moderation setting: with pre-moderation, comments wait for a moderator
    before they are published."""

    commune = models.OneToOneField(
        "amenagements.Commune",
        on_delete=models.CASCADE,
        related_name="moderation",
        verbose_name=_("commune"),
    )
    premoderation = models.BooleanField(
        _("pre-moderation"),
        default=False,
        help_text=_(
            "Comments on this commune's arrangements are published once a moderator approves them."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["commune"]
        verbose_name = _("commune moderation setting")
        verbose_name_plural = _("commune moderation settings")

    def __str__(self) -> str:
        return str(self.commune)


class ModerationLogEntry(LogEntry):
    """One moderation act: who did what to which comment, when, with the reason given.

    `action` is a dotted code ("comment.reported", "comment.hidden", "comment.restored",
    "panel_comment.hidden", "account.suspended"…);
    `payload` holds the statuses before and after, the reason and the report count. It names
    nobody: the actor is the foreign key (NULL for automatic acts, or once the account is gone).
    """

    contribution = models.ForeignKey(
        Contribution,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderation_log",
    )
    commune = models.ForeignKey(
        "amenagements.Commune",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # What else an act may be about: a panel's comment, or an account (suspended, reinstated).
    panel_comment = models.ForeignKey(
        Comment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="moderation_log",
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta(LogEntry.Meta):
        verbose_name = _("moderation log entry")
        verbose_name_plural = _("moderation log")
        constraints = [
            models.CheckConstraint(condition=DOTTED_ACTION, name="moderation_log_action_is_dotted"),
        ]
