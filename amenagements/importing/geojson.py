"""Step 1 of an import: read a GeoJSON file into clean records and a report. No database.

See the package docstring for the rules.
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import hashlib
import json
import logging
import math
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ftfy
from django.contrib.gis.gdal import CoordTransform, GDALException, SpatialReference
from django.contrib.gis.geos import (
    GEOSException,
    GEOSGeometry,
    LinearRing,
    LineString,
    MultiLineString,
    MultiPolygon,
    Polygon,
)
from django.utils.translation import gettext_lazy as _

from amenagements.models import Amenagement, Commune

if TYPE_CHECKING:
    pass

# --- Errors that stop the whole import --------------------------------------------------------
ERROR_NOT_JSON = _("The file is not valid JSON: %(error)s (line %(line)s, column %(column)s).")
ERROR_NOT_GEOJSON = _(
    "The file is not a GeoJSON FeatureCollection or Feature (its type is “%(type)s”)."
)
ERROR_FEATURES_NOT_LIST = _("The file's “features” member is not a list.")
ERROR_CRS_UNKNOWN = _(
    "The file declares a coordinate reference system that is not understood: “%(crs)s”. "
    "Give its EPSG code with --srid."
)
ERROR_SRID_UNKNOWN = _("Unknown SRID %(srid)s.")
ERROR_MAP_SYNTAX = _("“%(item)s” is not of the form source_value=our_value.")
ERROR_MAP_VALUE = _("“%(value)s” is not one of: %(choices)s.")
ERROR_DATE_SYNTAX = _("“%(value)s” is not a date (YYYY-MM-DD).")

# --- Report lines -------------------------------------------------------------------------------
REPORT_FEATURE = _("feature #%(index)s: %(reason)s")
REPORT_FILE = _("file: %(reason)s")

# Rejections.
REJECT_NOT_FEATURE = _("not a GeoJSON Feature")
REJECT_NO_GEOMETRY = _("no geometry (null)")
REJECT_EMPTY_GEOMETRY = _("empty geometry")
REJECT_POINT = _("a %(type)s cannot be an arrangement: a line or a polygon is needed")
REJECT_GEOMETRY_TYPE = _("unsupported geometry type “%(type)s”")
REJECT_BAD_COORDINATES = _("malformed coordinates")
REJECT_DEGENERATE_LINE = _("degenerate line: fewer than two distinct points")
REJECT_DEGENERATE_POLYGON = _("degenerate polygon: a ring has fewer than four positions")
REJECT_NOT_LONLAT = _(
    "coordinates (%(x)s, %(y)s) are not longitude/latitude: declare the file's CRS or use --srid"
)
REJECT_TRANSFORM = _("the coordinates cannot be transformed to WGS 84: %(error)s")
REJECT_UNREPAIRABLE = _("invalid geometry (%(reason)s) with no usable part once repaired")
REJECT_ID_TOO_LONG = _("identifier longer than %(max)s characters")
REJECT_DUPLICATE_ID = _("identifier “%(id)s” already seen at feature #%(first)s")

# Repairs.
REPAIR_NOT_UTF8 = _("not UTF-8 (byte 0x%(byte)02X at position %(position)s): read as Windows-1252")
REPAIR_NULL_PROPERTIES = _("no properties (null): read as empty")
REPAIR_KEY_CASE = _("property “%(found)s” read as “%(wanted)s”")
REPAIR_MOJIBAKE = _("mis-encoded text in “%(key)s” fixed: “%(before)s” → “%(after)s”")
REPAIR_NO_ID = _("no identifier in %(fields)s: identified by its geometry")
REPAIR_NO_NAME = _("no name: named “%(name)s”")
REPAIR_NAME_TRUNCATED = _("name shortened to %(max)s characters")
REPAIR_UNKNOWN_KIND = _("unknown kind “%(value)s”: “%(default)s” used")
REPAIR_NO_KIND = _("no kind: “%(default)s” used")
REPAIR_UNKNOWN_STATUS = _("unknown status “%(value)s”: “%(default)s” used")
REPAIR_NO_STATUS = _("no status: “%(default)s” used")
REPAIR_BAD_DATE = _("unreadable date “%(value)s” in “%(key)s”: opening date left unknown")
REPAIR_INVALID_GEOMETRY = _("invalid geometry (%(reason)s) repaired")
REPAIR_DROPPED_PARTS = _("%(count)s degenerate part(s) of the geometry dropped")
REPAIR_RING_CLOSED = _("unclosed polygon ring closed")

NAME_FROM_ID = _("Unnamed (%(id)s)")
NAME_FROM_INDEX = _("Unnamed (#%(index)s)")

NAME_MAX = Amenagement._meta.get_field("name").max_length
ID_MAX = Amenagement._meta.get_field("external_id").max_length
COMMUNE_MAX = Commune._meta.get_field("name").max_length
ID_SEPARATOR = " | "
WGS84 = 4326

K = Amenagement.Kind
S = Amenagement.Status


def _normalise(value: str) -> str:
    """Fold case, accents and separators, so "Rue_Piétonne" and "rue piétonne" match."""
    text = unicodedata.normalize("NFKD", value)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.split(r"[\s_\-'’.]+", text)).strip()


def _normalised_map(pairs: Mapping[str, str]) -> dict[str, str]:
    return {_normalise(key): value for key, value in pairs.items()}


# Source values → our values. Keys are compared once normalised (see `_normalise`), and our own
# values are always accepted as they are.
KIND_MAP: dict[str, str] = _normalised_map(
    {
        **{value: value for value in K.values},
        # Voies Lyonnaises (cyclopolis) `type`.
        "bidirectionnelle": K.BIKE_LANE,
        "bilaterale": K.BIKE_LANE,
        "bandes-cyclables": K.BIKE_LANE,
        "voie-verte": K.GREENWAY,
        "velorue": K.BIKE_STREET,
        "voie-bus": K.BUS_LANE,
        "voie-bus-elargie": K.BUS_LANE,
        "zone-de-rencontre": K.SHARED_ZONE,
        "aucun": K.OTHER,
        "inconnu": K.OTHER,
        # Common French wording.
        "piste cyclable": K.BIKE_LANE,
        "pistes cyclables": K.BIKE_LANE,
        "piste cyclable temporaire": K.BIKE_LANE,
        "coronapiste": K.BIKE_LANE,
        "corona piste": K.BIKE_LANE,
        "bande cyclable": K.BIKE_LANE,
        "double sens cyclable": K.BIKE_LANE,
        "voie verte": K.GREENWAY,
        "rue cyclable": K.BIKE_STREET,
        "rue pietonne": K.PEDESTRIAN_STREET,
        "zone pietonne": K.PEDESTRIAN_STREET,
        "pietonnisation": K.PEDESTRIAN_STREET,
        "rue aux ecoles": K.SCHOOL_STREET,
        "rue scolaire": K.SCHOOL_STREET,
        "rue ecole": K.SCHOOL_STREET,
        "trottoir elargi": K.WIDENED_SIDEWALK,
        "elargissement de trottoir": K.WIDENED_SIDEWALK,
        "terrasse": K.TERRACE,
        "terrasse ephemere": K.TERRACE,
        "couloir bus": K.BUS_LANE,
        "voie de bus": K.BUS_LANE,
        "autre": K.OTHER,
    }
)
STATUS_MAP: dict[str, str] = _normalised_map(
    {
        **{value: value for value in S.values},
        # Voies Lyonnaises (cyclopolis) `statut`.
        "done": S.PERMANENT,
        "tested": S.TESTING,
        "wip": S.PLANNED,
        "planned": S.PLANNED,
        "postponed": S.PLANNED,
        "variante": S.PLANNED,
        "variante-postponed": S.PLANNED,
        "unknown": S.PLANNED,
        # Common French wording.
        "test": S.TESTING,
        "en test": S.TESTING,
        "experimentation": S.TESTING,
        "experimental": S.TESTING,
        "temporaire": S.TESTING,
        "provisoire": S.TESTING,
        "en evaluation": S.EVALUATION,
        "evaluation": S.EVALUATION,
        "perenne": S.PERMANENT,
        "perennise": S.PERMANENT,
        "perennisee": S.PERMANENT,
        "realise": S.PERMANENT,
        "realisee": S.PERMANENT,
        "definitif": S.PERMANENT,
        "projet": S.PLANNED,
        "en projet": S.PLANNED,
        "prevu": S.PLANNED,
        "a l'etude": S.PLANNED,
        "en travaux": S.PLANNED,
        "reporte": S.PLANNED,
        "supprime": S.REMOVED,
        "supprimee": S.REMOVED,
        "retire": S.REMOVED,
    }
)

# Only the encoding part of ftfy: its other fixes (curly quotes, ligatures…) would rewrite
# correct text and be reported as repairs.
_FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)


# Records one repair of the feature being read: (code, reason).
Repair = Callable[[str, Any], None]


class SnapshotFileError(ValueError):
    """The file as a whole cannot be read; nothing is imported. The message says why."""


@dataclass(frozen=True)
class SnapshotMapping:
    """Which source properties hold what, and how their values translate to ours."""

    id_fields: tuple[str, ...] = ("id",)
    name_field: str | None = "name"
    # "Voie Lyonnaise {ligne} — {nom}": takes precedence over `name_field` when all its
    # placeholders have a value.
    name_template: str | None = None
    kind_field: str | None = None
    status_field: str | None = None
    opened_field: str | None = None
    commune_field: str | None = None
    default_commune: str = ""
    kind_map: Mapping[str, str] = field(default_factory=lambda: dict(KIND_MAP))
    status_map: Mapping[str, str] = field(default_factory=lambda: dict(STATUS_MAP))
    ignore_dates: frozenset[dt.date] = frozenset()
    # Forces the coordinates' SRID, whatever the file declares.
    srid: int | None = None


@dataclass(frozen=True)
class Issue:
    """One report line: a feature (by 0-based index; None for the whole file) and the reason."""

    index: int | None
    code: str
    reason: str

    def __str__(self) -> str:
        if self.index is None:
            return str(REPORT_FILE % {"reason": self.reason})
        return str(REPORT_FEATURE % {"index": self.index, "reason": self.reason})


@dataclass(frozen=True)
class SnapshotRecord:
    """One clean feature, ready to import. `geom` is a valid line or polygon in SRID 4326."""

    index: int
    external_id: str
    name: str
    kind: str
    status: str
    geom: GEOSGeometry
    opened_on: dt.date | None = None
    commune: str = ""
    properties: dict[str, Any] = field(default_factory=dict)
    # The source's own words, quoted in event descriptions.
    source_kind: str = ""
    source_status: str = ""


@dataclass
class ParseResult:
    records: list[SnapshotRecord]
    rejected: list[Issue]
    repaired: list[Issue]
    feature_count: int
    srid: int
    encoding: str


def value_map_parse(*, text: str, choices: Sequence[str]) -> dict[str, str]:
    """Parse "a=b,c=d" into {normalised a: b}; raise `SnapshotFileError` on a bad item."""
    result = {}
    for raw_item in text.split(","):
        item = raw_item.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SnapshotFileError(ERROR_MAP_SYNTAX % {"item": item})
        value = value.strip()
        if value not in choices:
            raise SnapshotFileError(
                ERROR_MAP_VALUE % {"value": value, "choices": ", ".join(choices)}
            )
        result[_normalise(key)] = value
    return result


def dates_parse(*, texts: Sequence[str]) -> frozenset[dt.date]:
    """Parse ISO dates, each text possibly comma-separated; raise `SnapshotFileError`."""
    dates = set()
    for text in texts:
        for raw in text.split(","):
            if raw.strip():
                try:
                    dates.add(dt.date.fromisoformat(raw.strip()))
                except ValueError:
                    raise SnapshotFileError(ERROR_DATE_SYNTAX % {"value": raw.strip()}) from None
    return frozenset(dates)


# --- Step 1: parsing ---------------------------------------------------------------------------


def snapshot_parse(*, data: bytes, mapping: SnapshotMapping) -> ParseResult:
    """Read a GeoJSON file's bytes into clean records and a report (see the module docstring).

    Raises `SnapshotFileError` when the file as a whole is unusable.
    """
    repaired: list[Issue] = []
    text, encoding = _decode(data, repaired)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SnapshotFileError(
            ERROR_NOT_JSON % {"error": exc.msg, "line": exc.lineno, "column": exc.colno}
        ) from None
    features = _features(document)
    srid = mapping.srid or _declared_srid(document)
    try:
        to_wgs84 = None if srid == WGS84 else CoordTransform(SpatialReference(srid), _wgs84())
    except GDALException:
        raise SnapshotFileError(ERROR_SRID_UNKNOWN % {"srid": srid}) from None

    records: list[SnapshotRecord] = []
    rejected: list[Issue] = []
    first_seen: dict[str, int] = {}
    with _quiet_geos():
        for index, feature in enumerate(features):
            issues: list[Issue] = []
            try:
                record = _record(index, feature, mapping, srid, to_wgs84, issues)
                if record.external_id in first_seen:
                    raise _Rejected(
                        "duplicate_id",
                        REJECT_DUPLICATE_ID
                        % {"id": record.external_id, "first": first_seen[record.external_id]},
                    )
            except _Rejected as rejection:
                rejected.append(Issue(index, rejection.code, str(rejection.reason)))
                continue
            first_seen[record.external_id] = index
            records.append(record)
            repaired.extend(issues)
    return ParseResult(
        records=records,
        rejected=rejected,
        repaired=repaired,
        feature_count=len(features),
        srid=srid,
        encoding=encoding,
    )


class _Rejected(Exception):
    def __init__(self, code: str, reason: Any) -> None:
        super().__init__(code)
        self.code = code
        self.reason = reason


def _decode(data: bytes, repaired: list[Issue]) -> tuple[str, str]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        # Files saved by Windows tools in France are Windows-1252 far more often than Latin-1;
        # the few bytes it leaves undefined become U+FFFD rather than stopping the import.
        repaired.append(
            Issue(
                None,
                "not_utf8",
                str(REPAIR_NOT_UTF8 % {"byte": data[exc.start], "position": exc.start}),
            )
        )
        return data.decode("cp1252", errors="replace"), "cp1252"


def _features(document: Any) -> list[Any]:
    kind = document.get("type") if isinstance(document, dict) else type(document).__name__
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list):
            raise SnapshotFileError(ERROR_FEATURES_NOT_LIST)
        return features
    if kind == "Feature":
        return [document]
    raise SnapshotFileError(ERROR_NOT_GEOJSON % {"type": kind})


_EPSG_RE = re.compile(r"EPSG:(?:[\d.]*:)?(\d+)$", re.IGNORECASE)
_CRS84_RE = re.compile(r"CRS:?84$", re.IGNORECASE)


def _declared_srid(document: dict[str, Any]) -> int:
    """The SRID of the legacy (GeoJSON 2008) `crs` member; WGS 84 without one (RFC 7946)."""
    crs = document.get("crs")
    if crs is None:
        return WGS84
    properties = crs.get("properties") if isinstance(crs, dict) else None
    if isinstance(properties, dict):
        code = properties.get("code")
        if str(crs.get("type") or "").upper() == "EPSG" and isinstance(code, int):
            return code
        name = str(properties.get("name", ""))
        if _CRS84_RE.search(name):
            return WGS84
        if match := _EPSG_RE.search(name):
            return int(match.group(1))
    raise SnapshotFileError(ERROR_CRS_UNKNOWN % {"crs": json.dumps(crs, ensure_ascii=False)})


def _wgs84() -> SpatialReference:
    return SpatialReference(WGS84)


@contextlib.contextmanager
def _quiet_geos() -> Iterator[None]:
    """Silence GEOS notices on the log: the report names each bad geometry and its feature."""
    logger = logging.getLogger("django.contrib.gis")
    previous = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = previous


def _record(
    index: int,
    feature: Any,
    mapping: SnapshotMapping,
    srid: int,
    to_wgs84: CoordTransform | None,
    issues: list[Issue],
) -> SnapshotRecord:
    def repair(code: str, reason: Any) -> None:
        issues.append(Issue(index, code, str(reason)))

    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise _Rejected("not_feature", REJECT_NOT_FEATURE)
    geom = _geometry(feature.get("geometry"), srid, to_wgs84, repair)

    raw = feature.get("properties")
    if not isinstance(raw, dict):
        repair("null_properties", REPAIR_NULL_PROPERTIES)
        raw = {}
    properties = {}
    for key, value in raw.items():
        if isinstance(value, str) and (fixed := ftfy.fix_text(value, _FTFY_CONFIG)) != value:
            repair("mojibake", REPAIR_MOJIBAKE % {"key": key, "before": value, "after": fixed})
            value = fixed
        properties[key] = value
    lookup = _Lookup(properties, repair)

    id_parts = [_as_text(lookup.get(name)) for name in mapping.id_fields]
    if any(id_parts):
        external_id = ID_SEPARATOR.join(id_parts)
        if len(external_id) > ID_MAX:
            raise _Rejected("id_too_long", REJECT_ID_TOO_LONG % {"max": ID_MAX})
        name_fallback = str(NAME_FROM_ID % {"id": external_id})
    else:
        fields = ", ".join(f"“{name}”" for name in mapping.id_fields)
        repair("no_id", REPAIR_NO_ID % {"fields": fields})
        external_id = "geom-" + hashlib.sha256(bytes(geom.wkb)).hexdigest()[:24]
        name_fallback = str(NAME_FROM_INDEX % {"index": index})

    name = _name(lookup, mapping)
    if not name:
        name = name_fallback
        repair("no_name", REPAIR_NO_NAME % {"name": name})
    if len(name) > NAME_MAX:
        name = name[: NAME_MAX - 1].rstrip() + "…"
        repair("name_truncated", REPAIR_NAME_TRUNCATED % {"max": NAME_MAX})

    kind, source_kind = _mapped(
        lookup,
        mapping.kind_field,
        mapping.kind_map,
        K.OTHER,
        (REPAIR_NO_KIND, REPAIR_UNKNOWN_KIND),
        repair,
    )
    status, source_status = _mapped(
        lookup,
        mapping.status_field,
        mapping.status_map,
        S.PLANNED,
        (REPAIR_NO_STATUS, REPAIR_UNKNOWN_STATUS),
        repair,
    )
    opened_on = None
    if mapping.opened_field:
        opened_on = _date(lookup.get(mapping.opened_field), mapping.opened_field, repair)
        if opened_on in mapping.ignore_dates:
            opened_on = None
    commune = mapping.default_commune
    if mapping.commune_field:
        commune = _as_text(lookup.get(mapping.commune_field)) or commune
    return SnapshotRecord(
        index=index,
        external_id=external_id,
        name=name,
        kind=kind,
        status=status,
        geom=geom,
        opened_on=opened_on,
        commune=commune[:COMMUNE_MAX],
        properties=properties,
        source_kind=source_kind,
        source_status=source_status,
    )


class _Lookup:
    """Case-insensitive access to a feature's properties, reporting keys matched despite case."""

    def __init__(self, properties: dict[str, Any], repair: Repair) -> None:
        self._by_key: dict[str, tuple[str, Any]] = {}
        for key, value in properties.items():
            folded = key.casefold()
            # "Nom": null beside "nom": "X" must not hide the value.
            if folded not in self._by_key or self._by_key[folded][1] is None:
                self._by_key[folded] = (key, value)
        self._repair = repair
        self._reported: set[str] = set()

    def get(self, wanted: str) -> Any:
        found, value = self._by_key.get(wanted.casefold(), (wanted, None))
        if found != wanted and wanted not in self._reported:
            self._reported.add(wanted)
            self._repair("key_case", REPAIR_KEY_CASE % {"found": found, "wanted": wanted})
        return value


