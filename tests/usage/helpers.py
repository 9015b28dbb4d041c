"""Helpers for the usage tests (and the browser tests): counters at fixed places, imports and
readers from text."""

import datetime as dt
import io
from pathlib import Path

from usage import services
from usage.importing import CountersFormat, ReadingsFormat
from usage.importing.reader import ReadingsReader
from usage.models import Counter

FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures"
METRES_PER_DEGREE_LAT = 111_320.0


def north_of(lon: float, lat: float, metres: float) -> tuple[float, float]:
    """The point `metres` north of (lon, lat)."""
    return lon, lat + metres / METRES_PER_DEGREE_LAT


def make_counter(external_id="C1", *, lon=4.834, lat=45.7603, source="test", name=None):
    """A counter created as an import would: through the counters service."""
    services.counters_import(
        file=io.BytesIO(
            f"id,name,lon,lat\n{external_id},{name or external_id},{lon},{lat}\n".encode()
        ),
        fmt=CountersFormat(),
        source=source,
    )
    return Counter.objects.get(source=source, external_id=external_id)


def import_text(text: str, *, source="test", fmt=None, rejects_to=None, **kwargs):
    """Import counts given as CSV text; the service's report."""
    return services.readings_import(
        file=io.BytesIO(text.encode()),
        fmt=fmt or ReadingsFormat(),
        source=source,
        file_name="test.csv",
        rejects_to=rejects_to,
        **kwargs,
    )


def reader_of(text: str, fmt: ReadingsFormat | None = None) -> ReadingsReader:
    """A reader of counts given as CSV text, for a source whose only counter is C1 (id 7)."""
    return ReadingsReader(io.BytesIO(text.encode()), fmt or ReadingsFormat(), {"C1": 7})


def daily_csv(counter: str, start: dt.date, counts: list[int | None]) -> str:
    """`counter,date,count` lines, one a day from `start`; None leaves the day out."""
    lines = ["counter,date,count"]
    for i, count in enumerate(counts):
        if count is not None:
            lines.append(f"{counter},{start + dt.timedelta(days=i)},{count}")
    return "\n".join(lines) + "\n"
