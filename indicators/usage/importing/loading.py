"""Step 2 of an import: load clean rows through PostgreSQL COPY, then upsert and roll up.

1. The rows are streamed with `COPY` into a temporary staging table (no index, no WAL), in
   chunks as the file is read, so parsing and loading overlap.
2. They move into the readings in one statement per kind of counter:
   - a counter with no reading at all between its first and last staged period ("fresh": the
     usual case of a first import, or of this month's file after last month's) cannot
     conflict, and its rows are inserted as they are — `ON CONFLICT` would double the index
     work (measured: 2.4 s → 4.5 s per million rows) for conflicts that cannot happen, since
     imports are serialised and nothing else writes readings;
   - the others go through `INSERT … ON CONFLICT DO UPDATE … WHERE the count differs`: a new
     period is inserted, a corrected count updated, an identical one left alone — so
     re-importing a file writes nothing and a corrected file changes only what it corrects.
   What changed is recorded per (counter, local day): the days whose rollups are recomputed.
3. Lines repeating a (counter, period) of an earlier line of the file make step 2 fail (a
   unique violation, or "ON CONFLICT cannot affect a row twice"): only then are they looked
   for, rejected ("same counter and period as line N": the first one wins), and step 2 redone.
   A file without duplicates pays nothing for the check.
4. The rollups of exactly the days and months that changed are recomputed (`ROLLUP_RULES`).

The caller holds the transaction: an unexpected error leaves the database as it was.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.gis.geos import Point
from django.db import IntegrityError, ProgrammingError, connection, transaction

from indicators.usage.importing.csvfiles import (
    REJECT_DUPLICATE,
    CounterInfo,
    ReadingsReader,
    Reject,
)
from indicators.usage.models import Counter, DailyTotal, Length, MonthlyTotal, Reading

ROLLUP_RULES = """
- DailyTotal(counter, local day): the day's daily reading if there is one (complete: it covers
  every hour), else the sum of its hourly readings, `hours` counting the hours they cover out of
  the day's 23, 24 or 25 (`hours_expected`).
- MonthlyTotal(counter, month): the month's monthly reading if there is one (complete), else the
  sum of its daily totals, `days` counting the days they cover out of the month's.
- "Local" is settings.TIME_ZONE. Hourly readings feed the months through the days.
"""

# Imports are serialised: two imports touching the same days would otherwise each recompute
# the rollups from what they see, and the last to commit could miss the other's readings.
IMPORT_LOCK_KEY = 0x7AC71C03  # an arbitrary constant, unique to this lock

# Work memory for the import's transaction: enough to sort or hash a few million staged rows
# in memory rather than on disk.
IMPORT_WORK_MEM = "256MB"

# A table that grew by more than this share since its statistics were taken is re-analysed
# (autovacuum's own default threshold).
ANALYZE_GROWTH = 0.1

# unique_violation (a plain insert) and cardinality_violation (ON CONFLICT DO UPDATE meeting
# the same key twice): how duplicates within a file show.
DUPLICATE_STATES = {"23505", "21000"}

# The (counter, local day)s an import changed, with what changed. `total` and `rows`, when
# set, are the day's whole content (see `_write`): its daily total needs no other reading.
TOUCHED_TABLE = (
    "CREATE TEMP TABLE usage_touched (counter_id bigint NOT NULL, day date NOT NULL,"
    " inserted integer NOT NULL, updated integer NOT NULL, total bigint, rows integer)"
)

READING = Reading._meta.db_table
DAILY = DailyTotal._meta.db_table
MONTHLY = MonthlyTotal._meta.db_table


@dataclass
class LoadResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejects: list[Reject] = field(default_factory=list)
    counters_created: list[int] = field(default_factory=list)
    changed_counters: list[int] = field(default_factory=list)


def import_lock() -> None:
    """Wait for any other import to finish; released when the transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])
        cursor.execute(f"SET LOCAL work_mem = '{IMPORT_WORK_MEM}'")


def counters_create(*, infos: list[CounterInfo], source: str, attribution: str) -> dict[str, int]:
    """Create the counters a file describes; their ids by external id."""
    created = Counter.objects.bulk_create(
        Counter(
            source=source,
            external_id=info.external_id,
            name=info.name[:200],
            location=Point(info.lon, info.lat, srid=4326),
            installed_on=info.installed_on,
            attribution=attribution,
            source_properties=info.properties,
        )
        for info in infos
    )
    return {counter.external_id: counter.pk for counter in created}


