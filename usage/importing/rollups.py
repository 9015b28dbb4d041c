"""The last step of an import: the daily and monthly totals of exactly the days and months it
changed, recomputed from the readings (`rollups_refresh_touched`); and every rollup of some
counters rebuilt from all their readings (`rollups_rebuild`). The rules are `ROLLUP_RULES`.

- The (counter, local day)s to recompute are those in `usage_touched` (`TOUCHED_TABLE`), filled
  by whichever way the file was loaded. A day known whole from what the import staged (its
  `total` set) is rolled up from that, without reading the readings again; months are always
  rolled up from their days.
- The planner's statistics of a table that grew much are refreshed before the queries that
  need them (`analyze_if_grown`).
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from usage.models import DailyTotal, Length, MonthlyTotal, Reading

ROLLUP_RULES = """
- DailyTotal(counter, local day): the day's daily reading if there is one (complete: it covers
  every hour), else the sum of its hourly readings, `hours` counting the hours they cover out of
  the day's 23, 24 or 25 (`hours_expected`).
- MonthlyTotal(counter, month): the month's monthly reading if there is one (complete), else the
  sum of its daily totals, `days` counting the days they cover out of the month's.
- "Local" is settings.TIME_ZONE. Hourly readings feed the months through the days.
"""

# A table that grew by more than this share since its statistics were taken is re-analysed
# (autovacuum's own default threshold).
ANALYZE_GROWTH = 0.1

# The (counter, local day)s an import changed, with what changed. `total` and `rows`, when
# set, are the day's whole content (see `upsert._write`): its daily total needs no other
# reading.
TOUCHED_TABLE = (
    "CREATE TEMP TABLE usage_touched (counter_id bigint NOT NULL, day date NOT NULL,"
    " inserted integer NOT NULL, updated integer NOT NULL, total bigint, rows integer)"
)

READING = Reading._meta.db_table
DAILY = DailyTotal._meta.db_table
MONTHLY = MonthlyTotal._meta.db_table


def analyze_if_grown(cursor: Any, table: str, inserted: int) -> None:
    """Refresh the planner's statistics of `table` if `inserted` rows changed it much.

    Autovacuum would, later; the rollup queries that follow need them now: with the statistics
    of an empty table the planner joins the touched days to the readings with a merge join that
    compares every day with every reading. Sampling, ANALYZE costs about the same on any size of
    table.
    """
    cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
    estimated = cursor.fetchone()[0]
    if estimated < 0 or inserted > ANALYZE_GROWTH * max(estimated, 1):
        cursor.execute(f"ANALYZE {table}")


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
            -- One index range scan per day (LATERAL): a join let the planner scan every
            -- reading to find the few edge days of a first import (0.4 s per million).
            SELECT d.counter_id, d.day,
                   (extract(epoch FROM d.hi - d.lo) / 3600)::smallint AS expected,
                   x.day_count, x.hour_sum, x.hours
            FROM days d
            CROSS JOIN LATERAL (
                SELECT max(r.count) FILTER (WHERE r.length = %(day)s) AS day_count,
                       sum(r.count) FILTER (WHERE r.length = %(hour)s) AS hour_sum,
                       count(*) FILTER (WHERE r.length = %(hour)s) AS hours,
                       count(*) AS readings
                FROM {READING} r
                WHERE r.counter_id = d.counter_id AND r.start >= d.lo AND r.start < d.hi
                  AND r.length IN (%(hour)s, %(day)s)
            ) x
            WHERE x.readings > 0
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
    analyze_if_grown(cursor, DAILY, exact + cursor.rowcount)
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
