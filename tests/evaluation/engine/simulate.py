"""Simulated counter data and ratings for the engine's statistical tests.

Daily counts per counter = level × yearly season × weekday profile × weather (shared by the
commune's counters) × lockdown (shared) × holiday dip × lognormal noise (optionally AR(1) in
time), drawn as Poisson around that mean — a Poisson–lognormal mixture, overdispersed like a
negative binomial. Treated counters get a planted multiplicative effect from the adaptation
date on. Counters differ in level, noise and weekday pattern (commuter to leisure), so the
model's per-counter weekday effects and robust errors are exercised.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import holidays
import numpy as np
import pandas as pd
from scipy import signal

from evaluation.engine import CountRow, Rating

COMMUTER = np.array([1.15, 1.2, 1.2, 1.15, 1.1, 0.6, 0.5])
LEISURE = np.array([0.8, 0.8, 0.8, 0.85, 0.95, 1.4, 1.5])
ADAPTATION = dt.date(2020, 5, 25)
LOCKDOWN = (dt.date(2020, 3, 17), dt.date(2020, 5, 11))


@dataclass(frozen=True)
class Scenario:
    n_treated: int = 1
    n_controls: int = 4
    effect: float = 0.30
    ar: float = 0.0
    adaptation: dt.date = ADAPTATION
    start: dt.date = dt.date(2020, 3, 1)
    end: dt.date = dt.date(2020, 8, 31)
    noise_sd: tuple[float, float] = (0.08, 0.20)
    weather_sd: float = 0.15
    lockdown_factor: float = 0.25
    season_amplitude: float = 0.35
    mean_level: float = 800.0
    # A shock on one counter only (works next to it, a local event): (index of the counter
    # — controls come after the treated ones —, first day, day after the last, factor).
    local_shock: tuple[int, dt.date, dt.date, float] | None = None


@dataclass(frozen=True)
class Simulated:
    rows: list[CountRow]
    treated: tuple[str, ...]
    controls: tuple[str, ...]


def simulate_counts(seed: int, scenario: Scenario = Scenario()) -> Simulated:
    rng = np.random.default_rng(seed)
    days = pd.date_range(scenario.start, scenario.end, freq="D")
    n_days = days.size
    season = scenario.season_amplitude * np.cos(
        2 * np.pi * (days.day_of_year.to_numpy() - 200) / 365.25
    )
    in_lockdown = (days >= pd.Timestamp(LOCKDOWN[0])) & (days < pd.Timestamp(LOCKDOWN[1]))
    since_end = (days - pd.Timestamp(LOCKDOWN[1])).days.to_numpy()
    # A shared shock: the lockdown, then a four-week recovery.
    shock = np.where(in_lockdown, np.log(scenario.lockdown_factor), 0.0)
    recovering = (since_end >= 0) & (since_end < 28)
    shock += np.where(recovering, 0.5 * np.log(scenario.lockdown_factor) * (1 - since_end / 28), 0)
    weather = rng.normal(0.0, scenario.weather_sd, n_days)
    calendar = holidays.country_holidays("FR", years=range(days[0].year, days[-1].year + 1))
    is_holiday = np.array([day.date() in calendar for day in days])
    weekday = days.day_of_week.to_numpy()
    after = days >= pd.Timestamp(scenario.adaptation)
    rows: list[CountRow] = []
    names: list[str] = []
    for i in range(scenario.n_treated + scenario.n_controls):
        name = f"{'t' if i < scenario.n_treated else 'c'}{i}"
        names.append(name)
        level = np.log(scenario.mean_level) + rng.normal(0.0, 0.6)
        mix = rng.uniform()
        profile = np.log(mix * COMMUTER + (1 - mix) * LEISURE)
        sd = rng.uniform(*scenario.noise_sd)
        innovations = rng.normal(0.0, 1.0, n_days)
        if scenario.ar:
            # Stationary AR(1) with unit variance.
            innovations[1:] *= np.sqrt(1 - scenario.ar**2)
            innovations = signal.lfilter([1.0], [1.0, -scenario.ar], innovations)
        # Holidays look like Sundays: a counter-specific dip the engine must not see.
        holiday_dip = np.where(is_holiday, profile[6] - profile[weekday], 0.0)
        log_mean = level + season + shock + weather + profile[weekday] + holiday_dip
        log_mean += sd * innovations
        if i < scenario.n_treated:
            log_mean += np.where(after, np.log1p(scenario.effect), 0.0)
        if scenario.local_shock is not None and scenario.local_shock[0] == i:
            _, first, last, factor = scenario.local_shock
            hit = (days >= pd.Timestamp(first)) & (days < pd.Timestamp(last))
            log_mean += np.where(hit, np.log(factor), 0.0)
        counts = rng.poisson(np.exp(log_mean))
        rows.extend(
            CountRow(counter=name, period=day.date(), count=int(count))
            for day, count in zip(days, counts, strict=True)
        )
    return Simulated(
        rows=rows,
        treated=tuple(names[: scenario.n_treated]),
        controls=tuple(names[scenario.n_treated :]),
    )


def monthly_totals(rows: list[CountRow]) -> list[CountRow]:
    """Monthly totals of complete months, as the `MonthlyTotal` rollup would hold them."""
    frame = pd.DataFrame(
        {
            "counter": [r.counter for r in rows],
            "month": pd.to_datetime([r.period.replace(day=1) for r in rows]),
            "count": [r.count for r in rows],
        }
    )
    totals = frame.groupby(["counter", "month"], as_index=False).agg(
        count=("count", "sum"), days=("count", "size")
    )
    complete = totals["days"] == totals["month"].dt.days_in_month
    return [
        CountRow(counter=c, period=m.date(), count=int(n), complete=bool(ok))
        for c, m, n, ok in zip(
            totals["counter"], totals["month"], totals["count"], complete, strict=True
        )
    ]


def simulate_ratings(
    seed: int,
    *,
    code: str = "felt-safety",
    n: int = 300,
    length_m: float = 1000.0,
    base_negative: float = 0.25,
    hot: tuple[float, float] | None = None,
    hot_negative: float = 0.7,
    day: dt.date = dt.date(2020, 7, 1),
) -> list[Rating]:
    """Ratings placed uniformly along the line; inside `hot` (metres) more are negative."""
    rng = np.random.default_rng(seed)
    positions = rng.uniform(0.0, length_m, n)
    inside = (
        np.zeros(n, dtype=bool) if hot is None else (positions >= hot[0]) & (positions < hot[1])
    )
    negative = rng.uniform(size=n) < np.where(inside, hot_negative, base_negative)
    values = np.where(negative, rng.integers(1, 3, n), rng.integers(3, 6, n))
    return [
        Rating(indicator_code=code, value=int(v), date=day, position_m=float(p))
        for v, p in zip(values, positions, strict=True)
    ]