class _StagingCopy:
    """A COPY into the staging table that can be paused (to create counters) and resumed."""

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor
        self.stack = contextlib.ExitStack()
        self.copy: Any = None

    def write(self, data: str) -> None:
        if self.copy is None:
            self.copy = self.stack.enter_context(
                self.cursor.copy("COPY usage_staging (line, counter_id, start, count) FROM STDIN")
            )
        self.copy.write(data)

    def pause(self) -> None:
        self.stack.close()
        self.copy = None


def readings_load(
    *,
    reader: ReadingsReader,
    ids: dict[str, str],
    source: str,
    attribution: str,
    time_zone: str,
    progress: Callable[[int], None] | None = None,
) -> LoadResult:
    """Load the good lines of `reader` (whose `ids` it completes with the counters the file
    creates), and recompute the rollups of the days and months that changed."""
    result = LoadResult()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS usage_staging, usage_touched")
        cursor.execute(
            "CREATE TEMP TABLE usage_staging (line integer NOT NULL, counter_id bigint NOT NULL,"
            " start timestamptz NOT NULL, count integer NOT NULL)"
        )
        cursor.execute(TOUCHED_TABLE)
        staging = _StagingCopy(cursor)
        read = 0
        try:
            for block in reader.blocks():
                if isinstance(block, CounterInfo):
                    staging.pause()  # no other statement while a COPY runs
                    created = counters_create(infos=[block], source=source, attribution=attribution)
                    ids.update({key: str(pk) for key, pk in created.items()})
                    result.counters_created.extend(created.values())
                    continue
                staging.write(block)
                if progress is not None:
                    progress(reader.lines - read)
                    read = reader.lines
        finally:
            staging.pause()
        cursor.execute("ANALYZE usage_staging")
        cursor.execute("SELECT count(*) FROM usage_staging")
        staged = cursor.fetchone()[0]
        try:
            # A savepoint: duplicates within the file surface as errors, at no cost otherwise.
            with transaction.atomic():
                _write(cursor, period=reader.period, time_zone=time_zone)
        except (IntegrityError, ProgrammingError) as error:
            if getattr(error.__cause__, "sqlstate", None) not in DUPLICATE_STATES:
                raise
            result.rejects = _reject_duplicates(cursor)
            staged -= len(result.rejects)
            _write(cursor, period=reader.period, time_zone=time_zone)
        cursor.execute(
            "SELECT coalesce(sum(inserted), 0), coalesce(sum(updated), 0),"
            " coalesce(array_agg(DISTINCT counter_id), '{}') FROM usage_touched"
        )
        inserted, updated, changed = cursor.fetchone()
        result.inserted, result.updated = int(inserted), int(updated)
        result.unchanged = staged - result.inserted - result.updated
        result.changed_counters = sorted(changed)
        if result.inserted or result.updated:
            cursor.execute("ANALYZE usage_touched")
            _analyze_if_grown(cursor, READING, result.inserted)
            rollups_refresh_touched(cursor, time_zone=time_zone, period=reader.period)
        cursor.execute("DROP TABLE usage_staging, usage_touched")
    return result


def _analyze_if_grown(cursor: Any, table: str, inserted: int) -> None:
    """Refresh the planner's statistics of `table` if `inserted` rows changed it much.

    Autovacuum would, later; the rollup queries that follow need them now: with the statistics
    of an empty table the planner joins the touched days to the readings with a merge join that
    compares every day with every reading (minutes instead of a fraction of a second for a
    first import of a million rows). Sampling, ANALYZE costs about the same on any size of table.
    """
    cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
    estimated = cursor.fetchone()[0]
    if estimated < 0 or inserted > ANALYZE_GROWTH * max(estimated, 1):
        cursor.execute(f"ANALYZE {table}")


def _reject_duplicates(cursor: Any) -> list[Reject]:
    """Delete from the staging table the lines repeating an earlier line's counter and period;
    reject them."""
    cursor.execute(
        """
        WITH ranked AS (
            SELECT line, min(line) OVER (PARTITION BY counter_id, start) AS first
            FROM usage_staging
        )
        DELETE FROM usage_staging s USING ranked
        WHERE s.line = ranked.line AND ranked.line <> ranked.first
        RETURNING s.line, ranked.first
        """
    )
    return sorted(
        Reject(line, str(REJECT_DUPLICATE % {"line": first})) for line, first in cursor.fetchall()
    )


