"""GeoJSON import: messy files are read with a report, and the good features get in.

The crafted files in `data/` hold one kind of mess each; report lines are compared with the
modules' message constants, so the tests hold in any language. The helpers here are shared by
the other `test_importing_*` modules.
"""

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.contrib.gis.geos import LineString
from django.core.management import CommandError, call_command

from amenagements.importing import (
    Issue,
    SnapshotFileError,
    SnapshotMapping,
    geojson,
    properties,
    report,
    snapshot,
    snapshot_parse,
)
from amenagements.models import Adaptation, Amenagement, AmenagementVersion

DATA = Path(__file__).parent / "data"
SOURCE = "test-network"
AS_OF = dt.date(2024, 10, 1)
LATER = dt.date(2026, 8, 1)

# The lines of the crafted files (data/*.geojson), in SRID 4326.
L1 = LineString((4.8320, 45.7600), (4.8360, 45.7600), srid=4326)  # about 311 m
L2 = LineString((4.8400, 45.7650), (4.8440, 45.7660), srid=4326)
L3 = LineString((4.8500, 45.7700), (4.8520, 45.7730), srid=4326)


def run_import(filename: str, *args: str, as_of: dt.date = AS_OF) -> str:
    out = io.StringIO()
    call_command(
        "import_amenagements",
        str(DATA / filename),
        "--source",
        SOURCE,
        "--as-of",
        as_of.isoformat(),
        *args,
        stdout=out,
    )
    return out.getvalue()


def feature_line(index: int, reason) -> str:
    return str(report.REPORT_FEATURE % {"index": index, "reason": reason})


def imported() -> dict[str, Amenagement]:
    return {a.external_id: a for a in Amenagement.objects.filter(external_source=SOURCE)}


def history() -> tuple[int, int]:
    return Adaptation.objects.count(), AmenagementVersion.objects.count()


# --- Text and properties: each mess is reported with the feature's number ---------------------


@pytest.mark.django_db
def test_null_properties_are_read_as_empty_and_the_feature_kept():
    output = run_import("null_properties.geojson")

    assert feature_line(1, geojson.REPAIR_NULL_PROPERTIES) in output
    arrangements = imported()
    assert {"a", "c"} <= arrangements.keys()
    (unnamed,) = (a for key, a in arrangements.items() if key not in {"a", "c"})
    assert unnamed.name == str(geojson.NAME_FROM_INDEX % {"index": 1})
    assert unnamed.external_id.startswith("geom-")
    assert unnamed.geom.equals_exact(L2, 1e-9)


@pytest.mark.django_db
def test_null_properties_feature_matches_itself_on_reimport():
    run_import("null_properties.geojson")
    before = history()

    run_import("null_properties.geojson")

    assert history() == before
    assert Amenagement.objects.filter(external_source=SOURCE).count() == 3


@pytest.mark.django_db
def test_property_names_match_whatever_their_case():
    output = run_import(
        "mixed_case_keys.geojson",
        "--name-field",
        "name",
        "--status-field",
        "status",
        "--kind-field",
        "kind",
    )

    assert feature_line(0, properties.REPAIR_KEY_CASE % {"found": "Name", "wanted": "name"}) in (
        output
    )
    assert feature_line(0, properties.REPAIR_KEY_CASE % {"found": "ID", "wanted": "id"}) in output
    assert "#1" not in output  # the lower-case feature has nothing to report
    a, b = imported()["a"], imported()["b"]
    assert (a.name, a.status, a.kind) == ("Rue A", "permanent", "bike_lane")
    assert (b.name, b.status, b.kind) == ("Rue B", "testing", "school_street")


@pytest.mark.django_db
def test_missing_names_are_built_from_the_id_or_the_feature_number():
    output = run_import("missing_name.geojson")

    named_by_id = str(geojson.NAME_FROM_ID % {"id": "B-2"})
    named_by_index = str(geojson.NAME_FROM_INDEX % {"index": 2})
    assert feature_line(1, geojson.REPAIR_NO_NAME % {"name": named_by_id}) in output
    assert feature_line(2, geojson.REPAIR_NO_NAME % {"name": named_by_index}) in output
    names = sorted(a.name for a in imported().values())
    assert names == sorted(["Rue A", named_by_id, named_by_index])


