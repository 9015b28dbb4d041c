"""The evaluation engine: pure Python + pandas, no ORM import (issue 6).

Selectors hand it plain rows (inputs.py); `evaluate` runs every part for one arrangement and
returns one frozen `Evaluation` (results.py); services persist it. The parts, each documented
with its rules and method:

- usage.py       effect of each adaptation on the counts (difference-in-differences on log
                 counts against control counters, GLS with AR(1) errors, date-clustered
                 intervals) and the current mean daily count;
- perception.py  ratings per indicator, profile, and before/after each adaptation;
- segments.py    hot spots along the line (one-sided Fisher exact tests, Benjamini–Hochberg);
- targets.py     each indicator met / missed / not enough data against the panel's target;
- proposals.py   rules turning judgements into proposals, with French rationales (texts.py).

Nothing here imports Django: the engine can be tested, benchmarked and reused without a
database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from .inputs import (
    Adaptation,
    CounterId,
    CountRow,
    Direction,
    Frequency,
    IndicatorKind,
    IndicatorSpec,
    OutagePeriod,
    Rating,
    Theme,
    UsageStatistic,
)
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
from .targets import judge_indicators
from .usage import (
    adaptation_effect,
    add_months,
    first_month_from,
    mean_daily_count,
    month_start,
    valid_counts,
)

__all__ = [
    "METHOD_VERSION",
    "Action",
    "Adaptation",
    "Caveat",
    "CountRow",
    "CounterId",
    "Direction",
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
    "UsageStatistic",
    "Window",
    "evaluate",
]


def current_window(
    latest_adaptation: dt.date | None,
    *,
    as_of: dt.date,
    frequency: Frequency,
    parameters: Parameters,
) -> Window | None:
    """The period the mean daily count describes: the last window of the current version."""
    gap = dt.timedelta(days=parameters.gap_days)
    if frequency is Frequency.DAILY:
        end = as_of + dt.timedelta(days=1)
        start = end - dt.timedelta(weeks=parameters.window_weeks)
        if latest_adaptation is not None:
            start = max(start, latest_adaptation + gap)
    else:
        end = month_start(as_of + dt.timedelta(days=1))  # the last month over by `as_of`
        start = add_months(end, -parameters.window_months)
        if latest_adaptation is not None:
            start = max(start, first_month_from(latest_adaptation + gap))
    return Window(start, end) if start < end else None


def evaluate(
    *,
    indicators: Sequence[IndicatorSpec],
    as_of: dt.date,
    counts: Sequence[CountRow] = (),
    treated_counters: Collection[CounterId] = (),
    control_counters: Collection[CounterId] = (),
    outages: Sequence[OutagePeriod] = (),
    adaptations: Sequence[Adaptation] = (),
    ratings: Sequence[Rating] = (),
    line_length_m: float | None = None,
    frequency: Frequency = Frequency.DAILY,
    parameters: Parameters = DEFAULT_PARAMETERS,
) -> Evaluation:
    """Evaluate one arrangement as of `as_of` (data, ratings and adaptations after it ignored).

    `treated_counters` measure the arrangement; `control_counters` are the default controls
    (same commune, no arrangement adapted in the window), which an `Adaptation` may override.
    `line_length_m` is the current line's length (segments cover it); `counts` are daily
    totals or monthly totals according to `frequency`. Raises `ValueError` on duplicated
    counts; inputs validate themselves on construction.
    """
    past = sorted_adaptations([a for a in adaptations if a.date <= as_of])
    seen = [r for r in ratings if r.date <= as_of]
    valid, holidays_excluded = valid_counts(
        counts, outages=outages, frequency=frequency, parameters=parameters, as_of=as_of
    )
    treated = set(treated_counters)
    effects: list[UsageEffect] = []
    if treated:
        for index, adaptation in enumerate(past):
            controls = (
                adaptation.control_counters
                if adaptation.control_counters is not None
                else control_counters
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
    perception_indicators = [i for i in indicators if i.kind is IndicatorKind.PERCEPTION]
    perception = tuple(
        perception_result(indicator, seen, past, parameters.confidence_level)
        for indicator in perception_indicators
    )
    segments = segment_stats(
        current_ratings(seen, past),
        perception_indicators,
        line_length_m=line_length_m,
        parameters=parameters,
    )
    judgements = judge_indicators(
        indicators,
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
