"""Hot spots along the line: a planted one is found, uniform data yields (almost) none."""

from __future__ import annotations

import datetime as dt

import pytest

from evaluation.engine import Direction, IndicatorKind, IndicatorSpec, Parameters, Rating
from evaluation.engine.segments import segment_bounds, segment_stats

from .simulate import simulate_ratings

DAY = dt.date(2020, 7, 1)
DEFAULTS = Parameters()
SAFETY = IndicatorSpec(
    code="felt-safety", name="Sécurité", kind=IndicatorKind.PERCEPTION, target=3.5
)


def hot_spots(
    ratings: list[Rating], parameters: Parameters = DEFAULTS
) -> list[tuple[float, float]]:
    segments = segment_stats(ratings, [SAFETY], line_length_m=1000.0, parameters=parameters)
    return [(s.start_m, s.end_m) for s in segments if s.hot_spot]


def test_a_planted_hot_segment_is_found_and_nothing_else():
    assert hot_spots(simulate_ratings(1, hot=(400.0, 500.0))) == [(400.0, 500.0)]


def test_a_planted_hot_segment_is_found_in_most_cities():
    found = sum(
        (400.0, 500.0) in hot_spots(simulate_ratings(s, hot=(400.0, 500.0))) for s in range(100)
    )
    assert found >= 90


def test_uniform_ratings_rarely_yield_a_hot_spot():
    # Benjamini–Hochberg at 5 % bounds the chance of any false hot spot by 5 % when none is
    # real; the exact test's discreteness keeps it lower (≈ 2 % measured over 500 cities).
    false_alarms = sum(bool(hot_spots(simulate_ratings(seed))) for seed in range(200))
    assert false_alarms <= 10


def test_segments_report_counts_shares_and_tests():
    ratings = [
        Rating("felt-safety", value, date=DAY, position_m=position)
        for value, position in [(1, 10.0), (2, 20.0), (5, 30.0), (4, 150.0), (1, 260.0)]
    ]
    segments = segment_stats(
        ratings, [SAFETY], line_length_m=250.0, parameters=Parameters(min_segment_ratings=3)
    )
    assert [(s.start_m, s.end_m, s.n, s.negatives) for s in segments] == [
        (0.0, 100.0, 3, 2),
        (100.0, 200.0, 1, 0),
        (200.0, 250.0, 1, 1),  # the last segment is shorter; a point past the end goes there
    ]
    first = segments[0]
    assert first.negative_share == pytest.approx(2 / 3)
    # P(X >= 2) for X ~ Hypergeometric(5 ratings, 3 negative, 3 drawn) = 1 - P(X = 1) = 0.7
    assert first.p_value == pytest.approx(0.7)
    assert first.q_value == pytest.approx(0.7)
    assert segments[1].p_value is None  # too thin to test
    assert not any(s.hot_spot for s in segments)


def test_segment_length_is_a_parameter():
    assert segment_bounds(250.0, 100.0) == [(0.0, 100.0), (100.0, 200.0), (200.0, 250.0)]
    ratings = simulate_ratings(1, hot=(400.0, 500.0))
    assert hot_spots(ratings, Parameters(segment_length_m=50.0)) == [(400.0, 450.0), (450.0, 500.0)]


def test_lower_is_better_indicators_count_4_and_5_as_negative():
    danger = IndicatorSpec(
        code="danger",
        name="Danger",
        kind=IndicatorKind.PERCEPTION,
        target=2.0,
        direction=Direction.LOWER,
    )
    ratings = [Rating("danger", value, date=DAY, position_m=5.0) for value in (1, 2, 3, 4, 5)]
    (segment,) = segment_stats(ratings, [danger], line_length_m=100.0, parameters=Parameters())
    assert segment.negatives == 2
