"""Perception per indicator: mean and interval, negative share, profiles, before vs after."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy import stats

from evaluation.engine import Adaptation, IndicatorKind, IndicatorSpec, Rating
from evaluation.engine.perception import perception_result, period_of

SAFETY = IndicatorSpec(
    code="felt-safety", name="Sécurité", kind=IndicatorKind.PERCEPTION, target=3.5
)
CREATED = Adaptation(dt.date(2020, 5, 11), "created", version=1)
SEPARATED = Adaptation(dt.date(2020, 9, 1), "separated", version=2)


def ratings(values: list[int], day: dt.date, **kwargs: object) -> list[Rating]:
    return [Rating("felt-safety", v, day, **kwargs) for v in values]  # type: ignore[arg-type]


def test_mean_t_interval_and_negative_share():
    values = [1, 2, 2, 3, 4, 4, 5, 5, 5, 4]
    result = perception_result(SAFETY, ratings(values, dt.date(2020, 6, 1)), [CREATED], 0.95)
    current = result.current
    assert current is not None
    assert (current.n, current.mean, current.negatives) == (10, 3.5, 3)
    assert current.negative_share == pytest.approx(0.3)
    low, high = stats.t.interval(0.95, 9, loc=3.5, scale=stats.sem(values))
    assert current.interval is not None
    assert (current.interval.low, current.interval.high) == pytest.approx((low, high))
    # Wilson interval for 3/10.
    assert current.negative_interval.low == pytest.approx(0.1078, abs=1e-4)
    assert current.negative_interval.high == pytest.approx(0.6032, abs=1e-4)


def test_ratings_of_other_indicators_are_ignored():
    other = [Rating("comfort", 1, dt.date(2020, 6, 1))]
    result = perception_result(SAFETY, [*ratings([4, 5], dt.date(2020, 6, 1)), *other], [], 0.95)
    assert result.current is not None
    assert result.current.n == 2


def test_a_rating_counts_in_each_profile_of_its_author():
    day = dt.date(2020, 6, 1)
    given = [
        *ratings([2], day, profiles=frozenset({"cyclist", "resident"})),
        *ratings([4, 4], day, profiles=frozenset({"cyclist"})),
        *ratings([5], day, profiles=frozenset({"merchant"})),
    ]
    result = perception_result(SAFETY, given, [CREATED], 0.95)
    by_profile = {p.profile: p.stats for p in result.by_profile}
    assert sorted(by_profile) == ["cyclist", "merchant", "resident"]
    assert by_profile["cyclist"].n == 3
    assert by_profile["cyclist"].mean == pytest.approx(10 / 3)
    assert by_profile["resident"].negatives == 1
    assert by_profile["merchant"].interval is None  # one answer has no interval


def test_before_and_after_an_adaptation_with_a_welch_interval():
    before = ratings([2, 2, 3, 1, 2, 3], dt.date(2020, 7, 1), version=1)
    after = ratings([4, 4, 3, 5, 4], dt.date(2020, 10, 1), version=2)
    result = perception_result(SAFETY, before + after, [CREATED, SEPARATED], 0.95)
    change = result.changes[-1]
    assert change.adaptation_kind == "separated"
    assert change.difference == pytest.approx(4.0 - 13 / 6)
    welch = stats.ttest_ind([4, 4, 3, 5, 4], [2, 2, 3, 1, 2, 3], equal_var=False)
    low, high = welch.confidence_interval(0.95)
    assert change.interval is not None
    assert (change.interval.low, change.interval.high) == pytest.approx((low, high))
    assert result.current is not None
    assert result.current.n == 5  # judged on the version in force
    assert [p.stats.n if p.stats else 0 for p in result.by_period] == [0, 6, 5]


def test_periods_follow_versions_when_known_and_dates_otherwise():
    adaptations = [CREATED, SEPARATED]
    # Given on the old version the day the new one came in force: still the old one.
    late = Rating("felt-safety", 3, dt.date(2020, 9, 1), version=1)
    assert period_of(late, adaptations) == 1
    undated_version = Rating("felt-safety", 3, dt.date(2020, 9, 1))
    assert period_of(undated_version, adaptations) == 2


def test_the_interval_stays_on_the_scale():
    result = perception_result(SAFETY, ratings([5, 5, 4], dt.date(2020, 6, 1)), [], 0.95)
    assert result.current is not None
    assert result.current.interval is not None
    assert result.current.interval.high == 5.0
    assert np.isclose(result.current.mean, 14 / 3)


@pytest.mark.parametrize("value", [0, 6, 2.5, True])
def test_a_rating_outside_1_to_5_is_refused(value):
    with pytest.raises(ValueError, match="from 1 to 5"):
        Rating("felt-safety", value, dt.date(2020, 6, 1))
