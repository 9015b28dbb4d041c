"""Perception: what residents answered (1–5) to each adopted perception indicator.

Rules
- A rating is *negative* when it is 1 or 2 on an indicator where higher is better (4 or 5 where
  lower is better): the two answers on the wrong side of the neutral 3.
- Ratings are attributed to the version they were given on. Periods are cut at each
  adaptation: when every adaptation and rating carries a version number, a rating belongs to
  the last adaptation whose version is not after its own; otherwise to the last adaptation on
  or before its date (the same thing when versions follow adaptations, as the DESIGN requires).
- The *current* period — since the latest adaptation — is what the arrangement is now; targets
  and hot spots are judged on it alone.

Method
- mean with a Student t interval, share of negative ratings with a Wilson interval (see
  intervals.py); for the current period, also by profile (a rating counts once in each
  profile its author declared);
- before vs after each adaptation: the difference of means (after − before) with a Welch
  interval; an interval that holds 0 means the change is not established.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Sequence

import numpy as np

from .inputs import Adaptation, IndicatorSpec, Rating
from .intervals import t_interval, welch_interval, wilson_interval
from .results import (
    Interval,
    PerceptionChange,
    PerceptionResult,
    PeriodStats,
    ProfileStats,
    RatingStats,
)

NEGATIVE_HIGHER_IS_BETTER = (1, 2)
NEGATIVE_LOWER_IS_BETTER = (4, 5)


def is_negative(value: int, indicator: IndicatorSpec) -> bool:
    if indicator.higher_is_better:
        return value in NEGATIVE_HIGHER_IS_BETTER
    return value in NEGATIVE_LOWER_IS_BETTER


def sorted_adaptations(adaptations: Sequence[Adaptation]) -> tuple[Adaptation, ...]:
    return tuple(sorted(adaptations, key=lambda adaptation: adaptation.date))


def period_of(rating: Rating, adaptations: Sequence[Adaptation]) -> int:
    """0 before the first adaptation, k from the k-th (adaptations sorted by date)."""
    return _periods(adaptations)(rating)


def _periods(adaptations: Sequence[Adaptation]) -> Callable[[Rating], int]:
    """`period_of` for many ratings: the adaptations' versions and dates sorted once, each
    rating placed by bisection (tens of thousands of ratings times each indicator)."""
    versions = [a.version for a in adaptations]
    by_version = sorted(v for v in versions if v is not None) if None not in versions else None
    dates = sorted(a.date for a in adaptations)

    def period(rating: Rating) -> int:
        if rating.version is not None and by_version:
            return bisect.bisect_right(by_version, rating.version)
        return bisect.bisect_right(dates, rating.date)

    return period


def current_ratings(
    ratings: Sequence[Rating], adaptations: Sequence[Adaptation]
) -> tuple[Rating, ...]:
    ordered = sorted_adaptations(adaptations)
    period = _periods(ordered)
    return tuple(r for r in ratings if period(r) == len(ordered))


def rating_stats(
    ratings: Sequence[Rating], indicator: IndicatorSpec, confidence_level: float
) -> RatingStats | None:
    if not ratings:
        return None
    values = np.array([r.value for r in ratings], dtype=float)
    negative = NEGATIVE_HIGHER_IS_BETTER if indicator.higher_is_better else NEGATIVE_LOWER_IS_BETTER
    negatives = int(np.isin(values, negative).sum())
    interval = t_interval(values, confidence_level)
    if interval is not None:
        # The mean of 1–5 answers cannot leave the scale; the t interval can, for tiny n.
        interval = Interval(max(1.0, interval.low), min(5.0, interval.high))
    return RatingStats(
        n=len(ratings),
        mean=float(values.mean()),
        interval=interval,
        negatives=negatives,
        negative_share=negatives / len(ratings),
        negative_interval=wilson_interval(negatives, len(ratings), confidence_level),
    )


def perception_result(
    indicator: IndicatorSpec,
    ratings: Sequence[Rating],
    adaptations: Sequence[Adaptation],
    confidence_level: float,
) -> PerceptionResult:
    ordered = sorted_adaptations(adaptations)
    own = [r for r in ratings if r.indicator_code == indicator.code]
    by_period: list[list[Rating]] = [[] for _ in range(len(ordered) + 1)]
    period = _periods(ordered)
    for rating in own:
        by_period[period(rating)].append(rating)
    current = by_period[-1]
    profiles = sorted({profile for r in current for profile in r.profiles})
    by_profile = []
    for profile in profiles:
        stats = rating_stats(
            [r for r in current if profile in r.profiles], indicator, confidence_level
        )
        if stats is not None:
            by_profile.append(ProfileStats(profile=profile, stats=stats))
    starts: list[dt.date | None] = [None, *(a.date for a in ordered)]
    ends: list[dt.date | None] = [*(a.date for a in ordered), None]
    periods = tuple(
        PeriodStats(start=start, end=end, stats=rating_stats(group, indicator, confidence_level))
        for start, end, group in zip(starts, ends, by_period, strict=True)
    )
    changes = []
    for index, adaptation in enumerate(ordered):
        before, after = by_period[index], by_period[index + 1]
        before_stats = rating_stats(before, indicator, confidence_level)
        after_stats = rating_stats(after, indicator, confidence_level)
        difference = after_stats.mean - before_stats.mean if before_stats and after_stats else None
        interval = welch_interval(
            np.array([r.value for r in before], dtype=float),
            np.array([r.value for r in after], dtype=float),
            confidence_level,
        )
        changes.append(
            PerceptionChange(
                adaptation_date=adaptation.date,
                adaptation_kind=adaptation.kind,
                before=before_stats,
                after=after_stats,
                difference=difference,
                interval=interval,
            )
        )
    return PerceptionResult(
        indicator_code=indicator.code,
        current=rating_stats(current, indicator, confidence_level),
        by_profile=tuple(by_profile),
        by_period=periods,
        changes=tuple(changes),
    )