@pytest.mark.django_db
def test_windows_1252_file_is_read_and_reported():
    output = run_import("cp1252.geojson")

    position = (DATA / "cp1252.geojson").read_bytes().index(b"\xe9")
    expected = report.REPORT_FILE % {
        "reason": properties.REPAIR_NOT_UTF8 % {"byte": 0xE9, "position": position}
    }
    assert str(expected) in output
    assert imported()["a"].name == "Rue de la République"
    assert imported()["b"].name == "Quai Saint-Antoine"


@pytest.mark.django_db
def test_mojibake_is_fixed_and_reported():
    output = run_import("mojibake.geojson")

    reason = properties.REPAIR_MOJIBAKE % {
        "key": "name",
        "before": "Rue de la RÃ©publique",
        "after": "Rue de la République",
    }
    assert feature_line(0, reason) in output
    assert imported()["a"].name == "Rue de la République"
    assert imported()["a"].source_properties["name"] == "Rue de la République"
    assert imported()["b"].name == "Rue Émile Zola"  # correct text is left alone
    assert "#1" not in output


def test_unknown_kind_and_status_fall_back_and_are_reported():
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": 1, "name": "X", "genre": "soucoupe", "etat": "Supprimé"},
                "geometry": {"type": "LineString", "coordinates": [[4.83, 45.76], [4.84, 45.76]]},
            }
        ],
    }
    mapping = SnapshotMapping(kind_field="genre", status_field="etat")

    parsed = snapshot_parse(data=json.dumps(document).encode(), mapping=mapping)

    (result,) = parsed.records
    assert (result.kind, result.status) == ("other", "removed")
    assert parsed.repaired == [
        Issue(
            0,
            "unknown_value",
            str(geojson.REPAIR_UNKNOWN_KIND % {"value": "soucoupe", "default": "other"}),
        )
    ]


def test_command_line_maps_override_the_built_in_ones():
    kind_map = properties.value_map_parse(
        text="Aucun=pedestrian_street, Zone 30=other", choices=Amenagement.Kind.values
    )

    assert kind_map == {"aucun": "pedestrian_street", "zone 30": "other"}
    with pytest.raises(SnapshotFileError):
        properties.value_map_parse(text="aucun=rocket", choices=Amenagement.Kind.values)


# --- The document: JSON, GeoJSON type, declared CRS, identifiers -------------------------------


@pytest.mark.django_db
def test_later_duplicate_id_is_rejected_naming_the_first():
    output = run_import("duplicate_ids.geojson")

    assert feature_line(2, geojson.REJECT_DUPLICATE_ID % {"id": "a", "first": 0}) in output
    assert set(imported()) == {"a", "b"}
    assert imported()["a"].name == "Rue A"


@pytest.mark.django_db
def test_an_id_property_that_is_a_category_code_falls_back_to_geometry_ids():
    # "ID" is 1 or 2 for four features: a category code, not an identifier. The fourth
    # feature repeats the third exactly: rejected as a duplicate of it.
    output = run_import("category_ids.geojson", "--name-field", "nom")

    first = imported()
    assert sorted(a.name for a in first.values()) == ["Quai A", "Quai B", "Rue C"]
    assert all(external_id.startswith("geom-") for external_id in first)
    warning = geojson.REPAIR_ID_NOT_UNIQUE % {
        "fields": "“id”",
        "value": "1",
        "first": 0,
        "other": 1,
    }
    assert str(report.REPORT_FILE % {"reason": warning}) in output
    rue_c = next(external_id for external_id, a in first.items() if a.name == "Rue C")
    repeat = geojson.REJECT_DUPLICATE_ID % {"id": rue_c, "first": 2}
    assert feature_line(3, repeat) in output
    # The same file again matches every arrangement: nothing new, nothing removed.
    assert history() == (3, 3)
    run_import("category_ids.geojson", "--name-field", "nom", as_of=LATER)
    assert (set(imported()), history()) == (set(first), (3, 3))


@pytest.mark.django_db
def test_a_whole_file_can_be_given_its_kind_and_status():
    run_import(
        "category_ids.geojson", "--kind", "bike_lane", "--status", "removed", "--id-field", ""
    )

    assert {(a.kind, a.status) for a in imported().values()} == {("bike_lane", "removed")}


HISTORY = ("--status-field", "statut", "--first-seen-field", "premiere_vue")


