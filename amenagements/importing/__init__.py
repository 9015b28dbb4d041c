"""Import arrangements from a GeoJSON snapshot of a network, in two steps.

1. `snapshot_parse` (pure: no database) reads a file's bytes into clean `SnapshotRecord`s and a
   report of every feature it rejected or repaired, with its 0-based index and the reason.
   Messy data never stops the import; only a file that is not JSON, not a GeoJSON
   FeatureCollection/Feature or declares an unknown CRS raises `SnapshotFileError`.
   - Text: UTF-8 (with or without BOM); anything else is read as Windows-1252 and reported.
     Mojibake inside strings ("Ã©") is fixed with ftfy and reported.
   - Coordinates: WGS 84 (RFC 7946), or the CRS the file declares (legacy `crs` member), or the
     SRID forced by the caller; always transformed to SRID 4326 and flattened to 2D.
   - Geometries: lines and polygons (multi or not). Points, collections, empty, null and
     degenerate geometries (a line with a single point, a ring of fewer than 4 positions) are
     rejected. Invalid ones are repaired with GEOS `make_valid`, keeping only the parts of the
     original dimension; rejected if nothing usable remains.
   - Properties are matched case-insensitively; `null` properties are read as empty.
   - The identifier is one property or several (a composite key, `--id-field a,b`); a feature
     without one is identified by a hash of its geometry, so re-importing the same file still
     matches it. A later feature with an identifier already seen is rejected — unless the
     "identifier" gives one value to different geometries (a category code in `ID`): it is no
     identifier then, and every feature is identified by its geometry, reported once.
   - Kind and status values go through maps (built-in ones for common French and Lyon values,
     overridable); an unknown or missing value falls back to "other" / "planned", reported.
     A whole file can be given one kind and one status (`--kind`, `--status`: a file of removed
     lanes), whatever its properties say.
2. `amenagements_import_snapshot` (a service) makes the database agree with the snapshot; see
   its docstring for the rules. It writes only through `amenagements.services`, so every change
   is a dated adaptation with `origin=import`, except name and bookkeeping details.

Modules: `geojson` (step 1: the document, and each feature made a record), `properties` (the
file's encoding and the properties' values), `geometry` (checks, repair, WGS 84), `report`
(report lines and the file error), `snapshot` (step 2), `cyclables` (the national *schéma des
aménagements cyclables*, read without options).
"""

from amenagements.importing.geojson import ParseResult, SnapshotRecord, snapshot_parse
from amenagements.importing.properties import (
    KIND_MAP,
    STATUS_MAP,
    SnapshotMapping,
    dates_parse,
    value_map_parse,
)
from amenagements.importing.report import Issue, SnapshotFileError
from amenagements.importing.snapshot import ImportResult, amenagements_import_snapshot

__all__ = [
    "KIND_MAP",
    "STATUS_MAP",
    "ImportResult",
    "Issue",
    "ParseResult",
    "SnapshotFileError",
    "SnapshotMapping",
    "SnapshotRecord",
    "amenagements_import_snapshot",
    "dates_parse",
    "snapshot_parse",
    "value_map_parse",
]
