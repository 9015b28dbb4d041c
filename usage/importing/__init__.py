"""Import counter data from CSV files, in two steps; each module is one stage of a file's path.

1. Reading (pure: no database) — what a file is, and what one of its values means.
   - `formats`: where a file keeps what. Three formats: the City of Paris's official hourly
     export as it comes (`PARIS_HOURLY_FORMAT`), the long format
     `counter, datetime | date | month, count` with options for everything (`ReadingsFormat`),
     and counters files (`CountersFormat`).
   - `csvtext`: the file opened as CSV text — encoding, separator, header, columns found by
     name — and read again for the rejects file.
   - `values`: the rules of one text of the time, count or position column — the UTC start of a
     period, a count, a position — or why its line is rejected.
   - `messages`: what an import says, word for word: why a file cannot be read at all
     (`ImportFileError`), or why one line is left out (`Reject`).
   - `reader`: a file of counts opened for the loader, which collects the distinct texts of its
     counter, time and count columns while PostgreSQL copies its lines, and judges each once.
   - `counters`: counters files, read here line by line (they are small).
2. Loading (`loading`) — the file's lines into PostgreSQL, along one of two ways that leave the
   same rows and rollups:
   - the short way: a clean file of new readings is copied straight into the readings, its rows
     written in PostgreSQL's binary COPY format by `newrows`;
   - the staged way: the lines are staged (`staging`: from Python for a clean file, else copied
     as they are and judged in SQL, the bad ones rejected with their line number and reason),
     then upserted into the readings (`upsert`: new periods inserted, corrected counts updated,
     duplicates within the file rejected);
   then the rollups of the days and months that changed are recomputed (`rollups`).
The services (`usage.services.readings_import`, `counters_import`) run both in one
transaction and record the import; the management commands and the staff upload page call them.
"""

from usage.importing.formats import PARIS_HOURLY_FORMAT, CountersFormat, ReadingsFormat
from usage.importing.messages import ImportFileError, Reject

__all__ = [
    "PARIS_HOURLY_FORMAT",
    "CountersFormat",
    "ImportFileError",
    "ReadingsFormat",
    "Reject",
]