@pytest.mark.django_db
def test_a_feature_last_seen_before_the_file_is_imported_as_removed_that_day():
    # The file's latest "last seen" is 2024-09-30: its own date. Rue B was last seen in 2022:
    # it disappeared then. Rue C, a day earlier than the file, disappeared too.
    run_import("history.geojson", *HISTORY, "--last-seen-field", "derniere_vue")

    events = {
        a.external_id: [(e.date, e.kind) for e in a.adaptations.order_by("date", "pk")]
        for a in imported().values()
    }
    assert events == {
        "a": [(dt.date(2020, 5, 11), Adaptation.Kind.CREATED)],
        "b": [
            (dt.date(2020, 6, 2), Adaptation.Kind.CREATED),
            (dt.date(2022, 3, 15), Adaptation.Kind.REMOVED),
        ],
        "c": [
            (dt.date(2021, 1, 4), Adaptation.Kind.CREATED),
            (dt.date(2024, 9, 29), Adaptation.Kind.REMOVED),
        ],
    }
    assert {k: a.status for k, a in imported().items()} == {
        "a": Amenagement.Status.PERMANENT,
        "b": Amenagement.Status.REMOVED,
        "c": Amenagement.Status.REMOVED,
    }


@pytest.mark.django_db
def test_a_known_arrangement_last_seen_before_the_file_is_removed_the_day_it_was_last_seen():
    run_import("history.geojson", *HISTORY, as_of=dt.date(2020, 12, 31))  # no last-seen field
    assert imported()["b"].status == Amenagement.Status.TESTING

    run_import("history.geojson", *HISTORY, "--last-seen-field", "derniere_vue")

    removal = imported()["b"].adaptations.get(kind=Adaptation.Kind.REMOVED)
    assert removal.date == dt.date(2022, 3, 15)
    assert imported()["a"].status == Amenagement.Status.PERMANENT
    # Importing the same history again changes nothing.
    before = history()
    run_import("history.geojson", *HISTORY, "--last-seen-field", "derniere_vue", as_of=LATER)
    assert history() == before
    assert "2022-03-15" in removal.description


@pytest.mark.django_db
def test_files_sharing_segments_record_no_false_changes_when_imported_one_by_one():
    # A network published one file per line; the quay is on both lines, and the files
    # disagree about it. Two snapshots, each imported file by file.
    options = ("--partial", "--status-field", "statut")
    for as_of in (AS_OF, LATER):
        run_import("line_1.geojson", *options, as_of=as_of)
        output = run_import("line_2.geojson", *options, as_of=as_of)

    quai = imported()["quai"]
    assert (quai.name, quai.status) == ("Quai (lignes 1 et 2)", Amenagement.Status.TESTING)
    assert list(quai.adaptations.values_list("kind", flat=True)) == [Adaptation.Kind.CREATED]
    assert set(imported()) == {"quai", "rue-a", "rue-b"}
    shared = snapshot.REPORT_SHARED % {"name": quai.name, "file": "line_1.geojson"}
    assert feature_line(0, shared) in output


@pytest.mark.django_db
def test_malformed_json_stops_the_import_naming_line_and_column():
    with pytest.raises(CommandError) as exc_info:
        run_import("malformed.geojson")

    expected = geojson.ERROR_NOT_JSON % {
        "error": "Expecting ',' delimiter",
        "line": 3,
        "column": 38,
    }
    assert str(exc_info.value) == str(expected)
    assert not Amenagement.objects.exists()


@pytest.mark.parametrize(
    ("document", "kind"),
    [
        ({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, "LineString"),
        ([1, 2, 3], "list"),
    ],
)
def test_json_that_is_not_a_feature_collection_is_refused(document, kind):
    with pytest.raises(SnapshotFileError) as exc_info:
        snapshot_parse(data=json.dumps(document).encode(), mapping=SnapshotMapping())

    assert str(exc_info.value) == str(geojson.ERROR_NOT_GEOJSON % {"type": kind})


def test_unknown_crs_is_refused():
    document = {"type": "FeatureCollection", "crs": {"type": "link"}, "features": []}

    with pytest.raises(SnapshotFileError) as exc_info:
        snapshot_parse(data=json.dumps(document).encode(), mapping=SnapshotMapping())

    assert "link" in str(exc_info.value)


@pytest.mark.parametrize(
    "name", ["urn:ogc:def:crs:EPSG::2154", "EPSG:2154", "urn:ogc:def:crs:EPSG:6.3:2154"]
)
def test_legacy_crs_names_are_understood(name):
    document = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": name}},
        "features": [],
    }

    assert (
        snapshot_parse(data=json.dumps(document).encode(), mapping=SnapshotMapping()).srid == 2154
    )
