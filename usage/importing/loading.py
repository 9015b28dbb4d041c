"""Step 2 of an import: copy the file's lines into PostgreSQL, judge them there, upsert, roll up.

A clean file of new readings — the usual first import, or this month's file after last
month's — takes a short way (`_copy_new_rows`, rules in `newrows`): its rows are judged in
Python on their distinct texts while they are copied straight into the readings, in one COPY
that the readings' primary key stops at the first duplicate; nothing could conflict, so nothing
needs staging nor `ON CONFLICT` (1M rows: 2.0 s where staging takes 4.2 s). As soon as the file
turns out to be another kind, that COPY is undone and the file takes the staged way below: a
clean file whose periods are not all new (a re-import, a corrected file) is staged from Python
the same way (`_stage_clean`), any other is copied as it is and judged in SQL (steps 1–3).
Every way leaves the same rows and rollups.

The staged way:

1. The lines are copied as they are, with their numbers, into a temporary text table
   (`usage_raw`: one column per column of the file): PostgreSQL reads the CSV itself while
   Python splits the same blocks only to collect the distinct texts of the counter, time and
   count columns. A file PostgreSQL would read otherwise than Python's csv module (a line of
   another width, a blank line, a line break or a quote inside a value) is split in Python and
   copied as rows instead (`_stage_lines`).
2. Each distinct text is judged once, by `csvfiles.ReadingsReader` — a million hourly lines of
   50 counters hold 20,000 distinct times and a few hundred counts — and the verdicts copied
   into small tables: the counter's id, the UTC start and local day, the count, or the reason
   (`_build_maps`). Counters a file describes (the Paris export) are created from the first of
   their lines that is valid (`_counters_from_file`).
3. One statement joins the lines to the verdicts into the staging table (line, counter, UTC
   start, count, local day); another, run only if some verdict is a rejection, lists the
   rejected lines with the first reason that applies, in the order a reader would check: empty
   counter, period, count, unknown counter (`_stage_readings`). A local time that occurs twice
   is the earlier instant the first time a counter's lines give it, the later one after.
4. The staged rows move into the readings in one statement per kind of counter:
   - a counter with no reading at all between its first and last staged period ("fresh": the
     usual case of a first import, or of this month's file after last month's) cannot
     conflict, and its rows are inserted as they are — `ON CONFLICT` would double the index
     work (measured: 2.4 s → 4.5 s per million rows) for conflicts that cannot happen, since
     imports are serialised and nothing else writes readings;
   - the others go through `INSERT … ON CONFLICT DO UPDATE … WHERE the count differs`, the rows
     already stored with the same count being left out first (an anti-join costs less than
     an upsert that finds nothing to do; a hash join when the file is large beside the
     readings, `_compare_by_hashing`): a new period is inserted, a corrected count updated,
     an identical one left alone — so re-importing a file writes nothing and a corrected file
     changes only what it corrects.
   What changed is recorded per (counter, local day): the days whose rollups are recomputed.
5. Lines repeating a (counter, period) of an earlier line of the file make step 4 fail (a
   unique violation, or "ON CONFLICT cannot affect a row twice"): only then are they looked
   for, rejected ("same counter and period as line N": the first one wins), and step 4 redone.
   A file without duplicates pays nothing for the check.
6. The rollups of exactly the days and months that changed are recomputed (`ROLLUP_RULES`).

The caller holds the transaction: an unexpected error leaves the database as it was.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import psycopg
from django.contrib.gis.geos import Point
from django.db import IntegrityError, ProgrammingError, connection, transaction
from psycopg import sql

from usage.importing.csvfiles import (
    REJECT_DUPLICATE,
    REJECT_UNKNOWN_COUNTER,
    CounterInfo,
    NotAsIs,
    ReadingsReader,
    Reject,
    utc_text,
)
from usage.importing.newrows import (
    READINGS_COLUMNS,
    STAGING_COLUMNS,
    NeedsStaging,
    NotNew,
    new_rows,
    staging_rows,
)
from usage.models import Counter, DailyTotal, Length, MonthlyTotal, Reading

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

# A count PostgreSQL can cast as it is, and whose value the reader agrees with.
PLAIN_COUNT = re.compile(r"[0-9]{1,9}")

# Lines split in Python between two calls of the progress callback.
PROGRESS_LINES = 20_000

# The (counter, local day)s an import changed, with what changed. `total` and `rows`, when
# set, are the day's whole content (see `_write`): its daily total needs no other reading.
TOUCHED_TABLE = (
    "CREATE TEMP TABLE usage_touched (counter_id bigint NOT NULL, day date NOT NULL,"
    " inserted integer NOT NULL, updated integer NOT NULL, total bigint, rows integer)"
)

# The staging table, filled from Python (`_stage_clean`); `_stage_readings` creates the same
# columns from the judged lines. `line` numbers the rows as they come: one per line of the
# file, the header being line 1.
STAGING_TABLE = (
    "CREATE TEMP TABLE usage_staging (line integer GENERATED BY DEFAULT AS IDENTITY"
    " (START 2 CACHE 10000), counter_id bigint NOT NULL, start timestamptz NOT NULL,"
    " day date NOT NULL, count integer NOT NULL)"
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


def _stage_lines(
    cursor: Any,
    reader: ReadingsReader,
    progress: _LinesRead,
    *,
    as_is: bool = True,
) -> bool:
    """Copy the file's lines as they are into `usage_raw`: the line number, then one text
    column per column of the header (`c0`, `c1`…), never NULL. True if PostgreSQL
    read the CSV itself.

    PostgreSQL reads the CSV, numbering the lines as it copies them (the identity column), while
    Python splits the same blocks to collect the distinct values (`ReadingsReader.copy_as_is`).
    That numbering is the file's only if each line is one record of the header's width: for a
    file that is not (a line with a column too many or too few, a blank line, a line break
    inside a quoted value, bytes not in its encoding), or with `as_is` false, the copy is undone
    and Python's csv module splits the lines instead.
    """
    columns = [f"c{i}" for i in range(reader.width)]
    cursor.execute("DROP TABLE IF EXISTS usage_raw")
    cursor.execute(
        "CREATE TEMP TABLE usage_raw (line integer GENERATED BY DEFAULT AS IDENTITY"
        f" (START 2 CACHE 10000), {', '.join(f'{c} text' for c in columns)})"
    )
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    options = reader.copy_options() if as_is else None
    if options is not None:
        statement = sql.SQL(
            "COPY usage_raw ({}) FROM STDIN (FORMAT csv, HEADER true, DELIMITER {}, ENCODING {},"
            " FORCE_NOT_NULL ({}))"  # an empty value is an empty text, as for Python
        ).format(names, sql.Literal(options["delimiter"]), sql.Literal(options["encoding"]), names)
        progress.restart()
        try:
            with transaction.atomic(), cursor.copy(statement) as copy:
                reader.copy_as_is(copy.write, progress)
            return True
        except (NotAsIs, psycopg.Error):
            pass  # the savepoint is rolled back: nothing copied
    progress.restart()
    with cursor.copy(sql.SQL("COPY usage_raw (line, {}) FROM STDIN").format(names)) as copy:
        for lines, row in enumerate(reader.split_rows(), start=1):
            copy.write_row(row)
            if lines % PROGRESS_LINES == 0:
                progress(PROGRESS_LINES)
    progress(reader.lines % PROGRESS_LINES)
    return False


def _copy_rows(cursor: Any, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


@dataclass
class _Maps:
    """What the distinct values mean, as the loader needs to know before the SQL runs."""

    rejects: bool = False  # some value is rejected
    ambiguous: bool = False  # some local time occurs twice
    pending: bool = False  # some counter is to be created from the file
    plain_counts: bool = True  # every count is written with digits only (and fits)


def _build_maps(
    cursor: Any, reader: ReadingsReader, ids: Mapping[str, int | str], time_zone: str
) -> _Maps:
    """Tables of what each distinct counter, time and count text means, or why it is rejected
    (`usage_map_counter`, `usage_map_time`, `usage_map_count`): the rules are the reader's."""
    maps = _Maps()
    values = reader.distinct
    creates = reader.fmt.creates_counters
    counters = []
    for raw in values[reader.counter_index]:
        key, empty = reader.counter_value(raw)
        counter_id = ids.get(key) if empty is None else None
        unknown = None
        pending = empty is None and counter_id is None and creates
        if empty is None and counter_id is None and not creates:
            unknown = str(REJECT_UNKNOWN_COUNTER % {"value": key})
        maps.rejects |= bool(empty or unknown)
        maps.pending |= pending
        counters.append((raw, key, counter_id, empty, unknown, pending))
    if reader.days_in.key != time_zone:
        raise ValueError(f"the reader counts days in {reader.days_in.key}, not {time_zone}")
    times = []
    for raw in values[reader.time_index]:
        period = reader.period_value(raw)
        maps.rejects |= period.reason is not None
        maps.ambiguous |= period.second is not None
        times.append(
            (raw, period.first, period.second, period.day, period.second_day, period.reason)
        )
    counts = []
    for raw in values[reader.count_index]:
        count, reason = reader.count_value(raw)
        maps.rejects |= reason is not None
        maps.plain_counts &= PLAIN_COUNT.fullmatch(raw) is not None
        counts.append((raw, count, reason))
    cursor.execute(
        "CREATE TEMP TABLE usage_map_counter (raw text NOT NULL, key text NOT NULL,"
        " counter_id bigint, from_line integer NOT NULL DEFAULT 0, empty_reason text,"
        " unknown_reason text, pending boolean NOT NULL)"
    )
    cursor.execute(
        "CREATE TEMP TABLE usage_map_time (raw text NOT NULL, start timestamptz,"
        " second timestamptz, day date, second_day date, reason text)"
    )
    cursor.execute(
        "CREATE TEMP TABLE usage_map_count (raw text NOT NULL, count integer, reason text)"
    )
    _copy_rows(
        cursor,
        "usage_map_counter",
        "raw, key, counter_id, empty_reason, unknown_reason, pending",
        counters,
    )
    _copy_rows(cursor, "usage_map_time", "raw, start, second, day, second_day, reason", times)
    _copy_rows(cursor, "usage_map_count", "raw, count, reason", counts)
    # No ANALYZE: the planner sizes a table never analysed by its pages, enough to hash these
    # small ones against the lines.
    return maps


