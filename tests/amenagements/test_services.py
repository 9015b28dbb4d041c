"""Writes on arrangements: creation, adaptations, and the history they leave behind."""

import datetime as dt
import itertools
import math

import pytest
from django.contrib.gis.geos import GEOSGeometry, LineString, Point, Polygon
from django.core.exceptions import ValidationError

from amenagements import selectors, services
from amenagements.models import Adaptation, Amenagement, AmenagementVersion

CREATED_ON = dt.date(2020, 5, 11)  # the conftest arrangement's creation date

# A line that is not the conftest one: the same street, extended 200-odd metres to the east.
EXTENDED = LineString((4.8320, 45.7600), (4.8360, 45.7600), (4.8390, 45.7600), srid=4326)

BAD_GEOMETRIES = {
    "point": (Point(4.832, 45.76, srid=4326), services.ERROR_GEOMETRY_TYPE),
    # A bow-tie: the ring crosses itself, so the polygon is not valid.
    "bow-tie": (
        Polygon(
            ((4.830, 45.760), (4.832, 45.762), (4.832, 45.760), (4.830, 45.762), (4.830, 45.760)),
            srid=4326,
        ),
        services.ERROR_GEOMETRY_INVALID,
    ),
    "empty": (GEOSGeometry("LINESTRING EMPTY", srid=4326), services.ERROR_GEOMETRY_EMPTY),
}


def _message(exc_info) -> str:
    """The single message a `ValidationError` carries, rendered."""
    (message,) = exc_info.value.messages
    return message


def _template(message) -> str:
    """The part of a module-constant message before its first placeholder."""
    return str(message).split("%(")[0]


def _constraint_message(name: str) -> str:
    """The words a database constraint of `Amenagement` shows users, in the active language."""
    (constraint,) = (c for c in Amenagement._meta.constraints if c.name == name)
    return str(constraint.violation_error_message)


def _create(name="Piste de la rue Test", geom=None, **kwargs) -> Amenagement:
    values = {
        "kind": Amenagement.Kind.BIKE_LANE,
        "status": Amenagement.Status.TESTING,
        "date": CREATED_ON,
        **kwargs,
    }
    if geom is None:  # not `geom or …`: an empty geometry is falsy
        geom = LineString((4.84, 45.75), (4.85, 45.75), srid=4326)
    return services.amenagement_create(name=name, geom=geom, **values)


# --- amenagement_create ---------------------------------------------------------------------


def test_create_opens_version_one_with_the_geometry_and_records_the_created_event(
    amenagement, line
):
    (version,) = amenagement.versions.all()
    assert version.number == 1
    assert version.valid_from == CREATED_ON
    assert version.valid_to is None
    assert version.geom.equals_exact(line, tolerance=1e-9)

    (event,) = amenagement.adaptations.all()
    assert event.kind == Adaptation.Kind.CREATED
    assert event.date == CREATED_ON
    assert event.version == version
    assert event.status_after == Amenagement.Status.TESTING

    amenagement.refresh_from_db()
    assert amenagement.geom.equals_exact(line, tolerance=1e-9)


