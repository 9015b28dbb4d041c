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
from django.contrib.gis.db import models as gis_models
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


# --- evaluations (issue 6) ---------------------------------------------------------------------
#
# An evaluation run is the engine's verdict on one arrangement as of one date, stored as it was
# computed: results are never recomputed in place, a newer run is a new row. Rules the database
# holds: statuses are known values, intervals are ordered, a proposal carries its decision's
# date iff it was decided, and only an accepted proposal points to the adaptation it produced.


class EvaluationStatus(models.TextChoices):
    MET = "met", _("Target met")
    MISSED = "missed", _("Target missed")
    NOT_ENOUGH_DATA = "not_enough_data", _("Not enough data")


def _interval_ordered(prefix: str = "") -> Q:
    low, high = f"{prefix}interval_low", f"{prefix}interval_high"
    return Q(**{f"{low}__isnull": True, f"{high}__isnull": True}) | Q(**{f"{low}__lte": F(high)})


class EvaluationRun(models.Model):
    """One run of the engine on one arrangement: when, with what, by which method."""

    class Frequency(models.TextChoices):
        DAILY = "daily", _("Daily counts")
        MONTHLY = "monthly", _("Monthly counts")

    amenagement = models.ForeignKey(
        Amenagement,
        on_delete=models.CASCADE,
        related_name="evaluation_runs",
        verbose_name=_("arrangement"),
    )
    as_of = models.DateField(_("data up to"))
    frequency = models.CharField(_("count resolution"), max_length=10, choices=Frequency.choices)
    # The period the current mean count describes ({"start", "end"} half-open, or {}).
    window = models.JSONField(_("window"), default=dict, blank=True)
    parameters = models.JSONField(_("parameters"), default=dict)
    method_version = models.CharField(_("method version"), max_length=20)
    # What the run read: counters (treated, controls), periods of counts, ratings, holidays.
    data_summary = models.JSONField(_("data used"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("run by"),
    )
    created_at = models.DateTimeField(_("run at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["amenagement", "-created_at", "-pk"]
        get_latest_by = ["created_at", "pk"]
        verbose_name = _("evaluation run")
        verbose_name_plural = _("evaluation runs")
        constraints = [
            models.CheckConstraint(
                condition=Q(frequency__in=["daily", "monthly"]),
                name="evaluationrun_known_frequency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amenagement} — {self.as_of:%Y-%m-%d} (v{self.method_version})"


class IndicatorResult(models.Model):
    """One adopted indicator (the exact definition version) against its target."""

    run = models.ForeignKey(
        EvaluationRun, on_delete=models.CASCADE, related_name="indicator_results"
    )
    definition = models.ForeignKey(
        IndicatorDefinition,
        on_delete=models.PROTECT,
        related_name="results",
        verbose_name=_("indicator"),
    )
    status = models.CharField(_("status"), max_length=20, choices=EvaluationStatus.choices)
    value = models.FloatField(_("value"), null=True, blank=True)
    interval_low = models.FloatField(_("interval low"), null=True, blank=True)
    interval_high = models.FloatField(_("interval high"), null=True, blank=True)
    n = models.PositiveIntegerField(_("sample size"), default=0)
    conclusive = models.BooleanField(_("conclusive"), default=False)
    alert = models.BooleanField(_("beyond the alert threshold"), default=False)
    # Shortfall, data needed, caveats, perception by profile and period, the adaptation measured.
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["run", "definition__kind", "definition__name", "pk"]
        verbose_name = _("indicator result")
        verbose_name_plural = _("indicator results")
        constraints = [
            models.UniqueConstraint(fields=["run", "definition"], name="indicatorresult_unique"),
            models.CheckConstraint(
                condition=Q(status__in=EvaluationStatus.values),
                name="indicatorresult_known_status",
            ),
            models.CheckConstraint(
                condition=_interval_ordered(), name="indicatorresult_interval_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.definition}: {self.get_status_display()}"


class UsageEffectResult(models.Model):
    """The estimated effect of one adaptation on the arrangement's counts."""

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="usage_effects")
    adaptation = models.ForeignKey(
        "amenagements.Adaptation",
        on_delete=models.CASCADE,
        related_name="usage_effects",
        verbose_name=_("adaptation"),
    )
    percent_change = models.FloatField(_("change (%)"), null=True, blank=True)
    interval_low = models.FloatField(_("interval low (%)"), null=True, blank=True)
    interval_high = models.FloatField(_("interval high (%)"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=200)
    caveats = ArrayField(
        models.CharField(max_length=40), default=list, blank=True, verbose_name=_("caveats")
    )
    # Windows, counters used, observations, periods before/after, standard error, AR(1).
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["run", "adaptation__date", "pk"]
        verbose_name = _("usage effect")
        verbose_name_plural = _("usage effects")
        constraints = [
            models.UniqueConstraint(fields=["run", "adaptation"], name="usageeffect_unique"),
            models.CheckConstraint(
                condition=_interval_ordered(), name="usageeffect_interval_ordered"
            ),
            models.CheckConstraint(
                condition=Q(percent_change__isnull=False) | Q(interval_low__isnull=True),
                name="usageeffect_interval_needs_estimate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.adaptation}: {self.percent_change}"


class SegmentResult(models.Model):
    """One stretch of the line for one perception indicator: its negative share and test.

    `geom` is cut by PostGIS (ST_LineSubstring in the metric CRS) from the arrangement's current
    geometry; a multi-line is measured part after part, so a segment may span two parts, hence a
    MultiLineString. NULL for a polygon.
    """

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="segments")
    definition = models.ForeignKey(
        IndicatorDefinition, on_delete=models.PROTECT, related_name="+", verbose_name=_("indicator")
    )
    index = models.PositiveIntegerField(_("segment"))
    start_m = models.FloatField(_("from (m)"))
    end_m = models.FloatField(_("to (m)"))
    geom = gis_models.MultiLineStringField(_("geometry"), srid=4326, null=True, blank=True)
    n = models.PositiveIntegerField(_("ratings"))
    negatives = models.PositiveIntegerField(_("negative ratings"))
    negative_share = models.FloatField(_("negative share"), null=True, blank=True)
    p_value = models.FloatField(_("p-value"), null=True, blank=True)
    q_value = models.FloatField(_("q-value"), null=True, blank=True)
    hot_spot = models.BooleanField(_("hot spot"), default=False)

    class Meta:
        ordering = ["run", "definition", "index"]
        verbose_name = _("segment result")
        verbose_name_plural = _("segment results")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "definition", "index"], name="segmentresult_unique"
            ),
            models.CheckConstraint(
                condition=Q(end_m__gt=F("start_m"), start_m__gte=0),
                name="segmentresult_ordered",
            ),
            models.CheckConstraint(
                condition=Q(negatives__lte=F("n")), name="segmentresult_negatives_le_n"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.definition_id} {self.start_m:.0f}–{self.end_m:.0f} m"


class AdjustmentProposal(models.Model):
    """What the engine proposes to do, why (in French, with its numbers), and what was decided.

    open ──accept / reject / defer (with a public note)──▶ decided;
    open ──a newer run of the same arrangement──▶ superseded.
    """

    class Action(models.TextChoices):
        MAKE_PERMANENT = "make_permanent", _("Make permanent")
        KEEP_AND_MONITOR = "keep_and_monitor", _("Keep and monitor")
        ADJUST = "adjust", _("Adjust")
        ADD_SEPARATION = "add_separation", _("Add separation")
        EXTEND = "extend", _("Extend")
        REDESIGN_OR_REMOVE = "redesign_or_remove", _("Redesign or remove")
        COLLECT_MORE_DATA = "collect_more_data", _("Collect more data")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        DEFERRED = "deferred", _("Deferred")
        SUPERSEDED = "superseded", _("Superseded by a newer evaluation")

    DECIDED = ("accepted", "rejected", "deferred")

    amenagement = models.ForeignKey(
        Amenagement,
        on_delete=models.CASCADE,
        related_name="proposals",
        verbose_name=_("arrangement"),
    )
    run = models.ForeignKey(
        EvaluationRun,
        on_delete=models.CASCADE,
        related_name="proposals",
        verbose_name=_("evaluation run"),
    )
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    rationale = models.TextField(_("rationale"))
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    segment_geom = gis_models.MultiLineStringField(
        _("segments concerned"), srid=4326, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    decision_note = models.TextField(_("decision note (public)"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Set when accepting creates the adaptation to carry out (not for "keep and monitor" or
    # "collect more data", which change nothing on the ground).
    planned_adaptation = models.OneToOneField(
        "amenagements.PlannedAdaptation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposal",
        verbose_name=_("planned adaptation"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["amenagement", "-created_at", "pk"]
        verbose_name = _("adjustment proposal")
        verbose_name_plural = _("adjustment proposals")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "accepted", "rejected", "deferred", "superseded"]),
                name="proposal_known_status",
            ),
            models.CheckConstraint(
                condition=Q(
                    action__in=[
                        "make_permanent",
                        "keep_and_monitor",
                        "adjust",
                        "add_separation",
                        "extend",
                        "redesign_or_remove",
                        "collect_more_data",
                    ]
                ),
                name="proposal_known_action",
            ),
            # decided_by may become NULL when the account is deleted; the date stays.
            models.CheckConstraint(
                condition=Q(
                    status__in=["accepted", "rejected", "deferred"], decided_at__isnull=False
                )
                | Q(
                    status__in=["open", "superseded"],
                    decided_at__isnull=True,
                    decided_by__isnull=True,
                ),
                name="proposal_decided_iff_dated",
            ),
            models.CheckConstraint(
                condition=Q(planned_adaptation__isnull=True) | Q(status="accepted"),
                name="proposal_adaptation_only_if_accepted",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["open", "superseded"]) | ~Q(decision_note=""),
                name="proposal_decision_explained",
            ),
            models.CheckConstraint(condition=~Q(rationale=""), name="proposal_has_rationale"),
        ]
        indexes = [models.Index(fields=["amenagement", "status"], name="proposal_arr_status")]

    def __str__(self) -> str:
        return f"{self.amenagement} — {self.get_action_display()} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
