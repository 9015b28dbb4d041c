"""The staged way, second half: the staged rows into the readings, what changed recorded per
(counter, local day) in `usage_touched` (`staged_readings_write`).

- A counter with no reading at all between its first and last staged period ("fresh": the
  usual case of a first import, or of this month's file after last month's) cannot conflict,
  and its rows are inserted as they are: `ON CONFLICT` would double the index work for
  conflicts that cannot happen, since imports are serialised and nothing else writes readings.
- The others go through `INSERT … ON CONFLICT DO UPDATE … WHERE the count differs`, the rows
  already stored with the same count being left out first (an anti-join costs less than an
  upsert that finds nothing to do; a hash join when the file is large beside the readings,
  `_compare_by_hashing`): a new period is inserted, a corrected count updated, an identical one
  left alone — so re-importing a file writes nothing and a corrected file changes only what it
  corrects.
- Before any row moves, the readings' partitions of the staged rows' months are created
  (`partitions`). What the upsert changed is counted from the stored count each staged row was
  compared with (none: an insert; another: an update), the partitioned readings having no
  `xmax` to return.
- Lines repeating a (counter, period) of an earlier line of the file make the move fail (a
  unique violation, or "ON CONFLICT cannot affect a row twice"): only then are they looked for,
  rejected ("same counter and period as line N": the first one wins), and the move redone. A
  file without duplicates pays nothing for the check.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, ProgrammingError, transaction

from usage.importing.messages import REJECT_DUPLICATE, Reject
from usage.importing.partitions import partitions_create, readings_estimate
from usage.models import Length, Reading

# unique_violation (a plain insert) and cardinality_violation (ON CONFLICT DO UPDATE meeting
# the same key twice): how duplicates within a file show.
DUPLICATE_STATES = {"23505", "21000"}

READING = Reading._meta.db_table


def staged_readings_write(cursor: Any, *, period: Length, time_zone: str) -> list[Reject]:
    """Move the staged rows (readings of `period`) into the readings and record what changed in
    `usage_touched`; the lines rejected for repeating an earlier line's counter and period,
    deleted from the staging table first. Any other database error is raised."""
    try:
        # A savepoint: duplicates within the file surface as errors, at no cost otherwise.
        with transaction.atomic():
            _write(cursor, period=period, time_zone=time_zone)
    except (IntegrityError, ProgrammingError) as error:
        if getattr(error.__cause__, "sqlstate", None) not in DUPLICATE_STATES:
            raise
        duplicates = _reject_duplicates(cursor)
        _write(cursor, period=period, time_zone=time_zone)
        return duplicates
    return []


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
    rejects = [
        Reject(line, str(REJECT_DUPLICATE % {"line": first})) for line, first in cursor.fetchall()
    ]
    return sorted(rejects, key=lambda reject: reject.line)


def _write(cursor: Any, *, period: Length, time_zone: str) -> None:
    """Move the staged rows into the readings and record what changed in `usage_touched`."""
    params = {"length": int(period), "tz": time_zone}
    cursor.execute("DROP TABLE IF EXISTS usage_days, usage_fresh")
    # One pass over the staged rows: what each (counter, local day) receives. The counters'
    # staged ranges, hence which are fresh, and the fresh counters' touched days follow from it.
    cursor.execute(
        """
        CREATE TEMP TABLE usage_days AS
        SELECT counter_id, day, count(*) AS n, sum(count) AS total,
               min(start) AS first, max(start) AS last
        FROM usage_staging GROUP BY 1, 2
        """
    )
    cursor.execute(
        f"""
        CREATE TEMP TABLE usage_fresh AS
        SELECT d.counter_id FROM usage_days d GROUP BY d.counter_id
        HAVING NOT EXISTS (
            SELECT FROM {READING} r WHERE r.counter_id = d.counter_id
            AND r.start BETWEEN min(d.first) AND max(d.last)
        )
        """  # noqa: S608 -- table names from the models
    )
    fresh = cursor.rowcount
    # Every month the staged rows fall in has its partition before they move (`partitions`). A
    # (counter, local day)'s rows lie between its first and last, less than two days apart:
    # their months are those of the first and the last.
    cursor.execute(
        "SELECT DISTINCT to_char(x AT TIME ZONE 'UTC', 'YYYY-MM')"
        " FROM usage_days, LATERAL (VALUES (first), (last)) v(x)"
    )
    partitions_create(cursor, [month for (month,) in cursor.fetchall()])
    cursor.execute("SELECT count(DISTINCT counter_id) FROM usage_days")
    all_fresh = fresh == cursor.fetchone()[0]
    cursor.execute(
        f"""
        INSERT INTO {READING} (counter_id, start, length, count)
        SELECT counter_id, start, %(length)s, count FROM usage_staging
        {"" if all_fresh else "WHERE counter_id IN (SELECT counter_id FROM usage_fresh)"}
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
            FROM usage_days WHERE counter_id IN (SELECT counter_id FROM usage_fresh)
            WINDOW w AS (PARTITION BY counter_id)
            """,
            {**params, "exact": period != Length.MONTH},
        )
    if all_fresh:
        cursor.execute("DROP TABLE usage_days, usage_fresh")
        return
    # The upsert compares the staged rows with the stored ones: the planner needs to know them.
    cursor.execute("ANALYZE usage_staging")
    hash_join = _compare_by_hashing(cursor)
    if hash_join:
        cursor.execute("SET LOCAL enable_mergejoin = off")
        cursor.execute("SET LOCAL enable_nestloop = off")
    # The staged rows whose count is not the stored one, with the stored one (NULL: a new
    # period), in one join: a stored count tells an update from an insert (nothing else writes
    # readings: imports are serialised). The upsert then writes exactly those rows; it cannot
    # tell them apart itself, a partitioned table having no `xmax` to return.
    cursor.execute(
        f"""
        WITH todo AS MATERIALIZED (
            SELECT s.counter_id, s.start, s.day, s.count, x.count AS stored
            FROM usage_staging s
            LEFT JOIN {READING} x ON x.counter_id = s.counter_id
                AND x.start = s.start AND x.length = %(length)s
            WHERE NOT EXISTS (SELECT FROM usage_fresh f WHERE f.counter_id = s.counter_id)
              AND x.count IS DISTINCT FROM s.count
        ), changed AS (
            INSERT INTO {READING} AS r (counter_id, start, length, count)
            SELECT counter_id, start, %(length)s, count FROM todo
            ON CONFLICT (counter_id, start, length) DO UPDATE SET count = EXCLUDED.count
            WHERE r.count <> EXCLUDED.count
        )
        INSERT INTO usage_touched (counter_id, day, inserted, updated)
        SELECT counter_id, day,
               count(*) FILTER (WHERE stored IS NULL), count(*) FILTER (WHERE stored IS NOT NULL)
        FROM todo GROUP BY 1, 2
        """,  # noqa: S608 -- table names from the models; values are parameters
        params,
    )
    if hash_join:
        cursor.execute("RESET enable_mergejoin")
        cursor.execute("RESET enable_nestloop")
    cursor.execute("DROP TABLE usage_days, usage_fresh")


def _compare_by_hashing(cursor: Any) -> bool:
    """Whether the staged rows of counters that are not fresh are at least half as many as the
    readings: then they are compared with the stored ones by hashing the readings.

    Left to itself, the planner compares many staged rows with many readings by sorting both (a
    merge join): on three keys whose order it picks by a hair's difference in estimated cost,
    and in one order out of two the join is much slower, the plan changing from one ANALYZE
    sample to the next (measured on the benchmark's re-import: see benchmarks/README.md). A hash
    join is fast every time. It reads every reading, though: for a file small beside the
    readings the planner's own choice (a lookup in the primary key per row) is the one.
    """
    cursor.execute(
        "SELECT coalesce(sum(n), 0) FROM usage_days d WHERE NOT EXISTS"
        " (SELECT FROM usage_fresh f WHERE f.counter_id = d.counter_id)"
    )
    staged = cursor.fetchone()[0]
    return bool(staged * 2 >= readings_estimate(cursor))
