"""Usage: the validity checks shown beside each effect of an adaptation.

Placebo test (daily and monthly data)
    A fake adaptation in the middle of the before window (at a week boundary; a month's first
    day for monthly data), fitted exactly as the real one (`gls.fit_model`) on the before
    window alone. An honest comparison finds no effect there: a small p-value says the treated
    and control counters were already drifting apart before the adaptation (caveat
    `pre_trend`, p < `PRE_TREND_P`), so part of the effect may be that drift.

Event study (daily data with controls)
    The treated-minus-controls contrast week by week (weeks counted from the adaptation, the
    last week before it the reference at 0 %), with the model's period and counter × weekday
    effects, the autocorrelation of the main fit and date-clustered intervals on the main
    fit's degrees of freedom. Flat before the adaptation and a step after it is what the
    difference-in-differences assumes; the chart shows whether it is so.

Uneven shocks (a lockdown, a strike, works next to one counter)
    A shock shared by every counter is absorbed by the period effects; one that hits some
    counters only is not, and biases the effect (a control counting half during works in the
    before window makes the arrangement look better after; the arrangement's own counter
    counting half before it, much better). The check: the OLS residuals of each counter are
    averaged per week (per month for monthly data), and each mean is set against the spread
    of that counter's means, measured robustly from the differences of consecutive means
    (median absolute difference, corrected for the correlation of consecutive means of AR(1)
    noise). A run of at least `MIN_SHOCK_BLOCKS` consecutive means beyond `SHOCK_Z` on the
    same side is a shock (caveat `uneven_shock`); the strongest is left out, the model
    refitted, and the search repeated (up to `MAX_SHOCKS`). The shift Δ of the log-ratio
    without the shocked weeks measures what the shock may have done to the effect; the
    estimate stays, and its interval is widened to a standard error of √(se² + Δ²), so it
    covers both readings.
    Measured on `tests/evaluation/engine/test_validity.py`'s simulated cities (60 seeds, a
    +30 % effect): a −50 % shock for three weeks of the before window on the arrangement's
    only counter is flagged in 97 % of them and the widened interval covers the truth in 93 %
    (the plain one in 7 %); on one of two controls for five weeks, flagged in 98 %, covered in
    100 % (plain 72 %); without a local shock the caveat appears in 5–7 % of them (AR(1)
    noise of 0.7 or none).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

from . import gls
from .gls import FloatArray, IntArray, ModelFit, absorbed_fit, effect_estimate
from .inputs import CounterId
from .results import EffectEstimate, EventStudyPoint, Interval, PlaceboTest, UnevenShock, Window

PRE_TREND_P = 0.05
SHOCK_Z = 3.25
# A shock lasts: at least this many consecutive blocks beyond the bound on the same side (one
# outlying week is what noise, or a rainy event, does now and then).
MIN_SHOCK_BLOCKS = 2
# Shocks left out one after the other, at most.
MAX_SHOCKS = 3
# Placebo halves shorter than this (periods) say nothing: no placebo then.
MIN_PLACEBO_PERIODS = 7
MIN_PLACEBO_MONTHS = 3
MAD_TO_SD = 1.4826
# Every fit of the usage model goes through this: the absorbed fit; the benchmark and the
# equivalence test swap in `gls.fit_model_dense`, the original dense one.
FIT = gls.fit_model
# Fewer blocks (weeks, months) than this on a counter give no robust spread: not checked.
MIN_BLOCKS = 8
# Residuals (log counts) this small are zero up to rounding.
SATURATED = 1e-9
TIE = 1e-9


@dataclass(frozen=True)
class Design:
    """The rows of one effect's fit (sorted by counter, then time) and how they were coded."""

    log_counts: FloatArray
    counters: IntArray
    counter_ids: npt.NDArray[np.object_]
    times: IntArray  # days (or months) since the epoch
    cycles: IntArray
    treated: npt.NDArray[np.bool_]
    after: npt.NDArray[np.bool_]
    period_effects: bool
    block_length: int
    confidence_level: float
    ar_max: float

    def subset(self, keep: npt.NDArray[np.bool_]) -> Design:
        return Design(
            log_counts=self.log_counts[keep],
            counters=self.counters[keep],
            counter_ids=self.counter_ids[keep],
            times=self.times[keep],
            cycles=self.cycles[keep],
            treated=self.treated[keep],
            after=self.after[keep],
            period_effects=self.period_effects,
            block_length=self.block_length,
            confidence_level=self.confidence_level,
            ar_max=self.ar_max,
        )

    def fit(self, treatment: FloatArray, *, rho: float | None = None) -> ModelFit | None:
        """The model of `did.py` on these rows with this treatment column (`FIT`)."""
        return FIT(
            self.log_counts,
            counters=self.counters,
            times=self.times,
            cycles=self.cycles,
            treatment=treatment,
            period_effects=self.period_effects,
            confidence_level=self.confidence_level,
            ar_max=self.ar_max,
            block_length=self.block_length,
            rho=rho,
        )

    def main_treatment(self) -> FloatArray:
        return (self.treated & self.after).astype(float)