def test_create_writes_nothing_when_the_created_event_cannot_be_written(db, line, monkeypatch):
    """The arrangement, its version and its event are one transaction: all or nothing."""

    def fail(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Adaptation.objects, "create", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        _create(geom=line)

    assert not Amenagement.objects.exists()
    assert not AmenagementVersion.objects.exists()


def test_create_derives_the_slug_from_the_french_name(db):
    amenagement = _create(name="Coronapiste du cours Lafayette (Pont → Préfecture)")

    assert amenagement.slug == "coronapiste-du-cours-lafayette-pont-prefecture"


def test_create_gives_homonyms_distinct_slugs(db):
    first = _create(name="Rue aux écoles")
    second = _create(name="Rue aux écoles")
    third = _create(name="Rue aux  Écoles")

    assert [first.slug, second.slug, third.slug] == [
        "rue-aux-ecoles",
        "rue-aux-ecoles-2",
        "rue-aux-ecoles-3",
    ]


def test_create_stores_a_lambert93_geometry_in_wgs84(db):
    # About 1 km east-west near Lyon's Hôtel de Ville, in Lambert-93 metres.
    lambert = LineString((842000, 6519000), (843000, 6519000), srid=2154)

    amenagement = _create(geom=lambert)

    amenagement.refresh_from_db()
    assert amenagement.geom.srid == 4326
    lon, lat = amenagement.geom.coords[0]
    assert 4.7 < lon < 5.0
    assert 45.7 < lat < 45.8


@pytest.mark.parametrize("bad", BAD_GEOMETRIES.values(), ids=BAD_GEOMETRIES.keys())
def test_create_refuses_a_bad_geometry_and_writes_nothing(db, bad):
    geom, error = bad

    with pytest.raises(ValidationError) as exc_info:
        _create(geom=geom)

    assert _message(exc_info).startswith(_template(error))
    assert not Amenagement.objects.exists()
    assert not Adaptation.objects.exists()


def test_create_refuses_a_decision_deadline_before_the_opening(db):
    with pytest.raises(ValidationError) as exc_info:
        _create(opened_on=dt.date(2020, 5, 11), decision_deadline=dt.date(2020, 5, 1))

    assert _constraint_message("amenagement_deadline_after_opening") in exc_info.value.messages
    assert not Amenagement.objects.exists()


# --- amenagement_adapt: geometry --------------------------------------------------------------


def test_adapt_with_a_new_geometry_closes_the_open_version_and_opens_the_next(amenagement):
    adaptation = services.amenagement_adapt(
        amenagement=amenagement,
        date=dt.date(2020, 9, 1),
        kind=Adaptation.Kind.EXTENDED,
        geom=EXTENDED,
        description="Prolongée jusqu'au pont.",
    )

    first, second = amenagement.versions.order_by("number")
    assert (first.number, first.valid_from, first.valid_to) == (1, CREATED_ON, dt.date(2020, 9, 1))
    assert (second.number, second.valid_from, second.valid_to) == (2, dt.date(2020, 9, 1), None)
    assert second.geom.equals_exact(EXTENDED, tolerance=1e-9)
    assert adaptation.version == second
    assert adaptation.kind == Adaptation.Kind.EXTENDED
    assert adaptation.description == "Prolongée jusqu'au pont."
    amenagement.refresh_from_db()
    assert amenagement.geom.equals_exact(EXTENDED, tolerance=1e-9)


def test_successive_geometry_changes_leave_a_gapless_numbered_history(amenagement):
    moved = LineString((4.8320, 45.7610), (4.8390, 45.7610), srid=4326)
    services.amenagement_adapt(
        amenagement=amenagement, date=dt.date(2020, 9, 1), kind="extended", geom=EXTENDED
    )
    services.amenagement_adapt(
        amenagement=amenagement, date=dt.date(2021, 3, 15), kind="moved", geom=moved
    )

    ranges = list(
        amenagement.versions.order_by("number").values_list("number", "valid_from", "valid_to")
    )
    assert ranges == [
        (1, CREATED_ON, dt.date(2020, 9, 1)),
        (2, dt.date(2020, 9, 1), dt.date(2021, 3, 15)),
        (3, dt.date(2021, 3, 15), None),
    ]
    assert list(amenagement.adaptations.values_list("version__number", flat=True)) == [1, 2, 3]


def test_adapt_with_the_same_geometry_opens_no_version(amenagement, line):
    same = LineString(line.coords, srid=4326)

    adaptation = services.amenagement_adapt(
        amenagement=amenagement,
        date=dt.date(2020, 9, 1),
        kind=Adaptation.Kind.SEPARATED,
        geom=same,
        description="Potelets ajoutés.",
    )

    assert adaptation.version is None
    assert amenagement.versions.get().valid_to is None
    assert amenagement.adaptations.count() == 2


def test_adapt_with_the_same_geometry_in_lambert93_opens_no_version(amenagement, line):
    """An import that sends the current line in another CRS is not a change."""
    same = line.transform(2154, clone=True)

    adaptation = services.amenagement_adapt(
        amenagement=amenagement, date=dt.date(2020, 9, 1), kind=Adaptation.Kind.OTHER, geom=same
    )

    assert adaptation.version is None
    assert amenagement.versions.count() == 1


def test_adapt_writes_nothing_when_its_event_cannot_be_written(amenagement, line, monkeypatch):
    """Closing the version, opening the next and the event are one transaction."""

    def fail(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Adaptation.objects, "create", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        services.amenagement_adapt(
            amenagement=amenagement, date=dt.date(2020, 9, 1), kind="extended", geom=EXTENDED
        )

    assert amenagement.versions.get().valid_to is None
    amenagement.refresh_from_db()
    assert amenagement.geom.equals_exact(line, tolerance=1e-9)


@pytest.mark.parametrize("bad", BAD_GEOMETRIES.values(), ids=BAD_GEOMETRIES.keys())
def test_adapt_refuses_a_bad_geometry_and_writes_nothing(amenagement, line, bad):
    geom, error = bad

    with pytest.raises(ValidationError) as exc_info:
        services.amenagement_adapt(
            amenagement=amenagement, date=dt.date(2020, 9, 1), kind="moved", geom=geom
        )

    assert _message(exc_info).startswith(_template(error))
    assert amenagement.adaptations.count() == 1
    assert amenagement.versions.get().valid_to is None
    amenagement.refresh_from_db()
    assert amenagement.geom.equals_exact(line, tolerance=1e-9)


# --- amenagement_adapt: status and dates ------------------------------------------------------


def test_adapt_records_an_explicit_status_change_with_before_and_after(amenagement):
    adaptation = services.amenagement_adapt(
        amenagement=amenagement,
        date=dt.date(2020, 11, 2),
        kind=Adaptation.Kind.STATUS_CHANGED,
        status=Amenagement.Status.EVALUATION,
    )

    assert adaptation.status_before == Amenagement.Status.TESTING
    assert adaptation.status_after == Amenagement.Status.EVALUATION
    assert adaptation.version is None
    amenagement.refresh_from_db()
    assert amenagement.status == Amenagement.Status.EVALUATION


def test_adapt_without_a_status_change_leaves_before_and_after_blank(amenagement):
    adaptation = services.amenagement_adapt(
        amenagement=amenagement, date=dt.date(2020, 9, 1), kind="extended", geom=EXTENDED
    )

    assert (adaptation.status_before, adaptation.status_after) == ("", "")
    amenagement.refresh_from_db()
    assert amenagement.status == Amenagement.Status.TESTING


def test_made_permanent_sets_the_permanent_status(amenagement):
    adaptation = services.amenagement_adapt(
        amenagement=amenagement, date=dt.date(2021, 6, 1), kind=Adaptation.Kind.MADE_PERMANENT
    )

    assert adaptation.status_before == Amenagement.Status.TESTING
    assert adaptation.status_after == Amenagement.Status.PERMANENT
    amenagement.refresh_from_db()
    assert amenagement.status == Amenagement.Status.PERMANENT


def test_made_permanent_twice_is_refused(amenagement):
    services.amenagement_adapt(
        amenagement=amenagement, date=dt.date(2021, 6, 1), kind="made_permanent"
    )

    with pytest.raises(ValidationError) as exc_info:
        services.amenagement_adapt(
            amenagement=amenagement, date=dt.date(2021, 7, 1), kind="made_permanent"
        )

    assert _message(exc_info) == str(services.ERROR_NOTHING_CHANGES)
    assert amenagement.adaptations.count() == 2


def test_removed_sets_the_removed_status_and_forbids_further_adaptations(amenagement):
    services.amenagement_adapt(
        amenagement=amenagement, date=dt.date(2020, 12, 1), kind=Adaptation.Kind.REMOVED
    )
    amenagement.refresh_from_db()
    assert amenagement.status == Amenagement.Status.REMOVED

    with pytest.raises(ValidationError) as exc_info:
        services.amenagement_adapt(
            amenagement=amenagement, date=dt.date(2021, 1, 1), kind="moved", geom=EXTENDED
        )

    assert _message(exc_info) == str(services.ERROR_ALREADY_REMOVED)
    assert amenagement.adaptations.count() == 2
    assert amenagement.versions.count() == 1


def test_adapt_refuses_a_date_before_the_last_event_and_writes_nothing(amenagement, line):
    services.amenagement_adapt(
        amenagement=amenagement,
        date=dt.date(2020, 9, 1),
        kind="status_changed",
        status="evaluation",
    )

    with pytest.raises(ValidationError) as exc_info:
        services.amenagement_adapt(
            amenagement=amenagement, date=dt.date(2020, 8, 31), kind="extended", geom=EXTENDED
        )

    assert _message(exc_info) == str(services.ERROR_DATE_BEFORE_LAST_EVENT) % {
        "date": "2020-08-31",
        "last": "2020-09-01",
    }
    assert amenagement.adaptations.count() == 2
    assert amenagement.versions.count() == 1
    amenagement.refresh_from_db()
    assert amenagement.geom.equals_exact(line, tolerance=1e-9)


def test_adapt_accepts_an_event_on_the_same_day_as_the_last_one(amenagement):
    services.amenagement_adapt(
        amenagement=amenagement, date=dt.date(2020, 9, 1), kind="extended", geom=EXTENDED
    )

    adaptation = services.amenagement_adapt(
        amenagement=amenagement, date=dt.date(2020, 9, 1), kind="separated"
    )

    assert adaptation.date == dt.date(2020, 9, 1)
    assert amenagement.adaptations.count() == 3


# --- measures (selectors, checked here against an independent computation) -------------------


def _haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres on the IUGG mean sphere (R = 6 371 008.8 m)."""
    (lon1, lat1), (lon2, lat2) = ((math.radians(x), math.radians(y)) for x, y in (a, b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def test_with_measures_gives_a_line_length_in_metres_within_one_percent(db):
    # An L-shaped route in the Presqu'île: 4 segments, east-west and north-south.
    coords = (
        (4.8320, 45.7600),
        (4.8360, 45.7600),
        (4.8360, 45.7640),
        (4.8400, 45.7640),
        (4.8400, 45.7700),
    )
    amenagement = _create(geom=LineString(coords, srid=4326))
    expected = sum(_haversine_m(a, b) for a, b in itertools.pairwise(coords))

    measured = selectors.with_measures(Amenagement.objects.filter(pk=amenagement.pk)).get()

    assert 1_700 < expected < 1_800  # the haversine itself is in the right range
    assert measured.length_raw.m == pytest.approx(expected, rel=0.01)
    assert measured.area_raw.sq_m == 0


def test_with_measures_gives_a_polygon_area_in_square_metres_within_one_percent(db):
    # A 0.002° by 0.001° terrace-sized block; spherical-rectangle area computed by hand.
    west, south, east, north = 4.8320, 45.7600, 4.8340, 45.7610
    amenagement = _create(
        geom=Polygon.from_bbox((west, south, east, north)), kind=Amenagement.Kind.TERRACE
    )
    radius = 6_371_008.8
    expected = (
        radius**2
        * math.radians(east - west)
        * (math.sin(math.radians(north)) - math.sin(math.radians(south)))
    )

    measured = selectors.with_measures(Amenagement.objects.filter(pk=amenagement.pk)).get()

    assert measured.area_raw.sq_m == pytest.approx(expected, rel=0.01)
