"""What the engine returns: frozen dataclasses, ready for a service to persist.

Intervals are `Interval(low, high)` at the evaluation's confidence level; a missing statistic is
`None`, never NaN, so persistence and templates need no special float handling. Windows are
half-open like the `Outage` model: `end` is the day after the last day included.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from .inputs import CounterId, Direction, Frequency, IndicatorKind, Theme, UsageStatistic
from .parameters import Parameters

if TYPE_CHECKING:
    from .messages import Message


class Status(StrEnum):
    MET = "met"
    MISSED = "missed"
    NOT_ENOUGH_DATA = "not_enough_data"


class Action(StrEnum):
    """Machine-readable proposal codes (the `AdjustmentProposal.action` values)."""

    MAKE_PERMANENT = "make_permanent"
    KEEP_AND_MONITOR = "keep_and_monitor"
    ADJUST = "adjust"
    ADD_SEPARATION = "add_separation"
    EXTEND = "extend"
    REDESIGN_OR_REMOVE = "redesign_or_remove"
    COLLECT_MORE_DATA = "collect_more_data"


class Caveat(StrEnum):
    """Why a usage estimate deserves less trust than its interval suggests (see texts.py)."""

    NO_CONTROLS = "no_controls"
    FEW_CONTROLS = "few_controls"
    INSUFFICIENT_DATA = "insufficient_data"
    NO_DATA_BEFORE = "no_data_before"
    AFTER_WINDOW_INCOMPLETE = "after_window_incomplete"
    WINDOWS_TRUNCATED = "windows_truncated"
    UNEVEN_SHOCK = "uneven_shock"
    PRE_TREND = "pre_trend"


class Shortfall(StrEnum):
    """Why an indicator has not enough data (see texts.py for the sentences)."""

    TOO_FEW_RATINGS = "too_few_ratings"
    TOO_FEW_DAYS = "too_few_days"
    NO_COUNTER = "no_counter"
    NO_ADAPTATION = "no_adaptation"
    NO_DATA_BEFORE = "no_data_before"
    TOO_FEW_DAYS_BEFORE = "too_few_days_before"
    NOT_ESTIMABLE = "not_estimable"
    SOURCE_NOT_READ = "source_not_read"


@dataclass(frozen=True, slots=True)
class Interval:
    low: float
    high: float

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True, slots=True)
class Window:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days


@dataclass(frozen=True, slots=True)
class EffectEstimate:
    """A usage effect: `percent` = 100·(exp(log_ratio) − 1), the interval transformed alike."""

    log_ratio: float
    log_interval: Interval
    std_error: float
    degrees_of_freedom: float
    autocorrelation: float
    percent: float
    percent_interval: Interval

    @property
    def crosses_zero(self) -> bool:
        return self.percent_interval.contains(0.0)


@dataclass(frozen=True, slots=True)
class PlaceboTest:
    """A fake adaptation at `date`, inside the before window, fitted on the before window alone:
    an honest design finds no effect there (`p_value` of "no effect")."""

    date: dt.date
    estimate: EffectEstimate
    p_value: float


@dataclass(frozen=True, slots=True)
class EventStudyPoint:
    """The treated counters' change in week `offset` (from the adaptation; −1, the last week
    before, is the reference at 0 %), against the controls."""

    offset: int
    percent: float
    percent_interval: Interval | None


@dataclass(frozen=True, slots=True)
class UnevenShock:
    """Counters whose counts moved on their own inside the windows: `periods` (counter, window)
    stand out of the model; `shift` is how much the log-ratio moves without them; the interval
    is widened by it, `unwidened_interval` (%) is the date-clustered one."""

    periods: tuple[tuple[CounterId, Window], ...]
    shift: float | None
    unwidened_interval: Interval


@dataclass(frozen=True, slots=True)
class YearOverYear:
    """The after window against the same period a year earlier, same counters (yoy.py): not
    corrected by controls. `periods`: days (months) valid in both years on some counter."""

    window: Window
    earlier: Window
    percent: float
    percent_interval: Interval | None
    counters: tuple[CounterId, ...]
    periods: int


@dataclass(frozen=True, slots=True)
class UsageEffect:
    """The effect of one adaptation on the arrangement's counters."""

    adaptation_date: dt.date
    adaptation_kind: str
    frequency: Frequency
    method: str
    before: Window
    after: Window
    treated_counters: tuple[CounterId, ...]
    control_counters: tuple[CounterId, ...]
    observations: int
    days_before: int
    days_after: int
    estimate: EffectEstimate | None
    caveats: tuple[Caveat, ...] = ()
    placebo: PlaceboTest | None = None
    event_study: tuple[EventStudyPoint, ...] = ()
    uneven_shock: UnevenShock | None = None
    year_over_year: YearOverYear | None = None


