"""Evaluations: the engine's verdict on one arrangement as of one date, stored as it was computed.

Results are never recomputed in place: a newer run is a new row. Each result points to the
indicator definition version it judged (`participation.IndicatorDefinition`). Rules the database
holds: statuses are known values, intervals are ordered, a proposal carries its decision's date
iff it was decided, and only an accepted proposal points to the adaptation it planned.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.gis.db import models as gis_models
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from amenagements.models import Amenagement

if TYPE_CHECKING:
    from evaluation.charts import EffectChart, EventChart


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

    # Set by `selectors.latest_evaluation` for the arrangement page, not stored.
    effect_chart: EffectChart | None

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
        "participation.IndicatorDefinition",
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

    # Set by `selectors.latest_evaluation` from `details`, labelled for the page; not stored.
    by_profile: list[dict[str, Any]]
    changes: list[dict[str, Any]]

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

    # Set by `selectors.latest_evaluation`: the engine's codes in words; not stored.
    method_label: str
    caveat_labels: list[str]
    placebo: dict[str, Any] | None
    year_over_year: dict[str, Any] | None
    event_chart: EventChart | None

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
        "participation.IndicatorDefinition",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("indicator"),
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
