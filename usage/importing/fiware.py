"""FIWARE `TrafficFlowObserved` files, as several French metropolises publish their bike counts,
read into the long CSV of counts the rest of the import knows (`FIWARE_FORMAT`). No database.

The file, UTF-8: JSON objects one per line (JSON Lines), one after another with or without line
breaks between them, or one JSON array of them; blank lines anywhere. NGSI v2 or NGSI-LD,
key-values or normalized (a property `{"type": …, "value": …}` is read as its value).

An observation gives:
- its counter: `refDevice` if it has one, else its `id` cut before the first date it holds (an
  observation's id often repeats its counter, then its period: `urn:…:X2H20042632_2023-01-01T…`
  is counter `urn:…:X2H20042632`);
- its period: `dateObservedFrom` and `dateObservedTo`, else `dateObserved` written
  `start/end`. An hour, a local day (midnight to midnight) or a calendar month is one reading;
  shorter periods inside one hour (5 or 15 minutes) are summed into their hour;
- its count: `intensity`; the counter's position: `location` (a GeoJSON point, or a line's
  middle vertex); its name: `address.streetAddress`, else `name`, else the counter id.
Rules:
- The same observation twice (same counter, period and lane) is counted once: files
  concatenated from overlapping extracts repeat lines. The lanes (`laneId`) of one counter are
  summed: a counter's count is every lane's.
- One file, one length of period (hours, days or months); a file mixing them is refused.
- An observation the import cannot use (no counter, no count, a period of another length…)
  becomes a line the import rejects with its reason, like any bad line of a CSV file; the
  `lines` column of the converted file (and so of the rejects file) holds the line numbers, in
  the JSON file, of the observations a line comes from.
- A file that is not JSON, or holds something other than objects, is refused with the line
  where reading stopped (`ImportFileError`): nothing is imported.
The observations are gathered in memory (a counter's archive is a few thousand lines; a
metropolis' year of hourly counts a few hundred thousand).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext_lazy as _

from usage.importing.formats import ReadingsFormat
from usage.importing.messages import ImportFileError
from usage.models import Length

ERROR_NO_OBSERVATION = _("The file holds no observation.")
# The line where the object that cannot be read starts.
ERROR_NOT_JSON = _("Line %(line)s: not JSON (%(error)s).")
ERROR_NOT_OBJECT = _("Line %(line)s: a JSON object (an observation) was expected.")
ERROR_NOT_UTF8 = _("The file is not UTF-8 text (byte %(position)s).")
ERROR_MIXED_PERIODS = _(
    "The file mixes periods of different lengths (%(first)s at line %(first_line)s, "
    "%(other)s at line %(other_line)s): import each length from its own file."
)

# The columns of the converted file; the time column's name says the period (`csvtext`).
TIME_COLUMNS = {Length.HOUR: "datetime", Length.DAY: "date", Length.MONTH: "month"}
COLUMNS = ("counter", "count", "name", "coordinates", "lines")

# Where an observation's id starts repeating its period.
DATE_IN_ID = re.compile(r"[_:/.-]*\d{4}-\d{2}-\d{2}")


def fiware_format(period: Length) -> ReadingsFormat:
    """How the converted file of `period` is read: it describes its counters, which the import
    creates (and links to the arrangements near them) when it does not know them."""
    return ReadingsFormat(
        counter_column="counter",
        time_column=TIME_COLUMNS[period],
        count_column="count",
        period=period,
        delimiter=",",
        counter_name_column="name",
        counter_coordinates_column="coordinates",
    )


@dataclass
class FiwareRead:
    """A FIWARE file read: the converted CSV file (binary, at its start), how to read it, and
    what the conversion did."""

    file: IO[bytes]
    fmt: ReadingsFormat
    observations: int = 0
    duplicates: int = 0
    summed: int = 0  # observations shorter than an hour, summed into their hour


@dataclass
class _Line:
    """One line of the converted file: a reading, or what an unusable observation held."""

    counter: str
    time: str
    count: int | str
    name: str = ""
    coordinates: str = ""
    lines: list[int] = field(default_factory=list)


def fiware_read(file: IO[bytes], *, time_zone: str = "Europe/Paris") -> FiwareRead:
    """Read a FIWARE `TrafficFlowObserved` file into a CSV of counts (see the module). The
    local days and months are those of `time_zone`, as are the times without a UTC offset.
    Raises `ImportFileError` if the file is not JSON objects or mixes periods."""
    zone = zoneinfo.ZoneInfo(time_zone)
    data = file.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(ERROR_NOT_UTF8 % {"position": error.start + 1}) from None
    readings: dict[tuple[str, str], _Line] = {}
    unusable: list[_Line] = []
    seen: set[tuple[str, str, str, str]] = set()
    period: tuple[Length, int] | None = None  # the file's, and the line that first showed it
    result = FiwareRead(file=io.BytesIO(), fmt=fiware_format(Length.HOUR))
    for line, observation in _objects(text):
        result.observations += 1
        counter = _counter(observation)
        start, end = (
            _text(observation.get("dateObservedFrom")),
            _text(observation.get("dateObservedTo")),
        )
        if not (start and end) and "/" in _text(observation.get("dateObserved")):
            start, end = _text(observation.get("dateObserved")).split("/", 1)
        key = (counter, start, end, _text(observation.get("laneId")))
        if key in seen:
            result.duplicates += 1
            continue
        seen.add(key)
        count = _count(observation.get("intensity"))
        judged = _period(start, end, zone)
        if judged is None or not counter or not isinstance(count, int) or count < 0:
            unusable.append(
                _Line(
                    counter=counter,
                    time=judged[1] if judged else _text(observation.get("dateObserved")) or start,
                    count="" if count is None else _text(count),
                    lines=[line],
                )
            )
            continue
        length, time, short = judged
        if period is None:
            period = (length, line)
        elif length != period[0]:
            raise ImportFileError(
                ERROR_MIXED_PERIODS
                % {
                    "first": Length(period[0]).label,
                    "first_line": period[1],
                    "other": Length(length).label,
                    "other_line": line,
                }
            )
        result.summed += short
        reading = readings.get((counter, time))
        if reading is None:
            readings[counter, time] = _Line(
                counter=counter,
                time=time,
                count=count,
                name=_name(observation) or counter,
                coordinates=_coordinates(observation.get("location")),
                lines=[line],
            )
        else:  # another lane, or another quarter of the hour
            reading.count = int(reading.count) + count
            reading.lines.append(line)
    if not result.observations:
        raise ImportFileError(ERROR_NO_OBSERVATION)
    if period is not None:
        result.fmt = fiware_format(period[0])
    result.file = _csv([*readings.values(), *unusable], result.fmt)
    return result


def _objects(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """The JSON objects of the text, with the line each starts on."""
    decoder = json.JSONDecoder()
    position, line, length = 0, 1, len(text)
    array = False
    while True:
        start = position
        while position < length and (
            text[position].isspace() or (array and text[position] in ",]")
        ):
            position += 1
        line += text.count("\n", start, position)
        if position >= length:
            return
        if text[position] == "[" and not array:
            array = True
            position += 1
            continue
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise ImportFileError(ERROR_NOT_JSON % {"line": line, "error": error.msg}) from None
        if not isinstance(value, dict):
            raise ImportFileError(ERROR_NOT_OBJECT % {"line": line})
        yield line, value
        line += text.count("\n", position, end)
        position = end


def _value(value: Any) -> Any:
    """A property's value: normalized NGSI writes `{"type": …, "value": …}`."""
    if isinstance(value, dict) and "value" in value:
        return value["value"]
    if isinstance(value, dict) and "object" in value:  # an NGSI-LD relationship
        return value["object"]
    return value


