"""Counters linked to the arrangements near them, and relinked when a geometry changes."""

import datetime as dt
import io

import pytest
from django.contrib.gis.geos import LineString

from amenagements import services as amenagement_services
from amenagements.models import Adaptation, Amenagement
from usage import services
from usage.importing import CountersFormat
from usage.models import CounterLink

from .helpers import make_counter, north_of

pytestmark = pytest.mark.django_db


def linked(amenagement):
    return sorted(
        CounterLink.objects.filter(amenagement=amenagement, excluded=False).values_list(
            "counter__external_id", flat=True
        )
    )


def test_counters_within_the_distance_are_linked_with_their_distance(amenagement):
    make_counter("NEAR", lon=north_of(4.834, 45.76, 20)[0], lat=north_of(4.834, 45.76, 20)[1])
    make_counter("FAR", lon=north_of(4.834, 45.76, 45)[0], lat=north_of(4.834, 45.76, 45)[1])

    assert linked(amenagement) == ["NEAR"]
    link = CounterLink.objects.get()
    assert link.distance_m == pytest.approx(20, abs=0.5)
    assert not link.manual


def test_the_distance_is_a_setting(amenagement, settings):
    settings.TACTIQUE_COUNTER_LINK_DISTANCE_M = 50
    make_counter("FAR", lon=north_of(4.834, 45.76, 45)[0], lat=north_of(4.834, 45.76, 45)[1])

    assert linked(amenagement) == ["FAR"]


def test_an_arrangement_created_near_counters_is_linked_to_them(line):
    lon, lat = north_of(4.834, 45.76, 10)
    make_counter("C1", lon=lon, lat=lat)

    created = amenagement_services.amenagement_create(
        name="Nouvelle piste",
        kind=Amenagement.Kind.BIKE_LANE,
        status=Amenagement.Status.TESTING,
        geom=line,
        date=dt.date(2021, 1, 1),
    )

    assert linked(created) == ["C1"]


def test_an_adaptation_that_moves_the_arrangement_relinks_its_counters(amenagement):
    make_counter("OLD", lon=4.834, lat=north_of(4.834, 45.76, 15)[1])
    # 200 m north: out of reach of the first layout, on the second.
    make_counter("NEW", lon=4.834, lat=north_of(4.834, 45.76, 200)[1])
    assert linked(amenagement) == ["OLD"]
    moved = LineString(
        (4.8320, north_of(4.834, 45.76, 195)[1]),
        (4.8360, north_of(4.834, 45.76, 195)[1]),
        srid=4326,
    )

    amenagement_services.amenagement_adapt(
        amenagement=amenagement, date=dt.date(2021, 6, 1), kind=Adaptation.Kind.MOVED, geom=moved
    )

    assert linked(amenagement) == ["NEW"]


def test_links_set_by_the_services_survive_recomputation(amenagement):
    far = make_counter("FAR", lon=4.834, lat=north_of(4.834, 45.76, 300)[1])
    near = make_counter("NEAR", lon=4.834, lat=north_of(4.834, 45.76, 10)[1])
    CounterLink.objects.create(counter=far, amenagement=amenagement, manual=True)
    CounterLink.objects.filter(counter=near).update(manual=True, excluded=True)

    amenagement_services.amenagement_adapt(
        amenagement=amenagement,
        date=dt.date(2021, 6, 1),
        kind=Adaptation.Kind.EXTENDED,
        geom=LineString((4.8320, 45.76), (4.8380, 45.76), srid=4326),
    )
    services.counter_links_refresh()

    assert linked(amenagement) == ["FAR"]
    assert CounterLink.objects.filter(counter=near, excluded=True).exists()


def test_a_moved_counter_is_relinked(amenagement):
    make_counter("C1", lon=4.834, lat=north_of(4.834, 45.76, 10)[1])
    assert linked(amenagement) == ["C1"]

    services.counters_import(
        file=io.BytesIO(
            f"id,name,lon,lat\nC1,C1,4.834,{north_of(4.834, 45.76, 500)[1]}\n".encode()
        ),
        fmt=CountersFormat(),
        source="test",
    )

    assert linked(amenagement) == []
