"""Rules that turn judgements into adjustment proposals, each with a French rationale.

Let U be the usage indicators and P the perception indicators, each met, missed or lacking
data (targets.py). The rules, in the order they are checked:

1. U missed and P missed                 → redesign_or_remove
2. P missed (U not missed)               → adjust, naming the perception indicator furthest
                                           from its target (in points of the 1–5 scale) and
                                           the hot-spot segments of the missed indicators;
   and a *safety* indicator missed while U is met (at least one usage indicator, none
   missed)                               → add_separation as well;
   and a *continuity* indicator missed while U is not missed
                                         → extend as well.
3. U missed, P not missed                → keep_and_monitor (people like it; use may follow)
4. nothing missed:
   every indicator met with enough data and a conclusive interval → make_permanent;
   otherwise, if anything is met                                  → keep_and_monitor.
5. any indicator without enough data     → collect_more_data (in addition to the above),
   saying for each how many ratings or weeks of counts are missing.

Every rationale quotes the value, interval, sample and target of the indicators that drove it,
says when an interval includes the target (or zero, for a change after an adaptation) and
repeats the caveats of a usage estimate (e.g. no control counters). An arrangement without any
indicator gets no proposal.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import texts
from .inputs import IndicatorKind, Theme, UsageStatistic
from .results import (
    Action,
    Caveat,
    IndicatorJudgement,
    Proposal,
    SegmentRef,
    SegmentStat,
    Shortfall,
    Status,
)

# Caveats repeated next to an estimate (the others mean there is no estimate: they are told
# as shortfalls by collect_more_data).
QUOTED_CAVEATS = (
    Caveat.NO_CONTROLS,
    Caveat.FEW_CONTROLS,
    Caveat.AFTER_WINDOW_INCOMPLETE,
    Caveat.WINDOWS_TRUNCATED,
)


def _format_value(judgement: IndicatorJudgement, value: float) -> str:
    if judgement.kind is IndicatorKind.PERCEPTION:
        return texts.rating(value)
    if judgement.statistic is UsageStatistic.CHANGE_AFTER_ADAPTATION:
        return texts.signed_percent(value)
    return texts.quantity(value, judgement.unit)


def describe(judgement: IndicatorJudgement, confidence_level: float) -> str:
    """One indicator's numbers, with every reservation that applies to them."""
    if judgement.value is None:
        return texts.NO_VALUE.format(name=judgement.name)
    fields = {
        "name": judgement.name,
        "value": _format_value(judgement, judgement.value),
        "target": _format_value(judgement, judgement.target),
        "n": judgement.n,
        "days": judgement.n,
        "level": texts.level(confidence_level),
    }
    interval = judgement.interval
    if interval is not None:
        fields["low"] = _format_value(judgement, interval.low)
        if judgement.kind is IndicatorKind.PERCEPTION:
            fields["low"] = texts.number(interval.low)  # "2,9 à 3,5/5", the scale said once
        fields["high"] = _format_value(judgement, interval.high)
    if judgement.kind is IndicatorKind.PERCEPTION:
        template = texts.PERCEPTION_DETAIL if interval else texts.PERCEPTION_DETAIL_NO_INTERVAL
    elif judgement.statistic is UsageStatistic.CHANGE_AFTER_ADAPTATION:
        template = texts.CHANGE_DETAIL if interval else texts.CHANGE_DETAIL_NO_INTERVAL
        adapted = judgement.adaptation_date
        fields["date"] = texts.date(adapted) if adapted else ""
    else:
        template = texts.MEAN_DETAIL if interval else texts.MEAN_DETAIL_NO_INTERVAL
    text = template.format(**fields)
    reservations = []
    is_change = judgement.statistic is UsageStatistic.CHANGE_AFTER_ADAPTATION
    if is_change and interval is not None and interval.contains(0.0):
        reservations.append(texts.INCLUDES_ZERO)
    if interval is not None and interval.contains(judgement.target):
        reservations.append(texts.INCLUDES_TARGET)
    if judgement.alert and judgement.alert_threshold is not None:
        threshold = _format_value(judgement, judgement.alert_threshold)
        reservations.append(texts.BEYOND_ALERT.format(threshold=threshold))
    reservations.extend(
        texts.CAVEAT_TEXTS[caveat] for caveat in judgement.caveats if caveat in QUOTED_CAVEATS
    )
    if reservations:
        text += " — " + " ; ".join(reservations)
    return text


