"""Benchmark the readings' growth: does a monthly import, and one evaluation, cost the same with
1 million stored readings as with 50 million?

    .venv/bin/python benchmarks/readings_scale.py                    # 1M, 10M, 50M: ~5 minutes
    .venv/bin/python benchmarks/readings_scale.py --unpartitioned 1M,50M  # and a plain table: ~9
    .venv/bin/python benchmarks/readings_scale.py --sizes 1M,10M --runs 5  # smaller, 5 runs each

One throwaway database (`test_<database>_bench_readings_scale`, dropped at the end), grown in
place from the smallest size to the largest:

- the one-arrangement city of `evaluation.py` (a bike lane adapted three times, 10 counters on
  it, 5 controls, 10,000 residents' opinions; `evaluation_city`), its ten years of counts
  imported as *daily* readings (54,771 rows: the evaluation reads the daily totals only), so
  that the smallest size can be a million readings;
- 139 counters (source `bench-scale`) with last month's hourly counts (October 2026, imported:
  103,555 rows): the counters of the monthly file below, whose history is the same at every size;
- filler: synthetic hourly readings of other counters (`bench-scale-filler`, unlinked, out of
  the city's commune), ten years each (2016-11-01 to 2026-10-31 UTC), as many counters as it
  takes to reach the size, written by SQL (`INSERT … SELECT generate_series`), with their daily
  and monthly totals (the tables the evaluation and the import's rollups read grow along).
  After each fill the tables are vacuumed and analysed, untimed.

At each size, as the median of `--runs` runs (after the city's first evaluation, a warm-up):

  (a) `usage.services.readings_import` of a fixed file: the 139 counters' hourly counts of
      November 2026 (100,080 rows, local times with their UTC offset: the Paris export), the
      short way, a new month's partition created, rollups and outages included; the time per
      row, and of it the readings' part (`readings_load`: the COPY into the readings, the
      partition created, the rollups) and outage detection's (`quality.outages_redetect`, which
      reads the daily totals, not the readings). Undone after each run (its rows, the month's
      partition, its rollups and its record deleted, untimed);
  (b) `evaluation.services.evaluation_run` of the arrangement, as of 2026-10-31.

With `--unpartitioned SIZES`, the same again in a second throwaway database whose readings are
one plain table (migration `usage` 0004 reversed): what partitioning buys.

It prints, per size, (a) and its two parts in µs per row and (b) in seconds, with the ratios to
the smallest size (aim: at most 1.5x at the largest), and the database's size. It exits non-zero
if an import does not insert the file's rows, not when an aim is missed: timings are the
machine's.

50M readings take 4.7 GB of disk (readings, primary key, daily totals), one database at a time,
and on the 2-core development machine 2½ minutes to fill and vacuum.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import io
import os
import random
import statistics
import sys
import tempfile
import time
import zoneinfo
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

# Run as a script from anywhere: the project root must be importable, and its settings chosen
# before Django is set up (hence the late imports below).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.test_settings"
# Small matrices: one BLAS thread, as `make test` does (threads fight over a shared machine).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import django

django.setup()

import numpy as np  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.gis.geos import Point  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from evaluation_city import (  # noqa: E402
    AS_OF,
    FIRST_DAY,
    SEED,
    adapt,
    counters_csv,
    external_id,
    make_arrangement,
    make_contributions,
    simulate_counts,
)
from evaluation_city import SOURCE as CITY_SOURCE  # noqa: E402
from harness import thousands, throwaway_database, verdict  # noqa: E402

from amenagements.models import Amenagement  # noqa: E402
from evaluation.services import evaluation_run  # noqa: E402
from usage import quality  # noqa: E402
from usage import services as usage_services  # noqa: E402
from usage.importing import CountersFormat, ReadingsFormat  # noqa: E402
from usage.importing.partitions import (  # noqa: E402
    month_bounds,
    partition_months,
    partition_name,
    partitions_create,
)
from usage.models import Counter, DailyTotal, ImportRun, MonthlyTotal, Reading  # noqa: E402

DATABASE = settings.DATABASES["default"]["NAME"]
DB_NAME = f"test_{DATABASE}_bench_readings_scale"
TZ = zoneinfo.ZoneInfo(settings.TIME_ZONE)
READING = Reading._meta.db_table
DAILY = DailyTotal._meta.db_table
MONTHLY = MonthlyTotal._meta.db_table
FILE_SOURCE = "bench-scale"
FILLER_SOURCE = "bench-scale-filler"
FILE_COUNTERS = 139  # × 720 hours of November: 100,080 rows
# The file's month and the one before (the counters' history), local months.
OCTOBER = dt.datetime(2026, 10, 1, tzinfo=TZ)
NOVEMBER = dt.datetime(2026, 11, 1, tzinfo=TZ)
DECEMBER = dt.datetime(2026, 12, 1, tzinfo=TZ)
NOVEMBER_UTC = "2026-11"  # the partition the file's rows but the first hour go to
# The filler's hours: ten years, UTC.
FILLER_START = dt.datetime(2016, 11, 1, tzinfo=dt.UTC)
FILLER_END = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
FILLER_HOURS = int((FILLER_END - FILLER_START) / dt.timedelta(hours=1))
FILL_CHUNK = 5_000_000
RUNS = 3
AIM_RATIO = 1.5
DEFAULT_SIZES = "1M,10M,50M"


def parse_sizes(text: str) -> list[int]:
    """`1M,500k,50M` → sorted row counts."""
    sizes = []
    for part in filter(None, (p.strip().lower() for p in text.split(","))):
        factor = {"k": 1_000, "m": 1_000_000}.get(part[-1], 1)
        sizes.append(int(float(part.rstrip("km")) * factor))
    return sorted(set(sizes))


def millions(n: int) -> str:
    return f"{n / 1e6:g}M"


# --- data --------------------------------------------------------------------------------------


def hourly_csv(external_ids: list[str], first: dt.datetime, end: dt.datetime, seed: int) -> bytes:
    """`counter,datetime,count` of every hour in [first, end), local times with their UTC
    offset, time-major as a vendor's export."""
    rng = random.Random(seed)
    lines = ["counter,datetime,count"]
    hour = first.astimezone(dt.UTC)
    while hour < end:
        stamp = hour.astimezone(TZ).isoformat()
        lines.extend(f"{name},{stamp},{rng.randint(0, 400)}" for name in external_ids)
        hour += dt.timedelta(hours=1)
    return ("\n".join(lines) + "\n").encode()


