"""Writes on indicator definitions: propose, revise a proposal, adopt, close, retire.

The life of a definition:
    proposed ──adopt──▶ adopted ──retire / superseded by a new version──▶ retired
        └────close (with a reason)──▶ closed
Rules:
- a member of the panel proposes; a new proposal may revise an adopted version (`supersedes`),
  keeping its code; a brand-new proposal may not reuse the code of an indicator the panel has
  already adopted;
- only the proposer edits a proposal, only while it is open; editing withdraws the stances
  taken on the earlier text (members endorsed words that changed);
- an adopted, closed or retired definition is never edited (`ERROR_FROZEN`; the database
  refuses too, see migration 0003): a change is a new version;
- a facilitator adopts when the panel's rule is met: at least `quorum` current members took a
  stance, and endorsements are at least `min_endorsement_percent` % of those stances
  (`participation.selectors.AdoptionTally`); otherwise the refusal states the numbers;
- adopting a revision retires the version it supersedes, which keeps its row and points to its
  successor (`superseded_by`); the new one gets the next version number of the code;
- a facilitator closes a proposal with a reason, or retires an adopted indicator with one.
Every step is logged in the panel's public log, in the same transaction. Adoptions in a panel
are serialised by locking the panel row, so two versions of a code can never be adopted at once.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from amenagements.models import Amenagement
from indicators.models import SCALE_STEPS, EvaluationRun, IndicatorDefinition
from participation import services as participation_services
from participation.models import CitizenPanel, Membership
from participation.selectors import proposal_tally

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from indicators.evaluation import Parameters

ERROR_FROZEN = _(
    "This indicator is %(status)s (%(date)s): its definition can no longer be changed. "
    "Propose a new version instead."
)
ERROR_NOT_PROPOSER = _("Only the member who made this proposal can edit it.")
ERROR_NOT_OPEN = _("This proposal is no longer open (status: %(status)s).")
ERROR_RULE_NOT_MET = _(
    "The panel's rule is not met: adoption needs at least %(quorum)s stances with at least "
    "%(required)s %% endorsements; there are %(votes)s stances, %(endorsements)s of them "
    "endorsements (%(share)s %%)."
)
ERROR_CODE_TAKEN = _(
    "The panel already has an indicator with the code “%(code)s”: propose a new version of it "
    "instead, or choose another code."
)
ERROR_REVISE_ONLY_ADOPTED = _("Only an adopted indicator can be revised.")
ERROR_SUPERSEDED_MEANWHILE = _(
    "The version this proposal revises is no longer the adopted one (it is now %(status)s): "
    "close this proposal and propose a revision of the current version."
)
ERROR_REASON_REQUIRED = _("Give the reason, for the public record.")
ERROR_NOT_ADOPTED = _("Only an adopted indicator can be retired.")
ERROR_OTHER_PANEL = _("This indicator belongs to another panel.")
ERROR_QUESTION_REQUIRED = _("A perception indicator needs the question residents will answer.")
ERROR_LABELS_REQUIRED = _("Give a label to each of the five steps.")
ERROR_SOURCE_REQUIRED = _("A usage indicator needs a data source.")
ERROR_STATISTIC_REQUIRED = _("A usage indicator needs a statistic.")
ERROR_SCALE_RANGE = _("On the 1 to 5 scale, this value must be between 1 and 5.")
ERROR_ALERT_SIDE_HIGHER = _(
    "When higher is better, the alert threshold must not be above the target."
)
ERROR_ALERT_SIDE_LOWER = _(
    "When lower is better, the alert threshold must not be below the target."
)
ERROR_NO_KIND = _("Choose at least one kind of arrangement.")


@dataclasses.dataclass(frozen=True)
class DefinitionText:
    """Everything a panel decides about an indicator: the content of one version."""

    code: str
    name: str
    kind: str
    unit: str
    direction: str
    target: Decimal
    applicable_kinds: list[str]
    description: str = ""
    question: str = ""
    scale_labels: list[str] = dataclasses.field(default_factory=list)
    data_source: str = ""
    statistic: str = ""
    alert_threshold: Decimal | None = None
    min_sample_size: int = 30

    @classmethod
    def of(cls, definition: IndicatorDefinition) -> DefinitionText:
        """The text of an existing definition (to prefill a revision)."""
        return cls(**{f.name: getattr(definition, f.name) for f in dataclasses.fields(cls)})

    def fields(self) -> dict[str, object]:
        values = dataclasses.asdict(self)
        # One kind's fields never linger on a definition of the other kind.
        if self.kind == IndicatorDefinition.Kind.PERCEPTION:
            values.update(data_source="", statistic="")
        else:
            values.update(question="", scale_labels=[])
        return values


def definition_text_check(text: DefinitionText) -> None:
    """Raise `ValidationError`, by field, if `text` breaks a rule of its kind.

    A perception indicator has a question, five step labels, and its target and alert
    threshold on the 1–5 scale; a usage indicator has a data source and a statistic. The alert
    threshold lies on the wrong side of the target; at least one kind of arrangement is named.
    (The database checks the same rules; this says which field is wrong, in words.)
    """
    errors: dict[str, ValidationError] = {}
    if text.kind == IndicatorDefinition.Kind.PERCEPTION:
        if not text.question.strip():
            errors["question"] = ValidationError(ERROR_QUESTION_REQUIRED, code="required")
        labels = [label.strip() for label in text.scale_labels]
        if len(labels) != SCALE_STEPS or not all(labels):
            errors["scale_labels"] = ValidationError(ERROR_LABELS_REQUIRED, code="required")
        for name in ("target", "alert_threshold"):
            value = getattr(text, name)
            if value is not None and not 1 <= value <= SCALE_STEPS:
                errors[name] = ValidationError(ERROR_SCALE_RANGE, code="range")
    elif text.kind == IndicatorDefinition.Kind.USAGE:
        if not text.data_source:
            errors["data_source"] = ValidationError(ERROR_SOURCE_REQUIRED, code="required")
        if not text.statistic:
            errors["statistic"] = ValidationError(ERROR_STATISTIC_REQUIRED, code="required")
    if text.alert_threshold is not None and "alert_threshold" not in errors:
        higher = text.direction == IndicatorDefinition.Direction.HIGHER
        if higher and text.alert_threshold > text.target:
            errors["alert_threshold"] = ValidationError(ERROR_ALERT_SIDE_HIGHER, code="side")
        if not higher and text.alert_threshold < text.target:
            errors["alert_threshold"] = ValidationError(ERROR_ALERT_SIDE_LOWER, code="side")
    if not text.applicable_kinds:
        errors["applicable_kinds"] = ValidationError(ERROR_NO_KIND, code="required")
    if errors:
        raise ValidationError(errors)


def _frozen_error(definition: IndicatorDefinition) -> ValidationError:
    when = definition.retired_at or definition.adopted_at or definition.closed_at
    return ValidationError(
        ERROR_FROZEN,
        code="frozen",
        params={
            "status": definition.get_status_display().lower(),
            "date": formats.date_format(timezone.localtime(when), "DATE_FORMAT") if when else "",
        },
    )


def _require_member(panel: CitizenPanel, user: AbstractBaseUser) -> None:
    if not Membership.objects.filter(panel=panel, user=user).exists():
        raise ValidationError(participation_services.ERROR_NOT_A_MEMBER, code="not_member")


def _require_facilitator(panel: CitizenPanel, user: AbstractBaseUser) -> None:
    if not Membership.objects.filter(
        panel=panel, user=user, role=Membership.Role.FACILITATOR
    ).exists():
        raise ValidationError(participation_services.ERROR_NOT_A_FACILITATOR, code="not_fac")


def _code_is_taken(panel: CitizenPanel, code: str) -> bool:
    return IndicatorDefinition.objects.filter(
        panel=panel,
        code=code,
        status__in=[IndicatorDefinition.Status.ADOPTED, IndicatorDefinition.Status.RETIRED],
    ).exists()


@transaction.atomic
def definition_propose(
    *,
    panel: CitizenPanel,
    proposed_by: AbstractBaseUser,
    text: DefinitionText,
    supersedes: IndicatorDefinition | None = None,
    is_starter: bool = False,
) -> IndicatorDefinition:
    """A member proposes an indicator, or a new version of an adopted one (`supersedes`).

    A revision keeps the code of the version it revises. `is_starter` marks the demonstration
    starter set. Logs "proposal.created".
    Raises `ValidationError` if `proposed_by` is not a member, the text is invalid, the code is
    already used by an adopted indicator of the panel (for a new one), or `supersedes` is not
    an adopted indicator of this panel.
    """
    _require_member(panel, proposed_by)
    definition_text_check(text)
    fields = text.fields()
    if supersedes is not None:
        if supersedes.panel_id != panel.pk:
            raise ValidationError(ERROR_OTHER_PANEL, code="other_panel")
        if supersedes.status != IndicatorDefinition.Status.ADOPTED:
            raise ValidationError(ERROR_REVISE_ONLY_ADOPTED, code="revise_adopted")
        fields["code"] = supersedes.code
    elif _code_is_taken(panel, text.code):
        raise ValidationError(
            {"code": ValidationError(ERROR_CODE_TAKEN, params={"code": text.code})},
            code="code_taken",
        )
    definition = IndicatorDefinition(
        panel=panel,
        supersedes=supersedes,
        proposed_by=proposed_by,
        proposed_at=timezone.now(),
        is_starter=is_starter,
        **fields,
    )
    definition.full_clean()
    definition.save()
    participation_services.log_record(
        panel=panel,
        action=participation_services.PROPOSAL_CREATED,
        actor=proposed_by,
        definition=definition,
        payload={
            "code": definition.code,
            "name": definition.name,
            "revises_version": supersedes.version if supersedes else None,
        },
    )
    return definition


@transaction.atomic
def definition_update(
    *, definition: IndicatorDefinition, by: AbstractBaseUser, text: DefinitionText
) -> IndicatorDefinition:
    """The proposer edits their open proposal. Stances on the earlier text are withdrawn.

    Logs "proposal.revised" with the number of stances withdrawn. Raises `ValidationError`
    (`ERROR_FROZEN`) for an adopted, retired or closed definition — a change to those is a new
    version —, if `by` is not the proposer, or if the text is invalid.
    """
    definition = IndicatorDefinition.objects.select_for_update().get(pk=definition.pk)
    if definition.is_frozen:
        raise _frozen_error(definition)
    if definition.proposed_by_id != by.pk:
        raise ValidationError(ERROR_NOT_PROPOSER, code="not_proposer")
    definition_text_check(text)
    fields = text.fields()
    if definition.supersedes_id is not None:
        fields["code"] = definition.code
    elif fields["code"] != definition.code and _code_is_taken(definition.panel, text.code):
        raise ValidationError(
            {"code": ValidationError(ERROR_CODE_TAKEN, params={"code": text.code})},
            code="code_taken",
        )
    for name, value in fields.items():
        setattr(definition, name, value)
    definition.full_clean()
    definition.save()
    withdrawn, _detail = definition.stances.all().delete()
    participation_services.log_record(
        panel=definition.panel,
        action=participation_services.PROPOSAL_REVISED,
        actor=by,
        definition=definition,
        payload={"stances_withdrawn": withdrawn},
    )
    return definition


def _lock_open(definition: IndicatorDefinition) -> tuple[CitizenPanel, IndicatorDefinition]:
    # Lock the panel first, then the proposal: adoptions in a panel are serialised, and stance
    # changes (which lock the proposal) wait for the adoption to finish.
    panel = CitizenPanel.objects.select_for_update().get(pk=definition.panel_id)
    definition = IndicatorDefinition.objects.select_for_update().get(pk=definition.pk)
    if not definition.is_open:
        raise ValidationError(
            ERROR_NOT_OPEN, code="not_open", params={"status": definition.get_status_display()}
        )
    return panel, definition


@transaction.atomic
def definition_adopt(
    *, definition: IndicatorDefinition, by: AbstractBaseUser
) -> IndicatorDefinition:
    """A facilitator adopts an open proposal once the panel's rule is met.

    The definition gets the next version number of its code and becomes immutable. If it
    revises an adopted version, that version is retired and points to it (`superseded_by`).
    Logs "proposal.adopted" with the tally and the rule it met. Raises `ValidationError` if
    `by` is not a facilitator, the proposal is not open, the rule is not met (the message
    states the numbers), the code was adopted meanwhile, or the revised version was
    superseded or retired meanwhile.
    """
    panel, definition = _lock_open(definition)
    _require_facilitator(panel, by)
    tally = proposal_tally(definition, panel=panel)
    if not tally.is_met:
        raise ValidationError(ERROR_RULE_NOT_MET, code="rule_not_met", params=tally.as_params())

    now = timezone.now()
    previous = None
    if definition.supersedes_id is not None:
        previous = IndicatorDefinition.objects.select_for_update().get(pk=definition.supersedes_id)
        if previous.status != IndicatorDefinition.Status.ADOPTED:
            raise ValidationError(
                ERROR_SUPERSEDED_MEANWHILE,
                code="superseded",
                params={"status": previous.get_status_display().lower()},
            )
    elif _code_is_taken(panel, definition.code):
        raise ValidationError(ERROR_CODE_TAKEN, code="code_taken", params={"code": definition.code})
    last = IndicatorDefinition.objects.filter(panel=panel, code=definition.code).aggregate(
        last=Max("version")
    )["last"]
    if previous is not None:
        # Retire first (one adopted version per code, checked row by row), in one write: the
        # database lets a decided row change only as it leaves the adopted state.
        previous.status = IndicatorDefinition.Status.RETIRED
        previous.retired_at = now
        previous.retired_by = by
        previous.superseded_by = definition
        previous.save(update_fields=["status", "retired_at", "retired_by", "superseded_by"])
    definition.status = IndicatorDefinition.Status.ADOPTED
    definition.version = (last or 0) + 1
    definition.adopted_by = by
    definition.adopted_at = now
    definition.save(update_fields=["status", "version", "adopted_by", "adopted_at"])
    participation_services.log_record(
        panel=panel,
        action=participation_services.PROPOSAL_ADOPTED,
        actor=by,
        definition=definition,
        payload={
            "code": definition.code,
            "name": definition.name,
            "version": definition.version,
            "supersedes_version": previous.version if previous else None,
            **tally.as_params(),
        },
    )
    return definition


@transaction.atomic
def definition_close(
    *, definition: IndicatorDefinition, by: AbstractBaseUser, reason: str
) -> IndicatorDefinition:
    """A facilitator closes an open proposal without adopting it, saying why (public).

    Logs "proposal.closed" with the reason and the tally at that moment. Raises
    `ValidationError` if `by` is not a facilitator, the proposal is not open, or the reason is
    empty.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ERROR_REASON_REQUIRED}, code="reason_required")
    panel, definition = _lock_open(definition)
    _require_facilitator(panel, by)
    tally = proposal_tally(definition, panel=panel)
    definition.status = IndicatorDefinition.Status.CLOSED
    definition.closed_by = by
    definition.closed_at = timezone.now()
    definition.close_reason = reason
    definition.save(update_fields=["status", "closed_by", "closed_at", "close_reason"])
    participation_services.log_record(
        panel=panel,
        action=participation_services.PROPOSAL_CLOSED,
        actor=by,
        definition=definition,
        payload={"code": definition.code, "reason": reason, **tally.as_params()},
    )
    return definition