def _write(cursor: Any, *, period: Length, time_zone: str) -> None:
    """Move the staged rows into the readings and record what changed in `usage_touched`."""
    params = {"length": int(period), "tz": time_zone}
    cursor.execute("DROP TABLE IF EXISTS usage_fresh")
    cursor.execute(
        f"""
        CREATE TEMP TABLE usage_fresh AS
        SELECT s.counter_id FROM usage_staging s GROUP BY s.counter_id
        HAVING NOT EXISTS (
            SELECT FROM {READING} r WHERE r.counter_id = s.counter_id
            AND r.start BETWEEN min(s.start) AND max(s.start)
        )
        """  # noqa: S608 -- table names from the models
    )
    cursor.execute(
        f"""
        INSERT INTO {READING} (counter_id, start, length, count)
        SELECT counter_id, start, %(length)s, count FROM usage_staging
        WHERE counter_id IN (SELECT counter_id FROM usage_fresh)
        """,  # noqa: S608 -- table names from the models; values are parameters
        params,
    )
    if cursor.rowcount:
        # A fresh counter's days strictly between its first and last staged day lie wholly
        # inside its staged range, where it had no reading: the staged rows are all they hold.
        # Their totals are taken here, sparing the rollup a second read of those rows. Months
        # are rolled up from their days, never from here.
        cursor.execute(
            """
            INSERT INTO usage_touched (counter_id, day, inserted, updated, total, rows)
            SELECT counter_id, day, n, 0,
                   CASE WHEN %(exact)s AND day > min(day) OVER w AND day < max(day) OVER w
                        THEN total END,
                   n
            FROM (
                SELECT counter_id, (start AT TIME ZONE %(tz)s)::date AS day,
                       count(*) AS n, sum(count) AS total
                FROM usage_staging WHERE counter_id IN (SELECT counter_id FROM usage_fresh)
                GROUP BY 1, 2
            ) days
            WINDOW w AS (PARTITION BY counter_id)
            """,
            {**params, "exact": period != Length.MONTH},
        )
    # `xmax = 0` tells a row this statement inserted from one it updated (an updated row
    # carries the updating transaction's id in its header): read here to count both kinds
    # without a second pass.
    cursor.execute(
        f"""
        WITH changed AS (
            INSERT INTO {READING} AS r (counter_id, start, length, count)
            SELECT counter_id, start, %(length)s, count FROM usage_staging s
            WHERE NOT EXISTS (SELECT FROM usage_fresh f WHERE f.counter_id = s.counter_id)
            ON CONFLICT (counter_id, start, length) DO UPDATE SET count = EXCLUDED.count
            WHERE r.count <> EXCLUDED.count
            RETURNING r.counter_id, r.start, (r.xmax = 0) AS inserted
        )
        INSERT INTO usage_touched (counter_id, day, inserted, updated)
        SELECT counter_id, (start AT TIME ZONE %(tz)s)::date,
               count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
        FROM changed GROUP BY 1, 2
        """,  # noqa: S608 -- table names from the models; values are parameters
        params,
    )
    cursor.execute("DROP TABLE usage_fresh")


