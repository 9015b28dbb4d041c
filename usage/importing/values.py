"""The rules of a value: what one text of a time, count or position column means, or why its
line is rejected (the reason, a `REJECT_*` message). No database.

- Periods: an hour (a date and time, ISO 8601 by default, with or without a UTC offset; without
  one it is a local time in the file's time zone), a day (a date) or a month (YYYY-MM or its first
  day). Days and months start at midnight in the file's time zone. Every start is turned into a
  UTC instant here, so the 23- and 25-hour days of daylight-saving changes need no special case
  downstream: on the night clocks go back, the first “02:00” of a counter is the summer-time
  one and its second “02:00” the winter-time one (`Ambiguous`: both instants, the loader picks);
  on the night they go forward, “02:30” does not exist and is rejected.
- Counts: whole numbers ≥ 0 (“3.0”, as the Paris export writes them, is 3) that fit a
  PostgreSQL integer.
- Positions: “latitude,longitude” in one column (the Paris export) or a longitude and a
  latitude in two; a longitude lies between -180 and 180, a latitude between -90 and 90.
- Installation dates: YYYY-MM-DD, anything after the tenth character ignored; empty is unknown.

`reader.ReadingsReader` applies these rules once per distinct text of a file of counts.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

from usage.importing.messages import (
    EXPECTED_ISO,
    PERIOD_NAMES,
    REJECT_BAD_COORDINATES,
    REJECT_BAD_COUNT,
    REJECT_BAD_DATE,
    REJECT_BAD_INSTALLED,
    REJECT_BAD_LATITUDE,
    REJECT_BAD_LONGITUDE,
    REJECT_COUNT_TOO_LARGE,
    REJECT_EMPTY,
    REJECT_NEGATIVE_COUNT,
    REJECT_NONEXISTENT_TIME,
    REJECT_NOT_FIRST_OF_MONTH,
    REJECT_NOT_MIDNIGHT,
    REJECT_NOT_ON_THE_HOUR,
)
from usage.models import Length

# The largest count a reading holds (a PostgreSQL integer).
MAX_COUNT = 2**31 - 1


class Ambiguous:
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

    def parse(self, value: str) -> str | Ambiguous | tuple[str]:
        """UTC ISO text; an `Ambiguous` pair; or a 1-tuple holding the reject reason."""
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

    def _hour(self, text: str, value: str) -> str | Ambiguous | tuple[str]:
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
            return Ambiguous(utc_text(first), utc_text(second))
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
    return parse_lon_lat(lon_text, lat_text)


def parse_lon_lat(lon_text: str, lat_text: str) -> tuple[float, float] | str:
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


def parse_installed(value: str) -> dt.date | str | None:
    text = value.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return str(REJECT_BAD_INSTALLED % {"value": value})


@dataclass(frozen=True)
class Period:
    """What one text of the time column means: the UTC start of its period, with the second
    start of a local time that occurs twice (clocks went back), or the reason it is rejected."""

    first: str | None
    second: str | None = None
    reason: str | None = None
    day: dt.date | None = None  # the local day of `first` in the reader's `days_in`
    second_day: dt.date | None = None
