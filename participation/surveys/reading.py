"""Reading a survey's answers from a CSV file. No database.

The file is UTF-8 (with or without BOM) or else Windows-1252, its separator `;` or `,` (or a
tab), guessed from the header; one answer per line. Columns are found by name whatever their
case, accents and separators, in French or English:
- where: `longitude` and `latitude` (or `lon`/`lng` and `lat`), WGS 84 degrees; and/or the
  street, `rue` (or `voie`, `street`, `adresse`, `amenagement`…) with, optionally, `commune`
  (or `ville`, `city`) and `code insee`. A line needs its coordinates or its street;
- optional: `date` (YYYY-MM-DD or DD/MM/YYYY, a time after it is ignored), `commentaire` (or
  `comment`, `verbatim`, `remarque`; control characters become spaces), `id` (or
  `identifiant`, `id repondant`, `respondent id`…);
- the score columns named by the mapping (`parse_mapping`: indicator code → column).
Other columns are ignored (and listed, so a dry run shows what was left aside).

Each score is converted from the survey's scale to the indicators' 1–5 steps
(`scale_convert`); an empty cell, « NSP », "NA", "-" mean no answer to that question.
A line that cannot be read is rejected with its number (the line of the file where it begins:
the header is line 1) and why: a score that is not a number or is off the scale, a bad date or
coordinates, no place, nothing to record (no score and no comment), a comment too long. The
others are kept. A file in another encoding, empty, or whose header lacks a mapped column or
any column saying where, is refused as a whole (`SurveyFileError`).

An answer's identifier (`SurveyLine.external_id`) is the file's `id` when there is one; else a
hash of the line's content (every cell, trailing empty ones aside), with the number of the
occurrence when identical lines repeat — so that the same file read twice gives the same
identifiers, and importing it again records nothing twice.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext_lazy as _

# The same words as the bulk adaptations' reader, for what both files can get wrong.
from amenagements.bulk.reading import (
    ERROR_EMPTY,
    REJECT_BAD_DATE,
    REJECT_COLUMNS,
    BulkReject,
    date_read,
)
from common.forms import CONTROL_CHARACTERS
from common.text import fold
from participation.models import COMMENT_MAX_LENGTH, SCALE_STEPS

ERROR_ENCODING = _(
    "The file cannot be read: it is neither UTF-8 nor Windows-1252 text (a UTF-16 « Unicode "
    "text » or a binary spreadsheet?). Save it as « CSV UTF-8 » and import it again."
)
ERROR_MISSING_COLUMN = _(
    "The file has no “%(column)s” column for the indicator “%(code)s” (columns found: %(found)s)."
)
ERROR_NO_PLACE_COLUMNS = _(
    "The file says nowhere where each answer is: it needs longitude and latitude columns, or a "
    "street column (“rue”) (columns found: %(found)s)."
)
ERROR_HALF_COORDINATES = _(
    "The file has a “%(present)s” column but no “%(missing)s” column: give both coordinates."
)
ERROR_BAD_MAPPING = _(
    "“%(item)s” is not a mapping: write indicator code=column, e.g. securite=note_securite."
)
ERROR_EMPTY_MAPPING = _("Map at least one column onto an indicator, e.g. securite=note_securite.")
ERROR_MAPPING_TWICE = _("The indicator “%(code)s” is mapped twice.")
ERROR_BAD_SCALE = _(
    "“%(value)s” is not a scale: write its lowest and highest scores, e.g. 0-6 or 1-5."
)
ERROR_SCALE_ORDER = _("The lowest score of the scale must be below its highest.")

REJECT_NOT_A_NUMBER = _("“%(value)s” in “%(column)s” is not a score")
REJECT_OFF_SCALE = _("%(value)s in “%(column)s” is off the scale %(low)s–%(high)s")
REJECT_BAD_COORDINATES = _("“%(lon)s”, “%(lat)s” are not WGS 84 longitude and latitude")
REJECT_NO_PLACE = _("neither coordinates nor a street: no way to tell the arrangement")
REJECT_NOTHING = _("no score and no comment: nothing to record")
REJECT_COMMENT_TOO_LONG = _("the comment has %(length)s characters; it can have at most %(max)s")
REJECT_ID_TOO_LONG = _("the identifier has more than %(max)s characters")

# Each column's names, folded (`fold`); the first is the one messages give.
COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": (
        "id",
        "identifiant",
        "id repondant",
        "identifiant repondant",
        "repondant",
        "respondent id",
        "respondent",
        "response id",
        "numero",
    ),
    "longitude": ("longitude", "lon", "lng", "long"),
    "latitude": ("latitude", "lat"),
    "street": (
        "rue",
        "voie",
        "nom de la voie",
        "nom voie",
        "street",
        "street name",
        "adresse",
        "address",
        "amenagement",
        "arrangement",
    ),
    "commune": ("commune", "ville", "city", "municipality", "town"),
    "insee": ("code insee", "insee", "insee code", "code commune"),
    "date": ("date", "date de reponse", "date reponse", "response date", "horodatage"),
    "comment": (
        "commentaire",
        "commentaires",
        "comment",
        "comments",
        "verbatim",
        "remarque",
        "remarques",
    ),
}
DELIMITERS = (";", ",", "\t")
NO_ANSWER = frozenset({"", "nsp", "ne sait pas", "na", "n/a", "-", "?", "sans avis"})
NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
MAPPING_ITEM = re.compile(r"(?P<code>[\w/-]+)\s*[=:]\s*(?P<column>.+)")
SCALE = re.compile(r"\s*(?P<low>-?\d+)\s*(?:-|–|—|à|to|\.\.)\s*(?P<high>-?\d+)\s*")
EXTERNAL_ID_MAX_LENGTH = 100


class SurveyFileError(ValueError):
    """The file as a whole cannot be read; nothing is recorded."""


class SurveySettingsError(ValueError):
    """The scale or the mapping given with the file cannot be read."""


@dataclass(frozen=True)
class Scale:
    """A survey's original scale: its lowest and highest scores, both included."""

    low: int
    high: int

    def __str__(self) -> str:
        return f"{self.low}–{self.high}"


