"""GeoJSON import: messy files are read with a report, snapshots sync the database.

The crafted files in `data/` hold one kind of mess each; report lines are compared with the
module's message constants, so the tests hold in any language.
"""

import datetime as dt
import io
import json
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.gis.geos import GEOSGeometry, LineString
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils.translation import gettext

from amenagements.importing import (
    Issue,
    SnapshotMapping,
    SnapshotRecord,
    amenagements_import_snapshot,
    geojson,
    snapshot,
    snapshot_parse,
)
from amenagements.management.commands.load_demo import (
    LYON_ATTRIBUTION,
    LYON_DIR,
    LYON_MAPPING,
    LYON_SOURCE,
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
L1_EXTENDED = LineString((4.8320, 45.7600), (4.8360, 45.7600), (4.8400, 45.7600), srid=4326)
L1_SHIFTED = LineString((4.8320, 45.7610), (4.8360, 45.7610), srid=4326)  # 110 m north
L1_SHORTENED = LineString((4.8320, 45.7600), (4.8350, 45.7600), srid=4326)


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
    return str(geojson.REPORT_FEATURE % {"index": index, "reason": reason})


def summary_line(template: str, n: int) -> str:
    """A summary line of the command, in the active language."""
    return gettext(template) % {"n": n}


def imported() -> dict[str, Amenagement]:
    return {a.external_id: a for a in Amenagement.objects.filter(external_source=SOURCE)}


def history() -> tuple[int, int]:
    return Adaptation.objects.count(), AmenagementVersion.objects.count()


def record(index: int = 0, **kwargs) -> SnapshotRecord:
    values = {
        "external_id": "a",
        "name": "Rue A",
        "kind": Amenagement.Kind.BIKE_LANE,
        "status": Amenagement.Status.TESTING,
        "geom": L1,
        **kwargs,
    }
    return SnapshotRecord(index=index, **values)


def sync(*records: SnapshotRecord, as_of: dt.date = AS_OF, **kwargs) -> snapshot.ImportResult:
    return amenagements_import_snapshot(records=records, source=SOURCE, as_of=as_of, **kwargs)


# --- Messy files: each is reported with the feature's number, and the good ones get in --------


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

    assert feature_line(0, geojson.REPAIR_KEY_CASE % {"found": "Name", "wanted": "name"}) in (
        output
    )
    assert feature_line(0, geojson.REPAIR_KEY_CASE % {"found": "ID", "wanted": "id"}) in output
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
def test_invalid_polygon_is_repaired_into_its_valid_parts():
    output = run_import("invalid_geometry.geojson")

    bow_tie = json.loads((DATA / "invalid_geometry.geojson").read_text())["features"][0]
    why = GEOSGeometry(json.dumps(bow_tie["geometry"])).valid_reason  # GEOS words it
    assert why.startswith("Self-intersection")
    assert feature_line(0, geojson.REPAIR_INVALID_GEOMETRY % {"reason": why}) in output
    place = imported()["a"]
    assert place.geom.geom_type == "MultiPolygon"
    assert place.geom.valid
    assert len(place.geom) == 2  # the bow-tie's two triangles
    assert "b" in imported()


@pytest.mark.django_db
def test_degenerate_and_empty_lines_are_rejected():
    output = run_import("degenerate_line.geojson")

    assert feature_line(1, geojson.REJECT_DEGENERATE_LINE) in output
    assert feature_line(2, geojson.REJECT_DEGENERATE_LINE) in output
    assert feature_line(3, geojson.REJECT_EMPTY_GEOMETRY) in output
    assert set(imported()) == {"a"}


@pytest.mark.django_db
def test_null_geometry_is_rejected():
    output = run_import("null_geometry.geojson")

    assert feature_line(0, geojson.REJECT_NO_GEOMETRY) in output
    assert set(imported()) == {"b"}


@pytest.mark.django_db
def test_point_is_rejected_as_not_an_arrangement():
    output = run_import("point.geojson")

    assert feature_line(1, geojson.REJECT_POINT % {"type": "Point"}) in output
    assert set(imported()) == {"a"}


@pytest.mark.django_db
def test_windows_1252_file_is_read_and_reported():
    output = run_import("cp1252.geojson")

    position = (DATA / "cp1252.geojson").read_bytes().index(b"\xe9")
    expected = geojson.REPORT_FILE % {
        "reason": geojson.REPAIR_NOT_UTF8 % {"byte": 0xE9, "position": position}
    }
    assert str(expected) in output
    assert imported()["a"].name == "Rue de la République"
    assert imported()["b"].name == "Quai Saint-Antoine"


@pytest.mark.django_db
def test_mojibake_is_fixed_and_reported():
    output = run_import("mojibake.geojson")

    reason = geojson.REPAIR_MOJIBAKE % {
        "key": "name",
        "before": "Rue de la RÃ©publique",
        "after": "Rue de la République",
    }
    assert feature_line(0, reason) in output
    assert imported()["a"].name == "Rue de la République"
    assert imported()["a"].source_properties["name"] == "Rue de la République"
    assert imported()["b"].name == "Rue Émile Zola"  # correct text is left alone
    assert "#1" not in output


@pytest.mark.django_db
def test_later_duplicate_id_is_rejected_naming_the_first():
    output = run_import("duplicate_ids.geojson")

    assert feature_line(2, geojson.REJECT_DUPLICATE_ID % {"id": "a", "first": 0}) in output
    assert set(imported()) == {"a", "b"}
    assert imported()["a"].name == "Rue A"


@pytest.mark.django_db
def test_declared_lambert93_coordinates_land_at_the_right_place():
    run_import("lambert93.geojson")

    geom = imported()["a"].geom
    assert geom.srid == 4326
    # The file's two points are these WGS 84 positions, projected with GDAL beforehand.
    assert geom.equals_exact(L1, tolerance=1e-7)


def test_srid_option_overrides_the_declared_crs():
    data = (DATA / "lambert93.geojson").read_bytes()

    parsed = snapshot_parse(data=data, mapping=SnapshotMapping(srid=2154))
    wrong = snapshot_parse(data=data, mapping=SnapshotMapping(srid=4326))

    assert parsed.records[0].geom.equals_exact(L1, tolerance=1e-7)
    assert [issue.code for issue in wrong.rejected] == ["not_lonlat"]


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
    with pytest.raises(geojson.SnapshotFileError) as exc_info:
        snapshot_parse(data=json.dumps(document).encode(), mapping=SnapshotMapping())

    assert str(exc_info.value) == str(geojson.ERROR_NOT_GEOJSON % {"type": kind})


def test_unknown_srid_is_refused():
    data = (DATA / "lambert93.geojson").read_bytes()

    with pytest.raises(geojson.SnapshotFileError) as exc_info:
        snapshot_parse(data=data, mapping=SnapshotMapping(srid=999999))

    assert str(exc_info.value) == str(geojson.ERROR_SRID_UNKNOWN % {"srid": 999999})


def test_unknown_crs_is_refused():
    document = {"type": "FeatureCollection", "crs": {"type": "link"}, "features": []}

    with pytest.raises(geojson.SnapshotFileError) as exc_info:
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
    kind_map = geojson.value_map_parse(
        text="Aucun=pedestrian_street, Zone 30=other", choices=Amenagement.Kind.values
    )

    assert kind_map == {"aucun": "pedestrian_street", "zone 30": "other"}
    with pytest.raises(geojson.SnapshotFileError):
        geojson.value_map_parse(text="aucun=rocket", choices=Amenagement.Kind.values)


# --- Snapshots: the database follows the network ---------------------------------------------


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing():
    run_import("duplicate_ids.geojson")
    before = history()

    output = run_import("duplicate_ids.geojson")

    assert history() == before
    assert str(summary_line("unchanged: %(n)s", 2)) in output


@pytest.mark.django_db
def test_dry_run_reports_but_writes_nothing():
    output = run_import("duplicate_ids.geojson", "--dry-run")

    assert summary_line("created: %(n)s", 2) in output
    assert not Amenagement.objects.exists()
    assert history() == (0, 0)


@pytest.mark.django_db
def test_snapshot_older_than_the_last_event_is_refused_and_nothing_written():
    run_import("duplicate_ids.geojson", as_of=LATER)
    before = history()

    with pytest.raises(CommandError) as exc_info:
        run_import("null_properties.geojson", as_of=AS_OF)

    expected = snapshot.ERROR_AS_OF_BEFORE_LAST_EVENT % {
        "as_of": AS_OF.isoformat(),
        "source": SOURCE,
        "last": LATER.isoformat(),
    }
    assert str(exc_info.value) == str(expected)
    assert history() == before
    assert set(imported()) == {"a", "b"}


@pytest.mark.django_db
def test_arrangements_absent_from_a_whole_snapshot_are_removed():
    sync(record(external_id="a"), record(1, external_id="b", geom=L2))

    result = sync(record(external_id="a"), as_of=LATER)

    assert result.removed == 1
    b = imported()["b"]
    assert b.status == Amenagement.Status.REMOVED
    event = b.adaptations.last()
    assert (event.kind, event.date, event.origin) == ("removed", LATER, "import")


@pytest.mark.django_db
def test_partial_snapshot_keeps_absent_arrangements():
    sync(record(external_id="a"), record(1, external_id="b", geom=L2))

    result = sync(record(external_id="a"), as_of=LATER, partial=True)

    assert result.removed == 0
    assert imported()["b"].status == Amenagement.Status.TESTING
    assert not imported()["b"].adaptations.filter(kind="removed").exists()


@pytest.mark.django_db
def test_renamed_segment_in_the_same_place_keeps_its_history():
    # Lyon's trial "Scénario 2 - Grande Rue" is "Grande Rue" in the next snapshot, kept.
    sync(record(external_id="6 | Scénario 2 - Grande Rue", name="Scénario 2 - Grande Rue"))
    trial = imported()["6 | Scénario 2 - Grande Rue"]

    result = sync(
        record(external_id="6 | Grande Rue", name="Grande Rue", status="permanent"),
        as_of=LATER,
    )

    assert (result.created, result.updated, result.removed) == (0, 1, 0)
    assert result.changes["identifier"] == 1
    kept = imported()["6 | Grande Rue"]
    assert kept.pk == trial.pk
    assert kept.name == "Grande Rue"
    assert list(kept.adaptations.values_list("kind", flat=True)) == ["created", "made_permanent"]


@pytest.mark.django_db
def test_a_segment_shared_by_two_lines_is_matched_line_by_line():
    sync(
        record(external_id="3 | Avenue Jaurès", name="3"),
        record(1, external_id="5 | Avenue Jaurès", name="5"),
    )
    before = {key: a.pk for key, a in imported().items()}

    result = sync(
        record(external_id="5 | Avenue Jaurès Sud", name="5 Sud"),
        record(1, external_id="3 | Avenue Jaurès Sud", name="3 Sud"),
        as_of=LATER,
    )

    assert (result.created, result.removed, result.changes["identifier"]) == (0, 0, 2)
    after = {key: a.pk for key, a in imported().items()}
    assert after["3 | Avenue Jaurès Sud"] == before["3 | Avenue Jaurès"]
    assert after["5 | Avenue Jaurès Sud"] == before["5 | Avenue Jaurès"]


@pytest.mark.django_db
def test_a_new_segment_elsewhere_is_not_taken_for_a_renamed_one():
    sync(record(external_id="a"))

    result = sync(record(external_id="z", geom=L1_SHIFTED), as_of=LATER)

    assert (result.created, result.removed) == (1, 1)
    assert imported()["a"].status == Amenagement.Status.REMOVED


@pytest.mark.django_db
def test_new_arrangement_is_created_on_its_opening_date_if_known():
    sync(
        record(external_id="old", opened_on=dt.date(2020, 5, 11)),
        record(1, external_id="future", geom=L2, opened_on=dt.date(2030, 1, 1)),
        record(2, external_id="unknown", geom=L3),
    )

    dates = {key: a.adaptations.get().date for key, a in imported().items()}
    assert dates == {"old": dt.date(2020, 5, 11), "future": AS_OF, "unknown": AS_OF}
    assert imported()["future"].opened_on == dt.date(2030, 1, 1)


@pytest.mark.django_db
def test_status_change_is_dated_by_a_later_opening_date():
    sync(record())

    result = sync(record(status="permanent", opened_on=dt.date(2025, 12, 19)), as_of=LATER)

    assert result.changes == Counter({"made_permanent": 1, "details": 1})
    event = imported()["a"].adaptations.last()
    assert (event.kind, event.date) == ("made_permanent", dt.date(2025, 12, 19))
    assert (event.status_before, event.status_after) == ("testing", "permanent")
    assert event.origin == Adaptation.Origin.IMPORT


@pytest.mark.django_db
def test_opening_date_before_the_last_event_does_not_date_the_change():
    sync(record())

    sync(record(status="planned", opened_on=dt.date(2024, 8, 20)), as_of=LATER)

    event = imported()["a"].adaptations.last()
    assert (event.kind, event.date) == ("status_changed", LATER)


@pytest.mark.parametrize(
    ("geom", "kind"),
    [
        (L1_EXTENDED, "extended"),
        (L1_SHIFTED, "moved"),
        (L1_SHORTENED, "shortened"),
    ],
)
@pytest.mark.django_db
def test_geometry_change_opens_a_version_named_by_the_length_change(geom, kind):
    sync(record())

    sync(record(geom=geom), as_of=LATER)

    a = imported()["a"]
    event = a.adaptations.last()
    assert (event.kind, event.date) == (kind, LATER)
    assert event.version.number == 2
    assert a.geom.equals_exact(geom, 1e-9)


@pytest.mark.django_db
def test_line_drawn_the_other_way_round_is_unchanged():
    sync(record())
    before = history()

    result = sync(record(geom=LineString(L1[1], L1[0], srid=4326)), as_of=LATER)

    assert (result.unchanged, history()) == (1, before)


@pytest.mark.django_db
def test_kind_change_updates_the_arrangement_and_records_an_event():
    sync(record())

    sync(record(kind="bike_street", source_kind="velorue"), as_of=LATER)

    a = imported()["a"]
    assert a.kind == "bike_street"
    event = a.adaptations.last()
    assert event.kind == "other"
    assert "velorue" in event.description


@pytest.mark.django_db
def test_name_change_updates_the_name_without_an_event():
    sync(record())
    before = history()

    result = sync(record(name="Rue A (nouveau nom)"), as_of=LATER)

    assert result.changes == Counter({"name": 1})
    assert imported()["a"].name == "Rue A (nouveau nom)"
    assert history() == before


@pytest.mark.django_db
def test_removed_arrangement_reappearing_is_reported_and_left_alone():
    sync(record(status="removed"))

    result = sync(record(5, status="testing"), as_of=LATER)

    assert [(issue.index, issue.code) for issue in result.rejected] == [(5, "reappeared")]
    assert imported()["a"].status == "removed"


@pytest.mark.django_db
def test_a_record_the_services_refuse_is_reported_and_the_others_imported():
    unknown_kind = record(external_id="a", kind="rocket")

    result = sync(unknown_kind, record(1, external_id="b", geom=L2))

    assert [(issue.index, issue.code) for issue in result.rejected] == [(0, "not_saved")]
    assert set(imported()) == {"b"}


@pytest.mark.django_db
def test_source_is_required():
    with pytest.raises(ValidationError):
        amenagements_import_snapshot(records=[], source="", as_of=AS_OF)


# --- The real Voies Lyonnaises snapshots (fixtures/lyon) --------------------------------------


def _lyon_import(filename: str, as_of: dt.date):
    parsed = snapshot_parse(data=(LYON_DIR / filename).read_bytes(), mapping=LYON_MAPPING)
    result = amenagements_import_snapshot(
        records=parsed.records, source=LYON_SOURCE, as_of=as_of, attribution=LYON_ATTRIBUTION
    )
    return parsed, result


@pytest.fixture(scope="class")
def lyon(django_db_setup, django_db_blocker):
    """Both snapshots imported once for the class (about 10 s), rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        parsed_2024, result_2024 = _lyon_import("voies_lyonnaises_2024-10.geojson", AS_OF)
        tested_ids = [r.external_id for r in parsed_2024.records if r.source_status == "tested"]
        # By primary key: a segment renamed in 2026 keeps its row, not its identifier.
        tested = list(
            Amenagement.objects.filter(
                external_source=LYON_SOURCE, external_id__in=tested_ids
            ).values_list("pk", flat=True)
        )
        statuses_2024 = Counter(
            Amenagement.objects.filter(external_source=LYON_SOURCE).values_list("status", flat=True)
        )
        parsed_2026, result_2026 = _lyon_import("voies_lyonnaises_2026-08.geojson", LATER)
        yield {
            "parsed_2024": parsed_2024,
            "result_2024": result_2024,
            "statuses_2024": statuses_2024,
            "tested": tested,
            "parsed_2026": parsed_2026,
            "result_2026": result_2026,
            "parsed_2026_records": parsed_2026.records,
        }
        transaction.set_rollback(True)


@pytest.mark.django_db
class TestLyonSnapshots:
    def test_first_snapshot_creates_every_segment(self, lyon):
        assert (lyon["parsed_2024"].rejected, lyon["parsed_2024"].repaired) == ([], [])
        assert lyon["result_2024"].created == 484
        assert lyon["statuses_2024"] == {"planned": 345, "permanent": 127, "testing": 12}

    def test_second_snapshot_records_what_changed(self, lyon):
        result = lyon["result_2026"]

        assert (result.created, result.updated, result.unchanged, result.removed) == (
            163,
            430,
            0,
            54,
        )
        assert result.changes == {
            "made_permanent": 159,
            "status_changed": 11,
            "kind": 91,
            "moved": 34,
            "shortened": 30,
            "extended": 22,
            "details": 430,
            # Ten segments renamed in place (e.g. line 6's "Scénario 2" trials, kept).
            "identifier": 10,
            "name": 10,
        }

    def test_the_twelve_trial_segments_were_made_permanent_or_went_back_to_planning(self, lyon):
        tested = Amenagement.objects.filter(pk__in=lyon["tested"])

        assert len(lyon["tested"]) == 12
        assert Counter(tested.values_list("status", flat=True)) == {
            "permanent": 7,
            "planned": 5,
        }
        rockefeller = tested.get(external_id="12 | Avenue Rockefeller Est")
        made_permanent = rockefeller.adaptations.get(kind="made_permanent")
        # The snapshot gives its completion date, later than the first snapshot.
        assert made_permanent.date == dt.date(2025, 12, 19)
        saint_just = tested.get(external_id="11 | Saint-Just")
        assert list(saint_just.adaptations.values_list("kind", flat=True)) == [
            "created",
            "shortened",
            "other",
            "status_changed",
        ]
        assert saint_just.kind == "other"
        # Line 6's trial scenario is the plan of the 2026 network: same place, new name.
        scenario = tested.get(source_properties__nom="Grande Rue Nord - sens Sud>Nord")
        assert scenario.name == "Voie Lyonnaise 6 — Grande Rue Nord - sens Sud>Nord"
        assert scenario.status == "planned"

    def test_reimporting_the_second_snapshot_changes_nothing(self, lyon):
        before = history()

        result = amenagements_import_snapshot(
            records=lyon["parsed_2026_records"],
            source=LYON_SOURCE,
            as_of=LATER,
            attribution=LYON_ATTRIBUTION,
        )

        assert (result.created, result.updated, result.unchanged, result.removed) == (
            0,
            0,
            593,
            0,
        )
        assert history() == before

    def test_reimporting_the_first_snapshot_after_the_second_is_refused(self, lyon):
        with pytest.raises(ValidationError):
            amenagements_import_snapshot(
                records=lyon["parsed_2024"].records, source=LYON_SOURCE, as_of=AS_OF
            )

    def test_placeholder_date_is_not_an_opening_date(self, lyon):
        arrangements = Amenagement.objects.filter(external_source=LYON_SOURCE)

        assert not arrangements.filter(opened_on=dt.date(2019, 12, 31)).exists()
        placeholder = arrangements.filter(source_properties__date_realisation="2019-12-31").first()
        assert placeholder.opened_on is None
        assert placeholder.adaptations.first().date in {AS_OF, LATER}

    def test_every_segment_keeps_the_licence_attribution(self, lyon):
        arrangements = Amenagement.objects.filter(external_source=LYON_SOURCE)

        assert set(arrangements.values_list("attribution", flat=True)) == {
            "MIT, © 2024 La Ville à Vélo, cyclopolis project"
        }
        assert arrangements.filter(name="Voie Lyonnaise 12 — Saint-Jean").exists()
