"""A file of counts opened for the loader: its lines go to PostgreSQL as they are, while the
reader collects the distinct texts of the counter, time and count columns and says what each
means. No database.

A file of counts is never judged line by line in Python: the loader has PostgreSQL copy its
lines as they are (`copy_as_is`), or writes their rows itself on the short way (`newrows`), and
asks the reader what each distinct text means (`counter_value`, `period_value`, `count_value`:
the rules of `values`, applied once per text). Rules:
- A file PostgreSQL would read otherwise than Python's csv module — a line that is not one
  record of the header's width (blank, a column too many or too few, a line break inside a
  quoted value), bytes not in its encoding, a quote inside a value — is not copied as it is
  (`NotAsIs`): Python's csv module splits its lines instead (`split_rows`), and its reading is
  the one that counts.
- Split that way, a line lacking a column the import reads is rejected, a column too many is
  ignored and a blank line skipped.
- A counter's identifier is its text without surrounding spaces; an empty one rejects the line.
- The local day of each period, where the rollups count days, comes with the period's verdict.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import IO, Any

from usage.importing.csvtext import (
    close_rows,
    column_index,
    field_at,
    open_rows,
    optional_column_index,
    resolve_time_column,
    sniff,
    time_zone_info,
)
from usage.importing.formats import CounterInfo, ReadingsFormat
from usage.importing.messages import (
    ERROR_DECODE,
    REJECT_COLUMNS,
    REJECT_EMPTY,
    ImportFileError,
    Reject,
)
from usage.importing.values import (
    Ambiguous,
    Period,
    PeriodParser,
    parse_count,
    parse_installed,
    parse_lat_lon,
)

# Bytes written to a COPY at a time: small enough for PostgreSQL to copy one block while
# Python splits the next.
COPY_BLOCK = 1 << 16
# PostgreSQL's names of the encodings `sniff` detects.
POSTGRES_ENCODINGS = {"utf-8-sig": "UTF8", "cp1252": "WIN1252"}


class NotAsIs(Exception):
    """The file is not one record per line, each of the header's width: PostgreSQL cannot copy
    it as it is (it would refuse it, or number its lines wrongly)."""


class ReadingsReader:
    """A file of counts opened for an import whose lines are validated in PostgreSQL.

    The loader copies the lines as they are, one text column per column of the header, into a
    staging table: PostgreSQL reads the CSV itself (`copy_as_is`), or — for a file it cannot
    take as it is, say a line with a column too many — Python's csv module splits the lines
    first (`split_rows`). Either way this reader collects the *distinct* texts of the counter,
    time and count columns (`distinct`) — a million hourly lines hold a few thousand distinct
    times and a few hundred distinct counts — and says what each means (`counter_value`,
    `period_value`, `count_value`). The rules of a value stay in Python (`values`), applied
    once per text; PostgreSQL joins the answers to the lines.

    `ids` maps the external ids of the source's counters to their database ids. A line of
    another counter is rejected, unless the format describes counters (`counter_info`).
    `days_in` is the time zone of the local days the rollups count (each period's `day`).
    """

    def __init__(
        self,
        file: IO[bytes],
        fmt: ReadingsFormat,
        ids: Mapping[str, int | str],
        *,
        days_in: str = "UTC",
    ) -> None:
        self.file = file
        self.fmt = fmt
        self.csv_text = sniff(file, fmt.delimiter)
        header = self.csv_text.header
        self.width = len(header)
        self.counter_index = column_index(header, fmt.counter_column)
        self.time_index, self.period = resolve_time_column(header, fmt)
        self.count_index = column_index(header, fmt.count_column)
        self.name_index = optional_column_index(header, fmt.counter_name_column)
        self.coordinates_index = optional_column_index(header, fmt.counter_coordinates_column)
        self.installed_index = optional_column_index(header, fmt.counter_installed_column)
        self.property_indexes = {
            name: column_index(header, name) for name in fmt.counter_property_columns
        }
        self.periods = PeriodParser(self.period, fmt.date_format, time_zone_info(fmt.time_zone))
        self.ids = ids
        self.rejects: list[Reject] = []  # the lines `split_rows` leaves out
        self.lines = 0  # data lines, blank ones excluded
        self.distinct: dict[int, set[str]] = {}
        # The time zone of the local days the rollups count (the settings'), and the periods
        # judged so far: a time text is judged when first seen, while PostgreSQL copies.
        self.days_in = zoneinfo.ZoneInfo(days_in)
        self.judged: dict[str, Period] = {}

    def _start(self) -> tuple[list[Callable[[str], None]], tuple[int, int, int]]:
        """Forget what an earlier reading collected; the `add`s of the distinct texts."""
        indexes = (self.counter_index, self.time_index, self.count_index)
        self.distinct = {index: set() for index in indexes}
        self.lines = 0
        self.rejects = []
        return [self.distinct[index].add for index in indexes], indexes

    # --- copying the lines ------------------------------------------------------------------

    def copy_options(self) -> dict[str, str] | None:
        """The options of a PostgreSQL `COPY … (FORMAT csv)` reading the file as it is, or None
        if PostgreSQL cannot (a separator it does not accept)."""
        delimiter = self.csv_text.delimiter
        if len(delimiter.encode()) != 1 or delimiter in '"\\\r\n':
            return None
        return {"delimiter": delimiter, "encoding": POSTGRES_ENCODINGS[self.csv_text.encoding]}

    def copy_as_is(
        self, write: Callable[[bytes], Any], progress: Callable[[int], None] | None = None
    ) -> None:
        """Write the file's bytes to `write` (a COPY reading them as CSV) and, while PostgreSQL
        copies a block, split the block's lines — at the separators where no quote is in sight,
        else with the csv module, as `split_rows` and the rejects file read them — to collect
        the distinct texts, judging each new time as it comes. Raises `NotAsIs` as soon as a
        line is not one record of the header's width (blank, a column too many or too few, a
        line break inside a quoted value, bytes not in the encoding) or a value holds a quote
        (PostgreSQL reads a quote inside an unquoted value as the start of a quoted section)."""
        self._start()
        columns: list[tuple[int, Callable[[Any], None]]] = [
            (index, self._add_times if index == self.time_index else self.distinct[index].update)
            for index in self.distinct
        ]
        delimiter = self.csv_text.delimiter
        for text in self.whole_lines(write, progress):
            self.lines += self._collect(text, columns, delimiter)

    def whole_lines(
        self, write: Callable[[bytes], Any] | None, progress: Callable[[int], None] | None
    ) -> Iterator[str]:
        """The data lines of the file, decoded, a block's worth of whole lines at a time (no
        line end after the last), after the header; each raw block is given to `write` first,
        and `progress` told how many lines it ends. The caller adds the lines it counts in each
        text to `self.lines` (reset here): once every text has been taken, raises `NotAsIs`
        unless they are as many as the file's line ends (else a record spans lines); also on
        bytes not in the encoding, or a header of another width.
        """
        self.lines = 0
        delimiter = self.csv_text.delimiter
        decoder = codecs.getincrementaldecoder(self.csv_text.encoding)()
        newlines = 0
        header_seen = False
        carry = ""
        self.file.seek(0)
        try:
            while True:
                block = self.file.read(COPY_BLOCK)
                if write is not None:
                    write(block)  # PostgreSQL copies it while Python splits it
                count = block.count(b"\n")
                newlines += count
                if progress is not None and count and newlines > 1:
                    progress(min(count, newlines - 1))  # the header's line end is not a line
                text = carry + decoder.decode(block, final=not block)
                if block:
                    cut = text.rfind("\n")
                    text, carry = text[: max(cut, 0)], text[cut + 1 :]
                    if cut < 0:
                        continue
                elif text:
                    newlines += 1  # a last line without its line end
                if not header_seen and text:
                    header, newline, text = text.partition("\n")
                    if len(next(csv.reader([header], delimiter=delimiter), ())) != self.width:
                        raise NotAsIs
                    header_seen = True
                    if not newline:
                        text = ""  # the header was the last line
                if text:
                    yield text
                if not block:
                    break
        except (UnicodeDecodeError, csv.Error):
            raise NotAsIs from None
        finally:
            self.file.seek(0)
        if not header_seen or self.lines + 1 != newlines:
            raise NotAsIs  # a record spanning lines, or no header

    def _collect(
        self, text: str, columns: list[tuple[int, Callable[[Any], None]]], delimiter: str
    ) -> int:
        """Collect the distinct texts of whole lines of the file; their number. Raises `NotAsIs`
        if one is not a record of the header's width, or a value holds a quote."""
        width = self.width
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        if '"' not in text and "\r" not in text:
            # No quote: a line's values are what lies between its separators. All of them at
            # once, a column being every width-th: this is the hot loop of an import, in C.
            values = text.replace("\n", delimiter).split(delimiter)
            lines = text.count("\n") + 1
            # A line of another width (which PostgreSQL refuses: the copy fails) shows here,
            # or, with a line that compensates it, in PostgreSQL only.
            if len(values) != width * lines:
                raise NotAsIs
            for index, update in columns:
                update(values[index::width])
            return lines
        # A quote inside a value: PostgreSQL and Python may read it differently (a quote inside
        # an unquoted value starts a quoted section for PostgreSQL only). Line by line.
        lines = 0
        for fields in csv.reader(text.split("\n"), delimiter=delimiter):
            if len(fields) != width or '"' in "".join(fields):
                raise NotAsIs
            for index, update in columns:
                update((fields[index],))
            lines += 1
        return lines

    def split_rows(self) -> Iterator[tuple[Any, ...]]:
        """The lines split by Python's csv module, as (line number, column 0, …, column N−1)
        for the header's N columns; a line lacking a column the import reads is rejected, blank
        lines are skipped. Collects the distinct texts. Raises `ImportFileError` on a decoding
        error."""
        adds, (ci, ti, ki) = self._start()
        add_counter, add_time, add_count = adds
        text, reader = open_rows(self.file, self.csv_text)
        width = self.width
        needed = max(ci, ti, ki) + 1
        padding = ("",) * width
        lines = 0
        try:
            for fields in reader:
                if not fields:
                    continue
                lines += 1
                if len(fields) < needed:
                    self.rejects.append(
                        Reject(
                            reader.line_num,
                            str(REJECT_COLUMNS % {"found": len(fields), "expected": width}),
                        )
                    )
                    continue
                add_counter(fields[ci])
                add_time(fields[ti])
                add_count(fields[ki])
                yield (reader.line_num, *fields[:width], *padding[len(fields) :])
        except UnicodeDecodeError:
            raise ImportFileError(ERROR_DECODE % {"line": reader.line_num + 1}) from None
        finally:
            self.lines = lines
            close_rows(text)

    # --- what a value means -------------------------------------------------------------------

    def counter_value(self, value: str) -> tuple[str, str | None]:
        """The counter's identifier as the file writes it, and the reason if it is empty."""
        key = value.strip()
        if not key:
            return key, str(REJECT_EMPTY % {"column": self.fmt.counter_column})
        return key, None

    def period_value(self, value: str) -> Period:
        period = self.judged.get(value)
        if period is None:
            period = self.judged[value] = self._period(value)
        return period

    def _period(self, value: str) -> Period:
        parsed = self.periods.parse(value)
        if isinstance(parsed, tuple):
            return Period(None, reason=parsed[0])
        if isinstance(parsed, Ambiguous):
            return Period(
                parsed.first,
                parsed.second,
                day=self._day(parsed.first),
                second_day=self._day(parsed.second),
            )
        return Period(parsed, day=self._day(parsed))

    def _day(self, utc: str) -> dt.date:
        return dt.datetime.fromisoformat(utc).astimezone(self.days_in).date()

    def _add_times(self, values: Iterable[str]) -> None:
        """Collect time texts, judging the new ones now."""
        texts = set(values)
        for value in texts.difference(self.judged):
            self.judged[value] = self._period(value)
        self.distinct[self.time_index].update(texts)

    def count_value(self, value: str) -> tuple[int | None, str | None]:
        """The count, or the reason it is not one."""
        parsed = parse_count(value, self.fmt.count_column)
        return (None, parsed) if isinstance(parsed, str) else (parsed, None)

    def counter_position_reason(self, coordinates: str, installed: str) -> str | None:
        """Why a line cannot describe its counter (bad position or installation date), if so."""
        position = parse_lat_lon(coordinates)
        if isinstance(position, str):
            return position
        if self.installed_index is not None:
            date = parse_installed(installed)
            if isinstance(date, str):
                return date
        return None

    def counter_info(self, fields: Sequence[str | None]) -> CounterInfo | str:
        """The counter a line describes (the format's `counter_*` columns), or why it cannot."""
        values = [field or "" for field in fields]
        position = parse_lat_lon(field_at(values, self.coordinates_index))
        if isinstance(position, str):
            return position
        installed = (
            parse_installed(field_at(values, self.installed_index))
            if self.installed_index is not None
            else None
        )
        if isinstance(installed, str):
            return installed
        external_id = values[self.counter_index].strip()
        name = field_at(values, self.name_index).strip() if self.name_index is not None else ""
        return CounterInfo(
            external_id=external_id,
            name=name or external_id,
            lon=position[0],
            lat=position[1],
            installed_on=installed,
            properties={
                key: field_at(values, index).strip()
                for key, index in self.property_indexes.items()
                if field_at(values, index).strip()
            },
        )


class LinesRead:
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
