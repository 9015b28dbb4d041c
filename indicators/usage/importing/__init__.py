"""Import counter data from CSV files, in two steps.

1. `csvfiles` (pure: no database) reads a file line by line into clean rows — a counter's
   identifier, the UTC start of the period, the count — and a reject (line number, reason) for
   every line it cannot use. Three formats: the City of Paris's official hourly export as it
   comes (`PARIS_HOURLY_FORMAT`), the long format `counter, datetime | date | month, count`
   with options for everything (`ReadingsFormat`), and counters files (`CountersFormat`).
2. `loading` streams the clean rows into PostgreSQL with COPY, upserts them into the readings
   and recomputes the rollups of the days and months that changed.
The services (`indicators.usage.services.readings_import`, `counters_import`) run both in one
transaction and record the import; the management commands and the staff upload page call them.
"""

from indicators.usage.importing.csvfiles import (
    PARIS_HOURLY_FORMAT,
    CountersFormat,
    ImportFileError,
    ReadingsFormat,
    Reject,
)

__all__ = [
    "PARIS_HOURLY_FORMAT",
    "CountersFormat",
    "ImportFileError",
    "ReadingsFormat",
    "Reject",
]
