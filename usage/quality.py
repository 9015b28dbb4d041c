"""Data quality: detecting counter outages in the rollups.

A counter is *out* on a day (a month, for data known only by month) when it is normally busy
and yet reports nothing, or almost nothing:
- "normally busy": its usual day — the median of its complete, non-zero daily totals — is at
  least `MIN_USUAL_DAILY` bikes (for monthly data, the usual month is at least 30 times that).
  A quiet counter's zeros may be real, so they are never taken for outages;
- "almost nothing": a total at most `NEAR_ZERO_SHARE` of the usual one. Works and failures
  rarely give clean zeros: Lyon's Avenue de Grande Bretagne counted 0, 1, 0, 0, 0 and 14 bikes
  a month during its works (2022-10 to 2023-03) against a usual 23,000;
- "reports nothing": a day (month) with no data at all between the counter's first and last.
Consecutive out days form one outage [start, end) of kind "zero" or "missing". Outages are
stored (`Outage`), shown on the charts and excluded from every statistic. Detection replaces the
detected outages of the counters it looks at and leaves those the services recorded (`manual`);
a day inside a recorded outage is not detected again.

The thresholds are deliberately strict: a lockdown that divides traffic by 10 or 50 is a real
change in usage, not an outage, and must stay in the statistics (Lyon's Berges du Rhône counted
0.25 % of its usual month in April 2020, when the banks were closed: kept).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db import connection

from usage.models import DailyTotal, Length, MonthlyTotal, Outage

MIN_USUAL_DAILY = 20
NEAR_ZERO_SHARE = 0.001
DAYS_PER_MONTH = 30

DAILY = DailyTotal._meta.db_table
MONTHLY = MonthlyTotal._meta.db_table
OUTAGE = Outage._meta.db_table


def outages_redetect(*, counter_ids: Collection[int]) -> int:
    """Replace the detected outages of these counters; return how many there are now."""
    ids = list(counter_ids)
    if not ids:
        return 0
    params: dict[str, Any] = {
        "ids": ids,
        "min_daily": MIN_USUAL_DAILY,
        "min_monthly": MIN_USUAL_DAILY * DAYS_PER_MONTH,
        "share": NEAR_ZERO_SHARE,
        "month": Length.MONTH,
        "zero": Outage.Kind.ZERO,
        "missing": Outage.Kind.MISSING,
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {OUTAGE} WHERE counter_id = ANY(%(ids)s) AND NOT manual",  # noqa: S608
            params,
        )
        # Gaps and islands: in a run of consecutive flagged days, day - row_number is constant.
        cursor.execute(
            f"""
            WITH usual AS (
                SELECT counter_id,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY count) AS usual
                FROM {DAILY}
                WHERE counter_id = ANY(%(ids)s) AND count > 0 AND hours >= hours_expected
                GROUP BY counter_id
            ), span AS (
                SELECT counter_id, min(date) AS first, max(date) AS last
                FROM {DAILY} WHERE counter_id = ANY(%(ids)s) GROUP BY counter_id
            ), days AS (
                SELECT s.counter_id, g.day::date AS day,
                       CASE WHEN d.counter_id IS NULL THEN %(missing)s
                            WHEN d.count <= u.usual * %(share)s THEN %(zero)s END AS kind
                FROM span s
                JOIN usual u ON u.counter_id = s.counter_id AND u.usual >= %(min_daily)s
                CROSS JOIN LATERAL generate_series(s.first, s.last, interval '1 day') AS g(day)
                -- The imported counters' days only: a join on the whole table made the
                -- planner hash all of it (the whole import 3x slower at 50M readings).
                LEFT JOIN (SELECT * FROM {DAILY} WHERE counter_id = ANY(%(ids)s)) d
                    ON d.counter_id = s.counter_id AND d.date = g.day::date
            ), flagged AS (
                SELECT counter_id, day, kind,
                       day - (row_number() OVER (PARTITION BY counter_id, kind ORDER BY day))::int
                           AS run
                FROM days
                WHERE kind IS NOT NULL AND NOT EXISTS (
                    SELECT FROM {OUTAGE} o WHERE o.counter_id = days.counter_id AND o.manual
                    AND days.day >= o.start AND days.day < o."end"
                )
            )
            INSERT INTO {OUTAGE} (counter_id, start, "end", kind, manual, note, created_at)
            SELECT counter_id, min(day), max(day) + 1, kind, false, '', now()
            FROM flagged GROUP BY counter_id, kind, run
            """,  # noqa: S608 -- table names from the models; values are parameters
            params,
        )
        # Months known only from monthly readings: the same rule, a month at a time.
        cursor.execute(
            f"""
            WITH monthly AS (
                SELECT * FROM {MONTHLY}
                WHERE counter_id = ANY(%(ids)s) AND source_length = %(month)s
            ), usual AS (
                SELECT counter_id,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY count) AS usual
                FROM monthly WHERE count > 0 GROUP BY counter_id
            ), span AS (
                SELECT counter_id, min(month) AS first, max(month) AS last
                FROM monthly GROUP BY counter_id
            ), months AS (
                SELECT s.counter_id, g.month::date AS month,
                       CASE WHEN m.counter_id IS NULL THEN %(missing)s
                            WHEN m.source_length = %(month)s
                                 AND m.count <= u.usual * %(share)s THEN %(zero)s END AS kind
                FROM span s
                JOIN usual u ON u.counter_id = s.counter_id AND u.usual >= %(min_monthly)s
                CROSS JOIN LATERAL
                    generate_series(s.first, s.last, interval '1 month') AS g(month)
                LEFT JOIN (SELECT * FROM {MONTHLY} WHERE counter_id = ANY(%(ids)s)) m
                    ON m.counter_id = s.counter_id AND m.month = g.month::date
            ), flagged AS (
                SELECT counter_id, month, kind,
                       (extract(year FROM month) * 12 + extract(month FROM month))::int
                       - (row_number() OVER (PARTITION BY counter_id, kind ORDER BY month))::int
                           AS run
                FROM months
                WHERE kind IS NOT NULL AND NOT EXISTS (
                    SELECT FROM {OUTAGE} o WHERE o.counter_id = months.counter_id AND o.manual
                    AND months.month >= o.start AND months.month < o."end"
                )
            )
            INSERT INTO {OUTAGE} (counter_id, start, "end", kind, manual, note, created_at)
            SELECT counter_id, min(month), (max(month) + interval '1 month')::date, kind, false,
                   '', now()
            FROM flagged GROUP BY counter_id, kind, run
            """,  # noqa: S608 -- table names from the models; values are parameters
            params,
        )
        cursor.execute(
            f"SELECT count(*) FROM {OUTAGE} WHERE counter_id = ANY(%(ids)s)",  # noqa: S608
            params,
        )
        count: int = cursor.fetchone()[0]
        return count