def parse_scale(text: str) -> Scale:
    """ "0-6", "0–6", "1 à 5" as a `Scale`. Raises `SurveySettingsError`."""
    found = SCALE.fullmatch(text or "")
    if found is None:
        raise SurveySettingsError(str(ERROR_BAD_SCALE % {"value": text}))
    return scale_of(int(found["low"]), int(found["high"]))


def scale_of(low: int, high: int) -> Scale:
    """The scale from `low` to `high`. Raises `SurveySettingsError` unless low < high."""
    if low >= high:
        raise SurveySettingsError(str(ERROR_SCALE_ORDER))
    return Scale(low, high)


def scale_convert(score: Decimal | Fraction | int, *, scale: Scale) -> int:
    """A score on the survey's scale as one of the indicators' 1–5 steps.

    The rule: a score s on [min, max] becomes 1 + (s − min) × 4 / (max − min), rounded half
    up to an integer (computed exactly, in fractions). On 0–6: 0→1, 1→2, 2→2, 3→3, 4→4, 5→4,
    6→5; on 1–5 every score stays as it is; on 0–10, 5→3 and 1.25→2 (1.5, half up).
    Raises `ValueError` for a score off the scale.
    """
    if not scale.low <= score <= scale.high:
        raise ValueError(score)
    steps = SCALE_STEPS - 1
    exact = 1 + (Fraction(score) - scale.low) * steps / (scale.high - scale.low)
    return math.floor(exact + Fraction(1, 2))


