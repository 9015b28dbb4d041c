"""Step 2 of an import: a file of counts into the readings, then the rollups of what changed.

`readings_load` sends a file along one of two ways, which leave the same rows and rollups:

- The short way (`_copy_new_rows`, its rows written by `newrows`): a clean file of new
  readings — the usual first import, or this month's file after last month's — is judged in
  Python on its distinct texts while its rows are copied straight into the readings, in one COPY
  that the readings' primary key stops at the first duplicate; nothing could conflict, so
  nothing needs staging nor `ON CONFLICT`. As soon as the file turns out to be another kind,
  that COPY is undone (its savepoint: nothing written) and the file takes the staged way.
- The staged way (`_load_staged`): the good lines are staged (`staging`) — a clean file whose
  periods are not all new (a re-import, a corrected file) from Python, any other copied as it is
  and judged in SQL, its bad lines rejected — then moved into the readings (`upsert`): a new
  period inserted, a corrected count updated, an identical one left alone, a line repeating the
  counter and period of an earlier line rejected.

Either way, what changed is recorded per (counter, local day) in `usage_touched`, and the
rollups of exactly those days and their months are recomputed (`rollups`, whose `ROLLUP_RULES`
say how each granularity feeds them). Either way too, the readings' partition of every month
written is created before its rows are (`partitions`): block by block on the short way, whose
COPY is then ended and started again (`_ReadingsCopy`), from the staged rows on the other.

Imports are serialised (`import_lock`). The caller holds the transaction: an unexpected error
leaves the database as it was.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.db import connection, transaction

from usage.importing.messages import Reject
from usage.importing.newrows import (
    COPY_HEADER,
    COPY_TRAILER,
    READINGS_COLUMNS,
    NeedsStaging,
    NotNew,
    new_rows,
)
from usage.importing.partitions import (
    partition_months,
    partitions_analyze_grown,
    partitions_create,
)
from usage.importing.reader import LinesRead, NotAsIs, ReadingsReader
from usage.importing.rollups import TOUCHED_TABLE, rollups_refresh_touched
from usage.importing.staging import copy_rows, stage_from_python, stage_judged_in_sql
from usage.importing.upsert import staged_readings_write
from usage.importing.values import utc_text
from usage.models import Counter, Reading

# Imports are serialised: two imports touching the same days would otherwise each recompute
# the rollups from what they see, and the last to commit could miss the other's readings.
IMPORT_LOCK_KEY = 0x7AC71C03  # an arbitrary constant, unique to this lock

# Work memory for the import's transaction: enough to sort or hash a few million staged rows
# in memory rather than on disk.
IMPORT_WORK_MEM = "256MB"
# No JIT compilation in the import's transaction. The planner costs a lookup in the readings
# once per partition, not knowing that all but one or two are pruned when the query runs: with
# 30 months of readings the monthly rollup's estimate passed the thresholds of JIT inlining and
# optimisation, and compiling it took 0.9 s, to run a query of 0.05 s.
IMPORT_SETTINGS = {"work_mem": IMPORT_WORK_MEM, "jit": "off"}

READING = Reading._meta.db_table


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
        for name, value in IMPORT_SETTINGS.items():
            cursor.execute(f"SET LOCAL {name} = '{value}'")


def readings_load(
    *,
    reader: ReadingsReader,
    ids: Mapping[str, int | str],
    source: str,
    attribution: str,
    time_zone: str,
    progress: Callable[[int], None] | None = None,
) -> LoadResult:
    """Load the good lines of `reader` (creating the counters the file describes, if its
    format does), and recompute the rollups of the days and months that changed.

    A clean file of new readings takes the short way (`_copy_new_rows`), any other the staged
    one (`_load_staged`); both leave what changed in `usage_touched`, and the same rows."""
    result = LoadResult()
    lines = LinesRead(progress)
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TABLE IF EXISTS usage_raw, usage_map_counter, usage_map_time,"
            " usage_map_count, usage_staging, usage_touched"
        )
        cursor.execute(TOUCHED_TABLE)
        way = _copy_new_rows(cursor, reader, lines)
        rejects: list[Reject] = []
        staged = reader.lines
        if way is not _Way.LOADED:
            staged, rejects = _load_staged(
                cursor,
                reader=reader,
                ids=ids,
                source=source,
                attribution=attribution,
                time_zone=time_zone,
                progress=lines,
                result=result,
                clean=way is _Way.CLEAN,
            )
        result.rejects = sorted([*reader.rejects, *rejects], key=lambda r: r.line)
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
            partitions_analyze_grown(cursor)
            rollups_refresh_touched(cursor, time_zone=time_zone, period=reader.period)
        cursor.execute("DROP TABLE IF EXISTS usage_staging, usage_touched")
    return result


class _Way(enum.Enum):
    """What the short way did with a file."""

    LOADED = "loaded"  # a clean file of new readings: copied into the readings
    CLEAN = "clean"  # a clean file, some of whose rows may be stored: stage it from Python
    UNCLEAN = "unclean"  # a file with lines to judge in SQL


def _copy_new_rows(cursor: Any, reader: ReadingsReader, progress: LinesRead) -> _Way:
    """The short way: COPY the rows of a clean file of new readings straight into the readings
    (`newrows.new_rows`), and record its (counter, day)s in `usage_touched`. Nothing is written
    unless the whole file is such a file."""
    progress.restart()
    cursor.execute(
        f"SELECT c.id, (SELECT max(r.start) FROM {READING} r WHERE r.counter_id = c.id)"  # noqa: S608
        f" FROM {Counter._meta.db_table} c WHERE c.id = ANY(%s)",
        [[int(counter_id) for counter_id in reader.ids.values()]],
    )
    latest = {counter_id: utc_text(start) for counter_id, start in cursor.fetchall() if start}
    try:
        with transaction.atomic(), _ReadingsCopy(cursor) as copy:
            new = new_rows(reader, copy.write, latest=latest, months=copy.months, progress=progress)
    except (NotNew, psycopg.errors.UniqueViolation):
        return _Way.CLEAN  # a repeated line shows as a unique violation
    except (NeedsStaging, NotAsIs):
        return _Way.UNCLEAN
    copy_rows(
        cursor,
        "usage_touched",
        "counter_id, day, inserted, updated, total, rows",
        [(c, day, n, 0, total, n) for c, day, n, total in new.touched(reader.period)],
    )
    return _Way.LOADED


class _ReadingsCopy:
    """The short way's binary COPY into the readings, ended and started again when the next
    block falls in months without their partition, to create them (`partitions`): no other
    statement runs while a COPY is in progress. A file's months are few (a monthly file has one
    or two, a first import one per month it spans): a new COPY costs a round trip."""

    STATEMENT = f"COPY {READING} ({READINGS_COLUMNS}) FROM STDIN (FORMAT binary)"
    write: Callable[[bytes], Any]  # the current COPY's

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor
        self.existing = partition_months(cursor)
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> _ReadingsCopy:
        self._start()
        return self

    def __exit__(self, *exc: Any) -> bool | None:
        return self._stack.__exit__(*exc)

    def _start(self) -> None:
        self._stack = contextlib.ExitStack()
        self.write = self._stack.enter_context(self.cursor.copy(self.STATEMENT)).write

    def months(self, months: set[str]) -> None:
        """Make sure `months` have their partitions before their rows are written."""
        if self.existing is None:
            return  # the readings are not partitioned
        missing = months - self.existing
        if not missing:
            return
        self.write(COPY_TRAILER)
        self._stack.close()  # the COPY ends here: a duplicate so far raises now
        self.existing.update(partitions_create(self.cursor, missing, existing=self.existing))
        self._start()
        self.write(COPY_HEADER)


def _load_staged(
    cursor: Any,
    *,
    reader: ReadingsReader,
    ids: Mapping[str, int | str],
    source: str,
    attribution: str,
    time_zone: str,
    progress: LinesRead,
    result: LoadResult,
    clean: bool,
) -> tuple[int, list[Reject]]:
    """The staged way: the good lines staged (`staging`), then moved into the readings
    (`upsert`); the number of lines staged and not rejected as duplicates, and the rejects. A
    `clean` file is staged from Python if it is clean to the end (`stage_from_python`), else it
    is judged in SQL: copied as it is, or split in Python if PostgreSQL reads it otherwise."""
    created: list[int] = []
    rejects: list[Reject] = []
    if clean and stage_from_python(cursor, reader, progress):
        staged = reader.lines  # counted while staging
    else:

        def judged(*, as_is: bool) -> tuple[list[int], list[Reject], int]:
            return stage_judged_in_sql(
                cursor,
                reader=reader,
                ids=ids,
                source=source,
                attribution=attribution,
                time_zone=time_zone,
                progress=progress,
                as_is=as_is,
            )

        try:
            with transaction.atomic():
                created, rejects, staged = judged(as_is=True)
        except NotAsIs:
            created, rejects, staged = judged(as_is=False)
    result.counters_created = created
    duplicates = staged_readings_write(cursor, period=reader.period, time_zone=time_zone)
    return staged - len(duplicates), rejects + duplicates