def rollups_refresh_touched(cursor: Any, *, time_zone: str, period: Length | None = None) -> None:
    """Recompute the daily and monthly totals of the (counter, day)s in `usage_touched`, the
    days known whole (`total` set) from what the import of `period` readings staged."""
    params = {
        "tz": time_zone,
        "hour": Length.HOUR,
        "day": Length.DAY,
        "month": Length.MONTH,
        "period": int(period or Length.HOUR),
    }
    # Days whose content the import knows whole: one reading of the day, or its hours.
    cursor.execute(
        f"""
        INSERT INTO {DAILY} AS t (counter_id, date, count, hours, hours_expected, source_length)
        SELECT counter_id, day, total::integer,
               CASE WHEN %(period)s = %(hour)s THEN least(rows, expected) ELSE expected END,
               expected, %(period)s
        FROM (
            SELECT counter_id, day, total, rows,
                   (extract(epoch FROM ((day + 1)::timestamp AT TIME ZONE %(tz)s)
                                     - (day::timestamp AT TIME ZONE %(tz)s)) / 3600)::smallint
                       AS expected
            FROM usage_touched WHERE total IS NOT NULL
        ) exact
        ON CONFLICT (counter_id, date) DO UPDATE SET
            count = EXCLUDED.count, hours = EXCLUDED.hours,
            hours_expected = EXCLUDED.hours_expected, source_length = EXCLUDED.source_length
        """,  # noqa: S608 -- table names from the models; values are parameters
        params,
    )
    exact = cursor.rowcount
    cursor.execute(
        f"""
        WITH days AS (
            SELECT DISTINCT counter_id, day,
                   (day::timestamp AT TIME ZONE %(tz)s) AS lo,
                   ((day + 1)::timestamp AT TIME ZONE %(tz)s) AS hi
            FROM usage_touched WHERE total IS NULL
        ), totals AS (
            SELECT d.counter_id, d.day,
                   (extract(epoch FROM d.hi - d.lo) / 3600)::smallint AS expected,
                   max(r.count) FILTER (WHERE r.length = %(day)s) AS day_count,
                   sum(r.count) FILTER (WHERE r.length = %(hour)s) AS hour_sum,
                   count(*) FILTER (WHERE r.length = %(hour)s) AS hours
            FROM days d
            JOIN {READING} r ON r.counter_id = d.counter_id AND r.start >= d.lo
                            AND r.start < d.hi AND r.length IN (%(hour)s, %(day)s)
            GROUP BY d.counter_id, d.day, d.lo, d.hi
        )
        INSERT INTO {DAILY} AS t (counter_id, date, count, hours, hours_expected, source_length)
        SELECT counter_id, day, coalesce(day_count, hour_sum)::integer,
               CASE WHEN day_count IS NOT NULL THEN expected ELSE least(hours, expected) END,
               expected,
               CASE WHEN day_count IS NOT NULL THEN %(day)s ELSE %(hour)s END
        FROM totals
        ON CONFLICT (counter_id, date) DO UPDATE SET
            count = EXCLUDED.count, hours = EXCLUDED.hours,
            hours_expected = EXCLUDED.hours_expected, source_length = EXCLUDED.source_length
        """,  # noqa: S608 -- table names from the models; values are parameters
        params,
    )
    _analyze_if_grown(cursor, DAILY, exact + cursor.rowcount)
    cursor.execute(
        f"""
        WITH months AS (
            SELECT DISTINCT counter_id, date_trunc('month', day)::date AS month
            FROM usage_touched
        ), bounds AS (
            SELECT counter_id, month,
                   (month::timestamp AT TIME ZONE %(tz)s) AS lo,
                   ((month + interval '1 month')::timestamp AT TIME ZONE %(tz)s) AS hi,
                   ((month + interval '1 month')::date - month) AS expected
            FROM months
        )
        INSERT INTO {MONTHLY} AS t (counter_id, month, count, days, days_expected, source_length)
        SELECT b.counter_id, b.month, coalesce(m.count, d.count),
               CASE WHEN m.count IS NOT NULL THEN b.expected ELSE least(d.days, b.expected) END,
               b.expected,
               CASE WHEN m.count IS NOT NULL THEN %(month)s ELSE %(day)s END
        FROM bounds b
        CROSS JOIN LATERAL (
            SELECT max(r.count) AS count FROM {READING} r
            WHERE r.counter_id = b.counter_id AND r.length = %(month)s
              AND r.start >= b.lo AND r.start < b.hi
        ) m
        CROSS JOIN LATERAL (
            SELECT sum(x.count) AS count, count(*) AS days FROM {DAILY} x
            WHERE x.counter_id = b.counter_id AND x.date >= b.month
              AND x.date < b.month + b.expected
        ) d
        WHERE m.count IS NOT NULL OR d.days > 0
        ON CONFLICT (counter_id, month) DO UPDATE SET
            count = EXCLUDED.count, days = EXCLUDED.days,
            days_expected = EXCLUDED.days_expected, source_length = EXCLUDED.source_length
        """,  # noqa: S608 -- table names from the models; values are parameters
        params,
    )


def rollups_rebuild(*, counter_ids: list[int], time_zone: str) -> None:
    """Recompute every rollup of these counters from their readings (after a change of
    settings.TIME_ZONE, say). Reads all their readings: an operation, not a page's work."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS usage_touched")
        cursor.execute(TOUCHED_TABLE)
        cursor.execute(f"DELETE FROM {DAILY} WHERE counter_id = ANY(%s)", [counter_ids])  # noqa: S608
        cursor.execute(f"DELETE FROM {MONTHLY} WHERE counter_id = ANY(%s)", [counter_ids])  # noqa: S608
        cursor.execute(
            f"""
            INSERT INTO usage_touched (counter_id, day, inserted, updated)
            SELECT counter_id, (start AT TIME ZONE %s)::date, 0, 0 FROM {READING}
            WHERE counter_id = ANY(%s) GROUP BY 1, 2
            """,  # noqa: S608
            [time_zone, counter_ids],
        )
        cursor.execute("ANALYZE usage_touched")
        rollups_refresh_touched(cursor, time_zone=time_zone)
        cursor.execute("DROP TABLE usage_touched")