def _as_text(value: Any) -> str:
    """A property value as one line of text; "" for null. 3.0 reads as "3", like 3."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return " ".join(text.split())


_PLACEHOLDER_RE = re.compile(r"\{([^{}]+)\}")


def _name(lookup: _Lookup, mapping: SnapshotMapping) -> str:
    if mapping.name_template:
        values = {
            key: _as_text(lookup.get(key)) for key in _PLACEHOLDER_RE.findall(mapping.name_template)
        }
        if all(values.values()):
            # Plain substitution, not str.format: the template comes from the command line.
            return _PLACEHOLDER_RE.sub(lambda m: values[m.group(1)], mapping.name_template)
    if mapping.name_field:
        return _as_text(lookup.get(mapping.name_field))
    return ""


def _mapped(
    lookup: _Lookup,
    field_name: str | None,
    value_map: Mapping[str, str],
    default: str,
    messages: tuple[Any, Any],
    repair: Repair,
) -> tuple[str, str]:
    """(our value, the source's value) for a mapped property."""
    if not field_name:
        return default, ""
    no_value, unknown_value = messages
    value = _as_text(lookup.get(field_name))
    if not value:
        repair("no_value", no_value % {"default": default})
        return default, ""
    mapped = value_map.get(_normalise(value))
    if mapped is None:
        repair("unknown_value", unknown_value % {"value": value, "default": default})
        return default, value
    return mapped, value


_FRENCH_DATE_RE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})$")


