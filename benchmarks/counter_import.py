"""Benchmark the counter import: 1,000,000 hourly rows, three ways, then a re-import.

    .venv/bin/python benchmarks/counter_import.py        (or `make bench`)

Writes a CSV of 1,000,000 synthetic hourly counts (50 counters × 20,000 hours from
2020-01-01, local times with their UTC offset, as the Paris export writes them; fixed seed),
creates a throwaway database (`test_<database>_bench_counts`, named after the database of
DATABASE_URL so that two people benchmarking on one server do not clash; dropped at the end:
the development and test databases are never touched) and times, in this one run:

  (a) the project's import, `usage.services.readings_import`, of a clean file of
      new readings, hence the short way: each distinct counter, time and count text judged once
      while the rows are written in PostgreSQL's binary COPY format straight into the readings
      (their primary key guarding against duplicates), then the rollups of the days and months
      touched, outage detection, the import's record;
  (b) a plain Django import: csv.DictReader, one `Reading` object per line,
      `bulk_create(batch_size=5000)` in one transaction (no rollups: it does less than (a));
  (c) the physical limit: PostgreSQL COPY of the same file, as it is, streamed by psycopg (what
      `psql \\copy` does) into a bare table with the same unique index (counter, start, length);
  (a') the project's import of the same file again: the short way gives up at the first block
      (its periods are stored), the rows are staged from Python the same way, compared with the
      stored ones (a hash anti-join) and `INSERT … ON CONFLICT` finds nothing to write;
  (a*) for reference, (a) again on emptied tables with the short way turned off and the lines
      judged in SQL (COPY of the lines as they are into a text table, joined to the verdicts):
      what a first import cost before the short way, and still costs for a file it declines
      (a bad line, a local time that occurs twice, counters the file creates, quoted values).

Between two steps the table a step filled is vacuumed and analysed, untimed (`settle`).

It prints each time and rows/s, then (b)/(a) (aim: at least 10x), (a)/(c) (aim: at most 2x)
and (a')/(a) (aim: at most 1x). It exits non-zero if a sanity check fails (row counts, sums),
not when an aim is missed: timings are the machine's, the verdict is for a human to read.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import sys
import tempfile
import time
import zoneinfo
from pathlib import Path
from unittest import mock

# Run as a script from anywhere: the project root must be importable, and its settings chosen
# before Django is set up (hence the late imports below).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.test_settings"

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.gis.geos import Point  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Sum  # noqa: E402
from harness import thousands, throwaway_database, verdict  # noqa: E402

from usage import services  # noqa: E402
from usage.importing import ReadingsFormat, loading  # noqa: E402
from usage.models import (  # noqa: E402
    Counter,
    DailyTotal,
    Length,
    MonthlyTotal,
    Outage,
    Reading,
)

N_COUNTERS = 50
N_HOURS = 20_000
N_ROWS = N_COUNTERS * N_HOURS
SEED = 2020
SOURCE = "bench"
DB_NAME = f"test_{settings.DATABASES['default']['NAME']}_bench_counts"
FIRST_ID = 100_000_001  # numeric identifiers, as Lyon's, so the bare table can hold them
AIM_ORM_RATIO = 10.0
AIM_COPY_RATIO = 2.0
AIM_REIMPORT_RATIO = 1.0
BATCH = 5_000


def write_csv(path: Path) -> int:
    """The synthetic file, time-major as a vendor's export; returns the sum of the counts."""
    rng = random.Random(SEED)
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    start = dt.datetime(2019, 12, 31, 23, tzinfo=dt.UTC)
    total = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("counter,datetime,count\n")
        for hour in range(N_HOURS):
            stamp = (start + dt.timedelta(hours=hour)).astimezone(paris).isoformat()
            lines = []
            for c in range(N_COUNTERS):
                count = rng.randint(0, 400)
                total += count
                lines.append(f"{FIRST_ID + c},{stamp},{count}\n")
            f.write("".join(lines))
    return total


def make_counters() -> dict[str, int]:
    Counter.objects.bulk_create(
        Counter(
            source=SOURCE,
            external_id=str(FIRST_ID + c),
            name=f"Compteur {c + 1}",
            location=Point(4.80 + c * 0.001, 45.75, srid=4326),
        )
        for c in range(N_COUNTERS)
    )
    return dict(Counter.objects.filter(source=SOURCE).values_list("external_id", "pk"))


def project_import(path: Path):
    with path.open("rb") as f:
        return services.readings_import(
            file=f, fmt=ReadingsFormat(), source=SOURCE, file_name=path.name
        )


def orm_import(path: Path, ids: dict[str, int]) -> None:
    with transaction.atomic(), path.open(encoding="utf-8", newline="") as f:
        batch = []
        for row in csv.DictReader(f):
            batch.append(
                Reading(
                    counter_id=ids[row["counter"]],
                    start=dt.datetime.fromisoformat(row["datetime"]),
                    length=Length.HOUR,
                    count=int(row["count"]),
                )
            )
            if len(batch) >= BATCH:
                Reading.objects.bulk_create(batch)
                batch = []
        Reading.objects.bulk_create(batch)


