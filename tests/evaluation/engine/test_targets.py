"""Each indicator against the panel's target: met, missed, not enough data — and how much."""

from __future__ import annotations

from evaluation.engine import Direction, Status
from evaluation.engine.results import Caveat, Shortfall
from evaluation.engine.targets import judge_change, judge_mean, judge_perception

from .factories import (
    change,
    change_spec,
    effect,
    mean_count,
    mean_spec,
    perception,
    perception_spec,
)


def test_a_perception_target_is_met_when_the_mean_reaches_it():
    judgement = perception(perception_spec(target=3.5), 3.9, 3.6, 4.2)
    assert (judgement.status, judgement.conclusive, judgement.alert) == (Status.MET, True, False)


def test_an_interval_holding_the_target_is_not_conclusive():
    judgement = perception(perception_spec(target=3.5), 3.6, 3.3, 3.9)
    assert judgement.status is Status.MET
    assert not judgement.conclusive


def test_a_missed_target_and_the_alert_threshold():
    judgement = perception(perception_spec(alert_threshold=2.5), 2.4, 2.1, 2.7)
    assert (judgement.status, judgement.alert) == (Status.MISSED, True)


def test_lower_is_better_reverses_the_comparison():
    spec = perception_spec(target=2.0, direction=Direction.LOWER)
    assert perception(spec, 1.8, 1.5, 2.1).status is Status.MET
    assert perception(spec, 2.3, 2.0, 2.6).status is Status.MISSED


def test_too_few_ratings_says_how_many_are_missing():
    judgement = perception(perception_spec(min_sample=30), 4.5, 4.0, 5.0, n=12)
    assert judgement.status is Status.NOT_ENOUGH_DATA
    assert judgement.ratings_needed == 18
    assert judgement.shortfall is Shortfall.TOO_FEW_RATINGS
    assert judgement.value == 4.5  # still reported


def test_no_rating_at_all():
    judgement = judge_perception(perception_spec(min_sample=30), None)
    assert (judgement.status, judgement.n, judgement.ratings_needed) == (
        Status.NOT_ENOUGH_DATA,
        0,
        30,
    )


def test_a_change_is_judged_in_percent_on_the_latest_adaptation():
    judgement = change(25.0, 12.0, 39.0)
    assert (judgement.status, judgement.value, judgement.conclusive) == (Status.MET, 25.0, True)
    assert judgement.n == 56
    assert change(5.0, -4.0, 15.0).status is Status.MISSED


def test_a_short_after_window_needs_weeks_of_counting():
    judgement = change(25.0, 12.0, 39.0, spec=change_spec(min_sample=30), days_after=16)
    assert judgement.status is Status.NOT_ENOUGH_DATA
    assert judgement.weeks_needed == 2  # 14 days missing
    assert judgement.shortfall is Shortfall.TOO_FEW_DAYS


def test_waiting_does_not_help_when_nothing_was_counted_before():
    judgement = change(0.0, 0.0, 0.0, days_before=0, estimated=False)
    assert judgement.status is Status.NOT_ENOUGH_DATA
    assert judgement.weeks_needed is None
    assert judgement.shortfall is Shortfall.NO_DATA_BEFORE


def test_caveats_travel_with_the_change():
    judgement = change(25.0, 12.0, 39.0, caveats=(Caveat.NO_CONTROLS,))
    assert judgement.caveats == (Caveat.NO_CONTROLS,)


def test_usage_without_counters():
    assert judge_change(change_spec(), [], has_counters=False).shortfall is Shortfall.NO_COUNTER
    assert judge_mean(mean_spec(), None, has_counters=False).shortfall is Shortfall.NO_COUNTER
    no_adaptation = judge_change(change_spec(), [], has_counters=True)
    assert no_adaptation.shortfall is Shortfall.NO_ADAPTATION


def test_mean_daily_count_and_the_weeks_it_lacks():
    assert mean_count(1250.0, 1100.0, 1400.0).status is Status.MET
    short = mean_count(1250.0, 1100.0, 1400.0, days=10)
    assert (short.status, short.weeks_needed) == (Status.NOT_ENOUGH_DATA, 3)


def test_an_effect_that_could_not_be_estimated_is_not_enough_data():
    judgement = judge_change(change_spec(), [effect(0, 0, 0, estimated=False)], has_counters=True)
    assert judgement.status is Status.NOT_ENOUGH_DATA
    assert judgement.shortfall is Shortfall.NOT_ESTIMABLE
