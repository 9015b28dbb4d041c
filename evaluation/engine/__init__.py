"""The evaluation engine: pure Python + pandas, no ORM import.

Selectors hand it one `EngineInputs` of plain rows (inputs.py); `evaluate` runs every part
for one arrangement and returns one frozen `Evaluation` (results.py); services persist it. The
parts, each documented with its rules and method:

- series.py      the counts every usage statistic may use (incomplete, outage and holiday rows
                 left out), the calendar, the before/after windows and the current window;
- did.py         effect of each adaptation on the counts (difference-in-differences on log
                 counts against control counters), fitted by gls.py (GLS with AR(1) errors,
                 date-clustered intervals);
- mean_count.py  the current mean daily count;
- perception.py  ratings per indicator, profile, and before/after each adaptation;
- segments.py    hot spots along the line (one-sided Fisher exact tests, Benjamini–Hochberg);
- targets.py     each indicator met / missed / not enough data against the panel's target;
- proposals.py   rules turning judgements into proposals, with French rationales (texts.py).

Nothing here imports Django: the engine can be tested, benchmarked and reused without a
database.
"""

from __future__ import annotations

import datetime as dt

from .did import adaptation_effect
from .inputs import (
    Adaptation,
    CounterId,
    CountRow,
    Direction,
    EngineInputs,
    Frequency,
    IndicatorKind,
    IndicatorSpec,
    OutagePeriod,
    Rating,
    Theme,
    UsageSource,
    UsageStatistic,
)
from .mean_count import mean_daily_count
from .parameters import DEFAULT_PARAMETERS, METHOD_VERSION, Parameters
from .perception import current_ratings, perception_result, sorted_adaptations
from .proposals import propose
from .results import (
    Action,
    Caveat,
    Evaluation,
    IndicatorJudgement,
    Interval,
    MeanCount,
    PerceptionResult,
    Proposal,
    SegmentStat,
    Shortfall,
    Status,
    UsageEffect,
    Window,
)
from .segments import segment_stats
from .series import current_window, valid_counts
from .targets import judge_indicators

__all__ = [
    "DEFAULT_PARAMETERS",
    "METHOD_VERSION",
    "Action",
    "Adaptation",
    "Caveat",
    "CountRow",
    "CounterId",
    "Direction",
    "EngineInputs",
    "Evaluation",
    "Frequency",
    "IndicatorJudgement",
    "IndicatorKind",
    "IndicatorSpec",
    "Interval",
    "MeanCount",
    "OutagePeriod",
    "Parameters",
    "PerceptionResult",
    "Proposal",
    "Rating",
    "SegmentStat",
    "Shortfall",
    "Status",
    "Theme",
    "UsageEffect",
    "UsageSource",
    "UsageStatistic",
    "Window",
    "evaluate",
]


def evaluate(
    inputs: EngineInputs,
    *,
    as_of: dt.date,
    parameters: Parameters = DEFAULT_PARAMETERS,
) -> Evaluation:
    """Evaluate one arrangement as of `as_of` (data, ratings and adaptations after it ignored).

    Raises `ValueError` on duplicated counts; inputs validate themselves on construction.
    """
    past = sorted_adaptations([a for a in inputs.adaptations if a.date <= as_of])
    seen = [r for r in inputs.ratings if r.date <= as_of]
    frequency = inputs.frequency
    valid, holidays_excluded = valid_counts(
        inputs.counts,
        outages=inputs.outages,
        frequency=frequency,
        parameters=parameters,
        as_of=as_of,
    )
    treated = set(inputs.treated_counters)
    effects: list[UsageEffect] = []
    if treated:
        for index, adaptation in enumerate(past):
            controls = (
                adaptation.control_counters
                if adaptation.control_counters is not None
                else inputs.control_counters
            )
            effects.append(
                adaptation_effect(
                    valid,
                    adaptation,
                    treated=treated,
                    controls=controls,
                    frequency=frequency,
                    parameters=parameters,
                    as_of=as_of,
                    previous=past[index - 1].date if index > 0 else None,
                    following=past[index + 1].date if index + 1 < len(past) else None,
                )
            )
    window = current_window(
        past[-1].date if past else None, as_of=as_of, frequency=frequency, parameters=parameters
    )
    mean = (
        mean_daily_count(
            valid,
            treated=treated,
            window=window,
            frequency=frequency,
            confidence_level=parameters.confidence_level,
        )
        if treated and window
        else None
    )
    perception_indicators = [i for i in inputs.indicators if i.kind is IndicatorKind.PERCEPTION]
    perception = tuple(
        perception_result(indicator, seen, past, parameters.confidence_level)
        for indicator in perception_indicators
    )
    segments = segment_stats(
        current_ratings(seen, past),
        perception_indicators,
        line_length_m=inputs.line_length_m,
        parameters=parameters,
    )
    judgements = judge_indicators(
        inputs.indicators,
        perception=perception,
        usage_effects=effects,
        mean_count=mean,
        has_counters=bool(treated),
    )
    proposals = propose(
        judgements,
        segments,
        confidence_level=parameters.confidence_level,
        hot_spot_fdr=parameters.hot_spot_fdr,
    )
    return Evaluation(
        method_version=METHOD_VERSION,
        parameters=parameters,
        as_of=as_of,
        frequency=frequency,
        usage_effects=tuple(effects),
        mean_count=mean,
        perception=perception,
        segments=segments,
        judgements=judgements,
        proposals=proposals,
        holidays_excluded=holidays_excluded,
    )