def _joins(reader: ReadingsReader, *, counts: bool = True) -> str:
    """Every staged line with what its counter, time and count mean (every text has its row)."""
    joins = f"""
        usage_raw r
        JOIN usage_map_counter c ON c.raw = r.c{reader.counter_index}
        JOIN usage_map_time t ON t.raw = r.c{reader.time_index}
    """
    if counts:
        joins += f"JOIN usage_map_count k ON k.raw = r.c{reader.count_index}"
    return joins


def _counters_from_file(
    cursor: Any, reader: ReadingsReader, *, source: str, attribution: str
) -> tuple[list[int], list[Reject]]:
    """Create the counters a file describes (the Paris export): each from the first of its
    lines whose period, count, position and installation date are valid. Its lines before that
    one are rejected with the reason their position or date is not; so are all its lines if
    none is valid. Returns the counters created, and those rejects."""
    coordinates = f"r.c{reader.coordinates_index}"
    installed = f"r.c{reader.installed_index}" if reader.installed_index is not None else "''"
    usable = "c.pending AND t.reason IS NULL AND k.reason IS NULL"
    cursor.execute(
        f"SELECT c.key, {coordinates}, {installed}, min(r.line) FROM {_joins(reader)}"  # noqa: S608
        f" WHERE {usable} GROUP BY 1, 2, 3"
    )
    reasons: dict[tuple[str, str], str | None] = {}
    first: dict[str, int] = {}
    for key, position, date, line in cursor.fetchall():
        reason = reasons[position, date] = reader.counter_position_reason(position, date)
        if reason is None and line < first.get(key, line + 1):
            first[key] = line
    created: dict[str, int] = {}
    if first:
        cursor.execute(
            "SELECT * FROM usage_raw WHERE line = ANY(%s) ORDER BY line", [list(first.values())]
        )
        infos = [reader.counter_info(row[1:]) for row in cursor.fetchall()]
        created = counters_create(
            infos=[info for info in infos if isinstance(info, CounterInfo)],
            source=source,
            attribution=attribution,
        )
        cursor.execute(
            "UPDATE usage_map_counter c SET counter_id = n.id, from_line = n.line"
            " FROM unnest(%s::text[], %s::bigint[], %s::integer[]) AS n(key, id, line)"
            " WHERE c.key = n.key",
            [list(first), [created[key] for key in first], list(first.values())],
        )
    cursor.execute(
        f"SELECT r.line, {coordinates}, {installed} FROM {_joins(reader)}"  # noqa: S608
        f" WHERE {usable} AND (c.counter_id IS NULL OR r.line < c.from_line)"
    )
    rejects = [
        Reject(line, reasons[position, date] or "") for line, position, date in cursor.fetchall()
    ]
    return list(created.values()), rejects


