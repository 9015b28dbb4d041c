"""What a file of counts or counters holds, and where: the options of an import. No database.

- `ReadingsFormat`: a file of counts. The long format `counter, datetime | date | month, count`
  by default, with options for everything; `PARIS_HOURLY_FORMAT` is the City of Paris's official
  hourly export as it comes, whose lines also describe their counters.
- `CountersFormat`: a counters file (id, name, lon, lat…), its other columns kept as the
  counter's properties.
- `CounterInfo`: a counter as a file describes it, before it is created or updated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from usage.models import Length


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
