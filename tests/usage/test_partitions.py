"""The readings are partitioned by UTC month: an import creates the partitions of the months it
writes, on either way in, and every reading lands in its month's (`usage.importing.partitions`)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.jobs import periodic_tasks
from usage.importing.reader import COPY_BLOCK
from usage.models import Length, Reading

from .helpers import import_text, make_counter

pytestmark = pytest.mark.django_db

UTC = dt.UTC
HEADER = "counter,datetime,count\n"
# 2021-01-31 20:00 to 2021-02-01 03:00 UTC: four hours in January, four in February.
AROUND_FEBRUARY = dt.datetime(2021, 1, 31, 20, tzinfo=UTC)


def hours(counter: str, first: dt.datetime, n: int, count=lambda i: i % 97) -> str:
    """`n` hourly lines of `counter` from `first` (UTC), written with their UTC offset."""
    return "".join(
        f"{counter},{(first + dt.timedelta(hours=i)).isoformat()},{count(i)}\n" for i in range(n)
    )


def rows_by_partition() -> dict[str, int]:
    """The number of readings in each partition that holds some."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text, count(*) FROM usage_reading GROUP BY 1")
        return dict(cursor.fetchall())


def partitions() -> dict[str, str]:
    """Every partition of the readings, with its bounds."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i"
            " JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'usage_reading'::regclass"
        )
        return dict(cursor.fetchall())


def import_watched(text: str, **kwargs):
    """Import `text`; the report, and whether the rows were staged (not the short way)."""
    with CaptureQueriesContext(connection) as captured:
        report = import_text(text, **kwargs)
    staged = any("CREATE TEMP TABLE usage_staging" in q["sql"] for q in captured.captured_queries)
    return report, staged


@pytest.mark.parametrize(
    ("extra", "staged"),
    [("", False), ("C1,demain,4\n", True)],
    ids=["short-way", "staged-way"],
)
def test_an_import_creates_the_partitions_of_the_months_it_writes(counter, extra, staged):
    report, was_staged = import_watched(HEADER + hours("C1", AROUND_FEBRUARY, 8) + extra)

    assert (was_staged, report.run.inserted) == (staged, 8)
    assert rows_by_partition() == {"usage_reading_2021_01": 4, "usage_reading_2021_02": 4}
    assert partitions() == {
        "usage_reading_default": "DEFAULT",
        "usage_reading_2021_01": (
            "FOR VALUES FROM ('2021-01-01 00:00:00+00') TO ('2021-02-01 00:00:00+00')"
        ),
        "usage_reading_2021_02": (
            "FOR VALUES FROM ('2021-02-01 00:00:00+00') TO ('2021-03-01 00:00:00+00')"
        ),
    }


def test_a_long_first_import_creates_each_month_as_its_rows_come(db):
    make_counter("C1")
    make_counter("C2", lon=4.9)
    # Three months of two counters, hour after hour: the months come block after block of the
    # COPY, which is ended and started again for each.
    first = dt.datetime(2021, 1, 1, tzinfo=UTC)
    lines = [
        f"{c},{(first + dt.timedelta(hours=i)).isoformat()},{i % 50}\n"
        for i in range(24 * 90)
        for c in ("C1", "C2")
    ]
    text = HEADER + "".join(lines)
    assert len(text) > 2 * COPY_BLOCK

    report, staged = import_watched(text)

    assert (staged, report.run.inserted) == (False, 2 * 24 * 90)
    assert rows_by_partition() == {
        "usage_reading_2021_01": 2 * 24 * 31,
        "usage_reading_2021_02": 2 * 24 * 28,
        "usage_reading_2021_03": 2 * 24 * 31,
    }


def test_a_reimport_changes_nothing_and_a_correction_updates_its_partition(counter):
    text = HEADER + hours("C1", AROUND_FEBRUARY, 8)
    import_text(text)
    before = (rows_by_partition(), partitions())

    again = import_text(text)
    corrected = import_text(
        text.replace("2021-02-01T01:00:00+00:00,5", "2021-02-01T01:00:00+00:00,50")
    )

    assert (again.run.inserted, again.run.updated, again.run.unchanged) == (0, 0, 8)
    assert (corrected.run.inserted, corrected.run.updated, corrected.run.unchanged) == (0, 1, 7)
    assert (rows_by_partition(), partitions()) == before
    assert Reading.objects.get(start=dt.datetime(2021, 2, 1, 1, tzinfo=UTC)).count == 50


def test_a_later_month_gets_its_partition_beside_the_earlier_ones(counter):
    import_text(HEADER + hours("C1", dt.datetime(2021, 1, 10, tzinfo=UTC), 24))

    report, staged = import_watched(HEADER + hours("C1", dt.datetime(2021, 3, 10, tzinfo=UTC), 24))

    assert (staged, report.run.inserted) == (False, 24)
    assert rows_by_partition() == {"usage_reading_2021_01": 24, "usage_reading_2021_03": 24}


def test_a_reading_another_writer_left_in_the_default_partition_moves_to_its_month(counter):
    # Written through the ORM, in a month that has no partition: the DEFAULT one takes it.
    Reading.objects.create(
        counter=counter, start=dt.datetime(2021, 3, 1, 10, tzinfo=UTC), length=Length.HOUR, count=5
    )
    assert rows_by_partition() == {"usage_reading_default": 1}

    report = import_text(
        HEADER + "C1,2021-03-01T10:00:00+00:00,7\nC1,2021-03-01T11:00:00+00:00,8\n"
    )

    assert (report.run.inserted, report.run.updated) == (1, 1)
    assert rows_by_partition() == {"usage_reading_2021_03": 2}
    assert sorted(Reading.objects.values_list("count", flat=True)) == [7, 8]


def test_a_monthly_reading_lies_in_the_utc_month_its_local_month_starts_in(counter):
    # March 2021 starts on February 28 at 23:00 UTC in Paris.
    import_text("counter,month,count\nC1,2021-03,3100\nC1,2021-04,2900\n")

    assert rows_by_partition() == {"usage_reading_2021_02": 1, "usage_reading_2021_03": 1}
    assert Reading.objects.get(start=dt.datetime(2021, 2, 28, 23, tzinfo=UTC)).count == 3100


def test_deleting_a_counter_deletes_its_readings_in_every_partition(db):
    gone = make_counter("C1")
    kept = make_counter("C2", lon=4.9)
    import_text(HEADER + hours("C1", AROUND_FEBRUARY, 8) + hours("C2", AROUND_FEBRUARY, 8))

    gone.delete()

    assert list(Reading.objects.values_list("counter_id", flat=True).distinct()) == [kept.pk]
    assert rows_by_partition() == {"usage_reading_2021_01": 4, "usage_reading_2021_02": 4}


def planned_readings() -> float:
    """What the planner believes the readings as a whole hold (the partitioned table's own
    statistics)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'usage_reading'::regclass")
        return cursor.fetchone()[0]


def test_the_readings_statistics_are_refreshed_every_night(counter):
    import_text(HEADER + hours("C1", AROUND_FEBRUARY, 8))
    # The imports analyse partitions only: the whole table's estimate is still the empty one.
    assert planned_readings() <= 0

    nightly = periodic_tasks()["readings-analyze"]
    nightly.task(timestamp=0)

    assert nightly.cron == "15 3 * * *"
    assert planned_readings() == 8
