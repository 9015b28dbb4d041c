"""Clean files, judged without SQL: their rows written for a binary COPY, straight into the
readings (`new_rows`) or into the staging table (`staging_rows`). No database here: `loading`
and `staging` run the COPYs and decide.

Most imports are a first import, or this month's file after last month's: every line is good
and every period is later than anything its counter already has. Such a file needs neither the
staging table nor `ON CONFLICT` (nothing can conflict), and the readings can take its rows
straight from a COPY — as fast as PostgreSQL can index them. `new_rows` writes those rows while
it checks, block by block, that the file is such a file. As soon as a block says otherwise it
raises, the loader abandons the COPY (its savepoint: nothing written) and takes the staged way:
- `NotNew` if a period of the block is not later than the latest reading of a counter the block
  names (`latest`): some row may be stored already. The file may still be clean: the loader
  stages it with `staging_rows`, the same checks without that one, then upserts;
- `NeedsStaging` if a value would be rejected, names a counter to create, or is a local time
  that occurs twice (whose instant depends on the lines before), or if a value is quoted: the
  lines are then judged in SQL, which handles everything (`staging.stage_judged_in_sql`).
Two lines of the file with the same counter and period are not seen here: the readings' primary
key refuses the COPY, and the loader stages the file (the upsert finds them).

The verdicts are the reader's (`ReadingsReader.counter_value`, `period_value`, `count_value`),
each given once per distinct text; lines are never parsed one by one (see `_Block`). The months
of the periods come with their verdicts: `new_rows` tells the loader those of each block before
writing it, so that their partitions exist first (`partitions`).
"""

from __future__ import annotations

import datetime as dt
import struct
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from usage.importing.partitions import month_of
from usage.importing.reader import NotAsIs, ReadingsReader
from usage.models import Length


class NeedsStaging(Exception):
    """The file is not a clean file: it takes the staged way, judged in SQL."""


class NotNew(NeedsStaging):
    """The file is clean, but some of its periods are not new: its rows may be stored already."""


# The rows are written in PostgreSQL's binary COPY format: it reads the numbers as they are,
# without parsing a text (measured: 1.9–2.2 s per million rows into the readings, against
# 2.3 s as text). A row is its field count, then each field's byte length and value: bigint
# counter_id, timestamptz start (microseconds since 2000-01-01 UTC), then
# - into the readings (`READINGS_COLUMNS`): integer count, smallint length;
# - into the staging table (`STAGING_COLUMNS`): date day (days since 2000-01-01), integer
#   count. Its `line` column numbers the rows as they come (one per line of the file).
# The types are the tables' (`Reading`, and `STAGING_TABLE` in `staging`).
READINGS_COLUMNS = "counter_id, start, count, length"
STAGING_COLUMNS = "counter_id, start, day, count"
COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)  # no flags, no extension
COPY_TRAILER = struct.pack("!h", -1)
POSTGRES_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
POSTGRES_EPOCH_DAY = POSTGRES_EPOCH.date()
ONE_MICROSECOND = dt.timedelta(microseconds=1)


@dataclass
class NewRows:
    """What a file of new readings brought: per (counter id, local day), the rows and their sum."""

    rows: Counter[tuple[int, dt.date]] = field(default_factory=Counter)
    totals: defaultdict[tuple[int, dt.date], int] = field(default_factory=lambda: defaultdict(int))

    def touched(self, period: Length) -> list[tuple[int, dt.date, int, int | None]]:
        """(counter id, day, rows, total) per day; the total only for a day known whole: one
        strictly between the counter's first and last days here (its earlier readings all
        precede this file's, so its first day may hold some), and never for months (rolled up
        from their days)."""
        days: dict[int, list[dt.date]] = defaultdict(list)
        for counter_id, day in self.rows:
            days[counter_id].append(day)
        edges = {counter_id: (min(ds), max(ds)) for counter_id, ds in days.items()}
        exact = period != Length.MONTH
        return [
            (
                counter_id,
                day,
                n,
                self.totals[counter_id, day]
                if exact and edges[counter_id][0] < day < edges[counter_id][1]
                else None,
            )
            for (counter_id, day), n in self.rows.items()
        ]


def new_rows(
    reader: ReadingsReader,
    write: Callable[[bytes], Any],
    *,
    latest: Mapping[int, str],
    months: Callable[[set[str]], Any],
    progress: Callable[[int], None] | None = None,
) -> NewRows:
    """Write the file's rows to `write`, a binary COPY into the readings' `READINGS_COLUMNS`,
    and return what they bring.

    `latest` maps counter ids to the UTC start (`Period.first`'s text) of their latest
    reading; a counter with none is absent. Before the rows of a block are written, `months`
    is given the months (YYYY-MM, UTC: `partitions.month_of`) of its periods that no earlier
    block had: their partitions must exist before (`partitions`). Raises `NotNew` if a period
    is not later than its counter's latest, `NeedsStaging` if the file is not clean (see the
    module), or `NotAsIs` if a line is not one record of the header's width (`whole_lines`).
    """
    block = _Block(reader, into_readings=True)
    new = NewRows()
    totals = new.totals
    write(COPY_HEADER)
    for lines in _blocks(reader, block, progress):
        if any(latest.get(c, "") >= block.earliest for c in set(block.counter_ids)):
            raise NotNew
        if block.new_months:
            months(block.new_months)
            block.new_months = set()
        write(block.rows())
        keys = list(zip(block.counter_ids, block.days, strict=True))
        new.rows.update(keys)  # counted in C
        for key, count in zip(keys, block.counts, strict=True):
            totals[key] += count
        reader.lines += lines
    write(COPY_TRAILER)
    return new


