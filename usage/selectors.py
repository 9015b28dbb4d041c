"""Reads on usage data, shaped for each use. None of them reads the raw readings: the daily and
monthly rollups are the only time series read here (see `usage.models`).

Statistics leave out the days of an outage and incomplete days (months): a counter that did
not count says nothing about usage.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, QuerySet

from amenagements.models import Adaptation, Amenagement
from amenagements.selectors import Bbox
from common.sql import query_text
from usage.models import (
    Counter,
    CounterLink,
    DailyTotal,
    Length,
    ManualCount,
    MonthlyTotal,
    Outage,
)

# An arrangement's chart shows daily totals when its counters' daily data span at most this
# many days (two years: enough to compare before and after an adaptation), monthly otherwise.
DAILY_CHART_MAX_DAYS = 731
# The closest counters only: more lines would make the chart unreadable.
CHART_MAX_COUNTERS = 6
MANUAL_COUNTS_SHOWN = 50


def counters_geojson(*, bbox: Bbox | None = None) -> str:
    """The counters as a GeoJSON FeatureCollection, built by PostGIS in one query."""
    where, params = "", []
    if bbox is not None:
        where = "WHERE c.location && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
        params = list(bbox)
    sql = f"""
        SELECT '{{"type":"FeatureCollection","features":['
            || COALESCE(string_agg(
                '{{"type":"Feature","id":' || c.id
                || ',"geometry":' || ST_AsGeoJSON(c.location, 6)
                || ',"properties":' || json_build_object(
                    'name', c.name, 'source', c.source,
                    'arrangements', (SELECT count(*) FROM {CounterLink._meta.db_table} l
                                     WHERE l.counter_id = c.id AND NOT l.excluded)
                )::text
                || '}}',
                ',' ORDER BY c.name, c.id
            ), '')
            || ']}}'
        FROM {Counter._meta.db_table} c
        {where}
    """  # noqa: S608 -- table names from the models and a fixed clause; values are parameters
    return query_text(sql, params, model=Counter)


# --- the arrangement page ---------------------------------------------------------------------


@dataclass(frozen=True)
class CounterUsage:
    """A counter on an arrangement's page, with its usual count (outages left out)."""

    id: int
    name: str
    source: str
    attribution: str
    distance_m: float | None
    manual: bool
    mean: float | None = None
    periods_used: int = 0


@dataclass(frozen=True)
class UsageCell:
    count: int | None = None
    complete: bool = False
    outage: bool = False


@dataclass(frozen=True)
class UsageRow:
    period: dt.date
    cells: list[UsageCell]
    events: list[Adaptation] = field(default_factory=list)


@dataclass(frozen=True)
class OutageSpan:
    counter: str
    start: dt.date
    end: dt.date  # exclusive
    kind: str
    label: str

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)


@dataclass(frozen=True)
class ArrangementUsage:
    """Everything the usage section of an arrangement's page shows."""

    counters: list[CounterUsage]
    granularity: str  # "day" or "month"
    rows: list[UsageRow]
    outages: list[OutageSpan]
    manual_counts: list[ManualCount]
    chart: dict[str, Any]
    link_distance_m: float

    @property
    def has_data(self) -> bool:
        return bool(self.rows)

    @property
    def attributions(self) -> list[str]:
        """Every import's attribution of the counters shown, once each (a counter keeps each
        of its imports', `services._attribution_add`)."""
        parts = (part.strip() for c in self.counters for part in c.attribution.split(" ; "))
        return sorted({part for part in parts if part})


def _epoch(day: dt.date) -> int:
    """Seconds since 1970 at midnight UTC of `day`: the chart shows calendar days, not
    instants, and draws them in UTC so that every browser shows the same date."""
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def arrangement_usage(*, amenagement: Amenagement) -> ArrangementUsage:
    """The usage section of an arrangement's page: its counters, their daily or monthly totals
    with outages marked (and left out of the means and the chart's lines), the adaptation dates
    to mark on the chart, and the manual counts. Five queries at most, whatever the data's size;
    reads the arrangement's adaptations from its prefetched `adaptations` when there are some."""
    links = list(
        CounterLink.objects.filter(amenagement=amenagement, excluded=False)
        .select_related("counter")
        .only(
            "distance_m",
            "manual",
            "counter__name",
            "counter__source",
            "counter__attribution",
        )
        .order_by("distance_m", "counter__name")[:CHART_MAX_COUNTERS]
    )
    manual_counts = list(
        ManualCount.objects.filter(amenagement=amenagement).order_by(
            "-date", "-start_time", "subject"
        )[:MANUAL_COUNTS_SHOWN]
    )
    distance = settings.TACTIQUE_COUNTER_LINK_DISTANCE_M
    if not links:
        return ArrangementUsage([], "day", [], [], manual_counts, {}, distance)
    ids = [link.counter_id for link in links]
    # The span of every month with data, whatever the readings' period: a few weeks of daily
    # counts imported after years of monthly ones must not hide the years (the chart by day
    # only when every month has daily totals and they fit in DAILY_CHART_MAX_DAYS).
    span = MonthlyTotal.objects.filter(counter_id__in=ids).aggregate(
        first=Min("month"),
        last=Max("month"),
        daily=Count("month", filter=Q(source_length=Length.DAY)),
        monthly=Count("month", filter=~Q(source_length=Length.DAY)),
    )
    daily = (
        bool(span["daily"])
        and not span["monthly"]
        and (_next_month(span["last"]) - span["first"]).days <= DAILY_CHART_MAX_DAYS
    )
    series: Iterable[tuple[int, dt.date, int, int, int]]
    if daily:
        series = DailyTotal.objects.filter(counter_id__in=ids).values_list(
            "counter_id", "date", "count", "hours", "hours_expected"
        )
    else:
        series = MonthlyTotal.objects.filter(counter_id__in=ids).values_list(
            "counter_id", "month", "count", "days", "days_expected"
        )
    outages = list(
        Outage.objects.filter(counter_id__in=ids)
        .order_by("start")
        .values_list("counter_id", "start", "end", "kind")
    )
    return _shape(
        amenagement=amenagement,
        links=links,
        series=series,
        outages=outages,
        granularity="day" if daily else "month",
        manual_counts=manual_counts,
        distance=distance,
    )


