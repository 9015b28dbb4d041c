"""The one-arrangement city of `benchmarks/evaluation.py` (part 1): ten years of hourly counts
with planted effects, imported through the project's import, and 10,000 residents' opinions.

Imported by `evaluation.py` once Django is set up; not a script of its own.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
import tempfile
import time
import zoneinfo
from pathlib import Path

import numpy as np
import pandas as pd
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.gis.gdal import CoordTransform, SpatialReference
from django.contrib.gis.geos import LineString, Point
from django.core.management import call_command
from django.db import connection, transaction
from harness import thousands

from amenagements import services as amenagement_services
from amenagements.models import Adaptation as AdaptationModel
from amenagements.models import Amenagement, AmenagementVersion
from participation.indicators.selectors import adopted_for_amenagement
from participation.models import Contribution, ContributorProfile, IndicatorDefinition, Rating
from usage import services as usage_services
from usage.importing import CountersFormat, ReadingsFormat
from usage.models import Counter, DailyTotal, Outage

SEED = 2020
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
