"""Fixtures of the evaluation tests: a small city — one arrangement with its counter, control
candidates, daily rollups around its creation, an outage, an incomplete day, and ratings."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.gis.geos import LineString, Point

from amenagements import services as amenagement_services
from amenagements.models import Amenagement
from participation.models import Contribution, Rating
from usage.models import Counter, CounterLink, DailyTotal, Length, Outage

CREATED = dt.date(2020, 5, 11)  # the `amenagement` fixture's creation date
FIRST_DAY = dt.date(2020, 3, 1)
LAST_DAY = dt.date(2020, 8, 31)
OUTAGE = (dt.date(2020, 6, 1), dt.date(2020, 6, 4))  # [start, end)
INCOMPLETE_DAY = dt.date(2020, 4, 2)


def far_line(lon: float) -> LineString:
    return LineString((lon, 45.70), (lon + 0.004, 45.70), srid=4326)


def arrangement(name: str, *, lon: float, date: dt.date, commune: str = "Lyon") -> Amenagement:
    return amenagement_services.amenagement_create(
        name=name,
        kind=Amenagement.Kind.BIKE_LANE,
        status=Amenagement.Status.TESTING,
        geom=far_line(lon),
        date=date,
        commune=amenagement_services.commune_get_or_create(name=commune),
    )


def counter(external_id: str, *, source: str = "test", linked_to: Amenagement | None = None):
    made = Counter.objects.create(
        source=source,
        external_id=external_id,
        name=external_id,
        location=Point(4.9 + len(external_id) / 1000, 45.8, srid=4326),
    )
    if linked_to is not None:
        CounterLink.objects.create(counter=made, amenagement=linked_to, manual=True)
    return made


def daily_totals(
    counter_: Counter, *, base: int, first: dt.date = FIRST_DAY, last: dt.date = LAST_DAY
) -> None:
    rows, day = [], first
    while day <= last:
        weekday_factor = 0.7 if day.weekday() >= 5 else 1.0
        count = int(base * weekday_factor * (1 + (day.toordinal() * 7919 % 13) / 100))
        hours = 20 if day == INCOMPLETE_DAY else 24
        rows.append(
            DailyTotal(
                counter=counter_,
                date=day,
                count=count,
                hours=hours,
                hours_expected=24,
                source_length=Length.HOUR,
            )
        )
        day += dt.timedelta(days=1)
    DailyTotal.objects.bulk_create(rows)


@dataclass
class City:
    amenagement: Amenagement
    treated: Counter
    quiet_control: Counter  # linked to a Lyon arrangement not adapted in the window
    adapted_neighbour: Counter  # linked to a Lyon arrangement created inside the window
    unlinked_same_source: Counter
    unlinked_other_source: Counter
    other_commune: Counter


@pytest.fixture(name="city")
def city_fixture(amenagement) -> City:
    treated = counter("T1", linked_to=amenagement)
    quiet = counter("Q22", linked_to=arrangement("Piste calme", lon=4.80, date=dt.date(2019, 1, 7)))
    neighbour = counter(
        "N333", linked_to=arrangement("Piste voisine", lon=4.86, date=dt.date(2020, 6, 15))
    )
    unlinked = counter("U4444")
    elsewhere = counter("X55555", source="ailleurs")
    other = counter(
        "O666666",
        linked_to=arrangement(
            "Piste de Villeurbanne", lon=4.88, date=dt.date(2019, 1, 7), commune="Villeurbanne"
        ),
    )
    for i, made in enumerate([treated, quiet, neighbour, unlinked, elsewhere, other]):
        daily_totals(made, base=1000 + 100 * i)
    Outage.objects.create(counter=treated, start=OUTAGE[0], end=OUTAGE[1], kind="zero")
    return City(amenagement, treated, quiet, neighbour, unlinked, elsewhere, other)


def rate(amenagement, definition, users, values, *, positions=None):
    """One contribution per user on the current version, rating `definition`."""
    version = amenagement.versions.get(valid_to__isnull=True)
    line = amenagement.geom
    for i, (user, value) in enumerate(zip(users, values, strict=True)):
        position = positions[i] if positions else None
        contribution = Contribution.objects.create(
            user=user,
            version=version,
            profiles=["cyclist"],
            point=Point(line.coords[0], srid=4326) if position is not None else None,
            position_m=position,
        )
        Rating.objects.create(contribution=contribution, definition=definition, value=value)
