"""The usage statistics of `benchmarks/evaluation.py`, three ways: read back from a stored run,
computed by pandas from the raw hourly readings (the baseline, (b)), and from the rollups
((c)); each with the engine's own pure functions, so they differ only in where the daily series
come from.

Imported by `evaluation.py` once Django is set up; not a script of its own.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import time
import warnings
from dataclasses import dataclass

import pandas as pd
from django.db import connection
from evaluation_city import AS_OF, TZ

from amenagements.models import Amenagement
from evaluation.engine import (
    Adaptation,
    CountRow,
    Frequency,
    OutagePeriod,
)
from evaluation.engine.did import adaptation_effect
from evaluation.engine.mean_count import mean_daily_count
from evaluation.engine.parameters import DEFAULT_PARAMETERS
from evaluation.engine.series import current_window, valid_counts
from evaluation.inputs import count_rows, evaluation_inputs
from evaluation.models import EvaluationRun, UsageEffectResult
from usage.models import Length, Reading


@dataclass(frozen=True)
class UsageNumbers:
    """What the three ways must agree on."""

    effects: tuple[tuple[object, ...], ...]  # per adaptation: percent, low, high, obs, days…
    mean: tuple[float | None, float | None, float | None, int]  # value, low, high, days

    def close_to(self, other: UsageNumbers) -> bool:
        def same(a: object, b: object) -> bool:
            if isinstance(a, float) and isinstance(b, float):
                return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
            return a == b

        if len(self.effects) != len(other.effects):
            return False
        pairs = [*zip(self.effects, other.effects, strict=True), (self.mean, other.mean)]
        return all(same(a, b) for x, y in pairs for a, b in zip(x, y, strict=True))


def _effect_numbers(percent, low, high, observations, days_before, days_after) -> tuple:
    return (percent, low, high, observations, days_before, days_after)


def run_numbers(run: EvaluationRun) -> UsageNumbers:
    effects = tuple(
        _effect_numbers(
            e.percent_change,
            e.interval_low,
            e.interval_high,
            e.details["observations"],
            e.details["days_before"],
            e.details["days_after"],
        )
        for e in UsageEffectResult.objects.filter(run=run).order_by("adaptation__date")
    )
    result = run.indicator_results.get(definition__statistic="mean_daily")
    mean = result.details["mean_count"]
    interval = mean["interval"] or {"low": None, "high": None}
    return UsageNumbers(effects, (mean["value"], interval["low"], interval["high"], mean["days"]))


@dataclass(frozen=True)
class UsageScope:
    """What a usage computation is told: the counters, adaptations, period and outages."""

    treated: frozenset[int]
    controls: frozenset[int]
    adaptations: tuple[Adaptation, ...]
    start: dt.date
    outages: tuple[OutagePeriod, ...]


def usage_scope(amenagement: Amenagement) -> UsageScope:
    """The scope, as the engine's inputs have it (the counters, controls and period are the
    evaluation's; all three ways are then given the same)."""
    inputs = evaluation_inputs(amenagement=amenagement, as_of=AS_OF).engine
    assert inputs.frequency is Frequency.DAILY, inputs.frequency
    start = min(a.date for a in inputs.adaptations) - dt.timedelta(
        weeks=DEFAULT_PARAMETERS.window_weeks + 1
    )
    return UsageScope(
        treated=inputs.treated_counters,
        controls=frozenset().union(*(a.control_counters or () for a in inputs.adaptations)),
        adaptations=inputs.adaptations,
        start=start,
        outages=inputs.outages,
    )


def usage_statistics(counts: tuple[CountRow, ...], scope: UsageScope) -> UsageNumbers:
    """Each adaptation's effect and the mean daily count, by the engine's pure functions."""
    parameters = DEFAULT_PARAMETERS
    valid, _ = valid_counts(
        counts, outages=scope.outages, frequency=Frequency.DAILY, parameters=parameters, as_of=AS_OF
    )
    past = sorted(scope.adaptations, key=lambda a: a.date)
    effects = []
    for index, adaptation in enumerate(past):
        effect = adaptation_effect(
            valid,
            adaptation,
            treated=scope.treated,
            controls=adaptation.control_counters or (),
            frequency=Frequency.DAILY,
            parameters=parameters,
            as_of=AS_OF,
            previous=past[index - 1].date if index > 0 else None,
            following=past[index + 1].date if index + 1 < len(past) else None,
        )
        estimate = effect.estimate
        effects.append(
            _effect_numbers(
                estimate.percent if estimate else None,
                estimate.percent_interval.low if estimate else None,
                estimate.percent_interval.high if estimate else None,
                effect.observations,
                effect.days_before,
                effect.days_after,
            )
        )
    window = current_window(
        past[-1].date, as_of=AS_OF, frequency=Frequency.DAILY, parameters=parameters
    )
    mean = mean_daily_count(
        valid,
        treated=scope.treated,
        window=window,
        frequency=Frequency.DAILY,
        confidence_level=parameters.confidence_level,
    )
    assert mean is not None
    interval = mean.interval
    return UsageNumbers(
        tuple(effects),
        (
            mean.value,
            interval.low if interval else None,
            interval.high if interval else None,
            mean.days,
        ),
    )


