"""Targets: each adopted indicator marked met, missed or "not enough data".

Rules
- *Not enough data* when the sample is below the indicator's minimum: ratings of the current
  version for perception; days of valid counts for usage (for a change after an adaptation,
  the smaller of the days before and after it). The judgement then says how much is missing:
  `ratings_needed` = minimum − n; `weeks_needed` = ceil((minimum − days after) / 7), since
  only the period after the adaptation grows with time — when the period *before* is short
  (or empty), waiting will not help and `weeks_needed` is None.
- Otherwise *met* when the value is on the right side of the target (≥ when higher is better,
  ≤ when lower is better), *missed* otherwise.
- `conclusive` when the interval lies entirely on the value's side of the target; `alert` when
  the value reaches the panel's alert threshold.
- A usage indicator whose data source is not the counters (manual counts) is *not enough
  data*, shortfall `source_not_read`: the engine reads counters only, and judging it on them
  would answer another question than the panel's.
- A usage "change after an adaptation" is judged on the latest adaptation of the arrangement
  (the version in force); its value is the % change and the target a % too.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from .inputs import IndicatorKind, IndicatorSpec, UsageSource, UsageStatistic
from .results import (
    Caveat,
    IndicatorJudgement,
    Interval,
    MeanCount,
    PerceptionResult,
    Shortfall,
    Status,
    UsageEffect,
)

DAYS_PER_WEEK = 7


def _status(indicator: IndicatorSpec, value: float) -> Status:
    if indicator.higher_is_better:
        return Status.MET if value >= indicator.target else Status.MISSED
    return Status.MET if value <= indicator.target else Status.MISSED


def _alert(indicator: IndicatorSpec, value: float | None) -> bool:
    if value is None or indicator.alert_threshold is None:
        return False
    if indicator.higher_is_better:
        return value <= indicator.alert_threshold
    return value >= indicator.alert_threshold


def _judgement(
    indicator: IndicatorSpec,
    *,
    value: float | None,
    interval: Interval | None,
    n: int,
    enough: bool,
    ratings_needed: int | None = None,
    weeks_needed: int | None = None,
    shortfall: Shortfall | None = None,
    adaptation_date: dt.date | None = None,
    caveats: tuple[Caveat, ...] = (),
) -> IndicatorJudgement:
    status = _status(indicator, value) if enough and value is not None else Status.NOT_ENOUGH_DATA
    conclusive = (
        status is not Status.NOT_ENOUGH_DATA
        and interval is not None
        and not interval.contains(indicator.target)
    )
    return IndicatorJudgement(
        code=indicator.code,
        name=indicator.name,
        kind=indicator.kind,
        statistic=indicator.statistic,
        theme=indicator.theme,
        unit=indicator.unit,
        direction=indicator.direction,
        target=indicator.target,
        alert_threshold=indicator.alert_threshold,
        min_sample=indicator.min_sample,
        status=status,
        value=value,
        interval=interval,
        n=n,
        conclusive=conclusive,
        alert=_alert(indicator, value),
        ratings_needed=ratings_needed,
        weeks_needed=weeks_needed,
        shortfall=shortfall,
        adaptation_date=adaptation_date,
        caveats=caveats,
    )


def weeks_for(days_missing: int) -> int:
    return max(1, math.ceil(days_missing / DAYS_PER_WEEK))


def judge_perception(
    indicator: IndicatorSpec, result: PerceptionResult | None
) -> IndicatorJudgement:
    current = result.current if result else None
    n = current.n if current else 0
    enough = n >= indicator.min_sample
    return _judgement(
        indicator,
        value=current.mean if current else None,
        interval=current.interval if current else None,
        n=n,
        enough=enough,
        ratings_needed=None if enough else indicator.min_sample - n,
        shortfall=None if enough else Shortfall.TOO_FEW_RATINGS,
    )


def judge_change(
    indicator: IndicatorSpec, effects: Sequence[UsageEffect], *, has_counters: bool
) -> IndicatorJudgement:
    if not has_counters:
        return _judgement(
            indicator, value=None, interval=None, n=0, enough=False, shortfall=Shortfall.NO_COUNTER
        )
    if not effects:
        return _judgement(
            indicator,
            value=None,
            interval=None,
            n=0,
            enough=False,
            shortfall=Shortfall.NO_ADAPTATION,
        )
    effect = max(effects, key=lambda e: e.adaptation_date)
    estimate = effect.estimate
    n = min(effect.days_before, effect.days_after)
    minimum = indicator.min_sample
    shortfall: Shortfall | None = None
    weeks_needed: int | None = None
    if effect.days_before == 0:
        shortfall = Shortfall.NO_DATA_BEFORE
    elif effect.days_before < minimum:
        shortfall = Shortfall.TOO_FEW_DAYS_BEFORE
    elif effect.days_after < minimum:
        shortfall = Shortfall.TOO_FEW_DAYS
        weeks_needed = weeks_for(minimum - effect.days_after)
    elif estimate is None:
        shortfall = Shortfall.NOT_ESTIMABLE
        if Caveat.AFTER_WINDOW_INCOMPLETE in effect.caveats:
            # Most likely the after window is still too thin for the model: a week more helps.
            shortfall, weeks_needed = Shortfall.TOO_FEW_DAYS, 1
    return _judgement(
        indicator,
        value=estimate.percent if estimate else None,
        interval=estimate.percent_interval if estimate else None,
        n=n,
        enough=shortfall is None,
        weeks_needed=weeks_needed,
        shortfall=shortfall,
        adaptation_date=effect.adaptation_date,
        caveats=effect.caveats,
    )


def judge_mean(
    indicator: IndicatorSpec, mean: MeanCount | None, *, has_counters: bool
) -> IndicatorJudgement:
    if not has_counters:
        return _judgement(
            indicator, value=None, interval=None, n=0, enough=False, shortfall=Shortfall.NO_COUNTER
        )
    days = mean.days if mean else 0
    enough = days >= indicator.min_sample
    return _judgement(
        indicator,
        value=mean.value if mean else None,
        interval=mean.interval if mean else None,
        n=days,
        enough=enough,
        weeks_needed=None if enough else weeks_for(indicator.min_sample - days),
        shortfall=None if enough else Shortfall.TOO_FEW_DAYS,
    )


def judge_indicators(
    indicators: Sequence[IndicatorSpec],
    *,
    perception: Sequence[PerceptionResult],
    usage_effects: Sequence[UsageEffect],
    mean_count: MeanCount | None,
    has_counters: bool,
) -> tuple[IndicatorJudgement, ...]:
    """One judgement per indicator, in the order given (a month of counts counts its days)."""
    by_code = {result.indicator_code: result for result in perception}
    judgements = []
    for indicator in indicators:
        if indicator.kind is IndicatorKind.PERCEPTION:
            judgements.append(judge_perception(indicator, by_code.get(indicator.code)))
        elif indicator.source is not UsageSource.COUNTERS:
            judgements.append(
                _judgement(
                    indicator,
                    value=None,
                    interval=None,
                    n=0,
                    enough=False,
                    shortfall=Shortfall.SOURCE_NOT_READ,
                )
            )
        elif indicator.statistic is UsageStatistic.CHANGE_AFTER_ADAPTATION:
            judgements.append(judge_change(indicator, usage_effects, has_counters=has_counters))
        else:
            judgements.append(judge_mean(indicator, mean_count, has_counters=has_counters))
    return tuple(judgements)