def _shape(
    *,
    amenagement: Amenagement,
    links: list[CounterLink],
    series: Iterable[tuple[int, dt.date, int, int, int]],
    outages: list[tuple[int, dt.date, dt.date, str]],
    granularity: str,
    manual_counts: list[ManualCount],
    distance: float,
) -> ArrangementUsage:
    ids = [link.counter_id for link in links]
    column = {counter_id: i for i, counter_id in enumerate(ids)}
    names = {link.counter_id: link.counter.name for link in links}
    by_counter: dict[int, list[tuple[dt.date, dt.date]]] = {i: [] for i in ids}
    for counter_id, start, end, _kind in outages:
        by_counter[counter_id].append((start, end))

    def in_outage(counter_id: int, period: dt.date) -> bool:
        end = period + dt.timedelta(days=1) if granularity == "day" else _next_month(period)
        return any(s < end and period < e for s, e in by_counter[counter_id])

    table: dict[dt.date, list[UsageCell]] = {}
    for counter_id, period, count, covered, expected in series:
        cells = table.setdefault(period, [UsageCell() for _ in ids])
        cells[column[counter_id]] = UsageCell(
            count=count, complete=covered >= expected, outage=in_outage(counter_id, period)
        )
    periods = sorted(table)
    events = sorted(amenagement.adaptations.all(), key=lambda a: (a.date, a.pk))
    rows = []
    for period in periods:
        end = period + dt.timedelta(days=1) if granularity == "day" else _next_month(period)
        rows.append(
            UsageRow(
                period=period,
                cells=table[period],
                events=[e for e in events if period <= e.date < end],
            )
        )
    counters = []
    for i, link in enumerate(links):
        usable = [
            cell.count
            for cell in (row.cells[i] for row in rows)
            if cell.count is not None and cell.complete and not cell.outage
        ]
        counters.append(
            CounterUsage(
                id=link.counter_id,
                name=link.counter.name,
                source=link.counter.source,
                attribution=link.counter.attribution,
                distance_m=link.distance_m,
                manual=link.manual,
                mean=statistics.fmean(usable) if usable else None,
                periods_used=len(usable),
            )
        )
    kinds = dict(Outage.Kind.choices)
    spans = [
        OutageSpan(
            counter=names[counter_id], start=start, end=end, kind=kind, label=str(kinds[kind])
        )
        for counter_id, start, end, kind in outages
    ]
    chart = _chart(rows, counters, spans, events, granularity) if rows else {}
    return ArrangementUsage(counters, granularity, rows, spans, manual_counts, chart, distance)


def _chart(
    rows: Sequence[UsageRow],
    counters: Sequence[CounterUsage],
    outages: Sequence[OutageSpan],
    events: Sequence[Adaptation],
    granularity: str,
) -> dict[str, Any]:
    """The chart's data for `json_script`: x as epoch seconds, one series per counter with a
    gap (null) where the counter was out, outage bands and adaptation markers."""
    first, last = rows[0].period, rows[-1].period
    return {
        "granularity": granularity,
        "x": [_epoch(row.period) for row in rows],
        "series": [
            {
                "label": counter.name,
                "values": [None if row.cells[i].outage else row.cells[i].count for row in rows],
            }
            for i, counter in enumerate(counters)
        ],
        "outages": [[_epoch(max(o.start, first)), _epoch(o.end)] for o in outages if o.end > first],
        "events": [
            {"x": _epoch(e.date), "label": f"{e.get_kind_display()} ({e.date:%d/%m/%Y})"}
            for e in events
            if first <= e.date <= (last if granularity == "day" else _next_month(last))
        ],
    }


# --- statistics --------------------------------------------------------------------------------


def daily_totals_for_statistics(
    *, counter_ids: Sequence[int], start: dt.date, end: dt.date
) -> list[tuple[int, dt.date, int]]:
    """(counter id, day, count) of the complete days in [start, end) outside any outage: the
    input of every usage statistic (the evaluation engine's included). One query."""
    outage = Outage.objects.filter(
        counter_id=OuterRef("counter_id"), start__lte=OuterRef("date"), end__gt=OuterRef("date")
    )
    return list(
        DailyTotal.objects.filter(
            counter_id__in=counter_ids,
            date__gte=start,
            date__lt=end,
            hours__gte=F("hours_expected"),
        )
        .exclude(Exists(outage))
        .order_by("counter_id", "date")
        .values_list("counter_id", "date", "count")
    )


def counter_attributions() -> QuerySet[Counter, str]:
    """The licence and attribution of each source of counters (distinct, non-empty)."""
    return (
        Counter.objects.exclude(attribution="")
        .order_by()
        .values_list("attribution", flat=True)
        .distinct()
    )
