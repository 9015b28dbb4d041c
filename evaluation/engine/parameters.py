"""The engine's tunable parameters and the version of its method.

Every evaluation stores its `Parameters` and `METHOD_VERSION`, so a result can always be traced
to the rules that produced it; bump `METHOD_VERSION` whenever a rule or estimator changes what a
published number would be.
"""

from __future__ import annotations

from dataclasses import dataclass

METHOD_VERSION = "2025.1"

ERROR_CONFIDENCE = "The confidence level must lie strictly between 0 and 1, got {value!r}."
ERROR_POSITIVE = "{name} must be positive, got {value!r}."


@dataclass(frozen=True, slots=True)
class Parameters:
    """The defaults of the evaluation method (see the README); each field says what it controls.

    - `window_weeks`, `gap_days`: daily counts are compared over `window_weeks` weeks before the
      adaptation and `window_weeks` weeks after it, the first `gap_days` after it left out (works
      are finishing, users discovering the change).
    - `window_months`: the same for monthly counts; the month holding the adaptation (and
      `gap_days` after it) is the gap.
    - `min_days_per_window`, `min_months_per_window`: below this many periods with valid counts
      on the arrangement's counters in either window, no effect is estimated.
    - `segment_length_m`: length of the segments along the line for hot spots.
    - `min_segment_ratings`: segments with fewer ratings are shown but not tested (they could
      never reach significance and would only dilute the multiple-comparison correction).
    - `hot_spot_fdr`: false discovery rate of the Benjamini–Hochberg procedure across segments.
    - `confidence_level`: of every interval the engine reports.
    - `holiday_subdivision`: a `holidays` subdivision code for regions with extra public
      holidays (e.g. "57" for Moselle); None for metropolitan France.
    - `ar_max`: the largest autocorrelation the usage model will assume (numerical safety).
    """

    window_weeks: int = 8
    gap_days: int = 7
    window_months: int = 12
    min_days_per_window: int = 14
    min_months_per_window: int = 6
    segment_length_m: float = 100.0
    min_segment_ratings: int = 5
    hot_spot_fdr: float = 0.05
    confidence_level: float = 0.95
    holiday_subdivision: str | None = None
    ar_max: float = 0.95

    def __post_init__(self) -> None:
        if not 0 < self.confidence_level < 1:
            raise ValueError(ERROR_CONFIDENCE.format(value=self.confidence_level))
        if not 0 < self.hot_spot_fdr < 1:
            raise ValueError(ERROR_CONFIDENCE.format(value=self.hot_spot_fdr))
        for name in ("window_weeks", "window_months", "segment_length_m", "min_segment_ratings"):
            value = getattr(self, name)
            if value <= 0:
                raise ValueError(ERROR_POSITIVE.format(name=name, value=value))
        if self.gap_days < 0:
            raise ValueError(ERROR_POSITIVE.format(name="gap_days", value=self.gap_days))


DEFAULT_PARAMETERS = Parameters()