def _text(value: Any) -> str:
    value = _value(value)
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(_text(item) for item in value)
    return str(value).strip()


def _count(value: Any) -> Any:
    """A whole count as an int (12.0 is 12); anything else as it is, for the import to reject."""
    value = _value(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None if isinstance(value, bool) else value


def _counter(observation: dict[str, Any]) -> str:
    device = _text(observation.get("refDevice"))
    if device:
        return device
    ident = _text(observation.get("id"))
    found = DATE_IN_ID.search(ident)
    return ident[: found.start()] if found else ident


def _name(observation: dict[str, Any]) -> str:
    address = _value(observation.get("address"))
    if isinstance(address, dict) and _text(address.get("streetAddress")):
        return _text(address.get("streetAddress"))
    return _text(observation.get("name"))


def _coordinates(location: Any) -> str:
    """A GeoJSON point as the import's "latitude,longitude"; a line's middle vertex."""
    location = _value(location)
    if not isinstance(location, dict):
        return ""
    points = location.get("coordinates")
    if location.get("type") == "LineString" and isinstance(points, list) and points:
        points = points[len(points) // 2]
    if isinstance(points, list) and len(points) >= 2:
        lon, lat = points[0], points[1]
        if isinstance(lon, int | float) and isinstance(lat, int | float):
            return f"{lat},{lon}"
    return ""


def _instant(text: str, zone: zoneinfo.ZoneInfo) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _period(start: str, end: str, zone: zoneinfo.ZoneInfo) -> tuple[Length, str, bool] | None:
    """The reading an observation's period makes: its length, its time as the converted file
    writes it, and whether it is shorter than an hour (summed into its hour); None if the
    period is not one the import knows."""
    first, last = _instant(start, zone), _instant(end, zone)
    if first is None or last is None or last <= first:
        return None
    local, local_end = first.astimezone(zone), last.astimezone(zone)
    span = last - first
    if span <= dt.timedelta(hours=1) and (first + span - dt.timedelta(microseconds=1)).replace(
        minute=0, second=0, microsecond=0
    ) == first.replace(minute=0, second=0, microsecond=0):
        hour = first.replace(minute=0, second=0, microsecond=0)
        return Length.HOUR, hour.isoformat(), span < dt.timedelta(hours=1)
    midnight = local.time() == dt.time(0) and local_end.time() == dt.time(0)
    if midnight and local_end.date() == local.date() + dt.timedelta(days=1):
        return Length.DAY, local.date().isoformat(), False
    next_month = (local.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    if midnight and local.day == 1 and local_end.date() == next_month.date():
        return Length.MONTH, local.strftime("%Y-%m"), False
    return None


def _csv(lines: list[_Line], fmt: ReadingsFormat) -> IO[bytes]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([COLUMNS[0], fmt.time_column, *COLUMNS[1:]])
    for line in lines:
        writer.writerow(
            [
                line.counter,
                line.time,
                line.count,
                line.name,
                line.coordinates,
                " ".join(str(number) for number in line.lines),
            ]
        )
    return io.BytesIO(out.getvalue().encode("utf-8"))
