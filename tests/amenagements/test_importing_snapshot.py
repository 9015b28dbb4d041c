"""GeoJSON import, step 2: snapshots make the database follow the network, dated and matched."""

import datetime as dt
from collections import Counter

import pytest
from django.contrib.gis.geos import LineString
from django.core.exceptions import ValidationError
from django.core.management import CommandError
from django.utils.translation import gettext

from amenagements.importing import SnapshotRecord, amenagements_import_snapshot, snapshot
from amenagements.models import Adaptation, Amenagement
from tests.amenagements.test_importing import (
    AS_OF,
    L1,
    L2,
    L3,
    LATER,
    SOURCE,
    history,
    imported,
    run_import,
)

# L1 as a later snapshot draws it, in SRID 4326.
L1_EXTENDED = LineString((4.8320, 45.7600), (4.8360, 45.7600), (4.8400, 45.7600), srid=4326)
L1_SHIFTED = LineString((4.8320, 45.7610), (4.8360, 45.7610), srid=4326)  # 110 m north
L1_SHORTENED = LineString((4.8320, 45.7600), (4.8350, 45.7600), srid=4326)


def summary_line(template: str, n: int) -> str:
    """A summary line of the command, in the active language."""
    return gettext(template) % {"n": n}


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
def test_a_stretch_shared_by_two_lines_keeps_its_history_when_both_are_renamed():
    sync(
        record(external_id="3 | Avenue Jaurès", name="3"),
        record(1, external_id="5 | Avenue Jaurès", name="5"),
    )
    (stretch,) = imported().values()

    result = sync(
        record(external_id="5 | Avenue Jaurès Sud", name="5 Sud"),
        record(1, external_id="3 | Avenue Jaurès Sud", name="3 Sud"),
        as_of=LATER,
    )

    assert (result.created, result.removed, result.changes["identifier"]) == (0, 0, 1)
    (renamed,) = imported().values()
    assert renamed.pk == stretch.pk
    assert {renamed.external_id, *renamed.shared_external_ids} == {
        "3 | Avenue Jaurès Sud",
        "5 | Avenue Jaurès Sud",
    }
    assert list(renamed.adaptations.values_list("kind", flat=True)) == ["created"]


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