def _date(value: Any, key: str, repair: Repair) -> dt.date | None:
    """ISO date (or date-time: its date) or French DD/MM/YYYY; None if absent or unreadable."""
    text = _as_text(value)
    if not text:
        return None
    try:
        if match := _FRENCH_DATE_RE.match(text):
            day, month, year = (int(part) for part in match.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        repair("bad_date", REPAIR_BAD_DATE % {"value": text, "key": key})
        return None


# --- Geometry ----------------------------------------------------------------------------------


def _geometry(
    data: Any, srid: int, to_wgs84: CoordTransform | None, repair: Repair
) -> GEOSGeometry:
    """A valid line or polygon in SRID 4326 from a GeoJSON geometry; raise `_Rejected`."""
    if data is None:
        raise _Rejected("no_geometry", REJECT_NO_GEOMETRY)
    if not isinstance(data, dict):
        raise _Rejected("bad_coordinates", REJECT_BAD_COORDINATES)
    kind = data.get("type")
    coordinates = data.get("coordinates")
    if kind in {"Point", "MultiPoint"}:
        raise _Rejected("point", REJECT_POINT % {"type": kind})
    builders = {
        "LineString": lambda c: _multi_lines([c], repair, single=True),
        "MultiLineString": lambda c: _multi_lines(c, repair, single=False),
        "Polygon": lambda c: _multi_polygons([c], repair, single=True),
        "MultiPolygon": lambda c: _multi_polygons(c, repair, single=False),
    }
    if kind not in builders:
        raise _Rejected("geometry_type", REJECT_GEOMETRY_TYPE % {"type": kind})
    if not isinstance(coordinates, list):
        raise _Rejected("bad_coordinates", REJECT_BAD_COORDINATES)
    if not coordinates:
        raise _Rejected("empty_geometry", REJECT_EMPTY_GEOMETRY)
    geom = builders[kind](coordinates)
    geom.srid = srid
    if srid == WGS84:
        x_min, y_min, x_max, y_max = geom.extent
        if x_min < -180 or x_max > 180 or y_min < -90 or y_max > 90:
            raise _Rejected(
                "not_lonlat", REJECT_NOT_LONLAT % {"x": f"{x_min:.6g}", "y": f"{y_min:.6g}"}
            )
    elif to_wgs84 is not None:
        try:
            geom.transform(to_wgs84)
        except (GDALException, GEOSException) as exc:
            raise _Rejected("transform", REJECT_TRANSFORM % {"error": exc}) from None
        geom.srid = WGS84
    if not geom.valid:
        reason = geom.valid_reason
        geom = _usable_part(geom.make_valid(), geom.dims)
        if geom is None or not geom.valid:
            raise _Rejected("unrepairable", REJECT_UNREPAIRABLE % {"reason": reason})
        repair("invalid_geometry", REPAIR_INVALID_GEOMETRY % {"reason": reason})
    return geom


def _positions(data: Any) -> list[tuple[float, float]]:
    """2D positions from a GeoJSON position list (a third coordinate is dropped)."""
    if not isinstance(data, list):
        raise _Rejected("bad_coordinates", REJECT_BAD_COORDINATES)
    positions = []
    for position in data:
        if (
            not isinstance(position, list)
            or len(position) < 2
            or not all(
                isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c)
                for c in position[:2]
            )
        ):
            raise _Rejected("bad_coordinates", REJECT_BAD_COORDINATES)
        positions.append((float(position[0]), float(position[1])))
    return positions


