"""The readings' partitions: one per calendar month (UTC), created by the imports that need them.

`usage_reading` is partitioned by range of `start` (migration `usage` 0004): the partition
`usage_reading_YYYY_MM` holds the readings starting in that month, from YYYY-MM-01 00:00 UTC to
the first of the next month 00:00 UTC; `usage_reading_default` (the DEFAULT partition) holds any
other. The months are UTC ones, not local ones: a partition's bounds do not depend on
settings.TIME_ZONE (which may change, see `rollups.rollups_rebuild`), and a period's month is
read off its UTC start as the reader gives it (`month_of`). So a daily or monthly reading, which
starts at local midnight (22:00 or 23:00 UTC the day before, in Paris), lies in the partition
of the UTC month before when its day is the first of a month: nothing reads the readings a
partition at a time, so nothing depends on it.

The rule: **every month an import writes has its partition before a row of it is written.** The
loader creates them (`partitions_create`) from what it knows at that point:
- on the short way, block by block as the reader judges the times: before a block of the COPY
  whose periods fall in a month without its partition, the COPY is ended, the partitions
  created and a new COPY started (`loading._ReadingsCopy`);
- on the staged way, before the staged rows are moved into the readings: the months of the
  staged rows (`upsert`).
So imports never write into the DEFAULT partition. It is there for any other writer (a shell,
the ORM, a restore): a row of a month without its partition lands there rather than failing,
and is moved into its month's partition when an import creates it.

Creating a partition (`ATTACH PARTITION`) takes a SHARE UPDATE EXCLUSIVE lock on the readings
and an ACCESS EXCLUSIVE one on the new partition and on the DEFAULT one, held until the import's
transaction ends; imports are serialised (`loading.import_lock`). Partitions created inside a
savepoint that is undone (the short way giving up) are undone with it: the partitions that exist
are read from the catalogue each time (`partition_months`), never remembered across one.

Statistics: ANALYZE of the partitioned table samples every partition again, and autovacuum never
runs it (it does analyse the partitions, after each import's commit). So the import analyses
only the partitions it grew much that had statistics (`partitions_analyze_grown`), and sizes
the readings from their partitions (`readings_estimate`); the partitioned table's own
statistics, which only the planner's estimates across partitions use, are those of migration
0004's ANALYZE or of a maintenance `ANALYZE usage_reading`. The planner costs a query on the
readings once per partition, unaware that the query prunes all but one or two when it runs:
hence no JIT in imports (`loading.IMPORT_SETTINGS`).

If the readings are one plain table (migration 0004 reversed), there is nothing to create: the
functions here treat the table as its only partition.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from psycopg import sql

from usage.importing.rollups import ANALYZE_GROWTH
from usage.models import Reading

READING = Reading._meta.db_table
DEFAULT_PARTITION = f"{READING}_default"
PARTITION_NAME = re.compile(rf"{READING}_(\d{{4}})_(\d{{2}})")
MONTH = re.compile(r"(\d{4})-(\d{2})")

# The columns of the readings, in the table's order.
COLUMNS = "start, length, count, counter_id"

# The partitions of the readings — the table itself if it is not partitioned (migration 0004
# reversed) — with their planner statistics (the `reltuples` of a table never analysed are -1),
# the live rows the statistics collector counts, and the rows this transaction inserted.
PARTITIONS = f"""
    SELECT c.relname, c.reltuples, pg_stat_get_live_tuples(c.oid),
           pg_stat_get_xact_tuples_inserted(c.oid)
    FROM pg_class c
    WHERE c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = '{READING}'::regclass)
       OR (c.oid = '{READING}'::regclass AND c.relkind = 'r')
"""  # noqa: S608 -- the table name from the model


ESTIMATE = f"""
    SELECT coalesce(sum(greatest(t.reltuples, t.live, 0)), 0)
    FROM ({PARTITIONS}) t (name, reltuples, live, inserted)
"""  # noqa: S608 -- the table name from the model


def month_of(start: str) -> str:
    """The month (YYYY-MM, UTC) of a period, from the ISO text of its UTC start."""
    return start[:7]


def partition_name(month: str) -> str:
    """The partition of a month (YYYY-MM)."""
    found = MONTH.fullmatch(month)
    if found is None:
        raise ValueError(f"not a month: {month!r}")
    return f"{READING}_{found[1]}_{found[2]}"


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of a month (YYYY-MM, UTC), and that of the next."""
    first = dt.datetime.strptime(month, "%Y-%m").replace(tzinfo=dt.UTC)
    after = first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1)
    return first, after