@dataclass(frozen=True, slots=True)
class MeanCount:
    """Mean daily count on the arrangement's counters over `window` (valid days only)."""

    window: Window
    days: int
    value: float
    interval: Interval | None


@dataclass(frozen=True, slots=True)
class RatingStats:
    """Ratings of one group: mean (t interval) and share of negative answers (Wilson interval)."""

    n: int
    mean: float
    interval: Interval | None
    negatives: int
    negative_share: float
    negative_interval: Interval


@dataclass(frozen=True, slots=True)
class ProfileStats:
    profile: str
    stats: RatingStats


@dataclass(frozen=True, slots=True)
class PeriodStats:
    """Ratings given while one version was in force (`start` None: before any adaptation)."""

    start: dt.date | None
    end: dt.date | None
    stats: RatingStats | None


@dataclass(frozen=True, slots=True)
class PerceptionChange:
    """Ratings of the version before an adaptation against those of the version it created."""

    adaptation_date: dt.date
    adaptation_kind: str
    before: RatingStats | None
    after: RatingStats | None
    difference: float | None
    interval: Interval | None


@dataclass(frozen=True, slots=True)
class PerceptionResult:
    indicator_code: str
    current: RatingStats | None
    by_profile: tuple[ProfileStats, ...]
    by_period: tuple[PeriodStats, ...]
    changes: tuple[PerceptionChange, ...]


@dataclass(frozen=True, slots=True)
class SegmentStat:
    """One segment of the line for one perception indicator.

    `p_value` is the one-sided Fisher exact test of "more negative here than on the rest of the
    line"; `q_value` its Benjamini–Hochberg adjustment; both None when the segment was too thin
    to test. The caller turns `start_m`/`end_m` into geometry (linear referencing).
    """

    indicator_code: str
    index: int
    start_m: float
    end_m: float
    n: int
    negatives: int
    negative_share: float | None
    p_value: float | None
    q_value: float | None
    hot_spot: bool


@dataclass(frozen=True, slots=True)
class IndicatorJudgement:
    """An indicator against the panel's target.

    `conclusive` is true when the whole interval lies on the same side of the target as the
    value. `ratings_needed` / `weeks_needed` say how much more data would reach the minimum
    sample (None when waiting would not help, e.g. no counts before the adaptation:
    `shortfall` says why). A usage change carries the adaptation it measures and its caveats.
    """

    code: str
    name: str
    kind: IndicatorKind
    statistic: UsageStatistic | None
    theme: Theme
    unit: str
    direction: Direction
    target: float
    alert_threshold: float | None
    min_sample: int
    status: Status
    value: float | None
    interval: Interval | None
    n: int
    conclusive: bool
    alert: bool
    ratings_needed: int | None = None
    weeks_needed: int | None = None
    shortfall: Shortfall | None = None
    adaptation_date: dt.date | None = None
    caveats: tuple[Caveat, ...] = ()


@dataclass(frozen=True, slots=True)
class SegmentRef:
    indicator_code: str
    start_m: float
    end_m: float


@dataclass(frozen=True, slots=True)
class Proposal:
    """An adjustment proposal: action code, rationale (in French, and as the structured
    `message` it was rendered from, for other languages) and the evidence behind it."""

    action: Action
    rationale: str
    indicator_codes: tuple[str, ...] = ()
    segments: tuple[SegmentRef, ...] = ()
    evidence: tuple[tuple[str, float | int | str | None], ...] = ()
    message: Message | None = None


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Everything one run of the engine concluded about one arrangement."""

    method_version: str
    parameters: Parameters
    as_of: dt.date
    frequency: Frequency
    usage_effects: tuple[UsageEffect, ...]
    mean_count: MeanCount | None
    perception: tuple[PerceptionResult, ...]
    segments: tuple[SegmentStat, ...]
    judgements: tuple[IndicatorJudgement, ...]
    proposals: tuple[Proposal, ...]
    holidays_excluded: tuple[dt.date, ...] = field(default=())

    def judgement(self, code: str) -> IndicatorJudgement:
        return next(j for j in self.judgements if j.code == code)

    def hot_spots(self, code: str | None = None) -> tuple[SegmentStat, ...]:
        return tuple(
            s for s in self.segments if s.hot_spot and (code is None or s.indicator_code == code)
        )

    def actions(self) -> tuple[Action, ...]:
        return tuple(p.action for p in self.proposals)