def _stage_readings(cursor: Any, reader: ReadingsReader, maps: _Maps) -> tuple[list[Reject], int]:
    """Fill `usage_staging` (line, counter id, UTC start, count, local day) with the good
    lines; return the others, rejected with the first reason that applies in this order (empty
    counter, period, count, unknown counter), and the number of good lines."""
    rejects = []
    if maps.rejects:
        cursor.execute(
            f"""
            SELECT r.line, coalesce(c.empty_reason, t.reason, k.reason, c.unknown_reason)
            FROM {_joins(reader)}
            WHERE c.empty_reason IS NOT NULL OR t.reason IS NOT NULL OR k.reason IS NOT NULL
               OR c.unknown_reason IS NOT NULL
            """  # noqa: S608 -- column names from the header's positions
        )
        rejects = [Reject(line, reason) for line, reason in cursor.fetchall()]
    if maps.plain_counts:
        # Every count is digits only (checked on the distinct texts): a cast cannot fail, and
        # is cheaper than a join.
        count, joins = f"r.c{reader.count_index}::integer", _joins(reader, counts=False)
        count_valid = "true"
    else:
        count, joins, count_valid = "k.count", _joins(reader), "k.reason IS NULL"
    cursor.execute(
        f"""
        CREATE TEMP TABLE usage_staging AS
        SELECT r.line, c.counter_id, t.start, {count} AS count, t.day
        FROM {joins}
        WHERE c.counter_id IS NOT NULL AND r.line >= c.from_line
          AND t.reason IS NULL AND {count_valid}
        """  # noqa: S608 -- column names from the header's positions
    )
    staged = cursor.rowcount
    if maps.ambiguous:
        # A local time that occurs twice is the earlier instant the first time a counter's
        # lines give it, the later one after: a file lists a counter's hours in time order.
        cursor.execute(
            f"""
            UPDATE usage_staging s SET start = a.second, day = a.second_day
            FROM (
                SELECT r.line, t.second, t.second_day,
                       row_number() OVER (PARTITION BY c.key, t.raw ORDER BY r.line) AS n
                FROM usage_raw r
                JOIN usage_map_time t ON t.raw = r.c{reader.time_index}
                JOIN usage_map_counter c ON c.raw = r.c{reader.counter_index}
                WHERE t.second IS NOT NULL AND c.empty_reason IS NULL
            ) a
            WHERE s.line = a.line AND a.n > 1
            """  # noqa: S608 -- column names from the header's positions
        )
    return rejects, staged


