"""What an import says: why a file cannot be read at all, or why one of its lines is left out.

- A file that cannot be read as a whole (binary, empty, a missing column, an unknown time zone,
  bytes not in its encoding) raises `ImportFileError` with one of the `ERROR_*` messages, before
  anything is written.
- Every other problem rejects one line only: a `Reject` holds its number in the file (the header
  is line 1) and one of the `REJECT_*` reasons; the good lines are kept.
- The messages are constants here so that tests assert their exact text. They are translated
  in locale/*.po, keyed by their English text: changing a message's text loses its translations.
"""

from __future__ import annotations

from dataclasses import dataclass

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


class ImportFileError(ValueError):
    """The file as a whole cannot be read; nothing is imported. The message says why."""


@dataclass(frozen=True)
class Reject:
    """A line left out of the import: its number in the file (the first line is 1) and why."""

    line: int
    reason: str

    def __str__(self) -> str:
        return str(_("line %(line)s: %(reason)s") % {"line": self.line, "reason": self.reason})
