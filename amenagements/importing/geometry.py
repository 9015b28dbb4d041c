"""A feature's geometry: checked, repaired and transformed to WGS 84, or rejected.

- Only lines and polygons (multi or not) are arrangements. Points, collections and unknown
  types are rejected; so are a null geometry, empty coordinates and malformed positions
  (not a list of at least two finite numbers).
- Positions are read in 2D: a third coordinate is dropped.
- Degenerate parts are dropped and reported: a line with fewer than two distinct points, a
  polygon whose exterior ring has fewer than four positions (its holes go with it), a hole of
  fewer than four positions. A ring of three positions or more that is not closed is closed,
  and reported. A geometry with no part left is rejected.
- Coordinates said to be WGS 84 must be longitude/latitude; others are transformed to SRID
  4326, and rejected if they cannot be.
- An invalid geometry is repaired with GEOS `make_valid`, keeping only the parts of its own
  dimension; rejected if nothing valid remains.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Iterator
from typing import Any

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

from amenagements.importing.report import Rejected, Repair, SnapshotFileError

ERROR_SRID_UNKNOWN = _("Unknown SRID %(srid)s.")

# Rejections.
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

# Repairs.
REPAIR_INVALID_GEOMETRY = _("invalid geometry (%(reason)s) repaired")
REPAIR_DROPPED_PARTS = _("%(count)s degenerate part(s) of the geometry dropped")
REPAIR_RING_CLOSED = _("unclosed polygon ring closed")

WGS84 = 4326


def wgs84_transform(srid: int) -> CoordTransform | None:
    """The transformation from `srid` to WGS 84; None for WGS 84 itself.

    Raises `SnapshotFileError` for an SRID GDAL does not know.
    """
    try:
        return None if srid == WGS84 else CoordTransform(SpatialReference(srid), _wgs84())
    except GDALException:
        raise SnapshotFileError(ERROR_SRID_UNKNOWN % {"srid": srid}) from None


def _wgs84() -> SpatialReference:
    return SpatialReference(WGS84)


@contextlib.contextmanager
def geos_quiet() -> Iterator[None]:
    """Silence GEOS notices on the log: the report names each bad geometry and its feature."""
    logger = logging.getLogger("django.contrib.gis")
    previous = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = previous


def geometry_parse(
    data: Any, srid: int, to_wgs84: CoordTransform | None, repair: Repair
) -> GEOSGeometry:
    """A valid line or polygon in SRID 4326 from a GeoJSON geometry; raise `Rejected`."""
    if data is None:
        raise Rejected("no_geometry", REJECT_NO_GEOMETRY)
    if not isinstance(data, dict):
        raise Rejected("bad_coordinates", REJECT_BAD_COORDINATES)
    kind = data.get("type")
    coordinates = data.get("coordinates")
    if kind in {"Point", "MultiPoint"}:
        raise Rejected("point", REJECT_POINT % {"type": kind})
    builders = {
        "LineString": lambda c: _multi_lines([c], repair, single=True),
        "MultiLineString": lambda c: _multi_lines(c, repair, single=False),
        "Polygon": lambda c: _multi_polygons([c], repair, single=True),
        "MultiPolygon": lambda c: _multi_polygons(c, repair, single=False),
    }
    if kind not in builders:
        raise Rejected("geometry_type", REJECT_GEOMETRY_TYPE % {"type": kind})
    if not isinstance(coordinates, list):
        raise Rejected("bad_coordinates", REJECT_BAD_COORDINATES)
    if not coordinates:
        raise Rejected("empty_geometry", REJECT_EMPTY_GEOMETRY)
    geom = builders[kind](coordinates)
    geom.srid = srid
    if srid == WGS84:
        x_min, y_min, x_max, y_max = geom.extent
        if x_min < -180 or x_max > 180 or y_min < -90 or y_max > 90:
            raise Rejected(
                "not_lonlat", REJECT_NOT_LONLAT % {"x": f"{x_min:.6g}", "y": f"{y_min:.6g}"}
            )
    elif to_wgs84 is not None:
        try:
            geom.transform(to_wgs84)
        except (GDALException, GEOSException) as exc:
            raise Rejected("transform", REJECT_TRANSFORM % {"error": exc}) from None
        geom.srid = WGS84
    if not geom.valid:
        reason = geom.valid_reason
        usable = _usable_part(geom.make_valid(), geom.dims)
        if usable is None or not usable.valid:
            raise Rejected("unrepairable", REJECT_UNREPAIRABLE % {"reason": reason})
        geom = usable
        repair("invalid_geometry", REPAIR_INVALID_GEOMETRY % {"reason": reason})
    return geom


def _positions(data: Any) -> list[tuple[float, float]]:
    """2D positions from a GeoJSON position list (a third coordinate is dropped)."""
    if not isinstance(data, list):
        raise Rejected("bad_coordinates", REJECT_BAD_COORDINATES)
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
            raise Rejected("bad_coordinates", REJECT_BAD_COORDINATES)
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
            raise Rejected("empty_geometry", REJECT_EMPTY_GEOMETRY)
        raise Rejected("degenerate", REJECT_DEGENERATE_LINE)
    if dropped:
        repair("dropped_parts", REPAIR_DROPPED_PARTS % {"count": dropped})
    return lines[0] if single else MultiLineString(lines)


def _multi_polygons(parts: list[Any], repair: Repair, *, single: bool) -> GEOSGeometry:
    polygons, dropped, closed = [], 0, False
    for part in parts:
        if not isinstance(part, list) or not part:
            dropped += 1
            continue
        rings: list[LinearRing] = []
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
            raise Rejected("empty_geometry", REJECT_EMPTY_GEOMETRY)
        raise Rejected("degenerate", REJECT_DEGENERATE_POLYGON)
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
            for sub in g:  # type: ignore[attr-defined]  # collections iterate on their parts
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