def _stage(
    cursor: Any,
    *,
    reader: ReadingsReader,
    ids: Mapping[str, int | str],
    source: str,
    attribution: str,
    time_zone: str,
    progress: _LinesRead,
    as_is: bool = True,
) -> tuple[list[int], list[Reject], int]:
    """Stage the file's good lines in `usage_staging`; the counters created, the rejects and
    the number of good lines. Raises `NotAsIs` if PostgreSQL copied the file as it is and
    some line ends up neither staged nor rejected: PostgreSQL's reading of the CSV differs from
    Python's (a quote inside an unquoted value), and Python's is the one to follow."""
    copied_as_is = _stage_lines(cursor, reader, progress, as_is=as_is)
    maps = _build_maps(cursor, reader, ids, time_zone)
    created: list[int] = []
    rejects: list[Reject] = []
    if maps.pending:
        created, rejects = _counters_from_file(
            cursor, reader, source=source, attribution=attribution
        )
    bad, staged = _stage_readings(cursor, reader, maps)
    rejects += bad
    if copied_as_is and staged + len(rejects) != reader.lines:
        raise NotAsIs
    cursor.execute("DROP TABLE usage_raw, usage_map_counter, usage_map_time, usage_map_count")
    return created, rejects, staged


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
    lines = _LinesRead(progress)
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TABLE IF EXISTS usage_raw, usage_map_counter, usage_map_time,"
            " usage_map_count, usage_staging, usage_touched"
        )
        cursor.execute(TOUCHED_TABLE)
        way = _copy_new_rows(cursor, reader, lines)
        if way is _Way.LOADED:
            staged, rejects = reader.lines, []
        else:
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
            _analyze_if_grown(cursor, READING, result.inserted)
            rollups_refresh_touched(cursor, time_zone=time_zone, period=reader.period)
        cursor.execute("DROP TABLE IF EXISTS usage_staging, usage_touched")
    return result


