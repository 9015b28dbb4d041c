"""Proposals' rationales in the reader's language.

The engine stores each rationale as a structured message (`evaluation.engine.messages`, in
`AdjustmentProposal.evidence["message"]`); this module renders it at display time with
gettext (the English templates below are the msgids, the French catalogue holds the engine's
sentences) and the active locale's number and date formats — « 2 951,49 », « 1er octobre
2024 » in French, "2,951.49", "October 1, 2024" in English. A proposal stored before messages
existed keeps its French text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.utils import formats
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext

from common.dates import long_date

if TYPE_CHECKING:
    from evaluation.engine.messages import Value
    from evaluation.models import AdjustmentProposal

NBSP = "\u00a0"

TEMPLATES = {
    "PERCEPTION_DETAIL": _(
        "“%(name)s”: %(value)s (%(level)s CI: %(low)s to %(high)s; %(n)s ratings), "
        "target %(target)s"
    ),
    "PERCEPTION_DETAIL_NO_INTERVAL": _("“%(name)s”: %(value)s (%(n)s ratings), target %(target)s"),
    "CHANGE_DETAIL": _(
        "“%(name)s”: %(value)s after the adaptation of %(date)s (%(level)s CI: %(low)s to "
        "%(high)s; %(days)s days counted after), target %(target)s"
    ),
    "CHANGE_DETAIL_NO_INTERVAL": _(
        "“%(name)s”: %(value)s after the adaptation of %(date)s (%(days)s days counted after), "
        "target %(target)s"
    ),
    "NO_VALUE": _("“%(name)s”: no value yet"),
    "MEAN_DETAIL": _(
        "“%(name)s”: %(value)s on average (%(level)s CI: %(low)s to %(high)s; %(days)s days "
        "counted), target %(target)s"
    ),
    "MEAN_DETAIL_NO_INTERVAL": _(
        "“%(name)s”: %(value)s on average (%(days)s days counted), target %(target)s"
    ),
    "INCLUDES_TARGET": _(
        "the interval includes the target: the gap to the target is not established"
    ),
    "INCLUDES_ZERO": _("the interval includes zero: the adaptation may have had no effect at all"),
    "BEYOND_ALERT": _("beyond the alert threshold (%(threshold)s)"),
    "MAKE_PERMANENT": _(
        "Every target of the panel is met, with enough data and confidence intervals wholly on "
        "the right side of the target. %(details)s Proposal: make the arrangement permanent."
    ),
    "KEEP_AND_MONITOR": _(
        "No target is missed, but not everything is established yet. %(details)s Proposal: "
        "keep the arrangement and go on monitoring it."
    ),
    "KEEP_AND_MONITOR_LOW_USAGE": _(
        "Usage stays below its target while perception does not miss its own. %(details)s "
        "Proposal: keep the arrangement and follow how usage evolves before concluding."
    ),
    "ADJUST": _(
        "“%(weakest)s” is the perception indicator furthest from its target. %(details)s "
        "%(spots)s Proposal: adjust the arrangement%(where)s."
    ),
    "ADJUST_WHERE": _(" on these stretches"),
    "HOT_SPOTS": _(
        "Stretches where negative ratings are clearly more frequent than on the rest of the "
        "line (one-sided Fisher exact test, false discovery rate of %(fdr)s by "
        "Benjamini–Hochberg): %(segments)s."
    ),
    "HOT_SPOT": _(
        "from %(start)s to %(end)s on “%(name)s” (%(negatives)s negative ratings out of %(n)s, "
        "that is %(share)s against %(rest)s elsewhere)"
    ),
    "NO_HOT_SPOT": _(
        "No stretch stands out significantly from the rest of the line: the problem seems to "
        "concern the whole arrangement."
    ),
    "ADD_SEPARATION": _(
        "Usage reaches its target but felt safety does not. %(details)s Proposal: strengthen "
        "the separation from motor traffic (physical separators, kerbs, bollards)."
    ),
    "EXTEND": _(
        "The continuity of the route is judged insufficient while usage does not miss its "
        "target. %(details)s Proposal: extend the arrangement to make the route continuous."
    ),
    "REDESIGN_OR_REMOVE": _(
        "Usage and perception both miss their targets. %(details)s Proposal: redesign the "
        "arrangement, or remove it."
    ),
    "COLLECT_MORE_DATA": _(
        "The data are not enough to judge yet. %(needs)s Proposal: go on collecting before "
        "deciding."
    ),
    "SENTENCE": _("%(text)s."),
    "WITH_RESERVATIONS": _("%(text)s — %(reservations)s"),
    "CAVEAT.no_controls": _(
        "without a control counter this is a plain before/after comparison, which mixes up the "
        "effect of the adaptation with the season, the weather and shared events (strikes, "
        "lockdown): read with care"
    ),
    "CAVEAT.few_controls": _("few control counters: the comparison is fragile"),
    "CAVEAT.insufficient_data": _("too few valid days of counts to estimate the effect"),
    "CAVEAT.no_data_before": _("no valid count before the adaptation"),
    "CAVEAT.after_window_incomplete": _("the period after the adaptation is not over yet"),
    "CAVEAT.windows_truncated": _(
        "the periods compared were shortened so as not to overlap another adaptation"
    ),
    "CAVEAT.uneven_shock": _(
        "some counters moved on their own inside the periods compared (works, a local event): "
        "the interval is widened to account for it"
    ),
    "CAVEAT.pre_trend": _(
        "the placebo test finds a gap already widening before the adaptation: part of the "
        "effect may come from it"
    ),
    "SHORTFALL.too_few_ratings": _(
        "“%(name)s”: %(n)s ratings of the %(minimum)s required, %(ratings_needed)s missing"
    ),
    "SHORTFALL.too_few_days": _(
        "“%(name)s”: %(n)s valid days of counts of the %(minimum)s required, that is about "
        "%(weeks)s more of counting"
    ),
    "SHORTFALL.no_counter": _("“%(name)s”: no counter measures this arrangement (install one)"),
    "SHORTFALL.no_adaptation": _("“%(name)s”: no adaptation whose effect to measure"),
    "SHORTFALL.no_data_before": _(
        "“%(name)s”: no valid count before the adaptation of %(date)s, its effect cannot be "
        "measured (waiting will not help)"
    ),
    "SHORTFALL.too_few_days_before": _(
        "“%(name)s”: only %(n)s valid days of counts before the adaptation of %(date)s of the "
        "%(minimum)s required (waiting will not help)"
    ),
    "SHORTFALL.not_estimable": _(
        "“%(name)s”: counts too patchy around the adaptation of %(date)s to estimate its effect"
    ),
    "SHORTFALL.source_not_read": _(
        "“%(name)s”: its data are manual counts, which the evaluation does not read (adopt a "
        "new version reading the counters)"
    ),
}


def _number(value: float, decimals: int = 1) -> str:
    return formats.number_format(round(value, decimals), decimals, force_grouping=True)


def _percent(number: str) -> str:
    return pgettext("a percentage", "%(number)s%%") % {"number": number}


def _date(value: dt.date) -> str:
    return long_date(value)  # « 1er octobre 2024 »


class Reader:
    """The active language's templates (gettext) and formats (django.utils.formats)."""

    def template(self, key: str) -> str:
        return "" if key == "NOTHING" else str(TEMPLATES[key])

    def fill(self, template: str, fields: Mapping[str, str]) -> str:
        return template % fields if fields else template.replace("%%", "%")

    def value(self, value: Value) -> str:
        v = value.value
        kind = value.kind
        if kind == "text":
            return str(v)
        if kind == "int":
            return _number(int(v), 0) if v is not None else ""
        if kind == "number":
            return _number(float(v), value.decimals)
        if kind == "rating":
            return f"{_number(float(v))}/5"
        if kind == "signed_percent":
            sign = "+" if round(float(v), 1) > 0 else ""
            return sign + _percent(_number(float(v)))
        if kind in {"share", "level"}:
            return _percent(_number(100 * float(v), 0))
        if kind == "quantity":
            return f"{_number(float(v), value.decimals)}{NBSP}{value.unit}".rstrip()
        if kind == "metres":
            return f"{_number(float(v), 0)}{NBSP}m"
        if kind == "date":
            return _date(v)
        if kind == "weeks":
            count = int(v)
            return ngettext("%(count)s week", "%(count)s weeks", count) % {"count": count}
        raise ValueError(kind)

    def separator(self, name: str) -> str:
        if name == "semicolon":
            return pgettext("between the items of a list", "; ")
        return " "


def rationale(proposal: AdjustmentProposal) -> str:
    """The proposal's rationale in the active language (its stored French text for a proposal
    stored before rationales were structured)."""
    from evaluation.engine.messages import from_json, render

    stored: Any = (proposal.evidence or {}).get("message")
    if not stored:
        return proposal.rationale
    return render(from_json(stored), Reader())