def bare_copy(path: Path) -> None:
    with (
        connection.cursor() as cursor,
        path.open("rb") as f,
        cursor.copy(
            "COPY bench_bare (counter_id, start, count) FROM STDIN WITH (FORMAT csv, HEADER true)"
        ) as copy,
    ):
        while block := f.read(1 << 20):
            copy.write(block)


def readings_state() -> tuple[int, int]:
    totals = Reading.objects.aggregate(n=Sum(1), total=Sum("count"))
    return Reading.objects.count(), totals["total"] or 0


def timed(label: str, function) -> float:
    print(f"  {label}…", flush=True)
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def settle(*tables: str) -> None:
    """Vacuum and analyse the tables a step filled, untimed: a million rows inserted wake
    autovacuum, which would otherwise work through them during the next step's timing (what it
    cost is in benchmarks/README.md)."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")


def empty_readings() -> None:
    tables = [model._meta.db_table for model in (Reading, DailyTotal, MonthlyTotal, Outage)]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)}")
    settle(*tables)


def benchmark(path: Path, total: int) -> None:
    ids = make_counters()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_bare (counter_id bigint NOT NULL, start timestamptz NOT NULL,"
            " length smallint NOT NULL DEFAULT 1, count integer NOT NULL)"
        )
        cursor.execute("CREATE UNIQUE INDEX ON bench_bare (counter_id, start, length)")
        cursor.execute("ANALYZE")
    results: dict[str, float] = {}
    reports = {}

    results["copy"] = timed("(c) bare COPY", lambda: bare_copy(path))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), sum(count) FROM bench_bare")
        assert cursor.fetchone() == (N_ROWS, total), "bare COPY lost rows"
    settle("bench_bare")

    results["import"] = timed("(a) project import", lambda: reports.update(a=project_import(path)))
    run = reports["a"].run
    assert (run.inserted, run.rejected) == (N_ROWS, 0), (run.inserted, run.rejected)
    assert readings_state() == (N_ROWS, total), "the import lost rows"
    days = DailyTotal.objects.count()
    settle(Reading._meta.db_table, DailyTotal._meta.db_table)

    results["reimport"] = timed(
        "(a') project re-import", lambda: reports.update(b=project_import(path))
    )
    run = reports["b"].run
    assert (run.inserted, run.updated, run.unchanged) == (0, 0, N_ROWS), "re-import wrote"
    assert readings_state() == (N_ROWS, total)

    empty_readings()
    with mock.patch.object(loading, "_copy_new_rows", return_value=loading._Way.UNCLEAN):
        results["staged"] = timed(
            "(a*) project import judged in SQL", lambda: reports.update(c=project_import(path))
        )
    assert reports["c"].run.inserted == N_ROWS
    assert readings_state() == (N_ROWS, total), "the staged import lost rows"
    assert DailyTotal.objects.count() == days

    empty_readings()
    results["orm"] = timed("(b) ORM bulk_create", lambda: orm_import(path, ids))
    assert readings_state() == (N_ROWS, total), "the ORM import lost rows"

    print()
    labels = {
        "import": "(a)  project import (checks + COPY + rollups)",
        "reimport": "(a') project re-import of the same file",
        "staged": "(a*) project import judged in SQL (reference)",
        "orm": "(b)  Django ORM bulk_create",
        "copy": "(c)  bare COPY into an indexed table",
    }
    width = max(len(label) for label in labels.values())
    print(f"{'':{width}}  {'time':>9}  {'rows/s':>11}")
    for key, label in labels.items():
        print(f"{label:{width}}  {results[key]:>8.2f}s  {thousands(N_ROWS / results[key]):>11}")
    print(f"\n{thousands(N_ROWS)} rows; the import also wrote {thousands(days)} daily totals.\n")
    orm_ratio = results["orm"] / results["import"]
    copy_ratio = results["import"] / results["copy"]
    reimport_ratio = results["reimport"] / results["import"]
    print(
        f"(b)/(a)  = {orm_ratio:5.1f}x   aim >= {AIM_ORM_RATIO:g}x   "
        f"{verdict(orm_ratio >= AIM_ORM_RATIO)}"
    )
    print(
        f"(a)/(c)  = {copy_ratio:5.2f}x   aim <= {AIM_COPY_RATIO:g}x   "
        f"{verdict(copy_ratio <= AIM_COPY_RATIO)}"
    )
    print(
        f"(a')/(a) = {reimport_ratio:5.2f}x   aim <= {AIM_REIMPORT_RATIO:g}x   "
        f"{verdict(reimport_ratio <= AIM_REIMPORT_RATIO)}"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "comptages_horaires.csv"
        start = time.perf_counter()
        total = write_csv(path)
        print(
            f"{thousands(N_ROWS)} hourly rows ({N_COUNTERS} counters × {thousands(N_HOURS)} hours,"
            f" {path.stat().st_size / 1e6:.0f} MB) written in {time.perf_counter() - start:.1f} s"
            f" (seed {SEED})."
        )
        with throwaway_database(DB_NAME):
            benchmark(path, total)


if __name__ == "__main__":
    main()
