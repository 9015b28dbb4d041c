"""Usage: the effect of each adaptation on the counts (difference-in-differences).

Model (difference-in-differences on log counts)
    log(y_it + 1) = a_{i, cycle(t)} + g_t + b·D_it + u_it
    with a per-counter day-of-week effect (month-of-year for monthly data), a common effect g_t
    for every day (month) — which absorbs seasonality, weather, strikes and lockdowns shared by
    all counters of the commune — and D_it = 1 for the arrangement's counters after the
    adaptation. b is the log ratio; the reported change is 100·(exp(b) − 1) %. Counts are
    analysed as log(count + 1): the effect of an adaptation is multiplicative, and the +1 keeps
    the rare zero without weighing on counts in the hundreds. The fit and its interval are in
    `gls.py`.

Data used
    The valid rows of the adaptation's before and after windows (both in `series.py`; caveat
    `windows_truncated` when a window is cut at a neighbour, `after_window_incomplete` when the
    after window is not over by `as_of`), on the treated and control counters; a counter seen
    in only one window carries no information about the change and is left out. No estimate
    (caveat `insufficient_data`) when no treated counter is left, when a window has fewer than
    `min_days_per_window` days (`min_months_per_window` months) with a treated count, or when
    the fit cannot identify the effect; caveat `no_data_before` when the treated counters have
    no valid count before.

    Without control counters g_t cannot be estimated: the model falls back to a before/after
    comparison with day-of-week effects (a_{i,cycle} + b·after), which cannot tell the
    adaptation from the season or any shared shock; the result carries the caveat `no_controls`
    (`few_controls` with fewer than three).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import numpy as np
import pandas as pd

from . import validity
from .gls import IntArray
from .inputs import Adaptation, CounterId, Frequency
from .parameters import Parameters
from .results import (
    Caveat,
    EffectEstimate,
    EventStudyPoint,
    PlaceboTest,
    UnevenShock,
    UsageEffect,
    Window,
)
from .series import DAYS_PER_WEEK, add_months, days_covered, effect_windows
from .yoy import year_over_year

METHOD_DID = "did_log_gls_ar1_date_clustered"
METHOD_BEFORE_AFTER = "before_after_log_gls_ar1_date_clustered"

# With fewer controls the common daily effect rests on one or two series: say so.
FEW_CONTROLS = 3
LOG_OFFSET = 1.0


def _period_index(periods: pd.Series[pd.Timestamp], frequency: Frequency) -> IntArray:
    """Days (or months) since the epoch: consecutive periods differ by one."""
    if frequency is Frequency.DAILY:
        return np.asarray((periods - pd.Timestamp("1970-01-01")).dt.days, dtype=np.int64)
    return np.asarray(periods.dt.year * 12 + periods.dt.month, dtype=np.int64)


def _date_index(day: dt.date, frequency: Frequency) -> int:
    if frequency is Frequency.DAILY:
        return (day - dt.date(1970, 1, 1)).days
    return day.year * 12 + day.month


def _index_date(index: int, frequency: Frequency) -> dt.date:
    if frequency is Frequency.DAILY:
        return dt.date(1970, 1, 1) + dt.timedelta(days=index)
    return dt.date((index - 1) // 12, (index - 1) % 12 + 1, 1)


def _placebo_date(before: Window, adaptation: dt.date, frequency: Frequency) -> dt.date:
    """The middle of the before window, at a whole number of weeks (months) before the end."""
    if frequency is Frequency.DAILY:
        weeks = before.days // DAYS_PER_WEEK
        return before.end - dt.timedelta(weeks=(weeks + 1) // 2)
    months = (before.end.year * 12 + before.end.month) - (
        before.start.year * 12 + before.start.month
    )
    return add_months(before.end, -((months + 1) // 2))


def _cycle(periods: pd.Series[pd.Timestamp], frequency: Frequency) -> IntArray:
    if frequency is Frequency.DAILY:
        return np.asarray(periods.dt.day_of_week, dtype=np.int64)
    return np.asarray(periods.dt.month - 1, dtype=np.int64)


def _sort_key(column: pd.Series) -> pd.Series:
    # Counter ids may mix ints and strings; sort them as text, periods as dates. (Untyped
    # columns: pandas calls a sort key with each column, whatever its dtype.)
    return column.astype(str) if column.name == "counter" else column


def adaptation_effect(
    valid: pd.DataFrame,
    adaptation: Adaptation,
    *,
    treated: Collection[CounterId],
    controls: Collection[CounterId],
    frequency: Frequency,
    parameters: Parameters,
    as_of: dt.date,
    previous: dt.date | None = None,
    following: dt.date | None = None,
) -> UsageEffect:
    """The effect of one adaptation on the treated counters (see the module docstring).

    `valid` is `series.valid_counts`' frame; `previous` and `following` are the neighbouring
    adaptations' dates, where the windows stop.
    """
    before, after, truncated = effect_windows(
        adaptation.date,
        frequency=frequency,
        parameters=parameters,
        previous=previous,
        following=following,
    )
    caveats: list[Caveat] = []
    if truncated:
        caveats.append(Caveat.WINDOWS_TRUNCATED)
    if after.end > as_of + dt.timedelta(days=1):
        caveats.append(Caveat.AFTER_WINDOW_INCOMPLETE)
    treated_set, control_set = set(treated), set(controls) - set(treated)
    in_before = (valid["period"] >= pd.Timestamp(before.start)) & (
        valid["period"] < pd.Timestamp(before.end)
    )
    in_after = (valid["period"] >= pd.Timestamp(after.start)) & (
        valid["period"] < pd.Timestamp(after.end)
    )
    rows = valid.loc[(in_before | in_after) & valid["counter"].isin(treated_set | control_set)]
    rows = rows.assign(after=rows["period"] >= pd.Timestamp(adaptation.date))
    # A counter seen in only one window carries no information about the change.
    windows_seen = rows.groupby("counter")["after"].nunique()
    both = set(windows_seen[windows_seen == 2].index)
    used_treated = tuple(sorted((c for c in treated_set if c in both), key=str))
    used_controls = tuple(sorted((c for c in control_set if c in both), key=str))
    treated_rows = rows.loc[rows["counter"].isin(treated_set)]
    days_before = days_covered(treated_rows.loc[~treated_rows["after"], "period"], frequency)
    days_after = days_covered(treated_rows.loc[treated_rows["after"], "period"], frequency)
    if not used_controls:
        caveats.append(Caveat.NO_CONTROLS)
    elif len(used_controls) < FEW_CONTROLS:
        caveats.append(Caveat.FEW_CONTROLS)
    method = METHOD_DID if used_controls else METHOD_BEFORE_AFTER

    def result(
        estimate: EffectEstimate | None,
        n_obs: int,
        placebo: PlaceboTest | None = None,
        event_study: tuple[EventStudyPoint, ...] = (),
        shock: UnevenShock | None = None,
    ) -> UsageEffect:
        return UsageEffect(
            adaptation_date=adaptation.date,
            adaptation_kind=adaptation.kind,
            frequency=frequency,
            method=method,
            before=before,
            after=after,
            treated_counters=used_treated,
            control_counters=used_controls,
            observations=n_obs,
            days_before=days_before,
            days_after=days_after,
            estimate=estimate,
            caveats=tuple(caveats),
            placebo=placebo,
            event_study=event_study,
            uneven_shock=shock,
            year_over_year=year_over_year(
                valid,
                treated=treated_set,
                window=after,
                frequency=frequency,
                confidence_level=parameters.confidence_level,
            ),
        )

    minimum = (
        parameters.min_days_per_window
        if frequency is Frequency.DAILY
        else parameters.min_months_per_window
    )
    periods_before = treated_rows.loc[~treated_rows["after"], "period"].nunique()
    periods_after = treated_rows.loc[treated_rows["after"], "period"].nunique()
    if days_before == 0:
        caveats.append(Caveat.NO_DATA_BEFORE)
    if not used_treated or min(periods_before, periods_after) < minimum:
        caveats.append(Caveat.INSUFFICIENT_DATA)
        return result(None, 0)

    used = rows.loc[rows["counter"].isin(set(used_treated) | set(used_controls))]
    used = used.sort_values(["counter", "period"], key=_sort_key, ignore_index=True)
    counter_codes = pd.factorize(used["counter"])[0].astype(np.int64)
    # Make a control the reference counter, whose cycle effects the period effects absorb.
    is_treated = used["counter"].isin(set(used_treated)).to_numpy()
    if used_controls:
        counter_codes = np.where(is_treated, counter_codes + 10_000, counter_codes)
    log_counts = np.log(used["count"].to_numpy(dtype=float) + LOG_OFFSET)
    times = _period_index(used["period"], frequency)
    cycles = _cycle(used["period"], frequency)
    after_rows = used["after"].to_numpy()
    block_length = DAYS_PER_WEEK if frequency is Frequency.DAILY else 1
    design = validity.Design(
        log_counts=log_counts,
        counters=counter_codes,
        counter_ids=used["counter"].to_numpy(dtype=object),
        times=times,
        cycles=cycles,
        treated=is_treated,
        after=after_rows,
        period_effects=bool(used_controls),
        block_length=block_length,
        confidence_level=parameters.confidence_level,
        ar_max=parameters.ar_max,
    )
    main = design.fit(design.main_treatment())
    if main is None:
        caveats.append(Caveat.INSUFFICIENT_DATA)
        return result(None, len(used))
    estimate = main.estimate
    origin = _date_index(adaptation.date, frequency)
    fake_date = _placebo_date(before, adaptation.date, frequency)
    placebo = validity.placebo_test(
        design, fake=_date_index(fake_date, frequency), fake_date=fake_date
    )
    if placebo is not None and placebo.p_value < validity.PRE_TREND_P:
        caveats.append(Caveat.PRE_TREND)
    points = validity.event_study(design, main, adaptation=origin)
    shock, reported = validity.uneven_shock(
        design,
        main,
        adaptation=origin,
        to_date=lambda index: _index_date(index, frequency),
    )
    if shock is not None:
        caveats.append(Caveat.UNEVEN_SHOCK)
        estimate = reported  # the same point estimate, a wider interval
    return result(estimate, len(used), placebo, points, shock)
