"""What the engine is given: plain, immutable rows that a selector builds from the database,
gathered in one `EngineInputs` per arrangement.

Nothing here knows about Django. Identifiers of counters are whatever the caller uses (primary
keys or external ids); the engine only compares them. Dates are plain `datetime.date`s in the
arrangement's local calendar (France), because holidays and weekdays are local notions.

Validation is limited to what would silently corrupt a statistic (a rating outside 1–5, a
negative count, a target on the wrong scale): those raise `ValueError` with the messages below,
so a selector bug fails loudly instead of shifting a mean.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

CounterId = int | str

RATING_MIN = 1
RATING_MAX = 5

ERROR_RATING_RANGE = "A rating must be an integer from 1 to 5, got {value!r}."
ERROR_NEGATIVE_COUNT = "A count cannot be negative, got {value!r}."
ERROR_NEGATIVE_POSITION = "A position along the line cannot be negative, got {value!r}."
ERROR_MIN_SAMPLE = "The minimum sample size must be at least 1, got {value!r}."
ERROR_PERCEPTION_TARGET = "A perception target lies on the 1–5 scale, got {value!r}."
ERROR_USAGE_STATISTIC = "A usage indicator needs a statistic."
ERROR_OUTAGE_ORDER = "An outage must end after it starts ({start} → {end})."


class Frequency(StrEnum):
    """The resolution of the counts handed to the engine (daily rollup or monthly totals)."""

    DAILY = "daily"
    MONTHLY = "monthly"


class IndicatorKind(StrEnum):
    PERCEPTION = "perception"
    USAGE = "usage"


class Direction(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class UsageStatistic(StrEnum):
    """Mirrors `IndicatorDefinition.Statistic`."""

    MEAN_DAILY = "mean_daily"
    CHANGE_AFTER_ADAPTATION = "change_after_adaptation"


class UsageSource(StrEnum):
    """Mirrors `IndicatorDefinition.DataSource`. Only the counters are read: an indicator on
    manual counts (which panels could choose once) is judged "not enough data", saying why,
    rather than silently on the counters."""

    COUNTERS = "counters"
    MANUAL_COUNTS = "manual_counts"


class Theme(StrEnum):
    """What an indicator is about, as far as the proposal rules care.

    The rules need to know which indicator speaks of felt safety (→ "add separation") and which
    of continuity (→ "extend"); panels choose their own codes, so the selector maps them.
    """

    GENERAL = "general"
    SAFETY = "safety"
    CONTINUITY = "continuity"


@dataclass(frozen=True, slots=True)
class CountRow:
    """One counter's total for one day, or for one month (`period` is then the month's 1st).

    `complete` is false when some hours (or days) are missing; `outage` when the services or the
    import flagged the counter as broken. Either excludes the row from every statistic.
    """

    counter: CounterId
    period: dt.date
    count: int
    complete: bool = True
    outage: bool = False

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError(ERROR_NEGATIVE_COUNT.format(value=self.count))


@dataclass(frozen=True, slots=True)
class OutagePeriod:
    """A counter's outage as the `Outage` model stores it: `end` is the day after the last."""

    counter: CounterId
    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError(ERROR_OUTAGE_ORDER.format(start=self.start, end=self.end))


@dataclass(frozen=True, slots=True)
class Adaptation:
    """An adaptation event of the arrangement (creation included).

    `version` is the arrangement version it brings into force, when known: ratings are then
    attributed to periods by version rather than by date. `control_counters`, when given,
    replaces the evaluation's default controls for this adaptation only (the right controls
    depend on the window: a counter near another arrangement adapted at the same time is not a
    control for this one).
    """

    date: dt.date
    kind: str = ""
    version: int | None = None
    control_counters: frozenset[CounterId] | None = None


@dataclass(frozen=True, slots=True)
class Rating:
    """One resident's answer (1–5) to one perception indicator.

    `profiles` are the contributor's self-declared profiles (a rating counts in each);
    `position_m` is the distance along the current line of the point they pinned, if any.
    """

    indicator_code: str
    value: int
    date: dt.date
    version: int | None = None
    profiles: frozenset[str] = frozenset()
    position_m: float | None = None

    def __post_init__(self) -> None:
        is_integer = isinstance(self.value, int) and not isinstance(self.value, bool)
        if not is_integer or not RATING_MIN <= self.value <= RATING_MAX:
            raise ValueError(ERROR_RATING_RANGE.format(value=self.value))
        if self.position_m is not None and self.position_m < 0:
            raise ValueError(ERROR_NEGATIVE_POSITION.format(value=self.position_m))


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    """An adopted indicator as the engine needs it.

    Perception targets are on the 1–5 scale; a `CHANGE_AFTER_ADAPTATION` target is a % change
    (e.g. 10 for "+10 %"); a `MEAN_DAILY` target is in the indicator's unit (e.g. bikes a day).
    `min_sample` counts ratings for perception and days of valid counts for usage.
    """

    code: str
    name: str
    kind: IndicatorKind
    target: float
    direction: Direction = Direction.HIGHER
    alert_threshold: float | None = None
    min_sample: int = 30
    statistic: UsageStatistic | None = None
    unit: str = ""
    theme: Theme = Theme.GENERAL
    source: UsageSource = UsageSource.COUNTERS

    def __post_init__(self) -> None:
        if self.min_sample < 1:
            raise ValueError(ERROR_MIN_SAMPLE.format(value=self.min_sample))
        if self.kind is IndicatorKind.PERCEPTION and not RATING_MIN <= self.target <= RATING_MAX:
            raise ValueError(ERROR_PERCEPTION_TARGET.format(value=self.target))
        if self.kind is IndicatorKind.USAGE and self.statistic is None:
            raise ValueError(ERROR_USAGE_STATISTIC)

    @property
    def higher_is_better(self) -> bool:
        return self.direction is Direction.HIGHER


@dataclass(frozen=True, slots=True)
class EngineInputs:
    """Everything `evaluate` is told about one arrangement (`evaluation.inputs` builds it).

    `treated_counters` measure the arrangement; `control_counters` are the default controls,
    used for an `Adaptation` that names none of its own.
    `counts` are daily totals or monthly totals according to `frequency`; `outages` exclude the
    rows they cover like a flag on the row would. `line_length_m` is the current line's length
    (segments cover it), None for a polygon. Rows, ratings and adaptations dated after the
    evaluation's `as_of` may be included: `evaluate` ignores them.
    """

    indicators: tuple[IndicatorSpec, ...]
    counts: tuple[CountRow, ...] = ()
    treated_counters: frozenset[CounterId] = frozenset()
    control_counters: frozenset[CounterId] = frozenset()
    outages: tuple[OutagePeriod, ...] = ()
    adaptations: tuple[Adaptation, ...] = ()
    ratings: tuple[Rating, ...] = ()
    line_length_m: float | None = None
    frequency: Frequency = Frequency.DAILY