def _details(judgements: Sequence[IndicatorJudgement], confidence_level: float) -> str:
    return " ".join(f"{describe(j, confidence_level)}." for j in judgements)


def _evidence(
    judgements: Sequence[IndicatorJudgement], segments: Sequence[SegmentStat] = ()
) -> tuple[tuple[str, float | int | str | None], ...]:
    items: list[tuple[str, float | int | str | None]] = []
    for j in judgements:
        items += [
            (f"{j.code}.status", j.status.value),
            (f"{j.code}.value", j.value),
            (f"{j.code}.low", j.interval.low if j.interval else None),
            (f"{j.code}.high", j.interval.high if j.interval else None),
            (f"{j.code}.n", j.n),
            (f"{j.code}.target", j.target),
        ]
        if j.ratings_needed is not None:
            items.append((f"{j.code}.ratings_needed", j.ratings_needed))
        if j.weeks_needed is not None:
            items.append((f"{j.code}.weeks_needed", j.weeks_needed))
    for s in segments:
        prefix = f"{s.indicator_code}.segment[{s.start_m:g}-{s.end_m:g}]"
        items += [
            (f"{prefix}.n", s.n),
            (f"{prefix}.negatives", s.negatives),
            (f"{prefix}.q_value", s.q_value),
        ]
    return tuple(items)


def _hot_spot_sentence(
    spots: Sequence[SegmentStat],
    names: dict[str, str],
    fdr: float,
    totals: dict[str, tuple[int, int]],
) -> str:
    if not spots:
        return texts.NO_HOT_SPOT
    parts = []
    for spot in spots:
        total_n, total_negatives = totals[spot.indicator_code]
        rest_n = total_n - spot.n
        rest = (total_negatives - spot.negatives) / rest_n if rest_n else 0.0
        parts.append(
            texts.HOT_SPOT.format(
                start=texts.metres(spot.start_m),
                end=texts.metres(spot.end_m),
                name=names[spot.indicator_code],
                negatives=spot.negatives,
                n=spot.n,
                share=texts.share(spot.negative_share or 0.0),
                rest=texts.share(rest),
            )
        )
    return texts.HOT_SPOTS.format(fdr=texts.share(fdr), segments=" ; ".join(parts))


def _need(judgement: IndicatorJudgement) -> str:
    shortfall = judgement.shortfall or Shortfall.NOT_ESTIMABLE
    return texts.SHORTFALL_TEXTS[shortfall].format(
        name=judgement.name,
        n=judgement.n,
        minimum=judgement.min_sample,
        ratings_needed=judgement.ratings_needed,
        weeks=texts.weeks(judgement.weeks_needed or 0),
        date=texts.date(judgement.adaptation_date) if judgement.adaptation_date else "",
    )


def _proposal(
    action: Action,
    rationale: str,
    involved: Sequence[IndicatorJudgement],
    spots: Sequence[SegmentStat] = (),
) -> Proposal:
    return Proposal(
        action=action,
        rationale=rationale,
        indicator_codes=tuple(j.code for j in involved),
        segments=tuple(SegmentRef(s.indicator_code, s.start_m, s.end_m) for s in spots),
        evidence=_evidence(involved, spots),
    )


def _shortfall_in_points(judgement: IndicatorJudgement) -> float:
    return abs((judgement.value or 0.0) - judgement.target)


