"""The usage effect of an adaptation: accuracy and coverage on simulated counters, windows,
and what is left out (holidays, outages, incomplete days)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from evaluation.engine import (
    Adaptation,
    Caveat,
    CountRow,
    EngineInputs,
    Frequency,
    OutagePeriod,
    Parameters,
    evaluate,
)
from evaluation.engine.did import METHOD_BEFORE_AFTER, METHOD_DID
from evaluation.engine.results import UsageEffect, Window
from evaluation.engine.series import effect_windows, french_holidays

from .simulate import ADAPTATION, Scenario, Simulated, monthly_totals, simulate_counts

SEEDS = 100
DEFAULT_SCENARIO = Scenario()


def effect_of(
    simulated: Simulated,
    *,
    scenario: Scenario = DEFAULT_SCENARIO,
    adaptations: tuple[Adaptation, ...] = (Adaptation(ADAPTATION, "widened"),),
    controls: tuple[str, ...] | None = None,
    as_of: dt.date | None = None,
    frequency: Frequency = Frequency.DAILY,
    rows: list[CountRow] | None = None,
    outages: tuple[OutagePeriod, ...] = (),
) -> UsageEffect:
    inputs = EngineInputs(
        indicators=(),
        counts=tuple(simulated.rows if rows is None else rows),
        treated_counters=frozenset(simulated.treated),
        control_counters=frozenset(simulated.controls if controls is None else controls),
        outages=outages,
        adaptations=adaptations,
        frequency=frequency,
    )
    evaluation = evaluate(inputs, as_of=as_of or scenario.end)
    return evaluation.usage_effects[-1]


def run(scenario: Scenario, seeds: range) -> np.ndarray:
    """Per seed: % estimate, interval low, interval high."""
    out = []
    for seed in seeds:
        estimate = effect_of(simulate_counts(seed, scenario), scenario=scenario).estimate
        assert estimate is not None
        out.append((estimate.percent, *dataclasses.astuple(estimate.percent_interval)))
    return np.array(out)


def covered(results: np.ndarray, truth: float) -> int:
    return int(np.sum((results[:, 1] <= truth) & (truth <= results[:, 2])))


# --- accuracy and coverage over 100 simulated cities ----------------------------------------


@pytest.fixture(scope="module")
def planted() -> np.ndarray:
    return run(Scenario(n_treated=2, n_controls=5, effect=0.30), range(SEEDS))


def test_planted_effect_is_recovered_on_average(planted):
    assert planted[:, 0].mean() == pytest.approx(30.0, abs=1.0)


def test_interval_covers_a_planted_effect_at_least_90_times_in_100(planted):
    assert covered(planted, 30.0) >= 90


def test_interval_covers_zero_when_nothing_was_planted():
    results = run(Scenario(n_treated=1, n_controls=4, effect=0.0), range(1000, 1000 + SEEDS))
    assert covered(results, 0.0) >= 90
    assert abs(results[:, 0].mean()) < 1.0


def test_interval_still_covers_with_autocorrelated_noise():
    scenario = Scenario(n_treated=1, n_controls=4, effect=0.30, ar=0.7)
    results = run(scenario, range(2000, 2000 + SEEDS))
    assert covered(results, 30.0) >= 90


def test_the_lockdown_would_fool_a_plain_before_after_comparison():
    # Why controls matter: the before window holds the lockdown, shared by every counter.
    simulated = simulate_counts(7)
    with_controls = effect_of(simulated)
    without = effect_of(simulated, controls=())
    assert with_controls.estimate is not None
    assert without.estimate is not None
    assert with_controls.estimate.percent_interval.contains(30.0)
    assert without.estimate.percent > 60


# --- the model and its fallback -------------------------------------------------------------


def test_effect_reports_method_counters_windows_and_percent():
    effect = effect_of(simulate_counts(3))
    assert effect.method == METHOD_DID
    assert effect.treated_counters == ("t0",)
    assert effect.control_counters == ("c1", "c2", "c3", "c4")
    assert effect.before == Window(dt.date(2020, 3, 30), ADAPTATION)
    assert effect.after == Window(dt.date(2020, 6, 1), dt.date(2020, 7, 27))
    assert effect.caveats == ()
    estimate = effect.estimate
    assert estimate is not None
    assert estimate.percent == pytest.approx(100 * np.expm1(estimate.log_ratio))
    low, high = estimate.percent_interval.low, estimate.percent_interval.high
    assert low < estimate.percent < high
    assert high - estimate.percent > estimate.percent - low  # exp() stretches the top


def test_without_controls_falls_back_to_before_after_and_says_so():
    scenario = Scenario(lockdown_factor=1.0, season_amplitude=0.0)
    effect = effect_of(simulate_counts(5, scenario), scenario=scenario, controls=())
    assert effect.method == METHOD_BEFORE_AFTER
    assert Caveat.NO_CONTROLS in effect.caveats
    assert effect.estimate is not None
    assert effect.estimate.percent_interval.contains(30.0)


def test_one_or_two_controls_are_flagged_as_few():
    simulated = simulate_counts(5)
    effect = effect_of(simulated, controls=simulated.controls[:2])
    assert effect.method == METHOD_DID
    assert Caveat.FEW_CONTROLS in effect.caveats


def test_an_adaptation_may_name_its_own_controls():
    simulated = simulate_counts(5)
    adaptation = Adaptation(ADAPTATION, "widened", control_counters=frozenset({"c1", "c2", "c3"}))
    effect = effect_of(simulated, adaptations=(adaptation,))
    assert effect.control_counters == ("c1", "c2", "c3")


def test_a_recent_adaptation_is_flagged_and_a_too_recent_one_not_estimated():
    simulated = simulate_counts(5)
    recent = effect_of(simulated, as_of=dt.date(2020, 7, 1))
    assert Caveat.AFTER_WINDOW_INCOMPLETE in recent.caveats
    assert recent.estimate is not None
    assert recent.days_after == 30  # 2 June – 1 July: Whit Monday (1 June) is left out
    too_recent = effect_of(simulated, as_of=dt.date(2020, 6, 10))
    assert too_recent.estimate is None
    assert Caveat.INSUFFICIENT_DATA in too_recent.caveats


def test_no_counts_before_the_adaptation_means_no_estimate():
    simulated = simulate_counts(5)
    late = [r for r in simulated.rows if r.counter != "t0" or r.period >= ADAPTATION]
    effect = effect_of(simulated, rows=late)
    assert effect.estimate is None
    assert effect.days_before == 0
    assert Caveat.NO_DATA_BEFORE in effect.caveats


def test_monthly_totals_use_twelve_months_and_month_of_year_effects():
    scenario = Scenario(
        n_treated=2, n_controls=5, start=dt.date(2019, 4, 1), end=dt.date(2021, 6, 30)
    )
    simulated = simulate_counts(11, scenario)
    effect = effect_of(
        simulated,
        scenario=scenario,
        rows=monthly_totals(simulated.rows),
        frequency=Frequency.MONTHLY,
    )
    assert effect.before == Window(dt.date(2019, 5, 1), dt.date(2020, 5, 1))
    assert effect.after == Window(dt.date(2020, 6, 1), dt.date(2021, 6, 1))
    assert effect.method == METHOD_DID
    assert effect.estimate is not None
    assert effect.estimate.percent_interval.contains(30.0)
    assert effect.days_after == 365


# --- windows --------------------------------------------------------------------------------


def test_daily_windows_are_eight_weeks_with_a_week_gap():
    before, after, truncated = effect_windows(
        dt.date(2020, 5, 25), frequency=Frequency.DAILY, parameters=Parameters()
    )
    assert (before.days, after.days, truncated) == (56, 56, False)
    assert after.start - before.end == dt.timedelta(days=7)


def test_windows_stop_at_the_neighbouring_adaptations():
    before, after, truncated = effect_windows(
        dt.date(2020, 5, 25),
        frequency=Frequency.DAILY,
        parameters=Parameters(),
        previous=dt.date(2020, 5, 1),
        following=dt.date(2020, 7, 1),
    )
    assert before == Window(dt.date(2020, 5, 8), dt.date(2020, 5, 25))
    assert after == Window(dt.date(2020, 6, 1), dt.date(2020, 7, 1))
    assert truncated


def test_monthly_windows_leave_the_adaptation_month_out():
    before, after, _ = effect_windows(
        dt.date(2020, 5, 1), frequency=Frequency.MONTHLY, parameters=Parameters()
    )
    assert before == Window(dt.date(2019, 5, 1), dt.date(2020, 5, 1))
    assert after == Window(dt.date(2020, 6, 1), dt.date(2021, 6, 1))


# --- what is left out -----------------------------------------------------------------------


def _bump(rows: list[CountRow], counter: str, day: dt.date, **changes: object) -> list[CountRow]:
    """A copy of the rows where one counter-day is multiplied by 50 (and changed as asked)."""
    return [
        dataclasses.replace(r, count=r.count * 50, **changes)  # type: ignore[arg-type]
        if r.counter == counter and r.period == day
        else r
        for r in rows
    ]


def test_public_holidays_are_known():
    days = french_holidays(dt.date(2020, 5, 1), dt.date(2020, 8, 1))
    assert days == (
        dt.date(2020, 5, 1),
        dt.date(2020, 5, 8),
        dt.date(2020, 5, 21),
        dt.date(2020, 6, 1),
        dt.date(2020, 7, 14),
    )


def test_a_public_holiday_does_not_enter_the_estimate():
    simulated = simulate_counts(5)
    reference = effect_of(simulated)
    holiday = dt.date(2020, 7, 14)
    on_holiday = effect_of(simulated, rows=_bump(simulated.rows, "t0", holiday))
    assert on_holiday.estimate == reference.estimate
    assert on_holiday.observations == reference.observations
    # The same bump on an ordinary day does move it: the test above can fail.
    ordinary = effect_of(simulated, rows=_bump(simulated.rows, "t0", dt.date(2020, 7, 15)))
    assert ordinary.estimate != reference.estimate


def test_holidays_are_reported_as_excluded():
    simulated = simulate_counts(5)
    inputs = EngineInputs(
        indicators=(), counts=tuple(simulated.rows), treated_counters=frozenset({"t0"})
    )
    evaluation = evaluate(inputs, as_of=dt.date(2020, 8, 31))
    assert dt.date(2020, 7, 14) in evaluation.holidays_excluded
    assert dt.date(2020, 7, 15) not in evaluation.holidays_excluded


@pytest.mark.parametrize("flag", [{"outage": True}, {"complete": False}])
def test_outage_and_incomplete_days_do_not_enter_the_estimate(flag):
    simulated = simulate_counts(5)
    day = dt.date(2020, 7, 15)
    dropped = [r for r in simulated.rows if not (r.counter == "t0" and r.period == day)]
    reference = effect_of(simulated, rows=dropped)
    flagged = effect_of(simulated, rows=_bump(simulated.rows, "t0", day, **flag))
    assert flagged.estimate == reference.estimate


def test_outage_periods_are_excluded_like_flagged_days():
    simulated = simulate_counts(5)
    start, end = dt.date(2020, 7, 1), dt.date(2020, 7, 11)
    kept = [r for r in simulated.rows if not (r.counter == "c2" and start <= r.period < end)]
    reference = effect_of(simulated, rows=kept)
    with_outage = effect_of(simulated, outages=(OutagePeriod("c2", start, end),))
    assert with_outage.estimate == reference.estimate
    assert with_outage.observations == reference.observations


def test_two_rows_for_the_same_counter_and_day_are_refused():
    rows = [CountRow("a", dt.date(2020, 1, 2), 10), CountRow("a", dt.date(2020, 1, 2), 12)]
    with pytest.raises(ValueError, match="two rows"):
        evaluate(
            EngineInputs(indicators=(), counts=tuple(rows), treated_counters=frozenset({"a"})),
            as_of=dt.date(2020, 2, 1),
        )