def staging_rows(
    reader: ReadingsReader,
    write: Callable[[bytes], Any],
    *,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write the rows of a clean file to `write`, a binary COPY into the staging table's
    `STAGING_COLUMNS`: the staged way's first step for a file whose lines need no SQL to be
    judged (no reject, no counter to create, no local time that occurs twice). Raises
    `NeedsStaging` or `NotAsIs` as `new_rows` does."""
    block = _Block(reader, into_readings=False)
    write(COPY_HEADER)
    for lines in _blocks(reader, block, progress):
        write(block.rows())
        reader.lines += lines
    write(COPY_TRAILER)


def _blocks(
    reader: ReadingsReader, block: _Block, progress: Callable[[int], None] | None
) -> Iterator[int]:
    """Read the file into `block`, a block at a time; the number of lines of each."""
    for text in reader.whole_lines(None, progress):
        if "\r" in text:
            # Windows line ends (the text stops before the last line's "\n", after its "\r")
            text = text.replace("\r\n", "\n").removesuffix("\r")
        if '"' in text or "\r" in text:
            raise NeedsStaging  # quoted values: the staged way reads them as the csv module does
        yield block.take(text)


class _Block:
    """The lines of one block as columns, each value replaced by what its text means.

    The texts are split all at once (every width-th value is one column's) and each column is
    mapped through a dict of the verdicts on its distinct texts, filled as new texts appear: a
    million lines cost a few C-level passes, not a million calls.
    """

    def __init__(self, reader: ReadingsReader, *, into_readings: bool) -> None:
        self.reader = reader
        self.into_readings = into_readings
        self.length = int(reader.period)
        # What each distinct text means: as the sums and checks need it, and the bytes of its
        # fields in a row of the COPY (the counter's begin the row: they hold its field count).
        self.counter_verdicts: dict[str, tuple[int, bytes]] = {}
        self.time_verdicts: dict[str, tuple[str, dt.date, bytes]] = {}  # UTC start, local day
        # The months (UTC) of the times judged, and those of them the caller has not been told.
        self.months: set[str] = set()
        self.new_months: set[str] = set()
        self.count_verdicts: dict[str, tuple[int, bytes]] = {}
        # The block, once `take` has read it: its columns and earliest period (UTC text).
        self.counter_ids: list[int] = []
        self.days: list[dt.date] = []
        self.counts: list[int] = []
        self.earliest = ""
        self._fields: tuple[list[bytes], list[bytes], list[bytes]] = ([], [], [])

    def take(self, text: str) -> int:
        """Split and judge a block of whole lines; their number."""
        reader = self.reader
        width, delimiter = reader.width, reader.csv_text.delimiter
        values = text.replace("\n", delimiter).split(delimiter)
        lines = text.count("\n") + 1
        if len(values) != width * lines:
            raise NotAsIs  # a line of another width
        counter_texts = values[reader.counter_index :: width]
        time_texts = values[reader.time_index :: width]
        count_texts = values[reader.count_index :: width]
        distinct_times = set(time_texts)
        self._judge(set(counter_texts), distinct_times, set(count_texts))
        counters = list(map(self.counter_verdicts.__getitem__, counter_texts))
        starts = list(map(self.time_verdicts.__getitem__, time_texts))
        counts = list(map(self.count_verdicts.__getitem__, count_texts))
        self.counter_ids = [counter_id for counter_id, _ in counters]
        self.earliest = min(self.time_verdicts[raw][0] for raw in distinct_times)
        self.days = [day for _, day, _ in starts]
        self.counts = [count for count, _ in counts]
        self._fields = (
            [fields for _, fields in counters],
            [fields for _, _, fields in starts],
            [fields for _, fields in counts],
        )
        return lines

    def _judge(self, counters: set[str], times: set[str], counts: set[str]) -> None:
        """Judge the texts not seen yet; raise `NeedsStaging` at the first that is not good as
        it is (rejected, a counter to create, a local time that occurs twice)."""
        reader = self.reader
        for raw in counters.difference(self.counter_verdicts):
            key, empty = reader.counter_value(raw)
            counter_id = reader.ids.get(key) if empty is None else None
            if counter_id is None:
                raise NeedsStaging
            self.counter_verdicts[raw] = (
                int(counter_id),
                struct.pack("!hiq", 4, 8, int(counter_id)),
            )
        for raw in times.difference(self.time_verdicts):
            period = reader.period_value(raw)
            if period.reason or period.second or period.first is None or period.day is None:
                raise NeedsStaging
            start = dt.datetime.fromisoformat(period.first)
            fields = struct.pack("!iq", 8, (start - POSTGRES_EPOCH) // ONE_MICROSECOND)
            if not self.into_readings:
                fields += struct.pack("!ii", 4, (period.day - POSTGRES_EPOCH_DAY).days)
            self.time_verdicts[raw] = (period.first, period.day, fields)
            month = month_of(period.first)
            if month not in self.months:
                self.months.add(month)
                self.new_months.add(month)
        for raw in counts.difference(self.count_verdicts):
            count, reason = reader.count_value(raw)
            if reason or count is None:
                raise NeedsStaging
            fields = struct.pack("!ii", 4, count)
            if self.into_readings:
                fields += struct.pack("!ih", 2, self.length)
            self.count_verdicts[raw] = (count, fields)

    def rows(self) -> bytes:
        """The block's rows as the binary COPY reads them."""
        return b"".join(map(b"".join, zip(*self._fields, strict=True)))
