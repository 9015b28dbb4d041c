"""Indicator specs and judgements built through the engine's own judging functions."""

from __future__ import annotations

import datetime as dt
import math

from evaluation.engine import (
    Direction,
    Frequency,
    IndicatorKind,
    IndicatorSpec,
    Interval,
    MeanCount,
    Theme,
    UsageStatistic,
    Window,
)
from evaluation.engine.results import (
    Caveat,
    EffectEstimate,
    IndicatorJudgement,
    PerceptionResult,
    RatingStats,
    UsageEffect,
)
from evaluation.engine.targets import judge_change, judge_mean, judge_perception

ADAPTED = dt.date(2020, 9, 1)


def perception_spec(
    code: str = "felt-safety",
    name: str = "Sentiment de sécurité",
    *,
    target: float = 3.5,
    theme: Theme = Theme.GENERAL,
    direction: Direction = Direction.HIGHER,
    alert_threshold: float | None = None,
    min_sample: int = 30,
) -> IndicatorSpec:
    return IndicatorSpec(
        code=code,
        name=name,
        kind=IndicatorKind.PERCEPTION,
        target=target,
        theme=theme,
        direction=direction,
        alert_threshold=alert_threshold,
        min_sample=min_sample,
    )


def change_spec(target: float = 10.0, min_sample: int = 30) -> IndicatorSpec:
    return IndicatorSpec(
        code="usage-change",
        name="Fréquentation",
        kind=IndicatorKind.USAGE,
        statistic=UsageStatistic.CHANGE_AFTER_ADAPTATION,
        target=target,
        unit="%",
        min_sample=min_sample,
    )


def mean_spec(target: float = 1000.0, min_sample: int = 30) -> IndicatorSpec:
    return IndicatorSpec(
        code="daily-bikes",
        name="Passages quotidiens",
        kind=IndicatorKind.USAGE,
        statistic=UsageStatistic.MEAN_DAILY,
        target=target,
        unit="vélos/jour",
        min_sample=min_sample,
    )


def perception(
    spec: IndicatorSpec, mean: float, low: float, high: float, n: int = 60
) -> IndicatorJudgement:
    negatives = round(n * 0.2)
    stats = RatingStats(
        n=n,
        mean=mean,
        interval=Interval(low, high),
        negatives=negatives,
        negative_share=negatives / n,
        negative_interval=Interval(0.1, 0.3),
    )
    return judge_perception(spec, PerceptionResult(spec.code, stats, (), (), ()))


def effect(
    percent: float,
    low: float,
    high: float,
    *,
    days_before: int = 56,
    days_after: int = 56,
    caveats: tuple[Caveat, ...] = (),
    estimated: bool = True,
) -> UsageEffect:
    log = math.log1p(percent / 100)
    estimate = EffectEstimate(
        log_ratio=log,
        log_interval=Interval(math.log1p(low / 100), math.log1p(high / 100)),
        std_error=0.05,
        degrees_of_freedom=16,
        autocorrelation=0.3,
        percent=percent,
        percent_interval=Interval(low, high),
    )
    return UsageEffect(
        adaptation_date=ADAPTED,
        adaptation_kind="separated",
        frequency=Frequency.DAILY,
        method="did",
        before=Window(ADAPTED - dt.timedelta(weeks=8), ADAPTED),
        after=Window(ADAPTED + dt.timedelta(days=7), ADAPTED + dt.timedelta(days=63)),
        treated_counters=("t",),
        control_counters=("c1", "c2", "c3"),
        observations=400,
        days_before=days_before,
        days_after=days_after,
        estimate=estimate if estimated else None,
        caveats=caveats,
    )


def change(
    percent: float, low: float, high: float, spec: IndicatorSpec | None = None, **kwargs: object
) -> IndicatorJudgement:
    return judge_change(
        spec or change_spec(),
        [effect(percent, low, high, **kwargs)],  # type: ignore[arg-type]
        has_counters=True,
    )


def mean_count(value: float, low: float, high: float, days: int = 56) -> IndicatorJudgement:
    window = Window(ADAPTED, ADAPTED + dt.timedelta(days=days))
    return judge_mean(
        mean_spec(), MeanCount(window, days, value, Interval(low, high)), has_counters=True
    )