def parse_mapping(text: str) -> dict[str, str]:
    """ "securite=note_securite, confort=note_confort" (commas, semicolons or new lines between
    items; `=` or `:` in each) as {indicator code: column}. A code may be written
    `panel-slug/code` where two panels use the same code. Raises `SurveySettingsError`."""
    mapping: dict[str, str] = {}
    for item in re.split(r"[,;\n]+", text or ""):
        if not item.strip():
            continue
        found = MAPPING_ITEM.fullmatch(item.strip())
        if found is None:
            raise SurveySettingsError(str(ERROR_BAD_MAPPING % {"item": item.strip()}))
        code, column = found["code"].strip().lower(), found["column"].strip()
        if code in mapping:
            raise SurveySettingsError(str(ERROR_MAPPING_TWICE % {"code": code}))
        mapping[code] = column
    if not mapping:
        raise SurveySettingsError(str(ERROR_EMPTY_MAPPING))
    return mapping


@dataclass(frozen=True)
class SurveyLine:
    """One answer, as the file gives it, its scores already on the 1–5 steps."""

    line: int
    external_id: str
    scores: Mapping[str, int]  # indicator code (as mapped) -> 1–5
    longitude: float | None = None
    latitude: float | None = None
    street: str = ""
    commune: str = ""
    insee: str = ""
    date: dt.date | None = None
    comment: str = ""

    @property
    def has_coordinates(self) -> bool:
        return self.longitude is not None and self.latitude is not None


@dataclass
class SurveyRead:
    lines: list[SurveyLine] = field(default_factory=list)
    rejects: list[BulkReject] = field(default_factory=list)
    count: int = 0  # answer lines read
    ignored_columns: list[str] = field(default_factory=list)


def _decode(data: bytes) -> str:
    # A UTF-16 file (Excel's « Unicode text ») or a binary one has NUL bytes; Windows-1252
    # leaves five bytes undefined, so what is neither UTF-8 nor Windows-1252 is refused rather
    # than read as mojibake.
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data[:65536]:
        raise SurveyFileError(ERROR_ENCODING)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise SurveyFileError(ERROR_ENCODING) from error


def survey_read(data: bytes, *, scale: Scale, mapping: Mapping[str, str]) -> SurveyRead:
    """Read a survey's answers (see the module). Raises `SurveyFileError`."""
    text = _decode(data)
    if not text.strip():
        raise SurveyFileError(ERROR_EMPTY)
    first = next(line for line in text.splitlines() if line.strip())
    delimiter = max(DELIMITERS, key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] = []
    for row in reader:
        if any(cell.strip() for cell in row):
            header = row
            break
    result = SurveyRead()
    index, scores = _columns(header, mapping, result)
    needed = max([*index.values(), *scores.values()]) + 1
    seen: dict[str, int] = {}
    start = reader.line_num + 1
    for row in reader:
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        result.count += 1
        if len(row) < needed:
            reason = REJECT_COLUMNS % {"found": len(row), "expected": len(header)}
            result.rejects.append(BulkReject(line, str(reason)))
            continue
        values = {column: row[i].strip() for column, i in index.items()}
        cells = {code: row[i].strip() for code, i in scores.items()}
        read = _line(line, values, cells, mapping, scale, _content_id(row, seen))
        if isinstance(read, BulkReject):
            result.rejects.append(read)
        else:
            result.lines.append(read)
    return result


def _columns(
    header: list[str], mapping: Mapping[str, str], result: SurveyRead
) -> tuple[dict[str, int], dict[str, int]]:
    """The known columns' and the mapped score columns' positions in the header."""
    folded = [fold(name) for name in header]
    found = ", ".join(f"« {name} »" for name in header)
    index: dict[str, int] = {}
    for column, names in COLUMNS.items():
        at = next((folded.index(n) for n in names if n in folded), None)
        if at is not None:
            index[column] = at
    scores: dict[str, int] = {}
    for code, column in mapping.items():
        if fold(column) not in folded:
            raise SurveyFileError(
                ERROR_MISSING_COLUMN % {"column": column, "code": code, "found": found}
            )
        scores[code] = folded.index(fold(column))
    coordinates = [c for c in ("longitude", "latitude") if c in index]
    if len(coordinates) == 1:
        present = coordinates[0]
        missing = "latitude" if present == "longitude" else "longitude"
        raise SurveyFileError(
            ERROR_HALF_COORDINATES % {"present": header[index[present]], "missing": missing}
        )
    if not coordinates and "street" not in index:
        raise SurveyFileError(ERROR_NO_PLACE_COLUMNS % {"found": found})
    used = {*index.values(), *scores.values()}
    result.ignored_columns = [name for i, name in enumerate(header) if i not in used and name]
    return index, scores


