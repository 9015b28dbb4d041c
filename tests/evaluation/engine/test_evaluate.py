"""`evaluate` end to end on simulated data, and the engine's independence from Django."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest

import evaluation.engine as engine
from evaluation.engine import (
    METHOD_VERSION,
    Action,
    Adaptation,
    EngineInputs,
    Parameters,
    Rating,
    Status,
    Theme,
    evaluate,
)

from .factories import change_spec, mean_spec, perception_spec
from .simulate import ADAPTATION, Scenario, simulate_counts, simulate_ratings

SCENARIO = Scenario(n_treated=2, n_controls=5)
AS_OF = SCENARIO.end
SAFETY = perception_spec("felt-safety", "Sentiment de sécurité", theme=Theme.SAFETY)


def good_ratings(seed: int, n: int = 60, day: dt.date = dt.date(2020, 7, 1)) -> list[Rating]:
    rng = np.random.default_rng(seed)
    return [Rating("felt-safety", int(v), day) for v in rng.choice([3, 4, 5, 5], n)]


def run(
    ratings: list[Rating],
    *,
    as_of: dt.date = AS_OF,
    adaptations: tuple[Adaptation, ...] = (Adaptation(ADAPTATION, "widened", version=1),),
) -> engine.Evaluation:
    simulated = simulate_counts(21, SCENARIO)
    inputs = EngineInputs(
        indicators=(change_spec(target=10.0), mean_spec(target=100.0), SAFETY),
        counts=tuple(simulated.rows),
        treated_counters=frozenset(simulated.treated),
        control_counters=frozenset(simulated.controls),
        adaptations=adaptations,
        ratings=tuple(ratings),
        line_length_m=1000.0,
    )
    return evaluate(inputs, as_of=as_of)


def test_a_successful_arrangement_is_proposed_for_permanence():
    evaluation = run(good_ratings(1))
    assert [j.status for j in evaluation.judgements] == [Status.MET] * 3
    assert evaluation.actions() == (Action.MAKE_PERMANENT,)
    effect = evaluation.usage_effects[0]
    assert effect.estimate is not None
    assert effect.estimate.percent_interval.contains(30.0)
    assert evaluation.mean_count is not None
    # The last eight weeks of the current version.
    assert evaluation.mean_count.window == engine.Window(dt.date(2020, 7, 7), dt.date(2020, 9, 1))
    assert evaluation.method_version == METHOD_VERSION
    assert evaluation.parameters == Parameters()


def test_a_disliked_segment_leads_to_an_adjustment_there():
    ratings = [
        dataclasses.replace(r, value=1 if r.value <= 2 else 4)
        for r in simulate_ratings(4, hot=(600.0, 700.0), base_negative=0.3, hot_negative=0.9)
    ]
    evaluation = run(ratings)
    assert evaluation.judgement("felt-safety").status is Status.MISSED
    assert Action.ADJUST in evaluation.actions()
    assert Action.ADD_SEPARATION in evaluation.actions()
    adjust = next(p for p in evaluation.proposals if p.action is Action.ADJUST)
    assert [(s.start_m, s.end_m) for s in adjust.segments] == [(600.0, 700.0)]
    assert [(s.start_m, s.end_m) for s in evaluation.hot_spots()] == [(600.0, 700.0)]


def test_ratings_and_adaptations_after_the_evaluation_date_are_ignored():
    later = [dataclasses.replace(r, date=dt.date(2020, 9, 15)) for r in good_ratings(2)]
    planned = Adaptation(dt.date(2020, 10, 1), "extended", version=2)
    evaluation = run(
        good_ratings(1) + later,
        adaptations=(Adaptation(ADAPTATION, "widened", version=1), planned),
    )
    assert evaluation.judgement("felt-safety").n == 60
    assert len(evaluation.usage_effects) == 1


def test_with_little_data_the_engine_asks_for_more():
    evaluation = run(good_ratings(1, n=10, day=dt.date(2020, 6, 10)), as_of=dt.date(2020, 6, 20))
    assert evaluation.actions()[-1] is Action.COLLECT_MORE_DATA
    assert evaluation.judgement("felt-safety").ratings_needed == 20
    # 19 days counted since 2 June (Whit Monday left out): 11 more days, so two weeks.
    change = evaluation.judgement("usage-change")
    assert (change.n, change.weeks_needed) == (19, 2)


def test_results_are_frozen():
    evaluation = run(good_ratings(1))
    with pytest.raises(dataclasses.FrozenInstanceError):
        evaluation.proposals[0].rationale = "autre chose"  # type: ignore[misc]


def test_a_usage_indicator_on_manual_counts_is_not_judged_on_the_counters():
    """The counters say +30 %, but the panel's indicator asks about manual counts, which the
    engine does not read: not enough data, saying why, never the counters' figure."""
    manual = dataclasses.replace(
        change_spec(target=10.0), code="manual", source=engine.UsageSource.MANUAL_COUNTS
    )
    simulated = simulate_counts(21, SCENARIO)
    inputs = EngineInputs(
        indicators=(manual, change_spec(target=10.0)),
        counts=tuple(simulated.rows),
        treated_counters=frozenset(simulated.treated),
        control_counters=frozenset(simulated.controls),
        adaptations=(Adaptation(ADAPTATION, "widened", version=1),),
    )
    evaluation = evaluate(inputs, as_of=AS_OF)
    on_manual, on_counters = evaluation.judgements
    assert on_counters.status is Status.MET
    assert on_manual.status is Status.NOT_ENOUGH_DATA
    assert on_manual.value is None
    assert on_manual.shortfall is engine.Shortfall.SOURCE_NOT_READ
    (proposal,) = [p for p in evaluation.proposals if p.action is Action.COLLECT_MORE_DATA]
    assert "comptages manuels, que l'évaluation ne lit pas" in proposal.rationale
