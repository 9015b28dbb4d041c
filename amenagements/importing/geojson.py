"""Step 1 of an import: read a GeoJSON file into clean records and a report. No database.

See the package docstring for the rules. This module reads the document (JSON, a
FeatureCollection or a Feature, its declared CRS) and makes each feature a record: identifier,
name (built when missing, shortened when too long), kind, status, opening date and commune.
The text and the properties' values are read by `properties`, the geometry by `geometry`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib.gis.gdal import CoordTransform
from django.contrib.gis.geos import GEOSGeometry
from django.utils.translation import gettext_lazy as _

from amenagements.importing.geometry import WGS84, geometry_parse, geos_quiet, wgs84_transform
from amenagements.importing.properties import (
    PropertyLookup,
    SnapshotMapping,
    as_text,
    date_read,
    mapped_read,
    mojibake_fix,
    name_read,
    text_decode,
)
from amenagements.importing.report import Issue, Rejected, SnapshotFileError
from amenagements.models import Amenagement, Commune

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

# --- Report lines -------------------------------------------------------------------------------
# Rejections.
REJECT_NOT_FEATURE = _("not a GeoJSON Feature")
REJECT_ID_TOO_LONG = _("identifier longer than %(max)s characters")
REJECT_DUPLICATE_ID = _("identifier “%(id)s” already seen at feature #%(first)s")

# Repairs.
REPAIR_NULL_PROPERTIES = _("no properties (null): read as empty")
REPAIR_NO_ID = _("no identifier in %(fields)s: identified by its geometry")
REPAIR_ID_NOT_UNIQUE = _(
    "%(fields)s is not an identifier: “%(value)s” names different geometries (features "
    "#%(first)s and #%(other)s). Every feature is identified by its geometry instead; give the "
    "identifier property with --id-field if the file has one."
)
REPAIR_NO_NAME = _("no name: named “%(name)s”")
REPAIR_NAME_TRUNCATED = _("name shortened to %(max)s characters")
REPAIR_UNKNOWN_KIND = _("unknown kind “%(value)s”: “%(default)s” used")
REPAIR_NO_KIND = _("no kind: “%(default)s” used")
REPAIR_UNKNOWN_STATUS = _("unknown status “%(value)s”: “%(default)s” used")
REPAIR_NO_STATUS = _("no status: “%(default)s” used")

NAME_FROM_ID = _("Unnamed (%(id)s)")
NAME_FROM_INDEX = _("Unnamed (#%(index)s)")

# The lengths of the model's text fields (each has one).
NAME_MAX = cast(int, Amenagement._meta.get_field("name").max_length)
ID_MAX = cast(int, Amenagement._meta.get_field("external_id").max_length)
COMMUNE_MAX = cast(int, Commune._meta.get_field("name").max_length)
ID_SEPARATOR = " | "

K = Amenagement.Kind
S = Amenagement.Status


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
    first_seen: dt.date | None = None
    last_seen: dt.date | None = None
    commune: str = ""
    properties: dict[str, Any] = field(default_factory=dict)
    # The source's own words, quoted in event descriptions.
    source_kind: str = ""
    source_status: str = ""
    # A stretch several lines share (`importing.stretches`): the other lines' identifiers, and
    # the names of every feature it stands for (empty for a feature of its own).
    shared_ids: tuple[str, ...] = ()
    stretch_names: tuple[str, ...] = ()


@dataclass
class ParseResult:
    """The records read, the features rejected and repaired, and how the file was read."""

    records: list[SnapshotRecord]
    rejected: list[Issue]
    repaired: list[Issue]
    feature_count: int
    srid: int
    encoding: str


def snapshot_parse(*, data: bytes, mapping: SnapshotMapping) -> ParseResult:
    """Read a GeoJSON file's bytes into clean records and a report (see the package docstring).

    Raises `SnapshotFileError` when the file as a whole is unusable.
    """
    repaired: list[Issue] = []
    text, encoding = text_decode(data, repaired)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SnapshotFileError(
            ERROR_NOT_JSON % {"error": exc.msg, "line": exc.lineno, "column": exc.colno}
        ) from None
    features = _features(document)
    srid = mapping.srid or _declared_srid(document)
    to_wgs84 = wgs84_transform(srid)

    records: list[SnapshotRecord] = []
    rejected: list[Issue] = []
    first_seen: dict[str, int] = {}
    with geos_quiet():
        by_geometry = _id_not_unique(features, mapping, srid, to_wgs84)
        if by_geometry is not None:
            repaired.append(by_geometry)
            mapping = dataclasses.replace(mapping, id_fields=())
        for index, feature in enumerate(features):
            issues: list[Issue] = []
            try:
                record = _record(index, feature, mapping, srid, to_wgs84, issues)
                if record.external_id in first_seen:
                    raise Rejected(
                        "duplicate_id",
                        REJECT_DUPLICATE_ID
                        % {"id": record.external_id, "first": first_seen[record.external_id]},
                    )
            except Rejected as rejection:
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


def _id_not_unique(
    features: list[Any], mapping: SnapshotMapping, srid: int, to_wgs84: CoordTransform | None
) -> Issue | None:
    """The report line saying the identifier property is not one — if its values are at most
    half as many as the features that have one, and one of them names different geometries
    (a category code in `ID`, say) —; else None.

    A value repeated now and then among identifiers is a mistake in the file: that feature is
    rejected as a duplicate, naming the first. The same value for the same geometry is a
    feature repeated, rejected too. A cheap first pass: the geometries are read only for the
    values that repeat, and only if the values are few."""
    first: dict[str, int] = {}
    repeated: dict[str, list[int]] = {}
    for index, feature in enumerate(features):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(properties, dict):
            continue
        lookup = PropertyLookup(properties, lambda code, reason: None)
        value = ID_SEPARATOR.join(as_text(lookup.get(name)) for name in mapping.id_fields)
        if not value.strip(ID_SEPARATOR):
            continue
        if value in first:
            repeated.setdefault(value, [first[value]]).append(index)
        else:
            first[value] = index
    valued = len(first) + sum(len(indexes) - 1 for indexes in repeated.values())
    if len(first) * 2 > valued:
        return None
    for value, indexes in repeated.items():
        shapes: dict[bytes, int] = {}
        for index in indexes:
            try:
                geom = geometry_parse(
                    features[index].get("geometry"), srid, to_wgs84, lambda code, reason: None
                )
            except Rejected:
                continue
            shapes.setdefault(bytes(geom.wkb), index)
            if len(shapes) > 1:
                first_index, other = sorted(shapes.values())[:2]
                fields = ", ".join(f"“{name}”" for name in mapping.id_fields)
                return Issue(
                    None,
                    "id_not_unique",
                    str(
                        REPAIR_ID_NOT_UNIQUE
                        % {"fields": fields, "value": value, "first": first_index, "other": other}
                    ),
                )
    return None


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
        raise Rejected("not_feature", REJECT_NOT_FEATURE)
    geom = geometry_parse(feature.get("geometry"), srid, to_wgs84, repair)

    raw = feature.get("properties")
    if not isinstance(raw, dict):
        repair("null_properties", REPAIR_NULL_PROPERTIES)
        raw = {}
    properties = mojibake_fix(raw, repair)
    lookup = PropertyLookup(mapping.derive(properties) if mapping.derive else properties, repair)

    # No identifier fields: identified by geometry, said once for the file (`_id_not_unique`).
    id_parts = [as_text(lookup.get(name)) for name in mapping.id_fields]
    if any(id_parts):
        external_id = ID_SEPARATOR.join(id_parts)
        if len(external_id) > ID_MAX:
            raise Rejected("id_too_long", REJECT_ID_TOO_LONG % {"max": ID_MAX})
        name_fallback = str(NAME_FROM_ID % {"id": external_id})
    else:
        if mapping.id_fields:
            fields = ", ".join(f"“{name}”" for name in mapping.id_fields)
            repair("no_id", REPAIR_NO_ID % {"fields": fields})
        external_id = "geom-" + hashlib.sha256(bytes(geom.wkb)).hexdigest()[:24]
        name_fallback = str(NAME_FROM_INDEX % {"index": index})

    name = name_read(lookup, mapping)
    if not name:
        name = name_fallback
        repair("no_name", REPAIR_NO_NAME % {"name": name})
    if len(name) > NAME_MAX:
        name = name[: NAME_MAX - 1].rstrip() + "…"
        repair("name_truncated", REPAIR_NAME_TRUNCATED % {"max": NAME_MAX})

    kind, source_kind = mapping.kind, ""
    status, source_status = mapping.status, ""
    if kind is None:
        kind, source_kind = mapped_read(
            lookup,
            mapping.kind_field,
            mapping.kind_map,
            K.OTHER,
            (REPAIR_NO_KIND, REPAIR_UNKNOWN_KIND),
            repair,
        )
    if status is None:
        status, source_status = mapped_read(
            lookup,
            mapping.status_field,
            mapping.status_map,
            S.PLANNED,
            (REPAIR_NO_STATUS, REPAIR_UNKNOWN_STATUS),
            repair,
        )
    opened_on = None
    if mapping.opened_field:
        opened_on = date_read(lookup.get(mapping.opened_field), mapping.opened_field, repair)
        if opened_on in mapping.ignore_dates:
            opened_on = None
    first_seen, last_seen = (
        date_read(lookup.get(name), name, repair) if name else None
        for name in (mapping.first_seen_field, mapping.last_seen_field)
    )
    commune = mapping.default_commune
    if mapping.commune_field:
        commune = as_text(lookup.get(mapping.commune_field)) or commune
    return SnapshotRecord(
        index=index,
        external_id=external_id,
        name=name,
        kind=kind,
        status=status,
        geom=geom,
        opened_on=opened_on,
        first_seen=first_seen,
        last_seen=last_seen,
        commune=commune[:COMMUNE_MAX],
        properties=properties,
        source_kind=source_kind,
        source_status=source_status,
    )