def _content_id(row: Iterable[str], seen: dict[str, int]) -> str:
    """The hash of a line's content, numbered from its second occurrence (module doc)."""
    cells = [cell.strip() for cell in row]
    while cells and not cells[-1]:
        cells.pop()
    digest = hashlib.sha256("\x1f".join(cells).encode()).hexdigest()[:40]
    seen[digest] = seen.get(digest, 0) + 1
    return f"h:{digest}" if seen[digest] == 1 else f"h:{digest}-{seen[digest]}"


def _degrees(text: str, limit: int) -> float | None:
    if not NUMBER.fullmatch(text):
        return None
    value = float(text.replace(",", "."))
    return value if -limit <= value <= limit else None


def _comment(text: str) -> str:
    """The comment's lines, trailing spaces off; a control character (a spreadsheet's
    vertical tab for a new line in a cell…) becomes a space: the database would refuse some,
    and nobody typed them."""
    text = CONTROL_CHARACTERS.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def _line(
    line: int,
    values: Mapping[str, str],
    cells: Mapping[str, str],
    mapping: Mapping[str, str],
    scale: Scale,
    content_id: str,
) -> SurveyLine | BulkReject:
    external_id = values.get("external_id", "") or content_id
    if len(external_id) > EXTERNAL_ID_MAX_LENGTH:
        return BulkReject(line, str(REJECT_ID_TOO_LONG % {"max": EXTERNAL_ID_MAX_LENGTH}))
    longitude = latitude = None
    lon_text, lat_text = values.get("longitude", ""), values.get("latitude", "")
    if lon_text or lat_text:
        longitude, latitude = _degrees(lon_text, 180), _degrees(lat_text, 90)
        if longitude is None or latitude is None:
            reason = REJECT_BAD_COORDINATES % {"lon": lon_text, "lat": lat_text}
            return BulkReject(line, str(reason))
    street = values.get("street", "")
    if longitude is None and not street:
        return BulkReject(line, str(REJECT_NO_PLACE))
    date = None
    if values.get("date"):
        # A time after the date (a spreadsheet export's) is ignored.
        date = date_read(re.split(r"[T\s]", values["date"], maxsplit=1)[0])
        if date is None:
            return BulkReject(line, str(REJECT_BAD_DATE % {"value": values["date"]}))
    scores: dict[str, int] = {}
    for code, cell in cells.items():
        if fold(cell) in NO_ANSWER:
            continue
        column = mapping[code]
        if not NUMBER.fullmatch(cell):
            return BulkReject(line, str(REJECT_NOT_A_NUMBER % {"value": cell, "column": column}))
        try:
            scores[code] = scale_convert(Decimal(cell.replace(",", ".")), scale=scale)
        except ValueError:
            reason = REJECT_OFF_SCALE % {
                "value": cell,
                "column": column,
                "low": scale.low,
                "high": scale.high,
            }
            return BulkReject(line, str(reason))
    comment = _comment(values.get("comment", ""))
    if len(comment) > COMMENT_MAX_LENGTH:
        reason = REJECT_COMMENT_TOO_LONG % {"length": len(comment), "max": COMMENT_MAX_LENGTH}
        return BulkReject(line, str(reason))
    if not scores and not comment:
        return BulkReject(line, str(REJECT_NOTHING))
    return SurveyLine(
        line=line,
        external_id=external_id,
        scores=scores,
        longitude=longitude,
        latitude=latitude,
        street=street,
        commune=values.get("commune", ""),
        insee=values.get("insee", ""),
        date=date,
        comment=comment,
    )
