"""Step 1 of an import: the rules of a CSV file and of its values. No database.

A file of counts is not read line by line here: the loader has PostgreSQL copy its lines as they
are, and asks `ReadingsReader` what each distinct value of the counter, time and count columns
means (see `usage.importing.loading`). Counters files are small and read here.

- Text: UTF-8 (with or without BOM); a file whose start is not UTF-8 is read as Windows-1252.
- Separator: given, or guessed from the header line (the most frequent of , ; tab |).
- Columns are found by name in the header, ignoring case, repeated spaces and the typographic
  apostrophe (“Date d’installation” = “Date d'installation”); accents count.
  A missing column stops the import before anything is written (`ImportFileError`).
- Every other problem rejects one line, reported with its number (the header is line 1) and
  the reason; the good lines are kept.
- Periods: an hour (a date and time, ISO 8601 by default, with or without a UTC offset; without
  one it is a local time in the file's time zone), a day (a date) or a month (YYYY-MM or its first
  day). Days and months start at midnight in the file's time zone. Every start is turned into a
  UTC instant here, so the 23- and 25-hour days of daylight-saving changes need no special case
  downstream: on the night clocks go back, the first “02:00” of a counter is the summer-time
  one and its second “02:00” the winter-time one; on the night they go forward, “02:30” does not
  exist and is rejected.
- Counts: whole numbers ≥ 0 (“3.0”, as the Paris export writes them, is 3).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext_lazy as _

from usage.models import Length

# --- file-level errors: nothing is imported --------------------------------------------------
ERROR_NOT_TEXT = _("The file is not a CSV text file (it contains binary data).")
ERROR_EMPTY = _("The file is empty: no header line.")
ERROR_MISSING_COLUMN = _(
    "The file has no “%(column)s” column (columns found: %(found)s). "
    "Give the right column name in the import options."
)
ERROR_NO_TIME_COLUMN = _(
    "The file has no “datetime”, “date” or “month” column (columns found: %(found)s). "
    "Give the name of the column holding the periods in the import options."
)
ERROR_PERIOD_REQUIRED = _(
    "Say whether the “%(column)s” column holds hours, days or months (the period option)."
)
ERROR_UNKNOWN_TIME_ZONE = _("Unknown time zone “%(tz)s” (expected e.g. “Europe/Paris”).")
ERROR_DECODE = _(
    "The file is not valid UTF-8 near line %(line)s. Save it as UTF-8 and import it again."
)

# --- line-level rejects ------------------------------------------------------------------------
REJECT_COLUMNS = _("%(found)s columns where the header has %(expected)s")
REJECT_EMPTY = _("the “%(column)s” column is empty")
REJECT_BAD_DATE = _("“%(value)s” is not a valid %(period)s (expected %(expected)s)")
REJECT_NOT_ON_THE_HOUR = _("“%(value)s” is not the start of an hour")
REJECT_NOT_MIDNIGHT = _("“%(value)s” is not a date without a time")
REJECT_NOT_FIRST_OF_MONTH = _("“%(value)s” is not the first day of a month")
REJECT_NONEXISTENT_TIME = _(
    "“%(value)s” does not exist in the %(tz)s time zone (clocks went forward)"
)
REJECT_BAD_COUNT = _("the count “%(value)s” is not a whole number")
REJECT_NEGATIVE_COUNT = _("the count %(value)s is negative")
REJECT_COUNT_TOO_LARGE = _("the count %(value)s is too large")
REJECT_UNKNOWN_COUNTER = _("unknown counter “%(value)s” (import the counters file first)")
REJECT_DUPLICATE = _("same counter and period as line %(line)s")
REJECT_BAD_COORDINATES = _("“%(value)s” are not coordinates (expected “latitude,longitude”)")
REJECT_BAD_LONGITUDE = _("the longitude “%(value)s” is not a number between -180 and 180")
REJECT_BAD_LATITUDE = _("the latitude “%(value)s” is not a number between -90 and 90")
REJECT_DUPLICATE_COUNTER = _("counter “%(value)s” already appears on line %(line)s")
REJECT_BAD_INSTALLED = _("the installation date “%(value)s” is not a date (YYYY-MM-DD)")

EXPECTED_ISO = {
    Length.HOUR: "YYYY-MM-DDTHH:MM[:SS][+HH:MM]",
    Length.DAY: "YYYY-MM-DD",
    Length.MONTH: "YYYY-MM",
}
PERIOD_NAMES = {
    Length.HOUR: _("date and time"),
    Length.DAY: _("date"),
    Length.MONTH: _("month"),
}
# The default names of the time column, and the period each one implies.
TIME_COLUMNS = {"datetime": Length.HOUR, "date": Length.DAY, "month": Length.MONTH}
DELIMITERS = (",", ";", "\t", "|")
MAX_COUNT = 2**31 - 1


class ImportFileError(ValueError):
    """The file as a whole cannot be read; nothing is imported. The message says why."""


@dataclass(frozen=True)
class Reject:
    """A line left out of the import: its number in the file (header = 1) and why."""

    line: int
    reason: str

    def __str__(self) -> str:
        return str(_("line %(line)s: %(reason)s") % {"line": self.line, "reason": self.reason})


@dataclass(frozen=True)
class ReadingsFormat:
    """Where a file of counts keeps what, and how to read it.

    The defaults read the long format `counter,datetime,count` (or `date`, or `month`, in place
    of `datetime`: the column's name says the period). The `counter_*` columns, when given,
    describe the counter on every line, so the file can create the counters it mentions (as the
    Paris official export does); without them a line of an unknown counter is rejected.
    """

    counter_column: str = "counter"
    time_column: str | None = None
    count_column: str = "count"
    period: Length | None = None
    delimiter: str | None = None
    date_format: str | None = None  # a strptime format; None for ISO 8601
    time_zone: str = "Europe/Paris"
    counter_name_column: str | None = None
    counter_coordinates_column: str | None = None  # "latitude,longitude" in one column
    counter_installed_column: str | None = None
    counter_property_columns: tuple[str, ...] = ()

    @property
    def creates_counters(self) -> bool:
        return bool(self.counter_coordinates_column)

    def as_options(self) -> dict[str, Any]:
        """The options worth recording with an import (JSON-serialisable)."""
        return {
            "counter_column": self.counter_column,
            "time_column": self.time_column,
            "count_column": self.count_column,
            "period": Length(self.period).name.lower() if self.period else None,
            "delimiter": self.delimiter,
            "date_format": self.date_format,
            "time_zone": self.time_zone,
        }


# The City of Paris's official hourly export ("Comptage vélo - Données compteurs"), as it comes.
PARIS_HOURLY_FORMAT = ReadingsFormat(
    counter_column="Identifiant du compteur",
    time_column="Date et heure de comptage",
    count_column="Comptage horaire",
    period=Length.HOUR,
    delimiter=";",
    time_zone="Europe/Paris",
    counter_name_column="Nom du compteur",
    counter_coordinates_column="Coordonnées géographiques",
    counter_installed_column="Date d'installation du site de comptage",
    counter_property_columns=(
        "Identifiant du site de comptage",
        "Nom du site de comptage",
        "Identifiant technique compteur",
    ),
)


@dataclass(frozen=True)
class CountersFormat:
    """Where a counters file keeps what. Other columns are kept as the counter's properties."""

    id_column: str = "id"
    name_column: str = "name"
    lon_column: str = "lon"
    lat_column: str = "lat"
    installed_column: str | None = None
    delimiter: str | None = None

    def as_options(self) -> dict[str, Any]:
        return {
            "id_column": self.id_column,
            "name_column": self.name_column,
            "lon_column": self.lon_column,
            "lat_column": self.lat_column,
            "installed_column": self.installed_column,
            "delimiter": self.delimiter,
        }


@dataclass
class CounterInfo:
    """A counter as a file describes it."""

    external_id: str
    name: str
    lon: float
    lat: float
    installed_on: dt.date | None = None
    properties: dict[str, str] = field(default_factory=dict)


# --- opening ------------------------------------------------------------------------------------


@dataclass
class CsvText:
    """A binary file opened as CSV text: its encoding, separator and header."""

    encoding: str
    delimiter: str
    header: list[str]


def sniff(file: IO[bytes], delimiter: str | None = None) -> CsvText:
    """Read the start of `file` (then rewind it): encoding, separator, header. Raises
    `ImportFileError` if it is binary or empty."""
    file.seek(0)
    head = file.read(64 * 1024)
    file.seek(0)
    if b"\x00" in head:
        raise ImportFileError(ERROR_NOT_TEXT)
    try:
        # Incremental, not final: the 64 KiB may end inside a multi-byte character.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "cp1252"
    text = head.decode(encoding, errors="replace")
    first_line = text.splitlines()[0] if text.strip() else ""
    if not first_line.strip():
        raise ImportFileError(ERROR_EMPTY)
    if delimiter is None:
        delimiter = max(DELIMITERS, key=first_line.count)
    header = next(csv.reader([first_line], delimiter=delimiter))
    return CsvText(encoding=encoding, delimiter=delimiter, header=header)


def _open_rows(file: IO[bytes], csv_text: CsvText) -> tuple[io.TextIOWrapper, Any]:
    file.seek(0)
    text = io.TextIOWrapper(file, encoding=csv_text.encoding, newline="")
    return text, csv.reader(text, delimiter=csv_text.delimiter)


def _close(text: io.TextIOWrapper) -> None:
    # Detach rather than close: the caller owns the binary file (and may read it again).
    text.detach()


def _key(name: str) -> str:
    return unicodedata.normalize("NFC", " ".join(name.replace("’", "'").split())).casefold()


def column_index(header: list[str], name: str) -> int:
    """The position of column `name` in `header` (see the module docstring for the matching)."""
    keys = [_key(h) for h in header]
    try:
        return keys.index(_key(name))
    except ValueError:
        raise ImportFileError(
            ERROR_MISSING_COLUMN % {"column": name, "found": ", ".join(header)}
        ) from None


def _optional_index(header: list[str], name: str | None) -> int | None:
    return None if name is None else column_index(header, name)


def _time_zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImportFileError(ERROR_UNKNOWN_TIME_ZONE % {"tz": name}) from None


def resolve_time_column(header: list[str], fmt: ReadingsFormat) -> tuple[int, Length]:
    """The time column's position and the period it holds."""
    if fmt.time_column is None:
        keys = [_key(h) for h in header]
        for name, period in TIME_COLUMNS.items():
            if name in keys:
                return keys.index(name), Length(fmt.period or period)
        raise ImportFileError(ERROR_NO_TIME_COLUMN % {"found": ", ".join(header)})
    index = column_index(header, fmt.time_column)
    period = fmt.period or TIME_COLUMNS.get(_key(fmt.time_column))
    if period is None:
        raise ImportFileError(ERROR_PERIOD_REQUIRED % {"column": fmt.time_column})
    return index, Length(period)


# --- periods ----------------------------------------------------------------------------------


class _Ambiguous:
    """A local time that occurs twice (clocks went back): both UTC instants, in order."""

    __slots__ = ("first", "second")

    def __init__(self, first: str, second: str) -> None:
        self.first = first
        self.second = second


def utc_text(instant: dt.datetime) -> str:
    return instant.astimezone(dt.UTC).isoformat()


class PeriodParser:
    """Turns the time column's text into the UTC start of the period, or a reject reason."""

    def __init__(self, period: Length, date_format: str | None, tz: zoneinfo.ZoneInfo) -> None:
        self.period = period
        self.date_format = date_format
        self.tz = tz
        self.expected = date_format or EXPECTED_ISO[period]

    def bad(self, value: str) -> str:
        return str(
            REJECT_BAD_DATE
            % {"value": value, "period": PERIOD_NAMES[self.period], "expected": self.expected}
        )

    def parse(self, value: str) -> str | _Ambiguous | tuple[str]:
        """UTC ISO text; an `_Ambiguous` pair; or a 1-tuple holding the reject reason."""
        text = value.strip()
        try:
            if self.period == Length.HOUR:
                return self._hour(text, value)
            if self.period == Length.DAY:
                return self._day(text, value)
            return self._month(text, value)
        except ValueError:
            return (self.bad(value),)

    def _strptime(self, text: str) -> dt.datetime:
        # Naive unless the format has %z: localised by the callers.
        return dt.datetime.strptime(text, self.date_format or "")  # noqa: DTZ007

    def _hour(self, text: str, value: str) -> str | _Ambiguous | tuple[str]:
        moment = self._strptime(text) if self.date_format else dt.datetime.fromisoformat(text)
        if moment.minute or moment.second or moment.microsecond:
            return (str(REJECT_NOT_ON_THE_HOUR % {"value": value}),)
        if moment.tzinfo is not None:
            return utc_text(moment)
        first = moment.replace(tzinfo=self.tz, fold=0)
        second = moment.replace(tzinfo=self.tz, fold=1)
        # A local time that does not survive a round trip through UTC fell in the gap.
        if first.astimezone(dt.UTC).astimezone(self.tz).replace(tzinfo=None) != moment:
            return (str(REJECT_NONEXISTENT_TIME % {"value": value, "tz": self.tz.key}),)
        if first.utcoffset() != second.utcoffset():
            return _Ambiguous(utc_text(first), utc_text(second))
        return utc_text(first)

    def _midnight(self, day: dt.date) -> str:
        return utc_text(dt.datetime(day.year, day.month, day.day, tzinfo=self.tz))

    def _day(self, text: str, value: str) -> str | tuple[str]:
        if self.date_format:
            moment = self._strptime(text)
            if moment.time() != dt.time(0):
                return (str(REJECT_NOT_MIDNIGHT % {"value": value}),)
            return self._midnight(moment.date())
        return self._midnight(dt.date.fromisoformat(text))

    def _month(self, text: str, value: str) -> str | tuple[str]:
        if self.date_format:
            day = self._strptime(text).date()
        elif re.fullmatch(r"\d{4}-\d{2}", text):
            day = dt.date.fromisoformat(text + "-01")
        else:
            day = dt.date.fromisoformat(text)
        if day.day != 1:
            return (str(REJECT_NOT_FIRST_OF_MONTH % {"value": value}),)
        return self._midnight(day)


def parse_count(value: str, column: str) -> int | str:
    """The count, or the reason it is not one."""
    try:
        count = int(value)
    except ValueError:
        try:
            number = float(value.replace(",", ".") if value.count(",") == 1 else value)
        except ValueError:
            number = None
        if number is None or not number.is_integer():
            if not value.strip():
                return str(REJECT_EMPTY % {"column": column})
            return str(REJECT_BAD_COUNT % {"value": value})
        count = int(number)
    if count < 0:
        return str(REJECT_NEGATIVE_COUNT % {"value": value.strip()})
    if count > MAX_COUNT:
        return str(REJECT_COUNT_TOO_LARGE % {"value": value.strip()})
    return count


def parse_lat_lon(value: str) -> tuple[float, float] | str:
    """“48.83504,2.33314” → (lon, lat), or the reason it is not a position."""
    parts = value.split(",")
    if len(parts) != 2:
        return str(REJECT_BAD_COORDINATES % {"value": value})
    lat_text, lon_text = parts
    return _lon_lat(lon_text, lat_text)


def _lon_lat(lon_text: str, lat_text: str) -> tuple[float, float] | str:
    try:
        lon = float(lon_text)
    except ValueError:
        lon = float("nan")
    if not -180 <= lon <= 180:
        return str(REJECT_BAD_LONGITUDE % {"value": lon_text.strip()})
    try:
        lat = float(lat_text)
    except ValueError:
        lat = float("nan")
    if not -90 <= lat <= 90:
        return str(REJECT_BAD_LATITUDE % {"value": lat_text.strip()})
    return lon, lat


def _installed(value: str) -> dt.date | str | None:
    text = value.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return str(REJECT_BAD_INSTALLED % {"value": value})


# --- readings ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """What one text of the time column means: the UTC start of its period, with the second
    start of a local time that occurs twice (clocks went back), or the reason it is rejected."""

    first: str | None
    second: str | None = None
    reason: str | None = None
    day: dt.date | None = None  # the local day of `first` in the reader's `days_in`
    second_day: dt.date | None = None


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
    `period_value`, `count_value`). The rules of a value stay here, in Python, once;
    PostgreSQL joins the answers to the lines.

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
        self.name_index = _optional_index(header, fmt.counter_name_column)
        self.coordinates_index = _optional_index(header, fmt.counter_coordinates_column)
        self.installed_index = _optional_index(header, fmt.counter_installed_column)
        self.property_indexes = {
            name: column_index(header, name) for name in fmt.counter_property_columns
        }
        self.periods = PeriodParser(self.period, fmt.date_format, _time_zone(fmt.time_zone))
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
        columns = [
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
        text, reader = _open_rows(self.file, self.csv_text)
        width = self.width
        needed = max(ci, ti, ki) + 1
        padding = ("",) * width
        lines = 0
        try:
            next(reader, None)  # the header
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
            _close(text)

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
        if isinstance(parsed, _Ambiguous):
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
            date = _installed(installed)
            if isinstance(date, str):
                return date
        return None

    def counter_info(self, fields: Sequence[str | None]) -> CounterInfo | str:
        """The counter a line describes (the format's `counter_*` columns), or why it cannot."""
        values = [field or "" for field in fields]
        position = parse_lat_lon(_field(values, self.coordinates_index))
        if isinstance(position, str):
            return position
        installed = (
            _installed(_field(values, self.installed_index))
            if self.installed_index is not None
            else None
        )
        if isinstance(installed, str):
            return installed
        external_id = values[self.counter_index].strip()
        name = _field(values, self.name_index).strip() if self.name_index is not None else ""
        return CounterInfo(
            external_id=external_id,
            name=name or external_id,
            lon=position[0],
            lat=position[1],
            installed_on=installed,
            properties={
                key: _field(values, index).strip()
                for key, index in self.property_indexes.items()
                if _field(values, index).strip()
            },
        )


def _field(fields: list[str], index: int | None) -> str:
    return fields[index] if index is not None and index < len(fields) else ""


# --- counters ----------------------------------------------------------------------------------


@dataclass
class CountersRead:
    counters: list[CounterInfo]
    rejects: list[Reject]
    lines: int
    csv_text: CsvText


def counters_read(file: IO[bytes], fmt: CountersFormat) -> CountersRead:
    """Every counter of a counters file; a line repeating an id already seen is rejected."""
    csv_text = sniff(file, fmt.delimiter)
    header = csv_text.header
    id_index = column_index(header, fmt.id_column)
    name_index = column_index(header, fmt.name_column)
    lon_index = column_index(header, fmt.lon_column)
    lat_index = column_index(header, fmt.lat_column)
    installed_index = _optional_index(header, fmt.installed_column)
    used = {id_index, name_index, lon_index, lat_index, installed_index}
    extra = {name: i for i, name in enumerate(header) if i not in used and name.strip()}
    counters: list[CounterInfo] = []
    rejects: list[Reject] = []
    seen: dict[str, int] = {}
    lines = 0
    text, reader = _open_rows(file, csv_text)
    try:
        next(reader, None)
        for fields in reader:
            if not fields:
                continue
            lines += 1
            line = reader.line_num
            info = _counter_line(
                fields, id_index, name_index, lon_index, lat_index, installed_index, fmt
            )
            if isinstance(info, str):
                rejects.append(Reject(line, info))
                continue
            if info.external_id in seen:
                rejects.append(
                    Reject(
                        line,
                        str(
                            REJECT_DUPLICATE_COUNTER
                            % {"value": info.external_id, "line": seen[info.external_id]}
                        ),
                    )
                )
                continue
            seen[info.external_id] = line
            info.properties = {
                name: fields[i].strip()
                for name, i in extra.items()
                if i < len(fields) and fields[i].strip()
            }
            counters.append(info)
    except UnicodeDecodeError:
        raise ImportFileError(ERROR_DECODE % {"line": reader.line_num + 1}) from None
    finally:
        _close(text)
    return CountersRead(counters=counters, rejects=rejects, lines=lines, csv_text=csv_text)


def _counter_line(
    fields: list[str],
    id_index: int,
    name_index: int,
    lon_index: int,
    lat_index: int,
    installed_index: int | None,
    fmt: CountersFormat,
) -> CounterInfo | str:
    if len(fields) <= max(id_index, name_index, lon_index, lat_index):
        return str(REJECT_COLUMNS % {"found": len(fields), "expected": "?"})
    external_id = fields[id_index].strip()
    if not external_id:
        return str(REJECT_EMPTY % {"column": fmt.id_column})
    position = _lon_lat(fields[lon_index], fields[lat_index])
    if isinstance(position, str):
        return position
    installed = _installed(_field(fields, installed_index)) if installed_index is not None else None
    if isinstance(installed, str):
        return installed
    return CounterInfo(
        external_id=external_id,
        name=fields[name_index].strip() or external_id,
        lon=position[0],
        lat=position[1],
        installed_on=installed,
    )


# --- the rejects file --------------------------------------------------------------------------


def rejects_csv(
    file: IO[bytes], csv_text: CsvText, rejects: Mapping[int, str], *, limit: int | None = None
) -> tuple[str, bool]:
    """The rejected lines as CSV text — the file's header and columns, then the line number
    and the reason — so they can be corrected and imported again; and whether `limit` cut it.
    Reads the file a second time: only the rejected lines are ever held in memory."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=csv_text.delimiter, lineterminator="\n")
    writer.writerow([*csv_text.header, str(_("line")), str(_("reason"))])
    written = 0
    truncated = False
    text, reader = _open_rows(file, csv_text)
    try:
        next(reader, None)
        for fields in reader:
            reason = rejects.get(reader.line_num)
            if reason is None or not fields:
                continue
            if limit is not None and written >= limit:
                truncated = True
                break
            writer.writerow([*fields, reader.line_num, reason])
            written += 1
    except UnicodeDecodeError:
        pass  # reported by the first reading; the lines before the error are written
    finally:
        _close(text)
    return out.getvalue(), truncated
