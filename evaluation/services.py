"""Writes of an evaluation run: read the inputs, judge them with the engine, store the verdict.

Imports of the engine are local to `evaluation_run`: it pulls in pandas and statsmodels, which
pages that only read stored results must not pay for.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
from enum import Enum
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from amenagements.models import Amenagement
from evaluation.announcements import proposals_announce
from evaluation.models import EvaluationRun

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from evaluation.engine import Parameters


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


def default_parameters() -> Parameters:
    """The engine's default parameters, with the public holidays of the region the settings
    name (`TACTIQUE_HOLIDAY_SUBDIVISION`, e.g. "57" for Alsace-Moselle) left out too."""
    from evaluation.engine import DEFAULT_PARAMETERS

    subdivision = settings.TACTIQUE_HOLIDAY_SUBDIVISION or None
    return dataclasses.replace(DEFAULT_PARAMETERS, holiday_subdivision=subdivision)


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
    created_by: User | None = None,
    parameters: Parameters | None = None,
) -> EvaluationRun:
    """Evaluate `amenagement` with the data known up to `as_of` and store the result.

    Rules:
    - inputs are read by `evaluation.inputs.evaluation_inputs` (rollups only, the
      control-counter rule is stated there) and judged by the pure engine
      (`evaluation.engine.evaluate`) with `parameters` (by default `default_parameters()`:
      the engine's defaults with the region's public holidays of the settings);
    - the run stores its date, parameters, method version and a summary of the data it used;
      one `IndicatorResult` per adopted indicator (the exact definition version), one
      `UsageEffectResult` per adaptation up to `as_of` when the arrangement has counters, one
      `SegmentResult` per segment and perception indicator, its geometry cut by PostGIS
      (ST_LineSubstring in the metric CRS), and one open `AdjustmentProposal` per proposal,
      with the geometry of the hot-spot segments it names;
    - the open proposals of earlier runs of the arrangement become `superseded` (decided ones
      keep their decision). Runs of one arrangement are serialised by locking its row.
    Side effects: when the proposals differ from the previous run's, the arrangement's
    followers are told (`evaluation.announcements`), with the run's transaction. Raises
    `ValueError` if the data are inconsistent (the engine's input checks: duplicated counts,
    ratings out of range).
    """
    from django.contrib.gis.geos import MultiLineString
    from django.db import connection

    from evaluation.engine import evaluate
    from evaluation.engine.messages import to_json
    from evaluation.inputs import evaluation_inputs
    from evaluation.models import (
        AdjustmentProposal,
        IndicatorResult,
        SegmentResult,
        UsageEffectResult,
    )

    parameters = parameters or default_parameters()
    Amenagement.objects.select_for_update().only("pk").get(pk=amenagement.pk)
    inputs = evaluation_inputs(amenagement=amenagement, as_of=as_of, parameters=parameters)
    engine_inputs = inputs.engine
    result = evaluate(engine_inputs, as_of=as_of, parameters=parameters)

    treated = engine_inputs.treated_counters
    used_periods = [
        row.period
        for row in engine_inputs.counts
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
                "count_rows": len(engine_inputs.counts),
                "outages": len(engine_inputs.outages),
                "ratings": len(engine_inputs.ratings),
                "adaptations": len(engine_inputs.adaptations),
                "holidays_excluded": len(result.holidays_excluded),
                "line_length_m": engine_inputs.line_length_m,
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
                    "placebo": effect.placebo,
                    "event_study": effect.event_study,
                    "uneven_shock": effect.uneven_shock,
                    "year_over_year": effect.year_over_year,
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
    # What the previous run proposed: followers hear of a change (`evaluation.announcements`).
    previous_actions = set(
        AdjustmentProposal.objects.filter(
            run__in=EvaluationRun.objects.filter(amenagement=amenagement)
            .exclude(pk=run.pk)
            .order_by("-pk")
            .values("pk")[:1]
        ).values_list("action", flat=True)
    )
    AdjustmentProposal.objects.filter(
        amenagement=amenagement, status=AdjustmentProposal.Status.OPEN
    ).exclude(run=run).update(status=AdjustmentProposal.Status.SUPERSEDED)
    geometries: dict[tuple[str, float, float], MultiLineString] = {}
    if any(p.segments for p in result.proposals):
        for segment in run.segments.filter(hot_spot=True, geom__isnull=False):
            code = next(c for c, d in inputs.definitions.items() if d.pk == segment.definition_id)
            if segment.geom is not None:  # filtered out above; said again for the types
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
                        "message": to_json(proposal.message) if proposal.message else None,
                    }
                ),
                segment_geom=MultiLineString(lines, srid=4326) if lines else None,
            )
        )
    AdjustmentProposal.objects.bulk_create(proposals)
    proposals_announce(run=run, proposals=proposals, previous_actions=previous_actions)
    return run
