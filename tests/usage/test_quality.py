"""Outages: detected from the rollups, stored, and left out of the statistics."""

import datetime as dt

import pytest

from usage import selectors, services
from usage.importing import CountersFormat, ReadingsFormat
from usage.models import Counter, Length, Outage

from .helpers import FIXTURES, daily_csv, import_text

pytestmark = pytest.mark.django_db

START = dt.date(2020, 1, 6)


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def outages(counter):
    return list(counter.outages.order_by("start").values_list("start", "end", "kind", "manual"))


def test_zero_and_near_zero_days_and_missing_days_of_a_busy_counter_are_outages(counter):
    # 60 busy days; then 4 days at 0, 1, 0, 0 bikes; 10 busy days; 3 days without data; busy.
    counts = [1000 + i % 7 * 50 for i in range(60)] + [0, 1, 0, 0] + [900] * 10
    counts += [None, None, None] + [950] * 20
    import_text(daily_csv("C1", START, counts))

    assert outages(counter) == [
        (day(60), day(64), Outage.Kind.ZERO, False),
        (day(74), day(77), Outage.Kind.MISSING, False),
    ]


def test_a_quiet_counter_keeps_its_zeros(counter):
    # A usual day of 4 bikes: a day without any is plausible, not an outage.
    import_text(daily_csv("C1", START, [4, 5, 0, 3, 0, 6, 4] * 8))

    assert outages(counter) == []


def test_a_drop_to_a_few_percent_is_usage_not_an_outage(counter):
    # A lockdown: 3 % of the usual traffic for three weeks stays in the statistics.
    import_text(daily_csv("C1", START, [2000] * 40 + [60] * 21 + [1800] * 20))

    assert outages(counter) == []


def test_outage_days_are_left_out_of_the_statistics(counter):
    import_text(daily_csv("C1", START, [1000] * 10 + [0] * 3 + [1000] * 10))

    rows = selectors.daily_totals_for_statistics(counter_ids=[counter.pk], start=START, end=day(23))

    assert [d for _c, d, _n in rows] == [day(i) for i in range(23) if not 10 <= i < 13]


def test_incomplete_days_are_left_out_of_the_statistics(counter):
    import_text("counter,datetime,count\nC1,2020-06-01T08:00,10\n")
    import_text(daily_csv("C1", dt.date(2020, 6, 2), [500]))

    rows = selectors.daily_totals_for_statistics(
        counter_ids=[counter.pk], start=dt.date(2020, 6, 1), end=dt.date(2020, 6, 3)
    )

    assert rows == [(counter.pk, dt.date(2020, 6, 2), 500)]


def test_an_outage_the_services_recorded_survives_detection(counter):
    import_text(daily_csv("C1", START, [1000] * 30))
    reported = Outage.objects.create(
        counter=counter,
        start=day(3),
        end=day(5),
        kind=Outage.Kind.REPORTED,
        manual=True,
        note="Boucle arrachée",
    )
    # Zeros inside the recorded outage and after it.
    import_text(daily_csv("C1", day(3), [0, 0, 0, 0]))

    assert outages(counter) == [
        (day(3), day(5), Outage.Kind.REPORTED, True),
        (day(5), day(7), Outage.Kind.ZERO, False),
    ]
    assert Outage.objects.get(manual=True) == reported


def test_lyon_grande_bretagne_works_are_one_outage_of_six_months():
    with (FIXTURES / "lyon" / "compteurs_velo.csv").open("rb") as f:
        services.counters_import(file=f, fmt=CountersFormat(name_column="nom"), source="lyon")
    with (FIXTURES / "lyon" / "comptages_mensuels_velo.csv").open("rb") as f:
        services.readings_import(
            file=f,
            fmt=ReadingsFormat(
                counter_column="compteur_id",
                time_column="mois",
                period=Length.MONTH,
                count_column="comptage",
            ),
            source="lyon",
        )

    gdb = Counter.objects.get(name="Avenue de Grande Bretagne")
    # 0, 1, 0, 0, 0 and 14 bikes a month against a usual 23,000.
    assert outages(gdb) == [(dt.date(2022, 10, 1), dt.date(2023, 4, 1), Outage.Kind.ZERO, False)]
    # The Berges du Rhône, closed in the 2020 lockdown (0.25 % of a usual month): kept.
    berges = Counter.objects.get(name="Berges du Rhône")
    assert outages(berges) == []
