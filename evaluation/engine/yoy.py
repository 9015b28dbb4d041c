"""Usage: the year-over-year change beside each difference-in-differences.

What the press quotes (the Vélo & Territoires bulletin style): the counts of a period against
the same period a year earlier, on the same counters. Here the period is the adaptation's
after window; a year earlier is 364 days before for daily data (52 weeks: the same weekdays)
and 12 months before for monthly data. Only the (counter, day) pairs valid in both years are
summed, so a counter installed or broken in between does not make a change of its own. The
figure is 100·(Σ this year / Σ a year earlier − 1) on the arrangement's counters.

It is *not* corrected by control counters: the weather, a strike, a lockdown or the growth of
cycling in the whole city are in it. Its interval (t on the weekly — monthly — log ratios, as
batch means) says how steady the ratio was, not that the adaptation caused it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection

import numpy as np
import pandas as pd
from scipy import stats

from .inputs import CounterId, Frequency
from .results import Interval, Window, YearOverYear
from .series import DAYS_PER_WEEK, add_months, month_start

DAYS_A_YEAR_EARLIER = 364


def year_earlier(window: Window, frequency: Frequency) -> Window:
    """The same period a year earlier (same weekdays for daily data)."""
    if frequency is Frequency.DAILY:
        shift = dt.timedelta(days=DAYS_A_YEAR_EARLIER)
        return Window(window.start - shift, window.end - shift)
    return Window(add_months(month_start(window.start), -12), add_months(window.end, -12))


def year_over_year(
    valid: pd.DataFrame,
    *,
    treated: Collection[CounterId],
    window: Window,
    frequency: Frequency,
    confidence_level: float,
) -> YearOverYear | None:
    """The change of `window` against the same period a year earlier (module doc); None when
    no (counter, period) pair is valid in both."""
    earlier = year_earlier(window, frequency)
    rows = valid.loc[valid["counter"].isin(set(treated))]
    now = rows.loc[
        (rows["period"] >= pd.Timestamp(window.start)) & (rows["period"] < pd.Timestamp(window.end))
    ]
    before = rows.loc[
        (rows["period"] >= pd.Timestamp(earlier.start))
        & (rows["period"] < pd.Timestamp(earlier.end))
    ]
    if frequency is Frequency.DAILY:
        shifted = before["period"] + pd.Timedelta(days=DAYS_A_YEAR_EARLIER)
    else:
        shifted = before["period"] + pd.DateOffset(years=1)
    paired = now.merge(
        before.assign(period=shifted), on=["counter", "period"], suffixes=("", "_earlier")
    )
    if paired.empty or paired["count_earlier"].sum() <= 0:
        return None
    ratio = float(paired["count"].sum() / paired["count_earlier"].sum())
    if frequency is Frequency.DAILY:
        batch = (paired["period"] - pd.Timestamp(window.start)).dt.days // DAYS_PER_WEEK
    else:
        batch = paired["period"]
    sums = paired.groupby(batch)[["count", "count_earlier"]].sum()
    sums = sums.loc[(sums["count"] > 0) & (sums["count_earlier"] > 0)]
    logs = np.log(sums["count"].to_numpy(dtype=float) / sums["count_earlier"].to_numpy(dtype=float))
    interval = None
    if logs.size >= 2:
        half = (
            float(stats.t.ppf(0.5 + confidence_level / 2, logs.size - 1))
            * float(np.std(logs, ddof=1))
            / math.sqrt(logs.size)
        )
        centre = math.log(ratio)
        interval = Interval(100 * math.expm1(centre - half), 100 * math.expm1(centre + half))
    return YearOverYear(
        window=window,
        earlier=earlier,
        percent=100 * (ratio - 1),
        percent_interval=interval,
        counters=tuple(sorted(set(paired["counter"]), key=str)),
        periods=int(paired["period"].nunique()),
    )
