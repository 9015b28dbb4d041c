"""Geometry of the charts drawn on the server as SVG: the effect of each adaptation with its
95 % interval (a "forest plot").

Drawn on the server so the chart needs no JavaScript and no inline style (the CSP forbids
both); the same numbers are given as text next to it for screen readers. Nothing here reads
the database: it takes the usage effects a selector prefetched.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import formats

if TYPE_CHECKING:
    from evaluation.models import UsageEffectResult

WIDTH = 640
LEFT = 230  # room for the labels
RIGHT = 20
ROW = 34
TOP = 12
AXIS = 34  # room for the ticks under the rows


@dataclass(frozen=True)
class EffectRow:
    label: str
    y: float
    x: float | None  # None: no estimate
    x_low: float | None
    x_high: float | None
    text: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class EffectChart:
    width: int
    height: int
    left: int
    right_edge: int
    zero_x: float
    axis_y: float
    rows: tuple[EffectRow, ...]
    ticks: tuple[Tick, ...]


def _step(span: float) -> float:
    """A round tick step giving 4 to 10 ticks over `span` percentage points."""
    for step in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if span / step <= 8:
            return float(step)
    return float(10 ** math.ceil(math.log10(span / 8)))


def effect_chart(effects: Sequence[UsageEffectResult]) -> EffectChart | None:
    """Lay out one row per usage effect (`percent_change`, `interval_low`, `interval_high`,
    `adaptation`), on a shared % axis that always shows 0; None when no effect has an
    estimate (there is nothing to draw)."""
    estimated = [e for e in effects if e.percent_change is not None]
    if not estimated:
        return None
    values = [0.0]
    for e in estimated:
        values += [v for v in (e.percent_change, e.interval_low, e.interval_high) if v is not None]
    low, high = min(values), max(values)
    step = _step(max(high - low, 10.0))
    low = math.floor(low / step) * step
    high = math.ceil(high / step) * step
    if high == low:
        high = low + step
    right_edge = WIDTH - RIGHT

    def x_of(value: float) -> float:
        return round(LEFT + (value - low) / (high - low) * (right_edge - LEFT), 1)

    rows = []
    for i, e in enumerate(effects):
        adaptation = e.adaptation
        date = formats.date_format(adaptation.date, "DATE_FORMAT")
        label = f"{adaptation.get_kind_display()}, {date}"
        y = TOP + ROW * i + ROW / 2
        if e.percent_change is None:
            rows.append(EffectRow(label, y, None, None, None, ""))
            continue
        rows.append(
            EffectRow(
                label=label,
                y=y,
                x=x_of(e.percent_change),
                x_low=None if e.interval_low is None else x_of(e.interval_low),
                x_high=None if e.interval_high is None else x_of(e.interval_high),
                text=f"{formats.number_format(e.percent_change, 1, force_grouping=True)} %",
            )
        )
    ticks = []
    value = low
    while value <= high + 1e-9:
        ticks.append(Tick(x=x_of(value), label=f"{value:+g} %" if value else "0 %"))
        value += step
    axis_y = TOP + ROW * len(rows) + 4
    return EffectChart(
        width=WIDTH,
        height=int(axis_y + AXIS),
        left=LEFT,
        right_edge=right_edge,
        zero_x=x_of(0.0),
        axis_y=axis_y,
        rows=tuple(rows),
        ticks=tuple(ticks),
    )
