"""Who wants to hear of an arrangement or a commune, and the messages owed to them.

Rules the tables hold:
- a `Follow` is about exactly one arrangement or one commune, and a person has at most one
  per arrangement and one per commune; its frequency is `none` (an explicit "do not write to
  me", kept so that unsubscribing also silences what a rater would otherwise receive),
  `immediate` (one email per event) or `weekly` (one digest a week);
- a `Notice` is one message owed to one person about one event, named by its `key`
  ("decision:12", "invitation:345"…): a person gets at most one notice per key, so an event
  reported twice (a job run again, two paths to the same person) writes to them once;
- a notice is `sent_at` once its email is queued; a weekly notice waits for the digest.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from amenagements.models import Amenagement, Commune


class Frequency(models.TextChoices):
    NONE = "none", _("No message")
    IMMEDIATE = "immediate", _("An email for each news")
    WEEKLY = "weekly", _("A weekly digest")


class Follow(models.Model):
    """A person's wish to hear (or not) of what happens to an arrangement or a commune."""

    Frequency = Frequency

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    amenagement = models.ForeignKey(
        Amenagement,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="follows",
        verbose_name=_("arrangement"),
    )
    commune = models.ForeignKey(
        Commune,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="follows",
        verbose_name=_("commune"),
    )
    frequency = models.CharField(
        _("messages"), max_length=10, choices=Frequency.choices, default=Frequency.IMMEDIATE
    )
    # The language the person used when choosing: their messages are written in it.
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(amenagement__isnull=False, commune__isnull=True)
                    | Q(amenagement__isnull=True, commune__isnull=False)
                ),
                name="follow_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "amenagement"],
                condition=Q(amenagement__isnull=False),
                name="follow_one_per_arrangement",
            ),
            models.UniqueConstraint(
                fields=["user", "commune"],
                condition=Q(commune__isnull=False),
                name="follow_one_per_commune",
            ),
            models.CheckConstraint(
                condition=Q(frequency__in=Frequency.values), name="follow_known_frequency"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.amenagement or self.commune} ({self.frequency})"


class Notice(models.Model):
    """One message owed to one person about one event, written in their language when the
    event happened (so a digest tells what was true then)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    key = models.CharField(_("event"), max_length=60)
    amenagement = models.ForeignKey(
        Amenagement, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Why the person receives it; NULL: as a rater of the arrangement, or as a moderator.
    follow = models.ForeignKey(
        Follow, on_delete=models.SET_NULL, null=True, blank=True, related_name="notices"
    )
    weekly = models.BooleanField(_("in the weekly digest"), default=False)
    subject = models.CharField(_("subject"), max_length=250)
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="notice_one_per_event"),
        ]
        indexes = [
            models.Index(fields=["user"], condition=Q(sent_at__isnull=True), name="notice_unsent")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.key}"
