"""The year-over-year figure beside each effect: same period a year earlier, same counters."""

from __future__ import annotations

import datetime as dt

import pytest

from evaluation.engine import Adaptation, OutagePeriod
from evaluation.engine.series import french_holidays

from .simulate import Scenario, simulate_counts
from .test_usage import effect_of

# Two springs: the year-earlier window (June–July 2019) is in the data.
TWO_YEARS = Scenario(start=dt.date(2019, 3, 1), effect=0.3)


def holidays_of(window):
    """Days of `window` left out because they, or their pair a year earlier, are holidays."""
    days = set(french_holidays(dt.date(2019, 1, 1), dt.date(2022, 1, 1)))
    return {
        window.start + dt.timedelta(days=k)
        for k in range(window.days)
        if window.start + dt.timedelta(days=k) in days
        or window.start + dt.timedelta(days=k - 364) in days
    }


def by_hand(rows, counter, window, *, skip=frozenset()):
    """Σ counts of `counter` in `window` over Σ the same weekdays 364 days earlier, on the
    days both are there and not in `skip` (days of this year whose pair is left out)."""
    counts = {(r.counter, r.period): r.count for r in rows}
    now = earlier = 0
    day = window.start
    while day < window.end:
        before = day - dt.timedelta(days=364)
        if (counter, day) in counts and (counter, before) in counts and day not in skip:
            now += counts[counter, day]
            earlier += counts[counter, before]
        day += dt.timedelta(days=1)
    return 100 * (now / earlier - 1)


def test_year_over_year_compares_the_after_window_with_the_same_weeks_a_year_earlier():
    simulated = simulate_counts(3, TWO_YEARS)
    effect = effect_of(simulated, scenario=TWO_YEARS)
    yoy = effect.year_over_year
    assert yoy is not None
    assert yoy.window == effect.after
    assert yoy.earlier.start == effect.after.start - dt.timedelta(days=364)
    assert yoy.earlier.start.weekday() == effect.after.start.weekday()
    assert yoy.counters == simulated.treated
    # Public holidays (14 July 2020; 14 July 2019, paired with 12 July 2020…) are out.
    holidays = holidays_of(effect.after)
    assert dt.date(2020, 7, 12) in holidays
    assert yoy.percent == pytest.approx(
        by_hand(simulated.rows, "t0", effect.after, skip=holidays), rel=1e-9
    )
    assert yoy.percent_interval.low < yoy.percent < yoy.percent_interval.high


def test_a_day_missing_in_either_year_is_left_out_of_both():
    simulated = simulate_counts(3, TWO_YEARS)
    outage = OutagePeriod("t0", dt.date(2019, 6, 10), dt.date(2019, 6, 24))  # a year earlier
    effect = effect_of(simulated, scenario=TWO_YEARS, outages=(outage,))
    lost = {outage.start + dt.timedelta(days=364 + k) for k in range(14)}
    holidays = holidays_of(effect.after)
    assert effect.year_over_year.percent == pytest.approx(
        by_hand(simulated.rows, "t0", effect.after, skip=lost | holidays), rel=1e-9
    )
    assert effect.year_over_year.periods == effect.after.days - len(lost | holidays)


def test_no_year_over_year_without_counts_a_year_earlier():
    simulated = simulate_counts(3, Scenario())  # from March 2020 only
    assert effect_of(simulated).year_over_year is None


def test_year_over_year_is_not_corrected_by_the_controls():
    # The after window's year-earlier weeks are the 2020 lockdown: the press figure soars,
    # the difference-in-differences does not.
    adapted = dt.date(2021, 3, 22)
    scenario = Scenario(
        start=dt.date(2019, 3, 1), end=dt.date(2021, 8, 31), effect=0.3, adaptation=adapted
    )
    effect = effect_of(
        simulate_counts(4, scenario),
        scenario=scenario,
        adaptations=(Adaptation(adapted, "widened"),),
    )
    assert effect.estimate.percent_interval.contains(30)
    assert effect.year_over_year.percent > 200
