"""The short way in: a clean file of new readings is copied straight into the readings, and
gives the same rows and rollups as the staged way; anything else takes the staged way."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from usage.importing import loading
from usage.models import DailyTotal, MonthlyTotal, Reading

from .helpers import import_text, make_counter

pytestmark = pytest.mark.django_db

UTC = dt.UTC
HEADER = "counter,datetime,count\n"


def hours(counter: str, first: dt.datetime, n: int, count=lambda i: i % 97) -> str:
    """`n` hourly lines of `counter` from `first` (UTC), written with their UTC offset."""
    return "".join(
        f"{counter},{(first + dt.timedelta(hours=i)).isoformat()},{count(i)}\n" for i in range(n)
    )


def state():
    return (
        sorted(Reading.objects.values_list("counter__external_id", "start", "length", "count")),
        sorted(DailyTotal.objects.values_list("counter__external_id", "date", "count", "hours")),
        sorted(MonthlyTotal.objects.values_list("counter__external_id", "month", "count", "days")),
    )


def tables_created(captured: CaptureQueriesContext) -> set[str]:
    """The import's work tables created while `captured` watched."""
    return {
        name
        for query in captured.captured_queries
        for name in ("usage_staging", "usage_raw")
        if f"CREATE TEMP TABLE {name}" in query["sql"]
    }


def import_watched(text: str, **kwargs):
    with CaptureQueriesContext(connection) as captured:
        report = import_text(text, **kwargs)
    return report, tables_created(captured)


def test_a_clean_file_of_new_readings_skips_the_staging_table_a_repeat_does_not(counter):
    text = HEADER + hours("C1", dt.datetime(2020, 6, 1, tzinfo=UTC), 72)

    first, first_tables = import_watched(text)
    again, again_tables = import_watched(text)

    assert first_tables == set()
    # Clean, but stored already: staged from Python, with no text table to judge in SQL.
    assert again_tables == {"usage_staging"}
    assert (first.run.inserted, first.run.unchanged) == (72, 0)
    assert (again.run.inserted, again.run.updated, again.run.unchanged) == (0, 0, 72)
    assert Reading.objects.count() == 72


def test_a_file_with_a_bad_line_is_judged_in_sql(counter):
    text = HEADER + hours("C1", dt.datetime(2020, 6, 1, tzinfo=UTC), 3) + "C1,demain,4\n"

    report, tables = import_watched(text)

    assert tables == {"usage_raw", "usage_staging"}
    assert (report.run.inserted, report.run.rejected) == (3, 1)


@pytest.mark.parametrize(
    ("way", "tables"),
    [
        (None, set()),
        (loading._Way.CLEAN, {"usage_staging"}),
        (loading._Way.UNCLEAN, {"usage_raw", "usage_staging"}),
    ],
    ids=["short", "staged-from-python", "judged-in-sql"],
)
def test_every_way_gives_the_same_rows_and_rollups(db, monkeypatch, way, tables):
    make_counter("C1")
    make_counter("C2", lon=4.9)
    # Two counters over the night clocks go back and a month's end, Windows line ends.
    first = dt.datetime(2020, 10, 23, 22, tzinfo=UTC)
    text = HEADER + hours("C1", first, 24 * 10) + hours("C2", first, 24 * 9, lambda i: 3 * i)
    text = text.replace("\n", "\r\n")
    _, short_tables = import_watched(text)
    short = state()
    Reading.objects.all().delete()
    DailyTotal.objects.all().delete()
    MonthlyTotal.objects.all().delete()
    if way is not None:
        monkeypatch.setattr(loading, "_copy_new_rows", lambda *args: way)

    _, way_tables = import_watched(text)

    assert (short_tables, way_tables) == (set(), tables)
    assert state() == short
    october_25 = DailyTotal.objects.get(counter__external_id="C1", date=dt.date(2020, 10, 25))
    assert (october_25.count, october_25.hours, october_25.hours_expected) == (
        sum(range(24, 49)),  # Oct 25 00:00 in Paris is the 25th hour from the first
        25,
        25,
    )


def test_the_next_file_adds_its_hours_to_the_day_the_last_one_ended_in(counter):
    # Paris time: June 1 00:00 is May 31 22:00 UTC. The first file ends on June 2 at 11:00.
    june_1 = dt.datetime(2020, 5, 31, 22, tzinfo=UTC)
    import_text(HEADER + hours("C1", june_1, 36, lambda i: 1))

    report, tables = import_watched(
        HEADER + hours("C1", june_1 + dt.timedelta(hours=36), 60, lambda i: 2)
    )

    assert (tables, report.run.inserted) == (set(), 60)
    days = dict(DailyTotal.objects.values_list("date", "count"))
    assert days == {
        dt.date(2020, 6, 1): 24,
        dt.date(2020, 6, 2): 12 + 24,  # 12 hours of each file
        dt.date(2020, 6, 3): 48,
        dt.date(2020, 6, 4): 48,
    }
    assert MonthlyTotal.objects.get().count == 36 + 120


def test_older_hours_than_the_stored_ones_take_the_staged_way(counter):
    june_2 = dt.datetime(2020, 6, 1, 22, tzinfo=UTC)
    import_text(HEADER + hours("C1", june_2, 24, lambda i: 1))

    report, tables = import_watched(
        HEADER + hours("C1", june_2 - dt.timedelta(hours=24), 24, lambda i: 2)
    )

    assert (tables, report.run.inserted) == ({"usage_staging"}, 24)
    assert sorted(DailyTotal.objects.values_list("date", "count")) == [
        (dt.date(2020, 6, 1), 48),
        (dt.date(2020, 6, 2), 24),
    ]


def test_a_bad_line_after_many_good_ones_is_rejected_and_every_line_counted_once(counter):
    # Several blocks of good lines, then a negative count: the short way gives up late.
    good = hours("C1", dt.datetime(2020, 1, 1, tzinfo=UTC), 5000)
    text = HEADER + good + "C1,2021-01-01T00:00:00+00:00,-4\n" + "C1,2021-01-01T01:00:00+00:00,7\n"
    lines_read = []

    report = import_text(text, progress=lines_read.append)

    assert (report.run.inserted, report.run.rejected) == (5001, 1)
    assert report.rejects[0].line == 5002
    assert "-4" in report.rejects[0].reason
    assert sum(lines_read) == report.run.rows == 5002


def test_a_repeated_line_in_an_otherwise_clean_file_is_rejected_with_its_first(counter):
    text = HEADER + hours("C1", dt.datetime(2020, 6, 1, tzinfo=UTC), 3, lambda i: 5)
    text += "C1,2020-06-01T01:00:00+00:00,9\n"

    report = import_text(text)

    assert (report.run.inserted, report.run.rejected) == (3, 1)
    assert str(report.rejects[0]) == "ligne 5 : même compteur et même période que la ligne 3"
    assert Reading.objects.get(start=dt.datetime(2020, 6, 1, 1, tzinfo=UTC)).count == 5


def test_two_repeated_lines_are_both_rejected_in_line_order(counter):
    text = HEADER + hours("C1", dt.datetime(2020, 6, 1, tzinfo=UTC), 3, lambda i: 5)
    text += "C1,2020-06-01T02:00:00+00:00,9\n"
    text += "C1,2020-06-01T00:00:00+00:00,8\n"

    report = import_text(text)

    assert (report.run.inserted, report.run.rejected) == (3, 2)
    assert [str(r) for r in report.rejects] == [
        "ligne 5 : même compteur et même période que la ligne 4",
        "ligne 6 : même compteur et même période que la ligne 2",
    ]
