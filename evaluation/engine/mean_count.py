"""Usage: the current mean daily count.

Mean daily count
    The mean over valid days (`series.py`) of the per-day mean across the arrangement's
    counters, over the current window (`series.current_window`: the last `window_weeks` weeks of
    the current version). Monthly totals are divided by the month's length and the months
    weighted by it, so the value is still a mean over days. Its interval is a t interval on
    weekly means (batch means; monthly means for monthly data), which keeps day-to-day
    autocorrelation and the weekday cycle out of it; none with fewer than two batches.
"""

from __future__ import annotations

import math
from collections.abc import Collection

import numpy as np
import pandas as pd
from scipy import stats

from .inputs import CounterId, Frequency
from .results import Interval, MeanCount, Window
from .series import DAYS_PER_WEEK, days_covered


def mean_daily_count(
    valid: pd.DataFrame,
    *,
    treated: Collection[CounterId],
    window: Window,
    frequency: Frequency,
    confidence_level: float,
) -> MeanCount | None:
    """Mean daily count on the treated counters over `window` (see the module docstring);
    None when they have no valid count in it. `valid` is `series.valid_counts`' frame."""
    rows = valid.loc[
        valid["counter"].isin(set(treated))
        & (valid["period"] >= pd.Timestamp(window.start))
        & (valid["period"] < pd.Timestamp(window.end))
    ]
    if rows.empty:
        return None
    if frequency is Frequency.MONTHLY:
        rows = rows.assign(count=rows["count"] / rows["period"].dt.days_in_month)
    per_period = rows.groupby("period")["count"].mean()
    periods = pd.DatetimeIndex(per_period.index)
    days = days_covered(periods.to_series(), frequency)
    if frequency is Frequency.DAILY:
        weeks = (periods - pd.Timestamp(window.start)).days // DAYS_PER_WEEK
        batches = per_period.groupby(weeks).mean().to_numpy(dtype=float)
        value = float(per_period.mean())
    else:
        # Weight months by their length so the value is a mean over days.
        weights = periods.days_in_month.to_numpy(dtype=float)
        batches = per_period.to_numpy(dtype=float)
        value = float(np.average(batches, weights=weights))
    interval = None
    if batches.size >= 2:
        sem = float(np.std(batches, ddof=1)) / math.sqrt(batches.size)
        half = float(stats.t.ppf(0.5 + confidence_level / 2, batches.size - 1)) * sem
        interval = Interval(value - half, value + half)
    return MeanCount(window=window, days=days, value=value, interval=interval)
