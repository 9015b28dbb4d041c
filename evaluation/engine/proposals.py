"""Rules that turn judgements into adjustment proposals, each with its rationale: a structured
message (messages.py), also rendered in French.

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

from .inputs import IndicatorKind, Theme, UsageStatistic
from .messages import FRENCH, Join, Message, Part, Value, message, render, text
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
    Caveat.UNEVEN_SHOCK,
    Caveat.PRE_TREND,
)


def _value(judgement: IndicatorJudgement, value: float) -> Value:
    if judgement.kind is IndicatorKind.PERCEPTION:
        return Value("rating", value)
    if judgement.statistic is UsageStatistic.CHANGE_AFTER_ADAPTATION:
        return Value("signed_percent", value)
    return Value("quantity", value, unit=judgement.unit, decimals=0 if abs(value) >= 100 else 1)


def describe(judgement: IndicatorJudgement, confidence_level: float) -> Message:
    """One indicator's numbers, with every reservation that applies to them."""
    if judgement.value is None:
        return message("NO_VALUE", name=text(judgement.name))
    fields: dict[str, Part] = {
        "name": text(judgement.name),
        "value": _value(judgement, judgement.value),
        "target": _value(judgement, judgement.target),
        "n": Value("int", judgement.n),
        "days": Value("int", judgement.n),
        "level": Value("level", confidence_level),
    }
    interval = judgement.interval
    if interval is not None:
        fields["low"] = _value(judgement, interval.low)
        if judgement.kind is IndicatorKind.PERCEPTION:
            fields["low"] = Value("number", interval.low)  # "2,9 à 3,5/5", the scale said once
        fields["high"] = _value(judgement, interval.high)
    if judgement.kind is IndicatorKind.PERCEPTION:
        key = "PERCEPTION_DETAIL" if interval else "PERCEPTION_DETAIL_NO_INTERVAL"
    elif judgement.statistic is UsageStatistic.CHANGE_AFTER_ADAPTATION:
        key = "CHANGE_DETAIL" if interval else "CHANGE_DETAIL_NO_INTERVAL"
        adapted = judgement.adaptation_date
        fields["date"] = Value("date", adapted) if adapted else text("")
    else:
        key = "MEAN_DETAIL" if interval else "MEAN_DETAIL_NO_INTERVAL"
    detail = message(key, **fields)
    reservations: list[Part] = []
    is_change = judgement.statistic is UsageStatistic.CHANGE_AFTER_ADAPTATION
    if is_change and interval is not None and interval.contains(0.0):
        reservations.append(message("INCLUDES_ZERO"))
    if interval is not None and interval.contains(judgement.target):
        reservations.append(message("INCLUDES_TARGET"))
    if judgement.alert and judgement.alert_threshold is not None:
        threshold = _value(judgement, judgement.alert_threshold)
        reservations.append(message("BEYOND_ALERT", threshold=threshold))
    reservations.extend(
        message(f"CAVEAT.{caveat.value}")
        for caveat in judgement.caveats
        if caveat in QUOTED_CAVEATS
    )
    if reservations:
        return message(
            "WITH_RESERVATIONS", text=detail, reservations=Join(tuple(reservations), "semicolon")
        )
    return detail


def _sentences(parts: Sequence[Part]) -> Join:
    return Join(tuple(message("SENTENCE", text=p) for p in parts), "space")


def _details(judgements: Sequence[IndicatorJudgement], confidence_level: float) -> Join:
    return _sentences([describe(j, confidence_level) for j in judgements])


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
) -> Message:
    if not spots:
        return message("NO_HOT_SPOT")
    parts: list[Part] = []
    for spot in spots:
        total_n, total_negatives = totals[spot.indicator_code]
        rest_n = total_n - spot.n
        rest = (total_negatives - spot.negatives) / rest_n if rest_n else 0.0
        parts.append(
            message(
                "HOT_SPOT",
                start=Value("metres", spot.start_m),
                end=Value("metres", spot.end_m),
                name=text(names[spot.indicator_code]),
                negatives=Value("int", spot.negatives),
                n=Value("int", spot.n),
                share=Value("share", spot.negative_share or 0.0),
                rest=Value("share", rest),
            )
        )
    return message("HOT_SPOTS", fdr=Value("share", fdr), segments=Join(tuple(parts), "semicolon"))


def _need(judgement: IndicatorJudgement) -> Message:
    shortfall = judgement.shortfall or Shortfall.NOT_ESTIMABLE
    return message(
        f"SHORTFALL.{shortfall.value}",
        name=text(judgement.name),
        n=Value("int", judgement.n),
        minimum=Value("int", judgement.min_sample),
        ratings_needed=Value("int", judgement.ratings_needed),
        weeks=Value("weeks", judgement.weeks_needed or 0),
        date=Value("date", judgement.adaptation_date) if judgement.adaptation_date else text(""),
    )


def _proposal(
    action: Action,
    rationale: Message,
    involved: Sequence[IndicatorJudgement],
    spots: Sequence[SegmentStat] = (),
) -> Proposal:
    return Proposal(
        action=action,
        rationale=render(rationale, FRENCH),
        indicator_codes=tuple(j.code for j in involved),
        segments=tuple(SegmentRef(s.indicator_code, s.start_m, s.end_m) for s in spots),
        evidence=_evidence(involved, spots),
        message=rationale,
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

    def details(involved: Sequence[IndicatorJudgement]) -> Join:
        return _details(involved, confidence_level)

    proposals: list[Proposal] = []
    if missed_usage and missed_perception:
        involved = missed_usage + missed_perception
        proposals.append(
            _proposal(
                Action.REDESIGN_OR_REMOVE,
                message("REDESIGN_OR_REMOVE", details=details(involved)),
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
                message(
                    "ADJUST",
                    weakest=text(weakest.name),
                    details=details(ordered),
                    spots=_hot_spot_sentence(spots, names, hot_spot_fdr, totals),
                    where=message("ADJUST_WHERE" if spots else "NOTHING"),
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
                    message("ADD_SEPARATION", details=details(involved)),
                    involved,
                )
            )
        continuity = [j for j in missed_perception if j.theme is Theme.CONTINUITY]
        if continuity and not missed_usage:
            involved = continuity + met_usage
            proposals.append(
                _proposal(Action.EXTEND, message("EXTEND", details=details(involved)), involved)
            )
    elif missed_usage:
        involved = missed_usage + [j for j in perception if j.status is Status.MET]
        proposals.append(
            _proposal(
                Action.KEEP_AND_MONITOR,
                message("KEEP_AND_MONITOR_LOW_USAGE", details=details(involved)),
                involved,
            )
        )
    elif judged and not lacking and all(j.conclusive for j in judged):
        proposals.append(
            _proposal(
                Action.MAKE_PERMANENT,
                message("MAKE_PERMANENT", details=details(judged)),
                judged,
            )
        )
    elif judged:
        proposals.append(
            _proposal(
                Action.KEEP_AND_MONITOR,
                message("KEEP_AND_MONITOR", details=details(judged)),
                judged,
            )
        )
    if lacking:
        needs = _sentences([_need(j) for j in lacking])
        proposals.append(
            _proposal(Action.COLLECT_MORE_DATA, message("COLLECT_MORE_DATA", needs=needs), lacking)
        )
    return tuple(proposals)
