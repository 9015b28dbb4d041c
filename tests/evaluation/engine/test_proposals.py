"""Each rule produces its proposal, and its rationale cites the numbers behind it."""

from __future__ import annotations

from evaluation.engine import Action, Theme
from evaluation.engine.proposals import propose
from evaluation.engine.results import Caveat, IndicatorJudgement, SegmentStat
from evaluation.engine.texts import MINUS, NBSP

from .factories import change, mean_count, perception, perception_spec

SAFETY = perception_spec("felt-safety", "Sentiment de sécurité", theme=Theme.SAFETY)
COMFORT = perception_spec("comfort", "Confort")
CONTINUITY = perception_spec("continuity", "Continuité", theme=Theme.CONTINUITY)


def proposals(*judgements: IndicatorJudgement, segments: tuple[SegmentStat, ...] = ()):
    return propose(judgements, segments, confidence_level=0.95, hot_spot_fdr=0.05)


def only(action: Action, *judgements: IndicatorJudgement, **kwargs: object):
    found = [p for p in proposals(*judgements, **kwargs) if p.action is action]  # type: ignore[arg-type]
    assert len(found) == 1, [p.action for p in proposals(*judgements)]
    return found[0]


def hot(code: str, start: float, negatives: int, n: int) -> SegmentStat:
    return SegmentStat(
        code, int(start // 100), start, start + 100, n, negatives, negatives / n, 0.001, 0.01, True
    )


def cold(code: str, start: float, negatives: int, n: int) -> SegmentStat:
    return SegmentStat(
        code, int(start // 100), start, start + 100, n, negatives, negatives / n, 0.6, 0.9, False
    )


def test_all_targets_met_with_enough_data_make_it_permanent():
    found = proposals(
        change(25.0, 12.0, 39.0),
        perception(SAFETY, 3.9, 3.7, 4.1),
        mean_count(1234.0, 1100.0, 1350.0),
    )
    assert [p.action for p in found] == [Action.MAKE_PERMANENT]
    rationale = found[0].rationale
    assert f"+25,0{NBSP}%" in rationale
    assert f"+12,0{NBSP}% à +39,0{NBSP}%" in rationale
    assert "3,9/5" in rationale
    assert f"1{NBSP}234{NBSP}vélos/jour" in rationale
    assert "60 avis" in rationale
    assert "1er septembre 2020" in rationale
    assert found[0].indicator_codes == ("usage-change", "felt-safety", "daily-bikes")
    assert ("felt-safety.value", 3.9) in found[0].evidence


def test_met_but_uncertain_targets_keep_and_monitor_and_say_why():
    proposal = only(
        Action.KEEP_AND_MONITOR, change(12.0, -3.0, 29.0), perception(SAFETY, 3.6, 3.3, 3.9)
    )
    assert f"{MINUS}3,0{NBSP}%" in proposal.rationale
    assert "inclut zéro" in proposal.rationale
    assert "inclut la cible" in proposal.rationale
    assert Action.MAKE_PERMANENT not in [p.action for p in proposals(change(12.0, -3.0, 29.0))]


def test_a_missed_perception_target_asks_to_adjust_naming_the_weakest_and_its_hot_spots():
    segments = (
        hot("felt-safety", 300.0, 9, 12),
        cold("felt-safety", 0.0, 4, 40),
        cold("felt-safety", 100.0, 5, 38),
    )
    proposal = only(
        Action.ADJUST,
        change(25.0, 12.0, 39.0),
        perception(COMFORT, 3.2, 2.9, 3.5),
        perception(SAFETY, 2.6, 2.3, 2.9),
        segments=segments,
    )
    assert proposal.rationale.startswith("« Sentiment de sécurité » est l'indicateur")
    assert "2,6/5" in proposal.rationale
    assert "3,2/5" in proposal.rationale
    assert f"de 300{NBSP}m à 400{NBSP}m" in proposal.rationale
    assert f"9 avis négatifs sur 12, soit 75{NBSP}% contre 12{NBSP}% ailleurs" in proposal.rationale
    assert "Fisher" in proposal.rationale
    assert [(s.start_m, s.end_m) for s in proposal.segments] == [(300.0, 400.0)]
    assert proposal.indicator_codes == ("felt-safety", "comfort")


def test_adjust_without_hot_spot_says_the_problem_is_everywhere():
    proposal = only(Action.ADJUST, perception(COMFORT, 3.2, 2.9, 3.5))
    assert "Aucun tronçon ne se distingue" in proposal.rationale
    assert proposal.segments == ()


def test_felt_safety_missed_while_usage_met_adds_separation():
    proposal = only(
        Action.ADD_SEPARATION, change(25.0, 12.0, 39.0), perception(SAFETY, 2.6, 2.3, 2.9)
    )
    assert "séparation" in proposal.rationale
    assert "2,6/5" in proposal.rationale
    assert f"+25,0{NBSP}%" in proposal.rationale
    # Not when usage is unknown: the rule needs usage to be met.
    assert Action.ADD_SEPARATION not in [
        p.action for p in proposals(perception(SAFETY, 2.6, 2.3, 2.9))
    ]


def test_continuity_missed_while_usage_holds_extends():
    proposal = only(Action.EXTEND, change(25.0, 12.0, 39.0), perception(CONTINUITY, 2.9, 2.6, 3.2))
    assert "prolonger" in proposal.rationale
    assert "2,9/5" in proposal.rationale


def test_usage_and_perception_both_missed_redesign_or_remove():
    found = proposals(change(2.0, -8.0, 13.0), perception(SAFETY, 2.6, 2.3, 2.9))
    assert [p.action for p in found] == [Action.REDESIGN_OR_REMOVE]
    assert f"+2,0{NBSP}%" in found[0].rationale
    assert "inclut zéro" in found[0].rationale


def test_usage_missed_but_perception_met_keeps_and_monitors():
    proposal = only(
        Action.KEEP_AND_MONITOR, change(2.0, -8.0, 13.0), perception(SAFETY, 3.9, 3.7, 4.1)
    )
    assert "sous sa cible" in proposal.rationale


def test_too_little_data_asks_for_more_saying_how_much():
    proposal = only(
        Action.COLLECT_MORE_DATA,
        perception(SAFETY, 4.1, 3.5, 4.7, n=12),
        change(25.0, 12.0, 39.0, days_after=16),
    )
    assert "12 avis sur les 30 requis, il en manque 18" in proposal.rationale
    assert "16 jours de comptage valides sur les 30 requis" in proposal.rationale
    assert "2 semaines" in proposal.rationale
    assert ("felt-safety.ratings_needed", 18) in proposal.evidence
    assert ("usage-change.weeks_needed", 2) in proposal.evidence


def test_collect_more_data_comes_with_the_other_rules():
    found = proposals(change(25.0, 12.0, 39.0), perception(SAFETY, 4.1, 3.5, 4.7, n=12))
    assert [p.action for p in found] == [Action.KEEP_AND_MONITOR, Action.COLLECT_MORE_DATA]


def test_an_estimate_without_controls_says_so():
    proposal = only(Action.MAKE_PERMANENT, change(25.0, 12.0, 39.0, caveats=(Caveat.NO_CONTROLS,)))
    assert "sans compteur témoin" in proposal.rationale


def test_no_indicator_no_proposal():
    assert proposals() == ()
