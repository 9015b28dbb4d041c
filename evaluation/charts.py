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

from common.dates import long_date

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
        date = long_date(adaptation.date)
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


# --- event study: the week-by-week contrast around one adaptation -----------------------------

EVENT_WIDTH = 640
EVENT_HEIGHT = 240
EVENT_LEFT = 56  # room for the % labels
EVENT_TOP = 12
EVENT_BOTTOM = 40  # room for the week labels


@dataclass(frozen=True)
class EventPoint:
    offset: int
    x: float
    y: float
    y_low: float | None
    y_high: float | None
    text: str  # the same numbers in words, for the table beside the chart
    interval_text: str


@dataclass(frozen=True)
class EventChart:
    width: int
    height: int
    left: int
    right_edge: int
    top: int
    axis_y: float
    zero_y: float
    adaptation_x: float
    points: tuple[EventPoint, ...]
    y_ticks: tuple[Tick, ...]  # `x` holds the tick's height here
    x_ticks: tuple[Tick, ...]


def _percent(value: float) -> str:
    return f"{formats.number_format(value, 1, force_grouping=True)} %"


def event_study_chart(points: Sequence[dict[str, object]]) -> EventChart | None:
    """Lay out the stored event study of one usage effect (`details["event_study"]`: offset,
    percent, percent_interval) as dots and bars on a week axis, the adaptation marked between
    week −1 and week 1; None when there is no point (monthly data, no controls)."""
    if not points:
        return None
    values = [0.0]
    for point in points:
        values.append(float(point["percent"]))  # type: ignore[arg-type]
        interval = point.get("percent_interval")
        if isinstance(interval, dict):
            values += [float(interval["low"]), float(interval["high"])]
    low, high = min(values), max(values)
    step = _step(max(high - low, 10.0))
    low = math.floor(low / step) * step
    high = math.ceil(high / step) * step
    offsets = [int(p["offset"]) for p in points]  # type: ignore[call-overload]
    first, last = min(offsets), max(offsets)
    right_edge = EVENT_WIDTH - RIGHT
    axis_y = EVENT_HEIGHT - EVENT_BOTTOM

    def x_of(offset: float) -> float:
        share = (offset - first + 0.5) / (last - first + 1)
        return float(round(EVENT_LEFT + share * (right_edge - EVENT_LEFT), 1))

    def y_of(value: float) -> float:
        return round(axis_y - (value - low) / (high - low) * (axis_y - EVENT_TOP), 1)

    laid = []
    for point in points:
        interval = point.get("percent_interval")
        has_interval = isinstance(interval, dict)
        percent = float(point["percent"])  # type: ignore[arg-type]
        laid.append(
            EventPoint(
                offset=int(point["offset"]),  # type: ignore[call-overload]
                x=x_of(int(point["offset"])),  # type: ignore[call-overload]
                y=y_of(percent),
                y_low=y_of(float(interval["low"])) if has_interval else None,  # type: ignore[index]
                y_high=y_of(float(interval["high"])) if has_interval else None,  # type: ignore[index]
                text=_percent(percent),
                interval_text=(
                    f"{_percent(float(interval['low']))} – {_percent(float(interval['high']))}"  # type: ignore[index]
                    if has_interval
                    else ""
                ),
            )
        )
    y_ticks = []
    value = low
    while value <= high + 1e-9:
        y_ticks.append(Tick(x=y_of(value), label=f"{value:+g} %" if value else "0 %"))
        value += step
    x_ticks = tuple(
        Tick(x=x_of(offset), label=f"{offset:+d}" if offset else "0")
        for offset in range(first, last + 1)
        if offset % 2 == 0 or offset == -1
    )
    return EventChart(
        width=EVENT_WIDTH,
        height=EVENT_HEIGHT,
        left=EVENT_LEFT,
        right_edge=right_edge,
        top=EVENT_TOP,
        axis_y=axis_y,
        zero_y=y_of(0.0),
        adaptation_x=x_of(0.0),
        points=tuple(laid),
        y_ticks=tuple(y_ticks),
        x_ticks=x_ticks,
    )