RAW_SQL = (
    f"SELECT counter_id, start, count FROM {Reading._meta.db_table}"  # noqa: S608
    " WHERE counter_id = ANY(%(ids)s) AND length = %(hour)s AND start >= %(low)s"
    " AND start < %(high)s"
)


def raw_query_params(scope: UsageScope) -> dict[str, object]:
    return {
        "ids": sorted(scope.treated | scope.controls),
        "hour": Length.HOUR,
        "low": dt.datetime.combine(scope.start, dt.time(), TZ),
        "high": dt.datetime.combine(AS_OF + dt.timedelta(days=1), dt.time(), TZ),
    }


def read_raw_rows(scope: UsageScope) -> pd.DataFrame:
    """The raw hourly readings, streamed out by COPY into `pd.read_csv`: the fastest way found
    (pd.read_sql on the same query builds a Python datetime per row: see benchmarks/README.md)."""
    buffer = io.BytesIO()
    with (
        connection.cursor() as cursor,
        cursor.copy(
            f"COPY ({RAW_SQL}) TO STDOUT WITH (FORMAT csv)", raw_query_params(scope)
        ) as copy,
    ):
        for block in copy:
            buffer.write(block)
    buffer.seek(0)
    frame = pd.read_csv(buffer, names=["counter", "start", "count"])
    frame["start"] = pd.to_datetime(frame["start"], utc=True, format="ISO8601")
    return frame


def read_raw_rows_read_sql(scope: UsageScope) -> pd.DataFrame:
    """The same rows by `pd.read_sql`, what a pandas script would write first."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pandas prefers SQLAlchemy connections
        frame = pd.read_sql(RAW_SQL, connection.connection, params=raw_query_params(scope))
    return frame.rename(columns={"counter_id": "counter"})


def raw_daily_rows(scope: UsageScope, timings: dict[str, float]) -> tuple[CountRow, ...]:
    """(b): the raw hourly readings into pandas, summed by local day with their completeness."""
    started = time.perf_counter()
    frame = read_raw_rows(scope)
    timings["read"] = time.perf_counter() - started

    started = time.perf_counter()
    frame["day"] = frame["start"].dt.tz_convert(TZ).dt.tz_localize(None)
    frame["day"] = frame["day"].dt.normalize()
    daily = frame.groupby(["counter", "day"], sort=True).agg(
        count=("count", "sum"), hours=("count", "size")
    )
    days = pd.date_range(scope.start, AS_OF, freq="D")
    midnights = days.tz_localize(TZ)
    next_midnights = (days + pd.Timedelta(days=1)).tz_localize(TZ)
    expected = pd.Series((next_midnights - midnights) / pd.Timedelta(hours=1), index=days)
    daily = daily.reset_index()
    daily["complete"] = daily["hours"].to_numpy() >= expected.loc[daily["day"]].to_numpy()
    daily["outage"] = False
    for outage in scope.outages:
        daily.loc[
            (daily["counter"] == outage.counter)
            & (daily["day"] >= pd.Timestamp(outage.start))
            & (daily["day"] < pd.Timestamp(outage.end)),
            "outage",
        ] = True
    rows = tuple(
        CountRow(counter=int(c), period=p.date(), count=int(n), complete=bool(k), outage=bool(o))
        for c, p, n, k, o in zip(
            daily["counter"],
            daily["day"],
            daily["count"],
            daily["complete"],
            daily["outage"],
            strict=True,
        )
    )
    timings["rollup"] = time.perf_counter() - started
    return rows


def baseline(scope: UsageScope, timings: dict[str, float]) -> UsageNumbers:
    rows = raw_daily_rows(scope, timings)
    started = time.perf_counter()
    numbers = usage_statistics(rows, scope)
    timings["statistics"] = time.perf_counter() - started
    return numbers


def from_rollups(scope: UsageScope, timings: dict[str, float]) -> UsageNumbers:
    started = time.perf_counter()
    rows = count_rows(
        counter_ids=scope.treated | scope.controls,
        start=scope.start,
        as_of=AS_OF,
        frequency=Frequency.DAILY,
        outages=scope.outages,
    )
    timings["read"] = time.perf_counter() - started
    started = time.perf_counter()
    numbers = usage_statistics(rows, scope)
    timings["statistics"] = time.perf_counter() - started
    return numbers