@transaction.atomic
def definition_retire(
    *, definition: IndicatorDefinition, by: AbstractBaseUser, reason: str
) -> IndicatorDefinition:
    """A facilitator retires an adopted indicator (no successor), saying why (public).

    Its row stays, so results computed with it keep pointing to it. Logs "indicator.retired".
    Raises `ValidationError` if `by` is not a facilitator, the indicator is not adopted, or
    the reason is empty.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": ERROR_REASON_REQUIRED}, code="reason_required")
    panel = CitizenPanel.objects.select_for_update().get(pk=definition.panel_id)
    definition = IndicatorDefinition.objects.select_for_update().get(pk=definition.pk)
    _require_facilitator(panel, by)
    if not definition.can_be_retired:
        raise ValidationError(ERROR_NOT_ADOPTED, code="not_adopted")
    definition.status = IndicatorDefinition.Status.RETIRED
    definition.retired_by = by
    definition.retired_at = timezone.now()
    definition.retirement_reason = reason
    definition.save(update_fields=["status", "retired_by", "retired_at", "retirement_reason"])
    participation_services.log_record(
        panel=panel,
        action=participation_services.INDICATOR_RETIRED,
        actor=by,
        definition=definition,
        payload={"code": definition.code, "version": definition.version, "reason": reason},
    )
    return definition


# --- evaluation runs (issue 6) -----------------------------------------------------------------
#
# Imports are local to the function: the engine pulls in pandas and statsmodels, which the
# definition services above (loaded by every page) must not pay for.


def _sort_key(value: object) -> tuple[str, str]:
    """Counter ids sort as numbers (zero-padded), other values as text."""
    if isinstance(value, int):
        return ("0", f"{value:020d}")
    return ("1", str(value))


def _jsonable(value: object) -> object:
    """Dates as ISO strings, enums as their values, tuples as lists, NaN as None."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=_sort_key) if isinstance(value, (set, frozenset)) else items
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


