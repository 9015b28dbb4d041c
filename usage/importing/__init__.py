"""Import counter data from CSV files, in two steps.

1. `csvfiles` (pure: no database) knows the formats and the rules of a value: which column
   holds what, and what one text of the counter, time or count column means — a counter's
   identifier, the UTC start of a period, a count — or why its line is rejected. Three formats:
   the City of Paris's official hourly export as it comes (`PARIS_HOURLY_FORMAT`), the long
   format `counter, datetime | date | month, count` with options for everything
   (`ReadingsFormat`), and counters files (`CountersFormat`, read here line by line).
2. `loading` copies a file of counts into PostgreSQL as it is, joins every line to the verdicts
   on its distinct texts, rejects the bad lines (line number, reason), upserts the good ones
   into the readings and recomputes the rollups of the days and months that changed. A clean
   file of new readings is copied straight into the readings instead (`newrows`: no database,
   the rows in PostgreSQL's binary COPY format), with the same result, twice as fast.
The services (`usage.services.readings_import`, `counters_import`) run both in one
transaction and record the import; the management commands and the staff upload page call them.
"""

from usage.importing.csvfiles import (
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
