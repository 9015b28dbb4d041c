"""Usage: the effect of each adaptation on the counts, and the current mean daily count.

Data kept
    Daily totals (or monthly totals) per counter. A row is dropped when it is incomplete, when
    the counter was in outage (flag on the row or an outage period covering it) and, for daily
    data, on French public holidays (`holidays`, optionally with a regional subdivision): a
    holiday behaves like a Sunday on commuter routes and like a busy Saturday on leisure ones, so
    it would distort the contrast between counters. Counts are analysed as log(count + 1): the
    effect of an adaptation is multiplicative, and the +1 keeps the rare zero without weighing
    on counts in the hundreds.

Windows
    Before = the `window_weeks` weeks before the adaptation date; after = as many weeks starting
    `gap_days` after it (the gap is left out: works finishing, users discovering the change).
    Monthly data use `window_months` whole months on each side; the month of the adaptation (and
    `gap_days` after it) is the gap. Windows are cut at the neighbouring adaptations so that an
    effect is never attributed to the wrong change (caveat `windows_truncated`).

Model (difference-in-differences on log counts)
    log(y_it + 1) = a_{i, cycle(t)} + g_t + b·D_it + u_it
    with a per-counter day-of-week effect (month-of-year for monthly data), a common effect g_t
    for every day (month) — which absorbs seasonality, weather, strikes and lockdowns shared by
    all counters of the commune — and D_it = 1 for the arrangement's counters after the
    adaptation. b is the log ratio; the reported change is 100·(exp(b) − 1) %.

    Without control counters g_t cannot be estimated: the model falls back to a before/after
    comparison with day-of-week effects (a_{i,cycle} + b·after), which cannot tell the
    adaptation from the season or any shared shock; the result carries the caveat `no_controls`.

Uncertainty
    The noise of a counter is persistent from one day to the next (weather streaks, events,
    holidays of schools), and with 1–3 treated counters the usual "errors clustered by counter"
    have far too few clusters to be trusted (one treated counter: the clustered variance is
    badly biased, see MacKinnon & Webb 2017). The information about b is in *time*: the
    treated-minus-control contrast over ~100 days. So:
    1. errors are modelled as AR(1) within each counter; ρ is the lag-1 autocorrelation of the
       OLS residuals, pooled across counters, with Kendall's small-sample correction
       ρ + (1 + 3ρ)/T, clipped to [0, `ar_max`];
    2. the model is fitted by GLS: each counter's series is whitened exactly, gaps included
       (for an AR(1) seen at irregular times, u_t − ρ^k·u_{t−k} scaled by (1 − ρ^{2k})^{-1/2}),
       so holidays, outages and the gap between windows are handled without imputation;
    3. standard errors are clustered by date on the whitened model (robust to counters having
       different noise levels and to the remaining correlation between counters on a day);
    4. the interval uses a t reference with (number of weeks − 1) degrees of freedom (months
       − 1 for monthly data) rather than (dates − 1): real noise is AR(1) only approximately
       (counting noise on top of persistent swings, for one), the whitened scores of nearby
       days stay correlated, and the variance estimate then carries about as much
       information as there are weeks. This widens the interval by ~7 % and is what brings
       coverage back to nominal with persistent noise.
    Alternatives tried on the simulator at AR 0.7 and rejected: errors clustered by counter
    (≈ 75 % coverage with one treated counter, at any AR), CR2/Bell–McCaffrey by date (≈ 91–92
    %), equal-weighted-cosine HAC (≈ 88–91 %), GLSAR on the treated-minus-control series
    (≈ 82 %), week or fortnight clusters after Prais–Winsten (≈ 91–93 %).
    Measured on tests/evaluation/simulate.py (seasonality, weekday patterns, lognormal ×
    Poisson noise, a lockdown common to all counters, 1 treated counter and 4 controls, 400
    runs each): coverage of the 95 % interval ≈ 97.5 % with independent noise, ≈ 95 % with
    AR(1) noise of 0.7 (1 or 2 treated counters), ≈ 92.5 % at 0.85; the mean estimate of a
    +30 % effect is within ±0.2 point of the truth.

Mean daily count
    The mean over valid days of the per-day mean across the arrangement's counters, over the
    last `window_weeks` weeks of the current version; its interval is a t interval on weekly
    means (batch means), which keeps day-to-day autocorrelation and the weekday cycle out of it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Sequence

import holidays
import numpy as np
import numpy.typing as npt
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from .inputs import Adaptation, CounterId, CountRow, Frequency, OutagePeriod
from .parameters import Parameters
from .results import Caveat, EffectEstimate, Interval, MeanCount, UsageEffect, Window

METHOD_DID = "did_log_gls_ar1_date_clustered"
METHOD_BEFORE_AFTER = "before_after_log_gls_ar1_date_clustered"

ERROR_DUPLICATE_COUNT = "Counter {counter!r} has two rows for {period}."

# With fewer controls the common daily effect rests on one or two series: say so.
FEW_CONTROLS = 3
DAYS_PER_WEEK = 7
LOG_OFFSET = 1.0

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


# --- calendar helpers ---------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` must be a month's first day."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def first_month_from(day: dt.date) -> dt.date:
    """The first month starting on or after `day`."""
    return day if day.day == 1 else add_months(month_start(day), 1)


def days_in_month(month: dt.date) -> int:
    return (add_months(month_start(month), 1) - month_start(month)).days


def french_holidays(
    start: dt.date, end: dt.date, subdivision: str | None = None
) -> tuple[dt.date, ...]:
    """French public holidays in [start, end)."""
    calendar = holidays.country_holidays(
        "FR", subdiv=subdivision, years=range(start.year, end.year + 1)
    )
    return tuple(sorted(day for day in calendar if start <= day < end))


# --- cleaning -------------------------------------------------------------------------------


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
    and period. Rows after `as_of` (months not over by then) are dropped too.
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
        excluded = french_holidays(
            first_day, last_day + dt.timedelta(days=1), parameters.holiday_subdivision
        )
        frame.loc[frame["period"].isin(pd.to_datetime(excluded)), "keep"] = False
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


# --- the effect of an adaptation ------------------------------------------------------------


def _period_index(periods: pd.Series, frequency: Frequency) -> IntArray:
    """Days (or months) since the epoch: consecutive periods differ by one."""
    if frequency is Frequency.DAILY:
        return np.asarray((periods - pd.Timestamp("1970-01-01")).dt.days, dtype=np.int64)
    return np.asarray(periods.dt.year * 12 + periods.dt.month, dtype=np.int64)


def _cycle(periods: pd.Series, frequency: Frequency) -> IntArray:
    if frequency is Frequency.DAILY:
        return np.asarray(periods.dt.day_of_week, dtype=np.int64)
    return np.asarray(periods.dt.month - 1, dtype=np.int64)


def _one_hot(codes: IntArray) -> FloatArray:
    _, inverse = np.unique(codes, return_inverse=True)
    matrix = np.zeros((codes.size, int(inverse.max()) + 1))
    matrix[np.arange(codes.size), inverse] = 1.0
    return matrix


def _ar1_whiten(values: FloatArray, counters: IntArray, times: IntArray, rho: float) -> FloatArray:
    """Exact AR(1) whitening of each counter's rows (rows sorted by counter, then time).

    For an AR(1) observed at irregular times the process is Markov, so the Cholesky factor of
    ρ^|t−s| reduces to one step per row: (u_t − ρ^k u_prev) / sqrt(1 − ρ^{2k}), k the gap.
    """
    if rho == 0.0:
        return values
    out = values.copy()
    same = np.r_[False, counters[1:] == counters[:-1]]
    gaps = np.r_[0, np.diff(times)]
    rows = np.flatnonzero(same)
    factor = rho ** gaps[rows].astype(float)
    scale = 1.0 / np.sqrt(1.0 - factor**2)
    if values.ndim == 1:
        out[rows] = (values[rows] - factor * values[rows - 1]) * scale
    else:
        out[rows] = (values[rows] - factor[:, None] * values[rows - 1]) * scale[:, None]
    return out


def _lag1_autocorrelation(residuals: FloatArray, counters: IntArray, times: IntArray) -> float:
    pairs = np.flatnonzero((counters[1:] == counters[:-1]) & (np.diff(times) == 1)) + 1
    if pairs.size < 2:
        return 0.0
    current, previous = residuals[pairs], residuals[pairs - 1]
    denominator = math.sqrt(float(current @ current) * float(previous @ previous))
    return float(current @ previous) / denominator if denominator > 0 else 0.0


def fit_log_effect(
    log_counts: FloatArray,
    *,
    counters: IntArray,
    times: IntArray,
    cycles: IntArray,
    treatment: FloatArray,
    period_effects: bool,
    confidence_level: float,
    ar_max: float,
    block_length: int = 1,
) -> EffectEstimate | None:
    """GLS with AR(1) errors of log counts on counter×cycle effects (+ period effects) and the
    treatment dummy; errors clustered by period, t reference on (number of blocks of
    `block_length` periods − 1) degrees of freedom. Rows sorted by counter, then time.

    Returns None when the treatment effect is not identified or no degree of freedom is left.
    """
    blocks = [_one_hot(counters * 100 + cycles)]
    if period_effects:
        # The period effects span the constant, so one counter's cycle effects are redundant.
        reference = counters == counters.min()
        blocks[0] = blocks[0][:, np.any(blocks[0][~reference] != 0, axis=0)]
        blocks.append(_one_hot(times))
    design = np.column_stack([*blocks, treatment])
    n_obs, n_columns = design.shape
    if n_obs - n_columns < 2:
        return None
    ols, _, rank, _ = np.linalg.lstsq(design, log_counts, rcond=None)
    if rank < n_columns:
        return None
    residuals = log_counts - design @ ols
    raw = _lag1_autocorrelation(residuals, counters, times)
    per_counter = n_obs / np.unique(counters).size
    rho = float(np.clip(raw + (1 + 3 * raw) / per_counter, 0.0, ar_max))
    whitened_y = _ar1_whiten(log_counts, counters, times, rho)
    whitened_x = _ar1_whiten(design, counters, times, rho)
    _, clusters = np.unique(times, return_inverse=True)
    n_clusters = int(clusters.max()) + 1
    if n_clusters < 3:
        return None
    # The one-hot blocks span the constant: saying so spares statsmodels its own search for
    # a constant column (a quarter of the fit's time with ~1,000 columns; same estimates).
    fit = sm.OLS(whitened_y, whitened_x, hasconst=True).fit(
        method="qr", cov_type="cluster", cov_kwds={"groups": clusters}, use_t=True
    )
    beta = float(fit.params[-1])
    std_error = float(fit.bse[-1])
    if not math.isfinite(std_error) or std_error <= 0:
        return None
    # The date-clustered variance is worth fewer independent pieces than there are dates when
    # the AR(1) model only approximates the noise: count weeks, not days (see module doc).
    df = float(np.unique(times // block_length).size - 1)
    if df < 1:
        return None
    half_width = float(stats.t.ppf(0.5 + confidence_level / 2, df)) * std_error
    low, high = beta - half_width, beta + half_width
    return EffectEstimate(
        log_ratio=beta,
        log_interval=Interval(low, high),
        std_error=std_error,
        degrees_of_freedom=df,
        autocorrelation=rho,
        percent=100 * math.expm1(beta),
        percent_interval=Interval(100 * math.expm1(low), 100 * math.expm1(high)),
    )


def _days_covered(periods: pd.Series, frequency: Frequency) -> int:
    unique = periods.drop_duplicates()
    if frequency is Frequency.DAILY:
        return int(unique.size)
    return int(unique.dt.days_in_month.sum())


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
    """The effect of one adaptation on the treated counters (see the module docstring)."""
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
    days_before = _days_covered(treated_rows.loc[~treated_rows["after"], "period"], frequency)
    days_after = _days_covered(treated_rows.loc[treated_rows["after"], "period"], frequency)
    if not used_controls:
        caveats.append(Caveat.NO_CONTROLS)
    elif len(used_controls) < FEW_CONTROLS:
        caveats.append(Caveat.FEW_CONTROLS)
    method = METHOD_DID if used_controls else METHOD_BEFORE_AFTER

    def result(estimate: EffectEstimate | None, n_obs: int) -> UsageEffect:
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
    estimate = fit_log_effect(
        np.log(used["count"].to_numpy(dtype=float) + LOG_OFFSET),
        counters=counter_codes,
        times=_period_index(used["period"], frequency),
        cycles=_cycle(used["period"], frequency),
        treatment=(is_treated & used["after"].to_numpy()).astype(float),
        period_effects=bool(used_controls),
        confidence_level=parameters.confidence_level,
        ar_max=parameters.ar_max,
        block_length=DAYS_PER_WEEK if frequency is Frequency.DAILY else 1,
    )
    if estimate is None:
        caveats.append(Caveat.INSUFFICIENT_DATA)
    return result(estimate, len(used))


def _sort_key(column: pd.Series) -> pd.Series:
    # Counter ids may mix ints and strings; sort them as text, periods as dates.
    return column.astype(str) if column.name == "counter" else column


# --- mean daily count ----------------------------------------------------------------------


def mean_daily_count(
    valid: pd.DataFrame,
    *,
    treated: Collection[CounterId],
    window: Window,
    frequency: Frequency,
    confidence_level: float,
) -> MeanCount | None:
    """Mean daily count on the treated counters over `window` (see the module docstring)."""
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
    days = _days_covered(periods.to_series(), frequency)
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