_SEGMENT_GEOMETRY_SQL = """
    WITH a AS (
        SELECT ST_Transform(geom, %(srid)s) AS g FROM {amenagement} WHERE id = %(amenagement)s
    ), parts AS (
        SELECT COALESCE(d.path[1], 1) AS n, d.geom AS part, ST_Length(d.geom) AS len,
               COALESCE(SUM(ST_Length(d.geom)) OVER (
                   ORDER BY COALESCE(d.path[1], 1)
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
               ), 0) AS off
        FROM a, ST_Dump(a.g) AS d
        WHERE GeometryType(a.g) IN ('LINESTRING', 'MULTILINESTRING')
    ), cut AS (
        SELECT s.id, ST_Multi(ST_Transform(ST_Collect(
                   ST_LineSubstring(
                       p.part,
                       GREATEST(0, (s.start_m - p.off) / p.len),
                       LEAST(1, (s.end_m - p.off) / p.len)
                   ) ORDER BY p.n
               ), 4326)) AS g
        FROM {segment} s JOIN parts p
             ON p.len > 0 AND s.start_m < p.off + p.len AND s.end_m > p.off
        WHERE s.run_id = %(run)s
        GROUP BY s.id
    )
    UPDATE {segment} AS s SET geom = cut.g FROM cut
    WHERE s.id = cut.id AND GeometryType(cut.g) = 'MULTILINESTRING'
"""