def partition_months(cursor: Any) -> set[str] | None:
    """The months (YYYY-MM) that have their partition; None if the readings are not
    partitioned (migration 0004 reversed): then there is no partition to create."""
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass", [READING])
    if cursor.fetchone()[0] != "p":
        return None
    cursor.execute(PARTITIONS)
    months = set()
    for name, *_ in cursor.fetchall():
        found = PARTITION_NAME.fullmatch(name)
        if found is not None:
            months.add(f"{found[1]}-{found[2]}")
    return months


def partitions_create(
    cursor: Any, months: Iterable[str], *, existing: set[str] | None = None
) -> list[str]:
    """Create the partitions of `months` (YYYY-MM) that are not there yet (`existing`, read
    from the catalogue if not given), moving the rows of those months out of the DEFAULT
    partition; the months created, in order (none if the readings are not partitioned)."""
    if existing is None:
        existing = partition_months(cursor)
        if existing is None:
            return []
    created = sorted(set(months) - existing)
    for month in created:
        first, after = month_bounds(month)
        name = sql.Identifier(partition_name(month))
        cursor.execute(
            sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)").format(
                name, sql.Identifier(READING)
            )
        )
        # Any row of the month another writer left in the DEFAULT partition moves first: the
        # attachment refuses a partition whose rows the DEFAULT one holds too.
        cursor.execute(
            sql.SQL(
                "WITH moved AS (DELETE FROM {default} WHERE start >= %s AND start < %s"
                " RETURNING {columns}) INSERT INTO {name} ({columns}) SELECT * FROM moved"
            ).format(
                default=sql.Identifier(DEFAULT_PARTITION), name=name, columns=sql.SQL(COLUMNS)
            ),
            [first, after],
        )
        # Attached rather than created as a partition: a lighter lock on the readings. The
        # primary key and the indexes are created on it by the attachment, as on the parent.
        cursor.execute(
            sql.SQL("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES FROM ({}) TO ({})").format(
                sql.Identifier(READING), name, sql.Literal(first), sql.Literal(after)
            )
        )
    return created


def readings_estimate(cursor: Any) -> float:
    """An estimate of the number of readings: the sum over the partitions of their planner
    statistics' count, or of the live rows the statistics collector counts if more (a partition
    not analysed yet). The partitioned table's own statistics are those of its last ANALYZE, if
    any: autovacuum never analyses it."""
    cursor.execute(ESTIMATE)
    return float(cursor.fetchone()[0])


def partitions_analyze_grown(cursor: Any) -> list[str]:
    """Refresh the statistics of the partitions this transaction grew by more than
    `ANALYZE_GROWTH` of what they held when last analysed; the partitions analysed.

    A partition never analysed (one this import created) is left to autovacuum, after the
    commit: the planner sizes such a table from its pages on disk, not from statistics, and the
    import's next queries (the rollups: index lookups per day and month) ran as fast without
    them (a first import of 30 months analysed 30 partitions for 0.5 s, 0.1 s for the table
    before it was partitioned). A partition that was analysed with far fewer rows gets fresh
    statistics now (`rollups.analyze_if_grown`). The rows counted are those this transaction
    inserted, including those of an undone savepoint: at worst a partition is analysed for
    nothing.
    """
    cursor.execute(PARTITIONS)
    grown = [
        table
        for table, estimated, _, inserted in cursor.fetchall()
        if estimated >= 0 and inserted > ANALYZE_GROWTH * max(estimated, 1)
    ]
    for table in grown:
        cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
    return grown


def readings_analyze(cursor: Any) -> None:
    """Refresh the partitioned readings' own statistics (ANALYZE samples every partition).

    Autovacuum analyses the partitions but never the partitioned table, whose statistics the
    planner uses for estimates across partitions (a join of the readings as a whole, the
    counters' latest reading): without this they stay those of migration 0004 while the table
    grows. Run nightly by a job (`usage.tasks`); a sample, so its cost barely grows with the
    table."""
    cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(READING)))