def _p_value(estimate: EffectEstimate) -> float:
    t = estimate.log_ratio / estimate.std_error
    return float(2 * stats.t.sf(abs(t), estimate.degrees_of_freedom))


def placebo_test(design: Design, *, fake: int, fake_date: dt.date) -> PlaceboTest | None:
    """The fake adaptation at period index `fake`, on the before window's rows."""
    before = design.subset(~design.after)
    treated_times = before.times[before.treated]
    minimum = MIN_PLACEBO_PERIODS if design.block_length > 1 else MIN_PLACEBO_MONTHS
    if (
        np.unique(treated_times[treated_times < fake]).size < minimum
        or np.unique(treated_times[treated_times >= fake]).size < minimum
    ):
        return None
    fit = before.fit((before.treated & (before.times >= fake)).astype(float))
    if fit is None:
        return None
    return PlaceboTest(date=fake_date, estimate=fit.estimate, p_value=_p_value(fit.estimate))


def event_study(design: Design, main: ModelFit, *, adaptation: int) -> tuple[EventStudyPoint, ...]:
    """Week-by-week contrast (daily data with controls; see the module doc)."""
    if not design.period_effects or design.block_length == 1:
        return ()
    weeks = (design.times - adaptation) // design.block_length
    offsets = sorted(set(weeks[design.treated].tolist()) - {-1})
    if -1 not in set(weeks[design.treated].tolist()) or not offsets:
        return ()
    interest = np.column_stack([(design.treated & (weeks == k)).astype(float) for k in offsets])
    fit = absorbed_fit(
        design.log_counts,
        fixed=main.fixed,
        interest=interest,
        counters=design.counters,
        times=design.times,
        rho=main.rho,
    )
    if fit is None:
        return ()
    quantile = float(stats.t.ppf(0.5 + design.confidence_level / 2, main.df))
    points = [EventStudyPoint(offset=-1, percent=0.0, percent_interval=None)]
    for k, beta, variance in zip(offsets, fit.coefficients, np.diag(fit.covariance), strict=True):
        half = quantile * math.sqrt(max(float(variance), 0.0))
        points.append(
            EventStudyPoint(
                offset=int(k),
                percent=100 * math.expm1(float(beta)),
                percent_interval=Interval(
                    100 * math.expm1(float(beta) - half), 100 * math.expm1(float(beta) + half)
                ),
            )
        )
    return tuple(sorted(points, key=lambda p: p.offset))


def _block_correlation(rho: float, n: float) -> float:
    """Correlation of the means of two consecutive blocks of n values of an AR(1) process."""
    if rho <= 0 or n < 1:
        return 0.0
    covariance = rho * (1 - rho**n) ** 2 / (1 - rho) ** 2
    variance = n * (1 + rho) / (1 - rho) - 2 * rho * (1 - rho**n) / (1 - rho) ** 2
    return float(covariance / variance)


