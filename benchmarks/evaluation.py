"""Benchmark the evaluation engine: one heavily-used arrangement, then the whole demo city.

    .venv/bin/python benchmarks/evaluation.py        (or `make bench`)
    .venv/bin/python benchmarks/evaluation.py --part arrangement|demo --runs 5

Part 1, one arrangement (throwaway database `test_<database>_bench_evaluation`). A bike lane in
Lyon, created on 2017-01-09, extended on 2021-05-03 (a new geometry, so a second version),
separated from traffic on 2024-09-16; 10 counters on it and 5 control counters elsewhere in the
commune (same source, linked to no arrangement: the control rule of
`evaluation.inputs`), with 10 years of *hourly* counts each (2016-11-01 to
2026-10-31, ≈ 1.3 million rows; seasonality, weather and a lockdown common to all counters, a
weekday and hourly pattern per counter, persistent noise, two outages, a few missing hours, and
planted effects of +40 %, +20 % and +15 % on the arrangement's counters). The counts go
through the project's import (`readings_import`), which builds the daily and monthly rollups
and detects the outages. The demonstration panel and its six indicators
(`load_demo_indicators`) apply to it; 10,000 residents' contributions with ratings (a planted
hot spot 800–1,000 m along the line) and pinned spots are bulk-created. Then, as the median of
several runs after one warm-up:

  (a) `evaluation.services.evaluation_run(amenagement=…, as_of=2026-10-31)`: inputs from the
      rollups, the whole engine (usage, perception, segments, targets, proposals), the writes;
  (b) the baseline: the same usage statistics — each adaptation's effect and the
      mean daily count — computed by pandas from the raw hourly rows: the readings of the
      treated and control counters read into a frame (COPY … TO STDOUT into `pd.read_csv`,
      the fastest way found; one read by `pd.read_sql` is timed too), summed by local day with
      their completeness (hours present against the day's 23, 24 or 25), then handed to the
      engine's own pure functions. It differs from the engine only in where the daily series
      come from;
  (c) the same usage statistics from the rollups (`count_rows` + the same pure functions): (a)'s
      usage part alone, the like-for-like counterpart of (b).

It prints the times with a breakdown, the ratios (b)/(a) and (b)/(c), and the estimates
against the planted effects. It exits non-zero if (a), (b) and (c) disagree on any usage number
(effects, intervals, observations, mean daily count).

Part 2, the whole demo city (throwaway database `test_<database>_bench_evaluation_demo`): the
data of `make run` (`load_demo`, `load_demo_usage`, `load_demo_indicators`,
`load_demo_contributions`), then `manage.py evaluate --all` timed once: total, arrangements
evaluated, mean, median and slowest per arrangement, and the proposals by action.

Set-up times are printed, not measured against anything. Timings are the machine's: read them.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import io
import itertools
import math
import os
import random
import statistics
import sys
import tempfile
import time
import warnings
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Run as a script from anywhere: the project root must be importable, and its settings chosen
# before Django is set up (hence the late imports below).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.test_settings"
# Small matrices: one BLAS thread, as `make test` does (threads fight over a shared machine).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import django

django.setup()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.gis.gdal import CoordTransform, SpatialReference  # noqa: E402
from django.contrib.gis.geos import LineString, Point  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from harness import thousands, throwaway_database  # noqa: E402

from amenagements import services as amenagement_services  # noqa: E402
from amenagements.models import Adaptation as AdaptationModel  # noqa: E402
from amenagements.models import Amenagement, AmenagementVersion  # noqa: E402
from evaluation.engine import (  # noqa: E402
    Adaptation,
    CountRow,
    Frequency,
    OutagePeriod,
    evaluate,
)
from evaluation.engine.did import adaptation_effect  # noqa: E402
from evaluation.engine.mean_count import mean_daily_count  # noqa: E402
from evaluation.engine.parameters import DEFAULT_PARAMETERS  # noqa: E402
from evaluation.engine.series import current_window, valid_counts  # noqa: E402
from evaluation.inputs import count_rows, evaluation_inputs  # noqa: E402
from evaluation.models import AdjustmentProposal, EvaluationRun, UsageEffectResult  # noqa: E402
from evaluation.services import evaluation_run  # noqa: E402
from participation.indicators.selectors import adopted_for_amenagement  # noqa: E402
from participation.models import Contribution, ContributorProfile, IndicatorDefinition, Rating  # noqa: E402
from usage import services as usage_services  # noqa: E402
from usage.importing import CountersFormat, ReadingsFormat  # noqa: E402
from usage.models import Counter, DailyTotal, Length, Outage, Reading  # noqa: E402

DATABASE = settings.DATABASES["default"]["NAME"]
DB_NAME = f"test_{DATABASE}_bench_evaluation"
DEMO_DB_NAME = f"test_{DATABASE}_bench_evaluation_demo"
SEED = 2020
RUNS = 5
SOURCE = "bench-evaluation"
COMMUNE = "Métropole de Lyon"  # the demonstration panel's scope (`load_demo_indicators`)
TZ = zoneinfo.ZoneInfo(settings.TIME_ZONE)
METRIC_SRID = settings.TACTIQUE_METRIC_SRID

FIRST_DAY = dt.date(2016, 11, 1)
AS_OF = dt.date(2026, 10, 31)
N_TREATED = 10
N_CONTROLS = 5
N_CONTRIBUTIONS = 10_000
# (date, kind, planted effect on the arrangement's counters)
CREATED = dt.date(2017, 1, 9)
EXTENDED = dt.date(2021, 5, 3)
SEPARATED = dt.date(2024, 9, 16)
PLANTED = {CREATED: 40.0, EXTENDED: 20.0, SEPARATED: 15.0}
LOCKDOWN = (dt.date(2020, 3, 17), dt.date(2020, 5, 11))
# Outages inside effect windows, so that excluding them matters: a treated counter counting
# zeros after the separation, a control sending nothing before the extension.
ZERO_OUTAGE = (3, dt.date(2024, 10, 7), dt.date(2024, 10, 19))
MISSING_OUTAGE = (N_TREATED + 1, dt.date(2021, 3, 15), dt.date(2021, 3, 24))
MISSING_HOUR_SHARE = 0.0005  # hours lost at random: incomplete days
HOT_SPOT_M = (800.0, 1000.0)

# Cours Lafayette, west to east (version 1), then extended further east (version 2).
LINE_V1 = [(4.8400 + 0.0024 * i, 45.7636 + 0.00015 * math.sin(i / 2)) for i in range(11)]
LINE_V2 = LINE_V1 + [(4.8640 + 0.0024 * i, 45.7636 + 0.0001 * i) for i in range(1, 6)]

# Share of the day's bikes by local hour, on working days and at weekends.
WORKDAY_HOURS = np.array(
    [1, 0.5, 0.3, 0.3, 0.5, 2, 5, 11, 13, 7, 5, 5, 6, 6, 5, 5, 7, 12, 11, 7, 5, 3, 2, 1.5]
)
WEEKEND_HOURS = np.array(
    [2, 1.5, 1, 0.5, 0.5, 0.5, 1, 2, 4, 6, 8, 9, 9, 9, 9, 9, 9, 8, 7, 5, 4, 3, 2, 2]
)
COMMUTER_WEEK = np.log([1.0, 1.05, 1.05, 1.0, 0.95, 0.6, 0.5])
LEISURE_WEEK = np.log([0.8, 0.8, 0.85, 0.85, 0.9, 1.25, 1.3])


# --- part 1: data ------------------------------------------------------------------------------


def simulate_counts(rng: np.random.Generator) -> tuple[list[str], list[np.ndarray], np.ndarray]:
    """Hourly counts of every counter: the local time stamps, one array per counter (−1 where
    the hour is missing), and the day index of each hour."""
    start = dt.datetime.combine(FIRST_DAY, dt.time(), TZ)
    end = dt.datetime.combine(AS_OF + dt.timedelta(days=1), dt.time(), TZ)
    hours = pd.date_range(
        start.astimezone(dt.UTC), end.astimezone(dt.UTC), freq="h", inclusive="left"
    )
    local = hours.tz_convert(TZ)
    stamps = [t.isoformat() for t in local.to_pydatetime()]
    days = pd.date_range(FIRST_DAY, AS_OF, freq="D")
    day_of_hour = np.asarray((local.tz_localize(None).normalize() - days[0]).days)
    n_days = days.size

    def ar1(phi: float, sd: float, size: int) -> np.ndarray:
        shocks = rng.normal(0, sd, size)
        out = np.empty(size)
        out[0] = shocks[0]
        for t in range(1, size):
            out[t] = phi * out[t - 1] + shocks[t]
        return out

    doy = np.asarray(days.day_of_year)
    years = (days - days[0]).days.to_numpy() / 365.25
    common = (
        0.35 * np.cos(2 * np.pi * (doy - 190) / 365.25)
        + 0.04 * years
        + ar1(0.6, 0.12, n_days)  # weather
        - 0.3 * (days.month == 8)
        - 1.6 * ((days >= pd.Timestamp(LOCKDOWN[0])) & (days < pd.Timestamp(LOCKDOWN[1])))
    )
    weekday = np.asarray(days.day_of_week)
    weekend_of_hour = weekday[day_of_hour] >= 5
    hour_share = np.where(
        weekend_of_hour,
        (WEEKEND_HOURS / WEEKEND_HOURS.sum())[local.hour],
        (WORKDAY_HOURS / WORKDAY_HOURS.sum())[local.hour],
    )
    effect = sum(
        math.log1p(percent / 100) * np.asarray(days >= pd.Timestamp(date))
        for date, percent in PLANTED.items()
    )
    counts = []
    for c in range(N_TREATED + N_CONTROLS):
        week = COMMUTER_WEEK if c % 3 else LEISURE_WEEK
        level = rng.uniform(math.log(400), math.log(3000))
        daily = level + common + week[weekday] + ar1(0.5, 0.08, n_days)
        if c < N_TREATED:
            daily = daily + effect
        hourly = rng.poisson(np.exp(daily)[day_of_hour] * hour_share)
        hourly[rng.random(hourly.size) < MISSING_HOUR_SHARE] = -1
        for which, first, last in (ZERO_OUTAGE, MISSING_OUTAGE):
            if which == c:
                out = (day_of_hour >= (first - FIRST_DAY).days) & (
                    day_of_hour < (last - FIRST_DAY).days
                )
                hourly[out] = 0 if (which, first, last) == ZERO_OUTAGE else -1
        counts.append(hourly)
    return stamps, counts, day_of_hour


def external_id(c: int) -> str:
    return f"T{c + 1:02d}" if c < N_TREATED else f"C{c - N_TREATED + 1:02d}"


def counters_csv() -> bytes:
    """Treated counters 8 m beside version 1 of the line, controls 1.3 km south of it."""
    lines = ["id,name,lon,lat"]
    for c in range(N_TREATED):
        x = 0.05 + 0.9 * c / (N_TREATED - 1)
        i = min(int(x * (len(LINE_V1) - 1)), len(LINE_V1) - 2)
        t = x * (len(LINE_V1) - 1) - i
        (x1, y1), (x2, y2) = LINE_V1[i], LINE_V1[i + 1]
        lon, lat = x1 + t * (x2 - x1), y1 + t * (y2 - y1) + 0.00007
        lines.append(f"{external_id(c)},Cours Lafayette {c + 1},{lon:.7f},{lat:.7f}")
    for k in range(N_CONTROLS):
        c = N_TREATED + k
        lines.append(f"{external_id(c)},Témoin {k + 1},{4.835 + 0.006 * k:.7f},45.7520000")
    return ("\n".join(lines) + "\n").encode()


def readings_csv(path: Path, stamps: list[str], counts: list[np.ndarray]) -> int:
    """The long format `counter,datetime,count`, counter after counter; returns the rows."""
    rows = 0
    with path.open("w", encoding="utf-8") as f:
        f.write("counter,datetime,count\n")
        for c, hourly in enumerate(counts):
            name = external_id(c)
            values = hourly.tolist()
            f.write(
                "".join(f"{name},{s},{n}\n" for s, n in zip(stamps, values, strict=True) if n >= 0)
            )
            rows += int((hourly >= 0).sum())
    return rows


def make_arrangement() -> Amenagement:
    commune = amenagement_services.commune_get_or_create(name=COMMUNE)
    amenagement = amenagement_services.amenagement_create(
        name="Cours Lafayette (banc d'essai)",
        kind=Amenagement.Kind.BIKE_LANE,
        status=Amenagement.Status.TESTING,
        geom=LineString(LINE_V1, srid=4326),
        date=CREATED,
        commune=commune,
        description="Piste temporaire du banc d'essai de l'évaluation.",
    )
    return amenagement


def adapt(amenagement: Amenagement) -> None:
    amenagement_services.amenagement_adapt(
        amenagement=amenagement,
        date=EXTENDED,
        kind=AdaptationModel.Kind.EXTENDED,
        geom=LineString(LINE_V2, srid=4326),
        description="Prolongée vers l'est.",
    )
    amenagement_services.amenagement_adapt(
        amenagement=amenagement,
        date=SEPARATED,
        kind=AdaptationModel.Kind.SEPARATED,
        description="Séparateurs posés sur toute la longueur.",
    )


def make_contributions(amenagement: Amenagement, rng: random.Random) -> int:
    """10,000 residents, one opinion each, bulk-created; returns the number of ratings."""
    User = get_user_model()
    password = make_password(None)
    users = User.objects.bulk_create(
        (
            User(
                username=f"bench{i}@bench.invalid",
                email=f"bench{i}@bench.invalid",
                password=password,
            )
            for i in range(N_CONTRIBUTIONS)
        ),
        batch_size=2_000,
    )
    versions = {v.number: v for v in AmenagementVersion.objects.filter(amenagement=amenagement)}
    # Spots are placed along each version's line in the metric CRS, as `amenagement_locate` does.
    to_metric = CoordTransform(SpatialReference(4326), SpatialReference(METRIC_SRID))
    to_wgs84 = CoordTransform(SpatialReference(METRIC_SRID), SpatialReference(4326))
    metric_lines = {
        number: v.geom.transform(to_metric, clone=True) for number, v in versions.items()
    }

    def spot(number: int, position: float) -> Point:
        point = metric_lines[number].interpolate(position)
        point.srid = METRIC_SRID
        point.transform(to_wgs84)
        return point

    questions = list(adopted_for_amenagement(amenagement, kind=IndicatorDefinition.Kind.PERCEPTION))
    span = (AS_OF - CREATED).days
    contributions, dates, planned_ratings = [], [], []
    for user in users:
        date = CREATED + dt.timedelta(days=rng.randrange(span + 1))
        number = 1 if date < EXTENDED else 2
        position = rng.uniform(0, metric_lines[number].length) if rng.random() < 0.6 else None
        contributions.append(
            Contribution(
                user=user,
                version=versions[number],
                profiles=rng.sample(ContributorProfile.values, rng.randint(1, 2)),
                comment="Trop de livraisons sur la piste." if rng.random() < 0.2 else "",
                point=spot(number, position) if position is not None else None,
                position_m=position,
            )
        )
        created = dt.datetime.combine(date, dt.time(8 + rng.randrange(12)), TZ)
        dates.append(created)
        base = 3.1 if date < EXTENDED else 3.4 if date < SEPARATED else 3.7
        in_hot_spot = position is not None and HOT_SPOT_M[0] <= position < HOT_SPOT_M[1]
        for question in questions:
            if rng.random() < 0.9:
                mean = base - (1.4 if in_hot_spot and question.code == "securite-ressentie" else 0)
                planned_ratings.append((question.pk, min(5, max(1, round(rng.gauss(mean, 0.9))))))
            else:
                planned_ratings.append(None)
    Contribution.objects.bulk_create(contributions, batch_size=2_000)
    ratings = []
    per = len(questions)
    for n, contribution in enumerate(contributions):
        for planned in planned_ratings[n * per : (n + 1) * per]:
            if planned is not None:
                ratings.append(
                    Rating(contribution=contribution, definition_id=planned[0], value=planned[1])
                )
    Rating.objects.bulk_create(ratings, batch_size=5_000)
    table = Contribution._meta.db_table
    with connection.cursor() as cursor:
        # auto_now_add stamped them all today: date them over the years.
        cursor.execute(
            f"UPDATE {table} c SET created_at = v.at, updated_at = v.at"  # noqa: S608
            " FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, at) WHERE c.id = v.id",
            [[c.pk for c in contributions], dates],
        )
        cursor.execute("ANALYZE")
    return len(ratings)


def set_up() -> tuple[Amenagement, dict[str, int]]:
    rng = np.random.default_rng(SEED)
    figures: dict[str, float] = {}
    started = time.perf_counter()
    stamps, counts, _ = simulate_counts(rng)
    figures["simulate"] = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "comptages_horaires.csv"
        started = time.perf_counter()
        rows = readings_csv(path, stamps, counts)
        figures["csv"] = time.perf_counter() - started
        print(
            f"  {thousands(rows)} hourly rows simulated and written "
            f"({path.stat().st_size / 1e6:.0f} MB) in {figures['simulate'] + figures['csv']:.1f} s"
        )
        with transaction.atomic():
            call_command("load_demo_indicators", stdout=io.StringIO())
            amenagement = make_arrangement()
            usage_services.counters_import(
                file=io.BytesIO(counters_csv()), fmt=CountersFormat(), source=SOURCE
            )
            adapt(amenagement)
        started = time.perf_counter()
        with path.open("rb") as f:
            report = usage_services.readings_import(
                file=f, fmt=ReadingsFormat(), source=SOURCE, file_name=path.name
            )
        figures["import"] = time.perf_counter() - started
    assert (report.run.inserted, report.run.rejected) == (rows, 0), report.run
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"  imported by readings_import (rollups and outages included) in "
        f"{figures['import']:.1f} s: {thousands(DailyTotal.objects.count())} daily totals, "
        f"{Outage.objects.count()} outages detected"
    )
    started = time.perf_counter()
    with transaction.atomic():
        n_ratings = make_contributions(amenagement, random.Random(SEED))
    print(
        f"  {thousands(N_CONTRIBUTIONS)} contributions with {thousands(n_ratings)} ratings "
        f"bulk-created in {time.perf_counter() - started:.1f} s"
    )
    ids = dict(Counter.objects.filter(source=SOURCE).values_list("external_id", "pk"))
    return Amenagement.objects.get(pk=amenagement.pk), ids


# --- part 1: the usage statistics, three ways --------------------------------------------------


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


def repeat(function: Callable[[], object], runs: int) -> tuple[list[float], object]:
    """Run once to warm up, then `runs` times; the durations and the last result."""
    result = function()
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        durations.append(time.perf_counter() - started)
    return durations, result


def ms(seconds: float) -> str:
    return f"{thousands(seconds * 1000)} ms"


def benchmark_arrangement(runs: int) -> bool:
    print("Part 1: one arrangement, 10 years of hourly counts, 10,000 contributions")
    started = time.perf_counter()
    amenagement, ids = set_up()
    print(f"  set-up in {time.perf_counter() - started:.0f} s\n")

    scope = usage_scope(amenagement)
    expected_treated = {ids[external_id(c)] for c in range(N_TREATED)}
    expected_controls = {ids[external_id(N_TREATED + k)] for k in range(N_CONTROLS)}
    assert scope.treated == expected_treated, "the arrangement's counters are not the ten"
    assert scope.controls == expected_controls, "the controls are not the five"

    run_durations, run = repeat(lambda: evaluation_run(amenagement=amenagement, as_of=AS_OF), runs)
    inputs_durations, inputs = repeat(
        lambda: evaluation_inputs(amenagement=amenagement, as_of=AS_OF), runs
    )
    engine_durations, _ = repeat(lambda: evaluate(inputs.engine, as_of=AS_OF), runs)
    parts: dict[str, dict[str, list[float]]] = {"baseline": {}, "rollups": {}}

    def timed_part(name: str, function: Callable[[UsageScope, dict[str, float]], UsageNumbers]):
        def call() -> UsageNumbers:
            timings: dict[str, float] = {}
            numbers = function(scope, timings)
            for key, value in timings.items():
                parts[name].setdefault(key, []).append(value)
            return numbers

        return call

    baseline_durations, baseline_numbers = repeat(timed_part("baseline", baseline), runs)
    rollup_durations, rollup_numbers = repeat(timed_part("rollups", from_rollups), runs)
    started = time.perf_counter()
    read_sql_rows = len(read_raw_rows_read_sql(scope))
    read_sql_duration = time.perf_counter() - started
    assert read_sql_rows == len(read_raw_rows(scope)), "pd.read_sql and COPY read different rows"
    engine_numbers = run_numbers(run)

    median = statistics.median
    summary = run.data_summary
    print(
        f"  the run used {thousands(summary['count_rows'])} daily totals "
        f"({summary['first_period']} to {summary['last_period']}), "
        f"{summary['outages']} outages, {thousands(summary['ratings'])} ratings, "
        f"{summary['adaptations']} adaptations; {run.segments.count()} segments, "
        f"{run.segments.filter(hot_spot=True).count()} hot spots"
    )
    print("  proposals: " + ", ".join(f"{p.action}" for p in run.proposals.order_by("pk")) + "\n")
    rows = [
        ("(a)  evaluation_run(), from the rollups, everything", run_durations),
        ("       of which evaluation_inputs()", inputs_durations),
        ("       of which the engine, evaluate()", engine_durations),
        ("(b)  pandas from the raw hourly rows, usage only", baseline_durations),
        ("       of which reading the rows", parts["baseline"]["read"][1:]),
        ("       of which the daily totals by pandas", parts["baseline"]["rollup"][1:]),
        ("       of which the statistics", parts["baseline"]["statistics"][1:]),
        ("       (reading them by pd.read_sql instead)", [read_sql_duration]),
        ("(c)  the same from the rollups (count_rows)", rollup_durations),
        ("       of which reading the rollups", parts["rollups"]["read"][1:]),
    ]
    width = max(len(label) for label, _ in rows)
    print(f"  {'':{width}}  {'median':>10}  {'min':>10}  runs")
    for label, durations in rows:
        print(
            f"  {label:{width}}  {ms(median(durations)):>10}  {ms(min(durations)):>10}  "
            f"{len(durations):>4}"
        )
    print(
        f"\n  (b)/(a) = {median(baseline_durations) / median(run_durations):.1f}x   "
        f"(b)/(c) = {median(baseline_durations) / median(rollup_durations):.1f}x"
    )
    print("\n  adaptation         planted  estimated [95 % interval]       days before/after")
    for (date, percent), effect in zip(PLANTED.items(), engine_numbers.effects, strict=True):
        estimate, low, high, _, before, after = effect
        print(
            f"  {date}       {percent:+5.0f} %  {estimate:+6.1f} % [{low:+6.1f} %, {high:+6.1f} %]"
            f"     {before}/{after}"
        )
    value, low, high, days = engine_numbers.mean
    print(
        f"  mean daily count per counter: {value:,.0f} [{low:,.0f}, {high:,.0f}] over {days} days"
    )
    agree = engine_numbers.close_to(baseline_numbers) and engine_numbers.close_to(rollup_numbers)
    print(
        "  (a), (b) and (c) give the same usage numbers"
        if agree
        else f"  MISMATCH:\n    (a) {engine_numbers}\n    (b) {baseline_numbers}\n"
        f"    (c) {rollup_numbers}"
    )
    return agree


# --- part 2: the demo city ---------------------------------------------------------------------


def benchmark_demo() -> None:
    print("Part 2: the whole demo city (the data of `make run`)")
    for command in (
        "load_demo",
        "load_demo_usage",
        "load_demo_indicators",
        "load_demo_contributions",
    ):
        started = time.perf_counter()
        call_command(command, stdout=io.StringIO(), stderr=io.StringIO())
        print(f"  {command} in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"  {Amenagement.objects.count()} arrangements, {Counter.objects.count()} counters, "
        f"{thousands(Contribution.objects.count())} contributions\n"
    )
    output, errors = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    call_command("evaluate", all=True, verbosity=0, stdout=output, stderr=errors)
    total = time.perf_counter() - started
    runs = [
        (at, slug, frequency, bool(summary.get("treated_counters")))
        for at, slug, frequency, summary in EvaluationRun.objects.order_by(
            "created_at"
        ).values_list("created_at", "amenagement__slug", "frequency", "data_summary")
    ]
    # Each run is stamped once the engine is done, before its results are written: the gap
    # between consecutive stamps is about one arrangement's evaluation (the first one's is
    # unknown), the command's own counting included.
    gaps = sorted(((b[0] - a[0]).total_seconds(), b[1], b[3]) for a, b in itertools.pairwise(runs))
    print(f"  manage.py evaluate --all: {total:.1f} s for {len(runs)} arrangements evaluated")
    print(
        f"  per arrangement: mean {ms(total / max(1, len(runs)))}, median "
        f"{ms(statistics.median(g for g, _, _ in gaps))}"
    )
    for label, with_counters in (("with", True), ("without", False)):
        some = [g for g, _, counted in gaps if counted is with_counters]
        if some:
            print(
                f"    {len(some)} {label} counters: mean {ms(statistics.mean(some))}, "
                f"{sum(some) / total:.0%} of the total"
            )
    print("  slowest: " + ", ".join(f"{slug} {ms(g)}" for g, slug, _ in reversed(gaps[-3:])))
    frequencies = collections.Counter(frequency for _, _, frequency, _ in runs)
    print(
        "  count resolution: "
        + ", ".join(f"{frequency} {n}" for frequency, n in sorted(frequencies.items()))
    )
    print(f"  the command says: {output.getvalue().splitlines()[0] if output.getvalue() else ''}")
    if errors.getvalue():
        print(f"  failures:\n{errors.getvalue()}")
    print("  proposals by action:")
    for row in (
        AdjustmentProposal.objects.values("action").annotate(n=Count("pk")).order_by("-n", "action")
    ):
        print(f"    {row['action']:<20} {row['n']:>5}")
    silent = EvaluationRun.objects.filter(proposals__isnull=True).count()
    print(f"    {'(no proposal)':<20} {silent:>5}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("all", "arrangement", "demo"), default="all")
    parser.add_argument("--runs", type=int, default=RUNS)
    options = parser.parse_args()
    ok = True
    if options.part in {"all", "arrangement"}:
        with throwaway_database(DB_NAME):
            ok = benchmark_arrangement(options.runs)
        print()
    if options.part in {"all", "demo"}:
        with throwaway_database(DEMO_DB_NAME):
            benchmark_demo()
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
