"""Reading a file of dated adaptations. No database.

A CSV file (UTF-8 with or without BOM, else read as Windows-1252; the separator guessed from the
header among , ; tab |), one adaptation per line, columns found by name whatever their case and
accents, in French or English:
- `amenagement` (or `arrangement`): the arrangement's number or its slug (its address's last part);
- `date`: YYYY-MM-DD or DD/MM/YYYY;
- `type` (or `kind`): an adaptation kind, by its code (`widened`) or its name in French or
  English (« Élargi », "Widened"); not « Créé »: a creation is no adaptation;
- optional: `description`; `geometrie` (or `geometry`, `wkt`): the new layout in WKT, WGS 84
  longitude/latitude; `statut` (or `status`): the status after it, by code or name, or a word
  the arrangements import knows (« pérenne », « en test »: `importing.properties.STATUS_MAP`).
Or a GeoJSON FeatureCollection whose features carry the same properties and the new layout as
their geometry (a feature without geometry changes no layout); its "lines" are the features,
numbered from 1.
A line that cannot be read is rejected with its number and why; the others are kept. A file
whose header lacks a required column, or that is not text, is refused as a whole (`BulkFileError`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.gis.geos import GEOSException, GEOSGeometry
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from amenagements.importing.properties import STATUS_MAP
from amenagements.models import Adaptation, Amenagement
from common.text import fold

ERROR_NOT_TEXT = _("The file is not a text file (it contains binary data).")
ERROR_EMPTY = _("The file is empty.")
ERROR_MISSING_COLUMN = _("The file has no “%(column)s” column (columns found: %(found)s).")
ERROR_NOT_GEOJSON = _("The file is JSON but not a GeoJSON FeatureCollection.")

REJECT_NO_ARRANGEMENT = _("no arrangement given")
REJECT_BAD_DATE = _("“%(value)s” is not a date (expected YYYY-MM-DD or DD/MM/YYYY)")
REJECT_BAD_KIND = _("“%(value)s” is not a kind of adaptation (expected one of: %(choices)s)")
REJECT_BAD_STATUS = _("“%(value)s” is not a status (expected one of: %(choices)s)")
REJECT_BAD_GEOMETRY = _("the geometry cannot be read (%(reason)s)")
REJECT_COLUMNS = _("%(found)s columns where the header has %(expected)s")

# Each column's names, folded (`common.text.fold`); the first is the one messages give.
COLUMNS: dict[str, tuple[str, ...]] = {
    "arrangement": ("amenagement", "arrangement"),
    "date": ("date",),
    "kind": ("type", "kind", "nature"),
    "description": ("description",),
    "geometry": ("geometrie", "geometry", "wkt", "geom"),
    "status": ("statut", "status"),
}
REQUIRED = ("arrangement", "date", "kind")
DELIMITERS = (",", ";", "\t", "|")
FRENCH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


@dataclass(frozen=True)
class BulkReject:
    """A line left out: its number in the file (the header is line 1; a GeoJSON's features
    count from 1) and why."""

    line: int
    reason: str


class BulkFileError(ValueError):
    """The file as a whole cannot be read; nothing is recorded."""


@dataclass(frozen=True)
class AdaptationLine:
    """One adaptation to record, as the file gives it."""

    line: int
    arrangement: str
    date: dt.date
    kind: str
    description: str = ""
    geom: GEOSGeometry | None = None
    status: str | None = None


@dataclass
class AdaptationsRead:
    lines: list[AdaptationLine] = field(default_factory=list)
    rejects: list[BulkReject] = field(default_factory=list)
    count: int = 0  # lines (or features) read


def _choices(pairs: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """Codes and names (French and English) of a set of choices, folded, to their code."""
    found: dict[str, str] = {}
    pairs = list(pairs)
    for language in ("fr", "en"):
        with translation.override(language):
            for value, label in pairs:
                found[fold(str(label))] = value
    found.update({fold(value): value for value, _label in pairs})
    return found


def adaptations_read(data: bytes) -> AdaptationsRead:
    """Read a file of adaptations (see the module). Raises `BulkFileError`."""
    if b"\x00" in data[:65536]:
        raise BulkFileError(ERROR_NOT_TEXT)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if not text.strip():
        raise BulkFileError(ERROR_EMPTY)
    kinds = _choices(
        (value, label)
        for value, label in Adaptation.Kind.choices
        if value != Adaptation.Kind.CREATED
    )
    # The status words the arrangements import knows (« pérenne », "en test"…) too.
    statuses = {**STATUS_MAP, **_choices(Amenagement.Status.choices)}
    result = AdaptationsRead()
    stripped = text.lstrip()
    geojson = stripped.startswith("{")
    records = _geojson_records(stripped) if geojson else _csv_records(text, result)
    for line, values, geometry in records:
        result.count += 1
        read = _line(line, values, geometry, kinds, statuses)
        if isinstance(read, BulkReject):
            result.rejects.append(read)
        else:
            result.lines.append(read)
    return result


def _csv_records(
    text: str, result: AdaptationsRead
) -> Iterable[tuple[int, Mapping[str, str], Any]]:
    first = next(line for line in text.splitlines() if line.strip())
    delimiter = max(DELIMITERS, key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] = []
    for row in reader:
        if any(cell.strip() for cell in row):
            header = row
            break
    folded = [fold(name) for name in header]
    index: dict[str, int] = {}
    for column, names in COLUMNS.items():
        found = next((folded.index(n) for n in names if n in folded), None)
        if found is not None:
            index[column] = found
        elif column in REQUIRED:
            raise BulkFileError(
                ERROR_MISSING_COLUMN
                % {"column": names[0], "found": ", ".join(f"« {h} »" for h in header)}
            )
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < max(index.values()) + 1:
            result.count += 1
            result.rejects.append(
                BulkReject(
                    reader.line_num,
                    str(REJECT_COLUMNS % {"found": len(row), "expected": len(header)}),
                )
            )
            continue
        values = {column: row[i].strip() for column, i in index.items()}
        yield reader.line_num, values, values.get("geometry") or None


def _geojson_records(text: str) -> Iterable[tuple[int, Mapping[str, str], Any]]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise BulkFileError(ERROR_NOT_GEOJSON) from error
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        raise BulkFileError(ERROR_NOT_GEOJSON)
    for number, feature in enumerate(features, start=1):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        properties = properties if isinstance(properties, dict) else {}
        folded = {fold(str(k)): v for k, v in properties.items()}
        values = {
            column: "" if value is None else str(value).strip()
            for column, names in COLUMNS.items()
            for value in [next((folded[n] for n in names if n in folded), None)]
        }
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        yield number, values, json.dumps(geometry) if geometry else None


def date_read(text: str) -> dt.date | None:
    """`text` as a date, written YYYY-MM-DD or DD/MM/YYYY; None otherwise (the survey import
    reads its dates the same way)."""
    try:
        if found := FRENCH_DATE.fullmatch(text):
            day, month, year = (int(part) for part in found.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _line(
    line: int,
    values: Mapping[str, str],
    geometry: str | None,
    kinds: Mapping[str, str],
    statuses: Mapping[str, str],
) -> AdaptationLine | BulkReject:
    arrangement = values.get("arrangement", "")
    if not arrangement:
        return BulkReject(line, str(REJECT_NO_ARRANGEMENT))
    date = date_read(values.get("date", ""))
    if date is None:
        return BulkReject(line, str(REJECT_BAD_DATE % {"value": values.get("date", "")}))
    kind = kinds.get(fold(values.get("kind", "")))
    if kind is None:
        choices = ", ".join(sorted(set(kinds.values())))
        return BulkReject(
            line, str(REJECT_BAD_KIND % {"value": values.get("kind", ""), "choices": choices})
        )
    status = None
    if values.get("status"):
        status = statuses.get(fold(values["status"]))
        if status is None:
            choices = ", ".join(Amenagement.Status.values)
            return BulkReject(
                line, str(REJECT_BAD_STATUS % {"value": values["status"], "choices": choices})
            )
    geom = None
    if geometry:
        try:
            geom = GEOSGeometry(geometry, srid=4326)
        except (GEOSException, ValueError, TypeError) as error:
            return BulkReject(line, str(REJECT_BAD_GEOMETRY % {"reason": error}))
    return AdaptationLine(
        line=line,
        arrangement=arrangement,
        date=date,
        kind=kind,
        description=values.get("description", ""),
        geom=geom,
        status=status,
    )