def strongest_shock(design: Design, fit: ModelFit, *, adaptation: int) -> npt.NDArray[np.bool_]:
    """The rows of the counter-weeks (counter-months) standing out most of `fit`: the run of
    consecutive blocks of one counter beyond `SHOCK_Z` on the same side with the largest
    sum of |z|; no row when there is none (module doc)."""
    residuals = fit.ols_residuals
    blocks = (design.times - adaptation) // design.block_length
    best: tuple[float, npt.NDArray[np.bool_]] = (0.0, np.zeros(residuals.size, dtype=bool))
    for code in np.unique(design.counters):
        in_counter = design.counters == code
        keys, inverse, sizes = np.unique(
            blocks[in_counter], return_inverse=True, return_counts=True
        )
        if keys.size < MIN_BLOCKS:
            continue
        if np.abs(residuals[in_counter]).max() <= SATURATED:
            # The model fits this counter exactly (one count per counter × month cell, say):
            # its residuals are rounding noise, whose ratios would mean nothing.
            continue
        means = np.bincount(inverse, weights=residuals[in_counter]) / sizes
        # The spread of the counter's block means from the differences of consecutive ones: a
        # shock of a few weeks spoils two differences and barely moves their median, where the
        # spread of the means themselves (the counter's effects absorb part of the shock and
        # move every other week the other way) or of the daily residuals hides it.
        # Consecutive means of AR(1) noise are correlated (r₁), so their difference has a
        # variance of 2(1 − r₁)·σ², not 2σ².
        r1 = _block_correlation(fit.rho, float(np.median(sizes)))
        differences = np.abs(np.diff(means))
        # Blocks the model fits exactly (single counts in their cells) differ by rounding
        # noise only: leave those differences out, or the spread would be that noise.
        differences = differences[differences > SATURATED]
        if differences.size < MIN_BLOCKS // 2:
            continue
        scale = MAD_TO_SD * float(np.median(differences)) / math.sqrt(2 * (1 - r1))
        z = (means - float(np.median(means))) / scale
        side = np.where(z > SHOCK_Z, 1, np.where(z < -SHOCK_Z, -1, 0))
        run_start = 0
        for i in range(1, keys.size + 1):
            ends = i == keys.size or side[i] != side[run_start] or keys[i] - keys[i - 1] > 1
            if not ends:
                continue
            if side[run_start] and i - run_start >= MIN_SHOCK_BLOCKS:
                score = float(np.abs(z[run_start:i]).sum())
                # Ties (a counter whose before and after weeks mirror each other) go to the
                # earliest run, whatever the rounding of the fit.
                if score > best[0] * (1 + TIE) + TIE:
                    rows = np.zeros(residuals.size, dtype=bool)
                    rows[np.flatnonzero(in_counter)[np.isin(inverse, np.arange(run_start, i))]] = (
                        True
                    )
                    best = (score, rows)
            run_start = i
    return best[1]


def _windows_of(
    design: Design, flagged: npt.NDArray[np.bool_], to_date: Callable[[int], dt.date]
) -> tuple[tuple[CounterId, Window], ...]:
    """Consecutive flagged periods of each counter as (counter, [first, day after last))."""
    out: list[tuple[CounterId, Window]] = []
    rows = np.flatnonzero(flagged)
    start: int | None = None
    previous: int | None = None
    counter: CounterId = ""
    for row in rows:
        time = int(design.times[row])
        same_run = (
            counter == design.counter_ids[row]
            and previous is not None
            and time - previous <= design.block_length
        )
        if not same_run:
            if start is not None and previous is not None:
                out.append((counter, Window(to_date(start), to_date(previous + 1))))
            counter, start = design.counter_ids[row], time
        previous = time
    if start is not None and previous is not None:
        out.append((counter, Window(to_date(start), to_date(previous + 1))))
    return tuple(out)


def uneven_shock(
    design: Design,
    main: ModelFit,
    *,
    adaptation: int,
    to_date: Callable[[int], dt.date],
) -> tuple[UnevenShock | None, EffectEstimate]:
    """The shock found (None when none) and the estimate to report (widened when one is).

    The strongest shock is left out and the model refitted, up to `MAX_SHOCKS` times: once
    the worst run of weeks is out, the counter's effects no longer push its other weeks the
    other way, so those are not mistaken for shocks of their own."""
    excluded = np.zeros(design.log_counts.size, dtype=bool)
    fit: ModelFit | None = main
    for _ in range(MAX_SHOCKS):
        kept = np.flatnonzero(~excluded)
        current = design.subset(~excluded)
        if fit is None:
            break
        shocked = strongest_shock(current, fit, adaptation=adaptation)
        if not shocked.any():
            break
        excluded[kept[shocked]] = True
        without = design.subset(~excluded)
        fit = without.fit(without.main_treatment())
        if fit is None:
            break
    if not excluded.any():
        return None, main.estimate
    estimate = main.estimate
    shift = fit.estimate.log_ratio - estimate.log_ratio if fit else None
    reported = estimate
    if shift is not None:
        widened = effect_estimate(
            estimate.log_ratio,
            math.hypot(estimate.std_error, shift),
            estimate.degrees_of_freedom,
            rho=estimate.autocorrelation,
            confidence_level=design.confidence_level,
        )
        reported = widened or estimate
    return (
        UnevenShock(
            periods=_windows_of(design, excluded, to_date),
            shift=shift,
            unwidened_interval=estimate.percent_interval,
        ),
        reported,
    )
