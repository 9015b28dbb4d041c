"""The validity checks beside each usage effect: placebo test, event study, uneven shocks
(simulated cities, fixed seeds, a few seconds in all)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from evaluation.engine import Adaptation, Caveat

from .simulate import ADAPTATION, Scenario, simulate_counts
from .test_usage import effect_of

SEEDS = range(40)
TRUTH = 30.0
# A counter counting half for a few weeks of the before window: works next to it, a local
# event. On the arrangement's only counter (three weeks), or on one of two controls (five).
SHOCKS = {
    "on-the-treated-counter": Scenario(
        effect=TRUTH / 100, local_shock=(0, dt.date(2020, 4, 13), dt.date(2020, 5, 4), 0.5)
    ),
    "on-a-control": Scenario(
        n_controls=2,
        effect=TRUTH / 100,
        local_shock=(1, dt.date(2020, 4, 6), dt.date(2020, 5, 11), 0.5),
    ),
}


def effects(scenario: Scenario, **kwargs):
    return [
        effect_of(simulate_counts(seed, scenario), scenario=scenario, **kwargs) for seed in SEEDS
    ]


@pytest.fixture(scope="module", params=list(SHOCKS), ids=list(SHOCKS))
def shocked(request):
    return SHOCKS[request.param], effects(SHOCKS[request.param])


def test_a_shock_on_one_counter_in_the_before_window_is_flagged(shocked):
    scenario, results = shocked
    flagged = [e for e in results if Caveat.UNEVEN_SHOCK in e.caveats]
    assert len(flagged) >= 0.85 * len(results)
    # Found when it happened. (With two controls the other one may be the one flagged: the
    # period effects spread a third of the shock on every counter, so who moved is ambiguous.)
    _, first, last, _ = scenario.local_shock
    for effect in flagged:
        assert effect.uneven_shock is not None
        assert any(
            window.start < last and window.end > first for _, window in effect.uneven_shock.periods
        )


def test_the_widened_interval_still_covers_the_truth_despite_the_shock(shocked):
    _, results = shocked
    widened = sum(e.estimate.percent_interval.contains(TRUTH) for e in results)
    plain = sum(
        (
            e.uneven_shock.unwidened_interval if e.uneven_shock else e.estimate.percent_interval
        ).contains(TRUTH)
        for e in results
    )
    assert widened >= 0.9 * len(results)
    assert plain < 0.8 * len(results)  # without the widening the interval misses the truth


def test_without_a_local_shock_the_caveat_is_rare():
    plain = effects(Scenario(n_treated=2, n_controls=5, effect=TRUTH / 100, ar=0.7))
    assert sum(Caveat.UNEVEN_SHOCK in e.caveats for e in plain) <= 0.1 * len(plain)
    assert all(e.uneven_shock is None or e.caveats for e in plain)


def test_placebo_finds_no_effect_before_an_honest_adaptation():
    honest = effects(Scenario(n_treated=2, n_controls=5, effect=TRUTH / 100))
    p_values = np.array([e.placebo.p_value for e in honest if e.placebo])
    assert p_values.size == len(honest)
    assert np.mean(p_values < 0.05) <= 0.1
    assert all(e.placebo.date == ADAPTATION - dt.timedelta(weeks=4) for e in honest)


def test_placebo_flags_a_change_that_started_before_the_recorded_date():
    # The counts changed four weeks before the date the service recorded.
    scenario = Scenario(n_controls=5, effect=0.4, adaptation=ADAPTATION - dt.timedelta(weeks=3))
    early = effects(scenario, adaptations=(Adaptation(ADAPTATION, "widened"),))
    assert np.mean([Caveat.PRE_TREND in e.caveats for e in early]) >= 0.8


def test_event_study_is_flat_before_and_steps_up_after_the_adaptation():
    effect = effect_of(simulate_counts(7, Scenario(n_treated=2, n_controls=5, effect=0.3)))
    points = {p.offset: p for p in effect.event_study}
    assert sorted(points) == [*range(-8, 0), *range(1, 9)]
    assert points[-1].percent == 0.0
    assert points[-1].percent_interval is None
    before = [points[k].percent for k in range(-8, -1)]
    after = [points[k].percent for k in range(1, 9)]
    assert abs(np.mean(before)) < 8
    assert np.mean(after) == pytest.approx(30, abs=8)
    assert all(
        p.percent_interval.low < p.percent < p.percent_interval.high
        for k, p in points.items()
        if k != -1
    )
