"""Indicator definitions: what an arrangement is judged by, as a citizen panel decided.

An indicator is a lineage of versions sharing a panel and a `code`. Each row is one text of it:
proposed, then adopted (it gets the next version number) or closed without adoption. An adopted
row is frozen: a change is a new proposal that `supersedes` it, and adopting that proposal
retires the old row (`superseded_by` points to its successor). Results (ratings, evaluations)
point to the row they used, so they stay tied to the text and targets in force at the time.

Rules the database holds, whatever code writes:
- an adopted, retired or closed row's content never changes (a trigger, see migration 0002);
  only an adopted row's retirement may still be recorded on it;
- one adopted version per (panel, code); version numbers unique per (panel, code) and given
  only to adopted and retired rows;
- a perception indicator has a question and exactly five step labels, and targets on the 1–5
  scale; a usage indicator has a data source and a statistic;
- the alert threshold lies on the wrong side of the target (below it when higher is better);
- each status carries its who-and-when (adopted_at, closed_at and a reason, retired_at).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from amenagements.models import Amenagement

SCALE_STEPS = 5


class IndicatorDefinition(models.Model):
    class Kind(models.TextChoices):
        PERCEPTION = "perception", _("Perception (residents answer a question from 1 to 5)")
        USAGE = "usage", _("Usage (measured data)")

    class DataSource(models.TextChoices):
        COUNTERS = "counters", _("The arrangement's automatic counters")
        MANUAL_COUNTS = "manual_counts", _("Manual counts")

    class Statistic(models.TextChoices):
        MEAN_DAILY = "mean_daily", _("Mean daily count")
        CHANGE_AFTER_ADAPTATION = "change_after_adaptation", _("Change after an adaptation (%)")

    class Theme(models.TextChoices):
        """What the indicator is about, as far as the proposal rules care (evaluation.engine
        proposals): a missed safety indicator proposes adding separation, a missed continuity
        one extending the arrangement."""

        GENERAL = "general", _("Something else")
        SAFETY = "safety", _("Felt safety: if missed, propose adding separation")
        CONTINUITY = "continuity", _("Continuity of the route: if missed, propose extending it")

    class Direction(models.TextChoices):
        HIGHER = "higher", _("Higher is better")
        LOWER = "lower", _("Lower is better")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ADOPTED = "adopted", _("Adopted")
        CLOSED = "closed", _("Closed without adoption")
        RETIRED = "retired", _("Retired")

    panel = models.ForeignKey(
        "participation.CitizenPanel",
        on_delete=models.PROTECT,
        related_name="indicators",
        verbose_name=_("citizen panel"),
    )
    code = models.SlugField(
        _("code"),
        max_length=50,
        help_text=_("A short identifier shared by every version, e.g. felt-safety."),
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    theme = models.CharField(
        _("what it is about"),
        max_length=20,
        choices=Theme.choices,
        default=Theme.GENERAL,
        help_text=_("Tells the evaluation which adjustment to propose when the target is missed."),
    )
    # Perception: the question and the label of each of the five steps, 1 to 5.
    question = models.CharField(_("question asked to residents"), max_length=300, blank=True)
    scale_labels = ArrayField(
        models.CharField(max_length=60),
        size=SCALE_STEPS,
        default=list,
        blank=True,
        verbose_name=_("labels of the steps 1 to 5"),
    )
    # Usage: where the numbers come from and what is computed from them.
    data_source = models.CharField(
        _("data source"), max_length=20, choices=DataSource.choices, blank=True
    )
    statistic = models.CharField(
        _("statistic"), max_length=30, choices=Statistic.choices, blank=True
    )
    unit = models.CharField(_("unit"), max_length=40)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    target = models.DecimalField(_("target"), max_digits=12, decimal_places=2)
    alert_threshold = models.DecimalField(
        _("alert threshold"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    min_sample_size = models.PositiveIntegerField(
        _("minimum sample size"), default=30, validators=[MinValueValidator(1)]
    )
    applicable_kinds = ArrayField(
        models.CharField(max_length=30, choices=Amenagement.Kind.choices),
        verbose_name=_("kinds of arrangement it applies to"),
    )
    is_starter = models.BooleanField(
        _("part of the starter set"),
        default=False,
        help_text=_("Loaded as a starting point; the panel may revise or retire it."),
    )

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    version = models.PositiveIntegerField(_("version"), null=True, blank=True)
    supersedes = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revisions",
        verbose_name=_("revises"),
        help_text=_("The adopted version this proposal would replace."),
    )
    superseded_by = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("superseded by"),
    )

    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    adopted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("adopted by"),
    )
    adopted_at = models.DateTimeField(_("adopted at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_reason = models.TextField(_("reason for closing"), blank=True)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("retired by"),
    )
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    retirement_reason = models.TextField(_("reason for retiring"), blank=True)

    class Meta:
        # The table keeps the name it had in the `indicators` app, where definitions lived
        # before they joined the panels that decide them (migration participation 0004).
        db_table = "indicators_indicatordefinition"
        ordering = ["panel", "code", "version", "pk"]
        verbose_name = _("indicator definition")
        verbose_name_plural = _("indicator definitions")
        constraints = [
            models.UniqueConstraint(
                fields=["panel", "code", "version"], name="indicator_unique_version"
            ),
            models.UniqueConstraint(
                fields=["panel", "code"],
                condition=Q(status="adopted"),
                name="indicator_one_adopted_version",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["adopted", "retired"], version__gte=1)
                | Q(status__in=["proposed", "closed"], version__isnull=True),
                name="indicator_version_iff_adopted",
            ),
            models.CheckConstraint(
                condition=Q(
                    kind="perception",
                    data_source="",
                    statistic="",
                    scale_labels__len=SCALE_STEPS,
                    target__gte=1,
                    target__lte=SCALE_STEPS,
                )
                & ~Q(question="")
                | Q(kind="usage", question="", scale_labels__len=0)
                & ~Q(data_source="")
                & ~Q(statistic=""),
                name="indicator_kind_fields",
            ),
            models.CheckConstraint(
                condition=Q(alert_threshold__isnull=True)
                | Q(direction="higher", alert_threshold__lte=F("target"))
                | Q(direction="lower", alert_threshold__gte=F("target")),
                name="indicator_alert_beyond_target",
            ),
            models.CheckConstraint(
                condition=Q(min_sample_size__gte=1), name="indicator_min_sample_positive"
            ),
            models.CheckConstraint(
                condition=Q(applicable_kinds__len__gte=1), name="indicator_applies_to_some_kind"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["adopted", "retired"]) | Q(adopted_at__isnull=False),
                name="indicator_adoption_dated",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | (Q(closed_at__isnull=False) & ~Q(close_reason="")),
                name="indicator_closing_dated_and_explained",
            ),
            models.CheckConstraint(
                condition=~Q(status="retired") | Q(retired_at__isnull=False),
                name="indicator_retirement_dated",
            ),
            models.CheckConstraint(
                condition=Q(superseded_by__isnull=True) | Q(status="retired"),
                name="indicator_superseded_is_retired",
            ),
        ]
        indexes = [models.Index(fields=["status", "kind"])]

    def __str__(self) -> str:
        if self.version:
            return f"{self.name} (v{self.version})"
        return self.name

    def get_absolute_url(self) -> str:
        """Adopted and retired versions live in the catalogue; proposals on their panel."""
        if self.version:
            return reverse(
                "indicators:version",
                kwargs={"panel": self.panel.slug, "code": self.code, "version": self.version},
            )
        return reverse("participation:proposal", kwargs={"slug": self.panel.slug, "pk": self.pk})

    # --- state-transition guards (the services raise the user-facing errors) ---------------

    @property
    def is_frozen(self) -> bool:
        """Adopted, retired and closed texts are a public record: never edited."""
        return self.status != self.Status.PROPOSED

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.PROPOSED

    @property
    def can_be_retired(self) -> bool:
        return self.status == self.Status.ADOPTED

    @property
    def is_perception(self) -> bool:
        return self.kind == self.Kind.PERCEPTION

    def applicable_kinds_labels(self) -> list[str]:
        labels = dict(Amenagement.Kind.choices)
        return [str(labels.get(kind, kind)) for kind in self.applicable_kinds]

    def scale(self) -> list[tuple[int, str]]:
        """The answer steps as residents see them: [(1, label), …, (5, label)]."""
        return list(enumerate(self.scale_labels, start=1))