def _multi_lines(parts: list[Any], repair: Repair, *, single: bool) -> GEOSGeometry:
    lines, dropped = [], 0
    for part in parts:
        positions = _positions(part)
        if len(set(positions)) < 2:
            dropped += 1
        else:
            lines.append(LineString(positions))
    if not lines:
        if all(not part for part in parts):
            raise _Rejected("empty_geometry", REJECT_EMPTY_GEOMETRY)
        raise _Rejected("degenerate", REJECT_DEGENERATE_LINE)
    if dropped:
        repair("dropped_parts", REPAIR_DROPPED_PARTS % {"count": dropped})
    return lines[0] if single else MultiLineString(lines)


def _multi_polygons(parts: list[Any], repair: Repair, *, single: bool) -> GEOSGeometry:
    polygons, dropped, closed = [], 0, False
    for part in parts:
        if not isinstance(part, list) or not part:
            dropped += 1
            continue
        rings = []
        for ring_data in part:
            positions = _positions(ring_data)
            if len(positions) >= 3 and positions[0] != positions[-1]:
                positions.append(positions[0])
                closed = True
            if len(positions) < 4:
                if not rings:  # the exterior ring: the polygon is lost
                    break
                dropped += 1
                continue
            rings.append(LinearRing(positions))
        if rings:
            polygons.append(Polygon(*rings))
        else:
            dropped += 1
    if not polygons:
        if all(not part or part == [[]] for part in parts):
            raise _Rejected("empty_geometry", REJECT_EMPTY_GEOMETRY)
        raise _Rejected("degenerate", REJECT_DEGENERATE_POLYGON)
    if closed:
        repair("ring_closed", REPAIR_RING_CLOSED)
    if dropped:
        repair("dropped_parts", REPAIR_DROPPED_PARTS % {"count": dropped})
    return polygons[0] if single else MultiPolygon(polygons)


def _usable_part(geom: GEOSGeometry, dims: int) -> GEOSGeometry | None:
    """The parts of `geom` of dimension `dims` (1 lines, 2 polygons), as one (multi) geometry.

    `make_valid` turns a bow-tie into a multipolygon but may add the lines or points that
    collapsed; those are dropped rather than mixed into a collection the model refuses.
    """
    parts = []

    def collect(g: GEOSGeometry) -> None:
        if g.geom_type in {"MultiLineString", "MultiPolygon", "GeometryCollection"}:
            for sub in g:
                collect(sub)
        elif g.dims == dims and not g.empty:
            parts.append(g)

    collect(geom)
    if not parts:
        return None
    if len(parts) == 1:
        result = parts[0].clone()
    elif dims == 1:
        result = MultiLineString(parts)
    else:
        result = MultiPolygon(parts)
    result.srid = geom.srid
    return result