def city_set_up() -> Amenagement:
    """The arrangement of `evaluation_city`, its counters' days imported as daily readings."""
    _, counts, day_of_hour = simulate_counts(np.random.default_rng(SEED))
    n_days = (AS_OF - FIRST_DAY).days + 1
    lines = ["counter,date,count"]
    for c, hourly in enumerate(counts):
        present = hourly >= 0
        totals = np.bincount(day_of_hour[present], weights=hourly[present], minlength=n_days)
        hours = np.bincount(day_of_hour[present], minlength=n_days)
        lines.extend(
            f"{external_id(c)},{FIRST_DAY + dt.timedelta(days=int(d))},{int(totals[d])}"
            for d in np.flatnonzero(hours)
        )
    with transaction.atomic():
        call_command("load_demo_indicators", stdout=io.StringIO())
        amenagement = make_arrangement()
        usage_services.counters_import(
            file=io.BytesIO(counters_csv()), fmt=CountersFormat(), source=CITY_SOURCE
        )
        adapt(amenagement)
    report = usage_services.readings_import(
        file=io.BytesIO(("\n".join(lines) + "\n").encode()),
        fmt=ReadingsFormat(),
        source=CITY_SOURCE,
    )
    assert report.run.rejected == 0, report.run
    with transaction.atomic():
        make_contributions(amenagement, random.Random(SEED))
    return Amenagement.objects.get(pk=amenagement.pk)


def file_counters_set_up() -> list[int]:
    """The monthly file's counters (near Paris, far from any arrangement), with October."""
    names = [f"S{i:03d}" for i in range(FILE_COUNTERS)]
    text = "id,name,lon,lat\n" + "".join(
        f"{name},Compteur {name},{2.30 + i * 0.0005:.4f},48.85\n" for i, name in enumerate(names)
    )
    usage_services.counters_import(
        file=io.BytesIO(text.encode()), fmt=CountersFormat(), source=FILE_SOURCE
    )
    report = usage_services.readings_import(
        file=io.BytesIO(hourly_csv(names, OCTOBER, NOVEMBER, seed=10)),
        fmt=ReadingsFormat(),
        source=FILE_SOURCE,
    )
    assert report.run.rejected == 0, report.run
    return list(Counter.objects.filter(source=FILE_SOURCE).values_list("pk", flat=True))


