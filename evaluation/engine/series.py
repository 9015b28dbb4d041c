"""Usage: the counts every usage statistic may use, the calendar, and the windows they cover.

Data kept
    Daily totals (or monthly totals) per counter. A row is dropped when it is incomplete, when
    the counter was in outage (flag on the row or an outage period covering it) and, for daily
    data, on French public holidays (`holidays`, optionally with a regional subdivision): a
    holiday behaves like a Sunday on commuter routes and like a busy Saturday on leisure ones, so
    it would distort the contrast between counters. Rows after `as_of` (for monthly data, months
    not over by then) are dropped too.

Windows of an adaptation
    Before = the `window_weeks` weeks before the adaptation date; after = as many weeks starting
    `gap_days` after it (the gap is left out: works finishing, users discovering the change).
    Monthly data use `window_months` whole months on each side; the month of the adaptation (and
    `gap_days` after it) is the gap. Windows are cut at the neighbouring adaptations so that an
    effect is never attributed to the wrong change (caveat `windows_truncated`).

Current window
    What the mean daily count describes: the last `window_weeks` weeks up to `as_of` (the last
    `window_months` months over by then for monthly data), starting no earlier than `gap_days`
    after the latest adaptation; none when that leaves nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import holidays
import numpy as np
import pandas as pd

from .inputs import CountRow, Frequency, OutagePeriod
from .parameters import Parameters
from .results import Window

ERROR_DUPLICATE_COUNT = "Counter {counter!r} has two rows for {period}."

DAYS_PER_WEEK = 7


# --- calendar -------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` must be a month's first day."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def first_month_from(day: dt.date) -> dt.date:
    """The first month starting on or after `day`."""
    return day if day.day == 1 else add_months(month_start(day), 1)


def french_holidays(
    start: dt.date, end: dt.date, subdivision: str | None = None
) -> tuple[dt.date, ...]:
    """French public holidays in [start, end)."""
    calendar = holidays.country_holidays(
        "FR", subdiv=subdivision, years=range(start.year, end.year + 1)
    )
    return tuple(sorted(day for day in calendar if start <= day < end))


def days_covered(periods: pd.Series[pd.Timestamp], frequency: Frequency) -> int:
    """The number of days the distinct `periods` (days, or months' first days) span."""
    unique = periods.drop_duplicates()
    if frequency is Frequency.DAILY:
        return int(unique.size)
    return int(unique.dt.days_in_month.sum())


# --- data kept ------------------------------------------------------------------------------


def valid_counts(
    counts: Sequence[CountRow],
    *,
    outages: Sequence[OutagePeriod] = (),
    frequency: Frequency,
    parameters: Parameters,
    as_of: dt.date,
) -> tuple[pd.DataFrame, tuple[dt.date, ...]]:
    """The rows every usage statistic may use, and the public holidays that were left out.

    Returns a frame with columns counter, period (datetime64), count (float), sorted by counter
    and period. Raises `ValueError` when a counter has two rows for one period.
    """
    frame = pd.DataFrame(
        {
            "counter": [row.counter for row in counts],
            "period": pd.to_datetime([row.period for row in counts]),
            "count": np.array([row.count for row in counts], dtype=float),
            "keep": np.array([row.complete and not row.outage for row in counts], dtype=bool),
        }
    )
    empty = frame.iloc[0:0][["counter", "period", "count"]]
    if frame.empty:
        return empty, ()
    duplicated = frame.duplicated(["counter", "period"])
    if duplicated.any():
        first = frame[duplicated].iloc[0]
        raise ValueError(
            ERROR_DUPLICATE_COUNT.format(counter=first["counter"], period=first["period"].date())
        )
    if frequency is Frequency.MONTHLY:
        period_end = frame["period"] + pd.offsets.MonthBegin(1)
        frame.loc[period_end > pd.Timestamp(as_of + dt.timedelta(days=1)), "keep"] = False
    else:
        period_end = frame["period"] + pd.Timedelta(days=1)
        frame.loc[frame["period"] > pd.Timestamp(as_of), "keep"] = False
    for outage in outages:
        overlaps = (
            (frame["counter"] == outage.counter)
            & (frame["period"] < pd.Timestamp(outage.end))
            & (period_end > pd.Timestamp(outage.start))
        )
        frame.loc[overlaps, "keep"] = False
    excluded: tuple[dt.date, ...] = ()
    if frequency is Frequency.DAILY:
        first_day = frame["period"].min().date()
        last_day = frame["period"].max().date()
        holidays_in_span = pd.to_datetime(
            french_holidays(
                first_day, last_day + dt.timedelta(days=1), parameters.holiday_subdivision
            )
        )
        on_holiday = frame["period"].isin(holidays_in_span)
        frame.loc[on_holiday, "keep"] = False
        # Only the holidays some row fell on: the counts handed over may skip months.
        excluded = tuple(sorted(day.date() for day in frame.loc[on_holiday, "period"].unique()))
    kept = frame.loc[frame["keep"], ["counter", "period", "count"]]
    return kept.sort_values(["counter", "period"], ignore_index=True), excluded


# --- windows --------------------------------------------------------------------------------


def effect_windows(
    date: dt.date,
    *,
    frequency: Frequency,
    parameters: Parameters,
    previous: dt.date | None = None,
    following: dt.date | None = None,
) -> tuple[Window, Window, bool]:
    """Before and after windows of an adaptation, cut at its neighbours; and whether cut."""
    gap = dt.timedelta(days=parameters.gap_days)
    if frequency is Frequency.DAILY:
        span = dt.timedelta(weeks=parameters.window_weeks)
        before = Window(date - span, date)
        after = Window(date + gap, date + gap + span)
        lower = previous + gap if previous else None
        upper = following
    else:
        before = Window(add_months(month_start(date), -parameters.window_months), month_start(date))
        start = first_month_from(date + gap)
        after = Window(start, add_months(start, parameters.window_months))
        lower = first_month_from(previous + gap) if previous else None
        upper = month_start(following) if following else None
    truncated = False
    if lower is not None and lower > before.start:
        before = Window(min(lower, before.end), before.end)
        truncated = True
    if upper is not None and upper < after.end:
        after = Window(after.start, max(upper, after.start))
        truncated = True
    return before, after, truncated


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
