"""Database constraints on arrangements and their versions, enforced whatever code writes.

These tests go around `amenagements.services` on purpose (plain ORM writes, as a script, the
admin or a future importer would do) and check that PostgreSQL itself refuses broken history.
"""

import datetime as dt

import pytest
from django.contrib.gis.geos import LineString, MultiPolygon, Point, Polygon
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from amenagements.models import Amenagement, AmenagementVersion

LINE = LineString((4.8320, 45.7600), (4.8360, 45.7600), srid=4326)
BOW_TIE = Polygon(
    ((4.830, 45.760), (4.832, 45.762), (4.832, 45.760), (4.830, 45.762), (4.830, 45.760)),
    srid=4326,
)
SQUARE = Polygon.from_bbox((4.830, 45.760, 4.831, 45.761))
SQUARE.srid = 4326


def _amenagement(slug="rue-test", **kwargs) -> Amenagement:
    return Amenagement.objects.create(**{"slug": slug, "name": "Rue test", "geom": LINE, **kwargs})


def _version(amenagement, number, valid_from, valid_to=None, geom=LINE) -> AmenagementVersion:
    return AmenagementVersion.objects.create(
        amenagement=amenagement,
        number=number,
        geom=geom,
        valid_from=valid_from,
        valid_to=valid_to,
    )


def _refused(constraint: str):
    """`pytest.raises(IntegrityError)` naming the constraint expected to refuse the row."""
    return pytest.raises(IntegrityError, match=constraint)


# --- geometry --------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "geom",
    [LINE, SQUARE, MultiPolygon(SQUARE, srid=4326)],
    ids=["line", "polygon", "multipolygon"],
)
def test_lines_and_polygons_are_accepted(geom):
    _amenagement(geom=geom)

    assert Amenagement.objects.get().geom.geom_type == geom.geom_type


@pytest.mark.django_db
def test_a_point_arrangement_is_refused():
    with transaction.atomic(), _refused("amenagement_geom_line_or_polygon"):
        _amenagement(geom=Point(4.832, 45.76, srid=4326))

    assert not Amenagement.objects.exists()


@pytest.mark.django_db
def test_an_invalid_arrangement_geometry_is_refused():
    with transaction.atomic(), _refused("amenagement_geom_valid"):
        _amenagement(geom=BOW_TIE)

    assert not Amenagement.objects.exists()


@pytest.mark.django_db
def test_a_point_or_invalid_version_geometry_is_refused():
    amenagement = _amenagement()

    with transaction.atomic(), _refused("version_geom_line_or_polygon"):
        _version(amenagement, 1, dt.date(2020, 5, 11), geom=Point(4.832, 45.76, srid=4326))
    with transaction.atomic(), _refused("version_geom_valid"):
        _version(amenagement, 1, dt.date(2020, 5, 11), geom=BOW_TIE)

    assert not AmenagementVersion.objects.exists()


@pytest.mark.django_db
def test_full_clean_reports_a_wrong_geometry_in_words():
    """The admin and forms run `full_clean()`: the constraint's message reaches the user."""
    amenagement = Amenagement(slug="rue-test", name="Rue test", geom=Point(4.832, 45.76))

    with pytest.raises(ValidationError) as exc_info:
        amenagement.full_clean()

    (constraint,) = (
        c for c in Amenagement._meta.constraints if c.name == "amenagement_geom_line_or_polygon"
    )
    assert exc_info.value.messages == [str(constraint.violation_error_message)]


# --- dates of the arrangement ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_decision_deadline_before_the_opening_is_refused():
    with transaction.atomic(), _refused("amenagement_deadline_after_opening"):
        _amenagement(opened_on=dt.date(2020, 5, 11), decision_deadline=dt.date(2020, 5, 10))


@pytest.mark.django_db
def test_a_decision_deadline_on_the_opening_day_or_without_opening_is_accepted():
    _amenagement(slug="a", opened_on=dt.date(2020, 5, 11), decision_deadline=dt.date(2020, 5, 11))
    _amenagement(slug="b", decision_deadline=dt.date(2020, 5, 10))

    assert Amenagement.objects.count() == 2


# --- identity --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_same_source_identifier_cannot_be_imported_twice():
    _amenagement(slug="a", external_source="grandlyon", external_id="pvo_123")

    with transaction.atomic(), _refused("amenagement_unique_external_id"):
        _amenagement(slug="b", external_source="grandlyon", external_id="pvo_123")

    # Arrangements drawn by hand have no identifier; any number of them may exist.
    _amenagement(slug="c", external_source="grandlyon")
    _amenagement(slug="d", external_source="grandlyon")
    assert Amenagement.objects.count() == 3


# --- versions --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_consecutive_versions_may_touch():
    """Ranges are half-open: v1 ends the day v2 starts, and both are stored."""
    amenagement = _amenagement()
    _version(amenagement, 1, dt.date(2020, 5, 11), dt.date(2020, 9, 1))
    _version(amenagement, 2, dt.date(2020, 9, 1))

    assert amenagement.versions.count() == 2


@pytest.mark.django_db
def test_a_second_open_version_is_refused():
    amenagement = _amenagement()
    _version(amenagement, 1, dt.date(2020, 5, 11))

    with transaction.atomic(), _refused("version_one_open_per_amenagement"):
        _version(amenagement, 2, dt.date(2020, 9, 1))

    assert amenagement.versions.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("valid_from", "valid_to"),
    [
        (dt.date(2020, 8, 1), dt.date(2020, 9, 15)),  # straddles the start of v1
        (dt.date(2020, 6, 1), dt.date(2020, 7, 1)),  # inside v1
        (dt.date(2020, 5, 1), dt.date(2021, 1, 1)),  # encloses v1
    ],
    ids=["straddles", "inside", "encloses"],
)
def test_overlapping_closed_versions_are_refused(valid_from, valid_to):
    amenagement = _amenagement()
    _version(amenagement, 1, dt.date(2020, 5, 11), dt.date(2020, 9, 1))

    with transaction.atomic(), _refused("version_no_overlap"):
        _version(amenagement, 2, valid_from, valid_to)

    assert amenagement.versions.count() == 1


@pytest.mark.django_db
def test_a_closed_version_overlapping_the_open_one_is_refused():
    amenagement = _amenagement()
    _version(amenagement, 1, dt.date(2020, 5, 11))

    with transaction.atomic(), _refused("version_no_overlap"):
        _version(amenagement, 2, dt.date(2021, 1, 1), dt.date(2021, 2, 1))


@pytest.mark.django_db
def test_versions_of_different_arrangements_may_overlap():
    first, second = _amenagement(slug="a"), _amenagement(slug="b")
    _version(first, 1, dt.date(2020, 5, 11))
    _version(second, 1, dt.date(2020, 5, 11))

    assert AmenagementVersion.objects.count() == 2


@pytest.mark.django_db
def test_a_version_ending_before_it_starts_is_refused():
    amenagement = _amenagement()

    with transaction.atomic(), _refused("version_dates_ordered"):
        _version(amenagement, 1, dt.date(2020, 9, 1), dt.date(2020, 8, 31))


@pytest.mark.django_db
def test_a_version_number_is_not_reused():
    amenagement = _amenagement()
    _version(amenagement, 1, dt.date(2020, 5, 11), dt.date(2020, 9, 1))

    with transaction.atomic(), _refused("version_unique_number"):
        _version(amenagement, 1, dt.date(2020, 9, 1))