class Filler:
    """Synthetic hourly readings written by SQL, ten years per counter, counter after counter
    (so each partition's primary key grows at its end, as imports make it grow)."""

    def __init__(self, largest: int) -> None:
        n_counters = -(-largest // FILLER_HOURS)
        Counter.objects.bulk_create(
            Counter(
                source=FILLER_SOURCE,
                external_id=f"F{i:04d}",
                name=f"Remplissage {i}",
                location=Point(2.0 + i * 0.0005, 48.5, srid=4326),
            )
            for i in range(n_counters)
        )
        self.ids = list(
            Counter.objects.filter(source=FILLER_SOURCE)
            .order_by("external_id")
            .values_list("pk", flat=True)
        )
        self.rows = 0
        with connection.cursor() as cursor:
            months = {f"{m.year:04d}-{m.month:02d}" for m in month_starts()}
            partitions_create(cursor, months)

    def fill(self, rows: int) -> None:
        """Add filler rows until there are `rows`, their daily and monthly totals with them."""
        while self.rows < rows:
            stop = min(rows, self.rows + FILL_CHUNK)
            self._insert(self.rows, stop)
            self.rows = stop
            print(f"    {thousands(self.rows)} filler rows", flush=True)
        self._monthly_totals()

    def _insert(self, first: int, stop: int) -> None:
        params = {
            "ids": self.ids,
            "h": FILLER_HOURS,
            "t0": FILLER_START,
            "first": first,
            "stop": stop,
            "tz": settings.TIME_ZONE,
        }
        # Row j: counter j / h, hour j % h of the span; a count from a multiplicative hash.
        rows = """
            SELECT (%(ids)s::bigint[])[j / %(h)s + 1] AS counter_id,
                   %(t0)s::timestamptz + (j %% %(h)s) * interval '1 hour' AS start,
                   (j * 2654435761 %% 401)::integer AS count
            FROM generate_series(%(first)s::bigint, %(stop)s::bigint - 1) AS j
        """
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {READING} (counter_id, start, length, count)"  # noqa: S608
                f" SELECT counter_id, start, 1, count FROM ({rows}) r",
                params,
            )
            cursor.execute(
                f"""
                INSERT INTO {DAILY} AS t
                    (counter_id, date, count, hours, hours_expected, source_length)
                SELECT counter_id, day, sum(count), count(*),
                       (extract(epoch FROM ((day + 1)::timestamp AT TIME ZONE %(tz)s)
                                         - (day::timestamp AT TIME ZONE %(tz)s)) / 3600)::int,
                       1
                FROM (SELECT counter_id, (start AT TIME ZONE %(tz)s)::date AS day, count
                      FROM ({rows}) r) d
                GROUP BY counter_id, day
                ON CONFLICT (counter_id, date) DO UPDATE
                SET count = t.count + EXCLUDED.count, hours = t.hours + EXCLUDED.hours
                """,  # noqa: S608 -- table names from the models; values are parameters
                params,
            )

    def _monthly_totals(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {MONTHLY} AS t
                    (counter_id, month, count, days, days_expected, source_length)
                SELECT counter_id, month, sum(count), count(*),
                       ((month + interval '1 month')::date - month), 2
                FROM (SELECT counter_id, date_trunc('month', date)::date AS month, count
                      FROM {DAILY} WHERE counter_id = ANY(%s)) d
                GROUP BY counter_id, month
                ON CONFLICT (counter_id, month) DO UPDATE
                SET count = EXCLUDED.count, days = EXCLUDED.days
                """,  # noqa: S608 -- table names from the models; values are parameters
                [self.ids],
            )


def month_starts() -> list[dt.datetime]:
    months, month = [], FILLER_START
    while month < FILLER_END:
        months.append(month)
        month = month_bounds(f"{month.year:04d}-{month.month:02d}")[1]
    return months


def settle() -> None:
    """Vacuum and analyse what the fill or a run wrote, untimed: autovacuum would otherwise
    work through it during the next timing."""
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {READING}, {DAILY}, {MONTHLY}")


def readings_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {READING}")  # noqa: S608
        return int(cursor.fetchone()[0])


def database_size() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        return str(cursor.fetchone()[0])


# --- measures ----------------------------------------------------------------------------------


@dataclasses.dataclass
class Figures:
    """One size's medians: the import's µs per row, and of them the readings' part
    (`readings_load`: the COPY into the readings, the partition created, the rollups) and
    outage detection's (`quality.outages_redetect`, which reads the daily totals); the
    evaluation's seconds."""

    import_us: float
    load_us: float
    outages_us: float
    evaluation_s: float


class MonthlyFile:
    """The fixed file of November for the 139 counters, imported then undone."""

    def __init__(self, path: Path, counter_ids: list[int]) -> None:
        names = [f"S{i:03d}" for i in range(FILE_COUNTERS)]
        path.write_bytes(hourly_csv(names, NOVEMBER, DECEMBER, seed=11))
        self.path = path
        self.rows = FILE_COUNTERS * int((DECEMBER - NOVEMBER) / dt.timedelta(hours=1))
        self.counter_ids = counter_ids

    def import_once(self) -> tuple[float, float, float]:
        """The import's time, and that of its two parts."""
        parts: dict[str, float] = {}

        def timing(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
            def timed(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return function(*args, **kwargs)
                finally:
                    parts[name] = time.perf_counter() - started

            return timed

        load, redetect = usage_services.readings_load, quality.outages_redetect
        with (
            self.path.open("rb") as f,
            mock.patch.object(usage_services, "readings_load", timing("load", load)),
            mock.patch.object(quality, "outages_redetect", timing("outages", redetect)),
        ):
            started = time.perf_counter()
            report = usage_services.readings_import(
                file=f, fmt=ReadingsFormat(), source=FILE_SOURCE, file_name=self.path.name
            )
            elapsed = time.perf_counter() - started
        if (report.run.inserted, report.run.rejected) != (self.rows, 0):
            sys.exit(f"the monthly file inserted {report.run.inserted} rows, not {self.rows}")
        self.undo(report.run)
        return elapsed, parts["load"], parts["outages"]

    def undo(self, run: ImportRun) -> None:
        """Its rows, the partition it created, its rollups and its record deleted."""
        first = NOVEMBER.astimezone(dt.UTC)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {READING} WHERE counter_id = ANY(%s) AND start >= %s",  # noqa: S608
                [self.counter_ids, first],
            )
            existing = partition_months(cursor)
            if existing is not None and NOVEMBER_UTC in existing:
                cursor.execute(f"DROP TABLE {partition_name(NOVEMBER_UTC)}")
            cursor.execute(
                f"DELETE FROM {DAILY} WHERE counter_id = ANY(%s) AND date >= %s",  # noqa: S608
                [self.counter_ids, NOVEMBER.date()],
            )
            cursor.execute(
                f"DELETE FROM {MONTHLY} WHERE counter_id = ANY(%s) AND month >= %s",  # noqa: S608
                [self.counter_ids, NOVEMBER.date()],
            )
        run.delete()
        settle()

    def measure(self, runs: int) -> tuple[float, float, float]:
        """Medians of `runs` imports, in µs per row: the whole, the readings', the outages'."""
        times = [self.import_once() for _ in range(runs)]
        whole, load, outages = (
            statistics.median(t[k] for t in times) / self.rows * 1e6 for k in range(3)
        )
        return whole, load, outages


def timed_evaluation(amenagement: Amenagement) -> float:
    started = time.perf_counter()
    evaluation_run(amenagement=amenagement, as_of=AS_OF)
    return time.perf_counter() - started


def measure_sizes(sizes: list[int], *, partitioned: bool, runs: int) -> dict[int, Figures]:
    """Per size, the medians of the monthly import and of the evaluation."""
    results: dict[int, Figures] = {}
    with throwaway_database(DB_NAME), tempfile.TemporaryDirectory() as tmp:
        if not partitioned:
            call_command("migrate", "usage", "0003", verbosity=0)
        started = time.perf_counter()
        amenagement = city_set_up()
        file_ids = file_counters_set_up()
        monthly = MonthlyFile(Path(tmp) / "comptages_novembre.csv", file_ids)
        base = readings_count()
        filler = Filler(sizes[-1] - base)
        print(
            f"  the city ({thousands(base)} readings with the file's counters' October) and"
            f" {len(filler.ids)} filler counters set up in {time.perf_counter() - started:.0f} s"
        )
        for size in sizes:
            if size < base:
                print(f"  {millions(size)}: smaller than the set-up's readings, skipped")
                continue
            started = time.perf_counter()
            filler.fill(size - base)
            settle()
            stored = readings_count()
            print(
                f"  {thousands(stored)} readings stored ({database_size()}), filled and"
                f" vacuumed in {time.perf_counter() - started:.0f} s; measuring…",
                flush=True,
            )
            timed_evaluation(amenagement)  # warm-up
            monthly.import_once()  # warm-up
            import_us, load_us, outages_us = monthly.measure(runs)
            evaluation = statistics.median(timed_evaluation(amenagement) for _ in range(runs))
            figures = Figures(import_us, load_us, outages_us, evaluation)
            print(
                f"    (a) {import_us:.2f} µs/row (readings {load_us:.2f}, outages"
                f" {outages_us:.2f}), (b) {evaluation:.2f} s"
            )
            results[size] = figures
    return results


# --- report ------------------------------------------------------------------------------------


def report(title: str, results: dict[int, Figures]) -> None:
    if not results:
        return
    first = results[min(results)]
    print(f"\n{title}")
    print(
        f"{'readings':>9}  {'(a) import µs/row':>17} {'ratio':>6}  {'readings':>8} {'ratio':>6}"
        f"  {'outages':>7} {'ratio':>6}  {'(b) evaluation':>14} {'ratio':>6}"
    )
    for size, f in sorted(results.items()):
        print(
            f"{millions(size):>9}  {f.import_us:>17.2f} {f.import_us / first.import_us:>5.2f}x"
            f"  {f.load_us:>8.2f} {f.load_us / first.load_us:>5.2f}x"
            f"  {f.outages_us:>7.2f} {f.outages_us / first.outages_us:>5.2f}x"
            f"  {f.evaluation_s:>12.2f} s {f.evaluation_s / first.evaluation_s:>5.2f}x"
        )
    largest, smallest = max(results), min(results)
    if largest != smallest:
        last = results[largest]
        ratios = {
            "(a)": last.import_us / first.import_us,
            "readings": last.load_us / first.load_us,
            "(b)": last.evaluation_s / first.evaluation_s,
        }
        print(
            f"{millions(largest)} vs {millions(smallest)}: "
            + ", ".join(f"{name} {ratio:.2f}x" for name, ratio in ratios.items())
            + f"   aim <= {AIM_RATIO:g}x   "
            + "  ".join(f"{name} {verdict(ratio <= AIM_RATIO)}" for name, ratio in ratios.items())
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="stored readings, e.g. 1M,10M,50M")
    parser.add_argument(
        "--unpartitioned",
        default="",
        help="sizes to measure again with the readings in one plain table, e.g. 1M,50M",
    )
    parser.add_argument("--runs", type=int, default=RUNS, help="timed runs per measure")
    args = parser.parse_args()
    sizes = parse_sizes(args.sizes)
    plain_sizes = parse_sizes(args.unpartitioned)
    started = time.perf_counter()
    print(f"Partitioned readings, {', '.join(map(millions, sizes))}:")
    partitioned = measure_sizes(sizes, partitioned=True, runs=args.runs)
    plain = {}
    if plain_sizes:
        print(
            "\nUnpartitioned readings (migration 0004 reversed),"
            f" {', '.join(map(millions, plain_sizes))}:"
        )
        plain = measure_sizes(plain_sizes, partitioned=False, runs=args.runs)
    print(
        f"\n(a) readings_import of {thousands(FILE_COUNTERS * 720)} hourly rows of a new month;"
        f" (b) evaluation_run of one arrangement; medians of {args.runs} runs."
    )
    report("Partitioned by month:", partitioned)
    report("One plain table:", plain)
    for size in sorted(set(partitioned) & set(plain)):
        p, u = partitioned[size], plain[size]
        print(
            f"at {millions(size)}, plain/partitioned: (a) {u.import_us / p.import_us:.2f}x,"
            f" readings {u.load_us / p.load_us:.2f}x, (b) {u.evaluation_s / p.evaluation_s:.2f}x"
        )
    print(f"\nTotal {time.perf_counter() - started:.0f} s.")


if __name__ == "__main__":
    main()
