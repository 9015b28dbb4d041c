"""Residents' opinions of arrangements: one `Contribution` per resident and arrangement version,
with a 1–5 `Rating` per adopted perception indicator. Answers to an existing survey, imported
by staff, are contributions too, without an account and tied to their `SurveySource`.

The database holds: one contribution per resident and arrangement version; one per survey
answer (`external_id`) and version, so importing a survey again duplicates nothing; a survey
answer has no account and an `external_id`; ratings from 1 to 5, one per indicator definition
and contribution; self-declared profiles among the known ones; a comment of at most 2,000
characters; a hidden comment carries its public reason; a position along the line only with a
pinned point."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db.models import PointField
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

COMMENT_MAX_LENGTH = 2000


class ContributorProfile(models.TextChoices):
    """How a contributor says they use the place (self-declared, several allowed)."""

    CYCLIST = "cyclist", _("Cyclist")
    PEDESTRIAN = "pedestrian", _("Pedestrian")
    RESIDENT = "resident", _("Local resident")
    SHOPKEEPER = "shopkeeper", _("Shopkeeper")
    DRIVER = "driver", _("Driver")
    TRANSIT_USER = "transit_user", _("Public transport user")


class CommentStatus(models.TextChoices):
    """Where a contribution's comment stands. Only a published comment is shown as written."""

    PUBLISHED = "published", _("Published")
    PENDING = "pending", _("Awaiting moderation")
    REPORTED = "reported", _("Hidden after reports, awaiting review")
    HIDDEN = "hidden", _("Hidden by moderation")


class Contribution(models.Model):
    """One resident's opinion of one version of an arrangement.

    Rating again edits it; after an adaptation opens a new version, a new contribution starts and
    this one stays with the version it judged, so opinion before and after can be compared. When
    the account is deleted, `user` becomes NULL: the opinion stays, anonymised.

    With a `source`, it is one answer to an existing survey instead (no account): `external_id`
    is the answer's identifier in the survey's file (the respondent's id, or a hash of the
    line), and results count it with residents' ratings only where the panel decided so
    (`CitizenPanel.include_survey_opinions`).
    """

    CommentStatus = CommentStatus

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contributions",
        verbose_name=_("contributor"),
    )
    version = models.ForeignKey(
        "amenagements.AmenagementVersion",
        on_delete=models.CASCADE,
        related_name="contributions",
        verbose_name=_("arrangement version"),
    )
    comment = models.TextField(_("comment"), blank=True, max_length=COMMENT_MAX_LENGTH)
    profiles = ArrayField(
        models.CharField(max_length=20, choices=ContributorProfile.choices),
        default=list,
        blank=True,
        verbose_name=_("self-declared profiles"),
    )
    # The pinned spot, snapped onto the arrangement, and its distance from the line's start in
    # metres of the metric CRS (None for a polygon, where "along" means nothing).
    point = PointField(_("pinned spot"), srid=4326, null=True, blank=True)
    position_m = models.FloatField(_("position along the line (m)"), null=True, blank=True)

    comment_status = models.CharField(
        _("comment status"),
        max_length=10,
        choices=CommentStatus.choices,
        default=CommentStatus.PUBLISHED,
    )
    moderation_reason = models.TextField(_("moderation reason (public)"), blank=True)
    moderated_at = models.DateTimeField(_("moderated at"), null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moderated by"),
    )
    # Deleting a survey withdraws its answers: without it they are nobody's opinion.
    source = models.ForeignKey(
        "participation.SurveySource",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="contributions",
        verbose_name=_("survey"),
    )
    external_id = models.CharField(_("identifier in the survey"), max_length=100, blank=True)
    is_demo = models.BooleanField(_("demonstration data"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "version"],
                name="contribution_one_per_resident_and_version",
                violation_error_message=_("You have already given your opinion on this version."),
            ),
            models.UniqueConstraint(
                fields=["source", "external_id", "version"],
                condition=Q(source__isnull=False),
                name="contribution_one_per_survey_answer_and_version",
            ),
            models.CheckConstraint(
                condition=Q(source__isnull=True) | (Q(user__isnull=True) & ~Q(external_id="")),
                name="contribution_survey_answer_has_no_account_and_an_id",
            ),
            models.CheckConstraint(
                condition=Q(profiles__contained_by=ContributorProfile.values),
                name="contribution_known_profiles",
            ),
            models.CheckConstraint(
                condition=Q(comment_status__in=CommentStatus.values),
                name="contribution_known_comment_status",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("comment"), COMMENT_MAX_LENGTH),
                name="contribution_comment_length",
            ),
            models.CheckConstraint(
                condition=~Q(comment_status="hidden") | ~Q(moderation_reason=""),
                name="contribution_hidden_comment_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(point__isnull=False) | Q(position_m__isnull=True),
                name="contribution_position_needs_point",
            ),
            models.CheckConstraint(
                condition=Q(position_m__isnull=True) | Q(position_m__gte=0),
                name="contribution_position_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["comment_status"], name="contribution_comment_status")]

    def __str__(self) -> str:
        return f"{self.version} — {self.created_at:%Y-%m-%d}"

    @property
    def comment_is_public(self) -> bool:
        return bool(self.comment) and self.comment_status == self.CommentStatus.PUBLISHED


class Rating(models.Model):
    """A 1–5 answer to one adopted perception indicator, tied to the exact definition version."""

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="ratings")
    definition = models.ForeignKey(
        "participation.IndicatorDefinition",
        on_delete=models.PROTECT,
        related_name="ratings",
        verbose_name=_("indicator"),
    )
    value = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        ordering = ["contribution", "definition"]
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["contribution", "definition"], name="rating_one_per_indicator"
            ),
            models.CheckConstraint(
                condition=Q(value__gte=1, value__lte=5), name="rating_between_1_and_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.definition_id}: {self.value}"
