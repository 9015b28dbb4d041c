"""The absorbed fixed-effects fit gives the original dense fit's estimates, interval and
autocorrelation, on daily and monthly data, with and without controls, gaps included."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

from evaluation.engine import Frequency, OutagePeriod, did, gls, validity

from .simulate import Scenario, monthly_totals, simulate_counts
from .test_usage import effect_of

# Far tighter than any figure shown (one decimal of a percentage): the two fits must be the
# same computation, not two approximations of it.
TOLERANCE = 1e-9


def both_fits(monkeypatch, **kwargs):
    absorbed = effect_of(**kwargs)
    with monkeypatch.context() as patch:
        patch.setattr(validity, "FIT", gls.fit_model_dense)
        dense = effect_of(**kwargs)
    return absorbed, dense


def assert_same(absorbed, dense):
    assert absorbed.estimate is not None
    assert dense.estimate is not None
    for name, value in dataclasses.asdict(absorbed.estimate).items():
        expected = dataclasses.asdict(dense.estimate)[name]
        if isinstance(value, dict):
            for side in ("low", "high"):
                assert value[side] == pytest.approx(expected[side], rel=TOLERANCE), name
        else:
            assert value == pytest.approx(expected, rel=TOLERANCE), name
    assert absorbed.observations == dense.observations
    # The validity checks' own fits too.
    assert (absorbed.placebo is None) == (dense.placebo is None)
    if absorbed.placebo is not None:
        assert absorbed.placebo.p_value == pytest.approx(dense.placebo.p_value, rel=TOLERANCE)
    assert absorbed.caveats == dense.caveats


@pytest.mark.parametrize(
    "scenario",
    [
        Scenario(),
        Scenario(n_treated=3, n_controls=25, ar=0.7),
        Scenario(n_treated=2, n_controls=1, ar=0.85),
    ],
    ids=["1-treated-4-controls", "3-treated-25-controls-ar", "one-control-persistent-noise"],
)
def test_absorbed_fit_gives_the_dense_fit_estimates_on_daily_counts(monkeypatch, scenario):
    simulated = simulate_counts(11, scenario)
    # An outage on a control and one on the treated counter: irregular gaps in the series.
    outages = (
        OutagePeriod(simulated.controls[0], dt.date(2020, 4, 20), dt.date(2020, 5, 2)),
        OutagePeriod(simulated.treated[0], dt.date(2020, 6, 10), dt.date(2020, 6, 14)),
    )
    assert_same(*both_fits(monkeypatch, simulated=simulated, scenario=scenario, outages=outages))


def test_absorbed_fit_gives_the_dense_fit_estimates_without_controls(monkeypatch):
    simulated = simulate_counts(12, Scenario(ar=0.5))
    absorbed, dense = both_fits(monkeypatch, simulated=simulated, controls=())
    assert absorbed.method == did.METHOD_BEFORE_AFTER
    assert_same(absorbed, dense)


def test_absorbed_fit_gives_the_dense_fit_estimates_on_monthly_totals(monkeypatch):
    scenario = Scenario(start=dt.date(2019, 1, 1), end=dt.date(2021, 12, 31), ar=0.5)
    simulated = simulate_counts(13, scenario)
    absorbed, dense = both_fits(
        monkeypatch,
        simulated=simulated,
        scenario=scenario,
        rows=monthly_totals(simulated.rows),
        frequency=Frequency.MONTHLY,
    )
    assert_same(absorbed, dense)


def test_both_fits_refuse_an_effect_the_design_cannot_tell_apart():
    # The treated counter is seen only after the adaptation, every day: its level and the
    # effect are the same column.
    times = np.tile(np.arange(20, dtype=np.int64), 2)
    counters = np.repeat(np.array([0, 1], dtype=np.int64), 20)
    rng = np.random.default_rng(3)
    treatment = (counters == 1).astype(float)
    arguments = {
        "counters": counters,
        "times": times,
        "cycles": times % 7,
        "treatment": treatment,
        "period_effects": True,
        "confidence_level": 0.95,
        "ar_max": 0.95,
    }
    values = rng.normal(5.0, 0.1, 40)
    assert gls.fit_log_effect_dense(values, **arguments) is None
    assert gls.fit_log_effect(values, **arguments) is None