class _LinesRead:
    """The progress callback, told each line of the file once however many times it is read
    (the short way may give up after a few blocks; the staged way reads from the start). Each
    pass over the file calls `restart` first."""

    def __init__(self, report: Callable[[int], None] | None) -> None:
        self.report = report
        self.reported = self.read = 0

    def restart(self) -> None:
        self.read = 0

    def __call__(self, lines: int) -> None:
        self.read += lines
        if self.report is not None and self.read > self.reported:
            self.report(self.read - self.reported)
            self.reported = self.read


class _Way(enum.Enum):
    """What the short way did with a file."""

    LOADED = "loaded"  # a clean file of new readings: copied into the readings
    CLEAN = "clean"  # a clean file, some of whose rows may be stored: stage it from Python
    UNCLEAN = "unclean"  # a file with lines to judge in SQL


def _copy_new_rows(cursor: Any, reader: ReadingsReader, progress: _LinesRead) -> _Way:
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
    statement = f"COPY {READING} ({READINGS_COLUMNS}) FROM STDIN (FORMAT binary)"
    try:
        with transaction.atomic(), cursor.copy(statement) as copy:
            new = new_rows(reader, copy.write, latest=latest, progress=progress)
    except (NotNew, psycopg.errors.UniqueViolation):
        return _Way.CLEAN  # a repeated line shows as a unique violation
    except (NeedsStaging, NotAsIs):
        return _Way.UNCLEAN
    _copy_rows(
        cursor,
        "usage_touched",
        "counter_id, day, inserted, updated, total, rows",
        [(c, day, n, 0, total, n) for c, day, n, total in new.touched(reader.period)],
    )
    return _Way.LOADED


