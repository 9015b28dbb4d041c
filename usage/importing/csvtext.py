"""Opening a file as CSV text: its encoding, separator, header and columns. No database.

First on the path of every file (counts or counters), and last: the rejects file is the file
read again. Rules:
- Text: UTF-8 (with or without BOM); a file whose start is not UTF-8 is read as Windows-1252.
  A file whose start holds a NUL byte is binary, and refused; so is one without a header line.
- The header is the first line that is not blank: blank lines before it (some exports start
  with one) are skipped, and the lines keep their numbers in the file.
- Separator: given, or guessed from the header line (the most frequent of , ; tab |).
- Columns are found by name in the header, ignoring case, repeated spaces and the typographic
  apostrophe (“Date d’installation” = “Date d'installation”); accents count.
  A missing column stops the import before anything is written (`ImportFileError`).
- The time column is the one the options name, else the column named `datetime`, `date` or
  `month` (looked for in that order). Unless the period option says otherwise, those names say
  the period (an hour, a day, a month); a time column of another name needs the period option.
- The rejects file has the file's header and columns, then the line number and the reason.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

from django.utils.translation import gettext_lazy as _

from usage.importing.formats import ReadingsFormat
from usage.importing.messages import (
    ERROR_EMPTY,
    ERROR_MISSING_COLUMN,
    ERROR_NO_TIME_COLUMN,
    ERROR_NOT_TEXT,
    ERROR_PERIOD_REQUIRED,
    ERROR_UNKNOWN_TIME_ZONE,
    ImportFileError,
)
from usage.models import Length

# The default names of the time column, and the period each one implies.
TIME_COLUMNS = {"datetime": Length.HOUR, "date": Length.DAY, "month": Length.MONTH}
# The separators a file may use; the most frequent in its header line is the file's.
DELIMITERS = (",", ";", "\t", "|")


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
    first_line = next((line for line in text.splitlines() if not _blank(line.split())), "")
    if not first_line:
        raise ImportFileError(ERROR_EMPTY)
    if delimiter is None:
        delimiter = max(DELIMITERS, key=first_line.count)
    header = next(csv.reader([first_line], delimiter=delimiter))
    return CsvText(encoding=encoding, delimiter=delimiter, header=header)


def open_rows(file: IO[bytes], csv_text: CsvText) -> tuple[io.TextIOWrapper, Any]:
    """The file as text, and a csv reader of it past the header (and any blank line before
    it): its next row is the first line of data, its `line_num` the line's number in the file.
    Give the text to `close_rows` when done."""
    file.seek(0)
    text = io.TextIOWrapper(file, encoding=csv_text.encoding, newline="")
    reader = csv.reader(text, delimiter=csv_text.delimiter)
    for fields in reader:
        if not _blank(fields):
            break  # the header
    return text, reader


def _blank(fields: list[str]) -> bool:
    """Whether a line holds nothing but spaces and separators."""
    return not "".join(fields).strip().strip("".join(DELIMITERS)).strip()


def close_rows(text: io.TextIOWrapper) -> None:
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


def optional_column_index(header: list[str], name: str | None) -> int | None:
    return None if name is None else column_index(header, name)


def time_zone_info(name: str) -> zoneinfo.ZoneInfo:
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
    length = fmt.period or TIME_COLUMNS.get(_key(fmt.time_column))
    if length is None:
        raise ImportFileError(ERROR_PERIOD_REQUIRED % {"column": fmt.time_column})
    return index, Length(length)


def field_at(fields: list[str], index: int | None) -> str:
    """The line's value in column `index`; empty if the format has no such column (None) or
    the line stops before it."""
    return fields[index] if index is not None and index < len(fields) else ""


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
    text, reader = open_rows(file, csv_text)
    try:
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
        close_rows(text)
    return out.getvalue(), truncated