@transaction.atomic
def evaluation_run(
    *,
    amenagement: Amenagement,
    as_of: datetime.date,
    created_by: AbstractBaseUser | None = None,
    parameters: Parameters | None = None,
) -> EvaluationRun:
    """Evaluate `amenagement` with the data known up to `as_of` and store the result.

    Rules:
    - inputs are read by `indicators.evaluation_inputs.evaluation_inputs` (rollups only, the
      control-counter rule is stated there) and judged by the pure engine
      (`indicators.evaluation.evaluate`) with `parameters` (the defaults of issue 6);
    - the run stores its date, parameters, method version and a summary of the data it used;
      one `IndicatorResult` per adopted indicator (the exact definition version), one
      `UsageEffectResult` per adaptation up to `as_of` when the arrangement has counters, one
      `SegmentResult` per segment and perception indicator, its geometry cut by PostGIS
      (ST_LineSubstring in the metric CRS), and one open `AdjustmentProposal` per proposal,
      with the geometry of the hot-spot segments it names;
    - the open proposals of earlier runs of the arrangement become `superseded` (decided ones
      keep their decision). Runs of one arrangement are serialised by locking its row.
    Side effects: none beyond these rows. Raises `ValueError` if the data are inconsistent
    (the engine's input checks: duplicated counts, ratings out of range).
    """
    from django.contrib.gis.geos import GEOSGeometry, MultiLineString
    from django.db import connection

    from indicators.evaluation import DEFAULT_PARAMETERS, evaluate
    from indicators.evaluation_inputs import evaluation_inputs
    from indicators.models import (
        AdjustmentProposal,
        IndicatorResult,
        SegmentResult,
        UsageEffectResult,
    )

    parameters = parameters or DEFAULT_PARAMETERS
    Amenagement.objects.select_for_update().only("pk").get(pk=amenagement.pk)
    inputs = evaluation_inputs(amenagement=amenagement, as_of=as_of, parameters=parameters)
    result = evaluate(**inputs.engine_kwargs(), as_of=as_of, parameters=parameters)

    treated = inputs.treated_counters
    used_periods = [
        row.period
        for row in inputs.counts
        if row.counter in treated and row.complete and not row.outage
    ]
    controls = sorted(
        {c for effect in result.usage_effects for c in effect.control_counters}, key=_sort_key
    )
    run = EvaluationRun.objects.create(
        amenagement=amenagement,
        as_of=as_of,
        frequency=result.frequency.value,
        window=_jsonable(result.mean_count.window) if result.mean_count else {},
        parameters=_jsonable(result.parameters),
        method_version=result.method_version,
        created_by=created_by,
        data_summary=_jsonable(
            {
                "frequency": result.frequency,
                "treated_counters": sorted(treated),
                "control_counters": controls,
                "periods_treated": len(set(used_periods)),
                "first_period": min(used_periods) if used_periods else None,
                "last_period": max(used_periods) if used_periods else None,
                "count_rows": len(inputs.counts),
                "outages": len(inputs.outages),
                "ratings": len(inputs.ratings),
                "adaptations": len(inputs.adaptations),
                "holidays_excluded": len(result.holidays_excluded),
                "line_length_m": inputs.line_length_m,
            }
        ),
    )
    perception = {p.indicator_code: p for p in result.perception}
    IndicatorResult.objects.bulk_create(
        IndicatorResult(
            run=run,
            definition=inputs.definitions[j.code],
            status=j.status.value,
            value=j.value,
            interval_low=j.interval.low if j.interval else None,
            interval_high=j.interval.high if j.interval else None,
            n=j.n,
            conclusive=j.conclusive,
            alert=j.alert,
            details=_jsonable(
                {
                    "code": j.code,
                    "target": j.target,
                    "unit": j.unit,
                    "shortfall": j.shortfall,
                    "ratings_needed": j.ratings_needed,
                    "weeks_needed": j.weeks_needed,
                    "adaptation_date": j.adaptation_date,
                    "caveats": j.caveats,
                    "perception": perception.get(j.code),
                    "mean_count": result.mean_count if j.statistic else None,
                }
            ),
        )
        for j in result.judgements
    )
    # Effects come in the order of the adaptations handed over (both sorted by date); there
    # are none without counters.
    rows = [a for a in inputs.adaptation_rows if a.date <= as_of] if result.usage_effects else []
    UsageEffectResult.objects.bulk_create(
        UsageEffectResult(
            run=run,
            adaptation=row,
            percent_change=effect.estimate.percent if effect.estimate else None,
            interval_low=effect.estimate.percent_interval.low if effect.estimate else None,
            interval_high=effect.estimate.percent_interval.high if effect.estimate else None,
            method=effect.method,
            caveats=[c.value for c in effect.caveats],
            details=_jsonable(
                {
                    "before": effect.before,
                    "after": effect.after,
                    "treated_counters": effect.treated_counters,
                    "control_counters": effect.control_counters,
                    "observations": effect.observations,
                    "days_before": effect.days_before,
                    "days_after": effect.days_after,
                    "estimate": effect.estimate,
                }
            ),
        )
        for row, effect in zip(rows, result.usage_effects, strict=True)
    )
    SegmentResult.objects.bulk_create(
        SegmentResult(
            run=run,
            definition=inputs.definitions[s.indicator_code],
            index=s.index,
            start_m=s.start_m,
            end_m=s.end_m,
            n=s.n,
            negatives=s.negatives,
            negative_share=s.negative_share,
            p_value=s.p_value,
            q_value=s.q_value,
            hot_spot=s.hot_spot,
        )
        for s in result.segments
    )
    if result.segments:
        sql = _SEGMENT_GEOMETRY_SQL.format(
            amenagement=Amenagement._meta.db_table, segment=SegmentResult._meta.db_table
        )
        with connection.cursor() as cursor:
            cursor.execute(
                sql,
                {
                    "srid": settings.TACTIQUE_METRIC_SRID,
                    "amenagement": amenagement.pk,
                    "run": run.pk,
                },
            )
    AdjustmentProposal.objects.filter(
        amenagement=amenagement, status=AdjustmentProposal.Status.OPEN
    ).exclude(run=run).update(status=AdjustmentProposal.Status.SUPERSEDED)
    geometries: dict[tuple[str, float, float], GEOSGeometry] = {}
    if any(p.segments for p in result.proposals):
        for segment in run.segments.filter(hot_spot=True, geom__isnull=False):
            code = next(c for c, d in inputs.definitions.items() if d.pk == segment.definition_id)
            geometries[(code, segment.start_m, segment.end_m)] = segment.geom
    proposals = []
    for proposal in result.proposals:
        lines = [
            line
            for ref in proposal.segments
            if (geom := geometries.get((ref.indicator_code, ref.start_m, ref.end_m)))
            for line in geom
        ]
        proposals.append(
            AdjustmentProposal(
                amenagement=amenagement,
                run=run,
                action=proposal.action.value,
                rationale=proposal.rationale,
                evidence=_jsonable(
                    {
                        "indicators": proposal.indicator_codes,
                        "segments": proposal.segments,
                        "numbers": dict(proposal.evidence),
                    }
                ),
                segment_geom=MultiLineString(lines, srid=4326) if lines else None,
            )
        )
    AdjustmentProposal.objects.bulk_create(proposals)
    return run