def _stage_clean(cursor: Any, reader: ReadingsReader, progress: _LinesRead) -> bool:
    """Fill `usage_staging` with the rows of a clean file, judged in Python as on the short way
    (`newrows.staging_rows`): no text table, no join. False, nothing staged, if a line turns
    out to need judging in SQL after all."""
    progress.restart()
    try:
        with transaction.atomic():
            cursor.execute(STAGING_TABLE)
            statement = f"COPY usage_staging ({STAGING_COLUMNS}) FROM STDIN (FORMAT binary)"
            with cursor.copy(statement) as copy:
                staging_rows(reader, copy.write, progress=progress)
    except (NeedsStaging, NotAsIs):
        return False
    return True


def _load_staged(
    cursor: Any,
    *,
    reader: ReadingsReader,
    ids: Mapping[str, int | str],
    source: str,
    attribution: str,
    time_zone: str,
    progress: _LinesRead,
    result: LoadResult,
    clean: bool,
) -> tuple[int, list[Reject]]:
    """The staged way (steps 1–5 of the module): the number of lines staged, and the rejects.
    A `clean` file is staged from Python if it is clean to the end (`_stage_clean`)."""
    if clean and _stage_clean(cursor, reader, progress):
        created, rejects, staged = [], [], reader.lines
    else:
        stage = {"reader": reader, "ids": ids, "source": source, "attribution": attribution}
        try:
            with transaction.atomic():
                created, rejects, staged = _stage(
                    cursor, **stage, time_zone=time_zone, progress=progress
                )
        except NotAsIs:
            created, rejects, staged = _stage(
                cursor, **stage, time_zone=time_zone, progress=progress, as_is=False
            )
    result.counters_created = created
    try:
        # A savepoint: duplicates within the file surface as errors, at no cost otherwise.
        with transaction.atomic():
            _write(cursor, period=reader.period, time_zone=time_zone)
    except (IntegrityError, ProgrammingError) as error:
        if getattr(error.__cause__, "sqlstate", None) not in DUPLICATE_STATES:
            raise
        duplicates = _reject_duplicates(cursor)
        rejects += duplicates
        staged -= len(duplicates)
        _write(cursor, period=reader.period, time_zone=time_zone)
    return staged, rejects


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
    # `xmax = 0` tells a row this statement inserted from one it updated (an updated row
    # carries the updating transaction's id in its header): read here to count both kinds
    # without a second pass.
    cursor.execute(
        f"""
        WITH changed AS (
            INSERT INTO {READING} AS r (counter_id, start, length, count)
            SELECT counter_id, start, %(length)s, count FROM usage_staging s
            WHERE NOT EXISTS (SELECT FROM usage_fresh f WHERE f.counter_id = s.counter_id)
              AND NOT EXISTS (
                SELECT FROM {READING} x WHERE x.counter_id = s.counter_id
                AND x.start = s.start AND x.length = %(length)s AND x.count = s.count
              )
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
    if hash_join:
        cursor.execute("RESET enable_mergejoin")
        cursor.execute("RESET enable_nestloop")
    cursor.execute("DROP TABLE usage_days, usage_fresh")


def _compare_by_hashing(cursor: Any) -> bool:
    """Whether the staged rows of counters that are not fresh are at least half as many as the
    readings: then they are compared with the stored ones by hashing the readings.

    Left to itself, the planner compares a million staged rows with a million readings by
    sorting both (a merge join): on three keys whose order it picks by a hair's difference in
    estimated cost, and in one order out of two the join takes 1.9 s instead of 0.6 s (measured
    on the benchmark's re-import, the plan changing from one ANALYZE sample to the next). A hash
    join takes 0.6–0.75 s every time. It reads every reading, though: for a file small beside
    the readings the planner's own choice (a lookup in the primary key per row) is the one.
    """
    cursor.execute(
        "SELECT (SELECT coalesce(sum(n), 0) FROM usage_days d WHERE NOT EXISTS"
        " (SELECT FROM usage_fresh f WHERE f.counter_id = d.counter_id)),"
        " (SELECT reltuples FROM pg_class WHERE oid = %s::regclass)",
        [READING],
    )
    staged, readings = cursor.fetchone()
    return staged * 2 >= readings


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
