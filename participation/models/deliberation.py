"""The deliberation on a proposed indicator: members' stances and comments, and the panel's
public log.

The database holds: a member takes one stance (endorse or object) per proposal, and changing it
updates that row; log actions are dotted codes; log rows are only ever added."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from participation.models.logs import DOTTED_ACTION, LogEntry
from participation.models.opinions import CommentStatus
from participation.models.panels import CitizenPanel


class Stance(models.Model):
    """A member's position on a proposed indicator: one per member and proposal, changeable."""

    class Position(models.TextChoices):
        ENDORSE = "endorse", _("Endorse")
        OBJECT = "object", _("Object")

    definition = models.ForeignKey(
        "participation.IndicatorDefinition", on_delete=models.CASCADE, related_name="stances"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="indicator_stances"
    )
    position = models.CharField(_("position"), max_length=10, choices=Position.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["definition", "created_at", "pk"]
        verbose_name = _("stance")
        verbose_name_plural = _("stances")
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "user"], name="stance_one_per_member_and_proposal"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_position_display()} — {self.definition}"


class Comment(models.Model):
    definition = models.ForeignKey(
        "participation.IndicatorDefinition", on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="indicator_comments",
    )
    body = models.TextField(_("comment"), max_length=4000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Moderated like residents' comments (`participation.contributions.moderation`): reported
    # enough, it is hidden pending review; a moderator hides it with a public reason, shown
    # in its place, or publishes it again.
    status = models.CharField(
        _("status"), max_length=12, choices=CommentStatus.choices, default=CommentStatus.PUBLISHED
    )
    moderation_reason = models.CharField(_("moderation reason"), max_length=500, blank=True)

    class Meta:
        ordering = ["definition", "created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="comment_not_empty"),
            models.CheckConstraint(
                # No pre-moderation in panels: a comment is never "pending".
                condition=Q(status__in=["published", "reported", "hidden"]),
                name="panel_comment_known_status",
            ),
        ]

    def __str__(self) -> str:
        return self.body[:60]


class DeliberationLogEntry(LogEntry):
    """One public step of a panel's life: who did what, when, with the numbers that mattered.

    `action` is a dotted code ("proposal.created", "proposal.endorsed", "proposal.adopted",
    "member.joined"…); `payload` holds what the step needs to be read later (tallies, reasons,
    version numbers) — never an email address. Rows are only ever added.
    """

    panel = models.ForeignKey(CitizenPanel, on_delete=models.CASCADE, related_name="log_entries")
    definition = models.ForeignKey(
        "participation.IndicatorDefinition",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="log_entries",
    )

    class Meta(LogEntry.Meta):
        verbose_name = _("deliberation log entry")
        verbose_name_plural = _("deliberation log")
        constraints = [
            models.CheckConstraint(condition=DOTTED_ACTION, name="log_action_is_dotted"),
        ]
        indexes = [models.Index(fields=["panel", "-created_at"])]