def propose(
    judgements: Sequence[IndicatorJudgement],
    segments: Sequence[SegmentStat],
    *,
    confidence_level: float,
    hot_spot_fdr: float,
) -> tuple[Proposal, ...]:
    """The proposals the rules of the module docstring produce, most decisive first."""
    usage = [j for j in judgements if j.kind is IndicatorKind.USAGE]
    perception = [j for j in judgements if j.kind is IndicatorKind.PERCEPTION]
    missed_usage = [j for j in usage if j.status is Status.MISSED]
    met_usage = [j for j in usage if j.status is Status.MET]
    missed_perception = [j for j in perception if j.status is Status.MISSED]
    lacking = [j for j in judgements if j.status is Status.NOT_ENOUGH_DATA]
    judged = [j for j in judgements if j.status is not Status.NOT_ENOUGH_DATA]
    usage_met = bool(met_usage) and not missed_usage

    def details(involved: Sequence[IndicatorJudgement]) -> str:
        return _details(involved, confidence_level)

    proposals: list[Proposal] = []
    if missed_usage and missed_perception:
        involved = missed_usage + missed_perception
        proposals.append(
            _proposal(
                Action.REDESIGN_OR_REMOVE,
                texts.REDESIGN_OR_REMOVE.format(details=details(involved)),
                involved,
            )
        )
    elif missed_perception:
        weakest = max(missed_perception, key=_shortfall_in_points)
        missed_codes = {j.code for j in missed_perception}
        spots = [s for s in segments if s.hot_spot and s.indicator_code in missed_codes]
        # The weakest indicator's spots first: they answer the question the proposal raises.
        spots.sort(key=lambda s: (s.indicator_code != weakest.code, s.indicator_code, s.start_m))
        names = {j.code: j.name for j in judgements}
        totals = {
            code: (
                sum(s.n for s in segments if s.indicator_code == code),
                sum(s.negatives for s in segments if s.indicator_code == code),
            )
            for code in missed_codes
        }
        ordered = [weakest, *(j for j in missed_perception if j is not weakest)]
        proposals.append(
            _proposal(
                Action.ADJUST,
                texts.ADJUST.format(
                    weakest=weakest.name,
                    details=details(ordered),
                    spots=_hot_spot_sentence(spots, names, hot_spot_fdr, totals),
                    where=texts.ADJUST_WHERE if spots else "",
                ),
                ordered,
                spots,
            )
        )
        safety = [j for j in missed_perception if j.theme is Theme.SAFETY]
        if safety and usage_met:
            involved = safety + met_usage
            proposals.append(
                _proposal(
                    Action.ADD_SEPARATION,
                    texts.ADD_SEPARATION.format(details=details(involved)),
                    involved,
                )
            )
        continuity = [j for j in missed_perception if j.theme is Theme.CONTINUITY]
        if continuity and not missed_usage:
            involved = continuity + met_usage
            proposals.append(
                _proposal(Action.EXTEND, texts.EXTEND.format(details=details(involved)), involved)
            )
    elif missed_usage:
        involved = missed_usage + [j for j in perception if j.status is Status.MET]
        proposals.append(
            _proposal(
                Action.KEEP_AND_MONITOR,
                texts.KEEP_AND_MONITOR_LOW_USAGE.format(details=details(involved)),
                involved,
            )
        )
    elif judged and not lacking and all(j.conclusive for j in judged):
        proposals.append(
            _proposal(
                Action.MAKE_PERMANENT,
                texts.MAKE_PERMANENT.format(details=details(judged)),
                judged,
            )
        )
    elif judged:
        proposals.append(
            _proposal(
                Action.KEEP_AND_MONITOR,
                texts.KEEP_AND_MONITOR.format(details=details(judged)),
                judged,
            )
        )
    if lacking:
        needs = " ".join(f"{_need(j)}." for j in lacking)
        proposals.append(
            _proposal(
                Action.COLLECT_MORE_DATA, texts.COLLECT_MORE_DATA.format(needs=needs), lacking
            )
        )
    return tuple(proposals)
