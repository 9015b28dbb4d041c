"""Imports through the services, on the real shared files and on crafted ones."""

import csv
import datetime as dt
import io

import pytest
from django.contrib.gis.geos import Point
from django.db.models import F

from usage import services
from usage.importing import PARIS_HOURLY_FORMAT, CountersFormat, ReadingsFormat
from usage.importing import messages as m
from usage.models import (
    Counter,
    DailyTotal,
    ImportRun,
    Length,
    MonthlyTotal,
    Outage,
    Reading,
)

from .helpers import FIXTURES, import_text, make_counter

pytestmark = pytest.mark.django_db

LYON_COUNTS = ReadingsFormat(
    counter_column="compteur_id", time_column="mois", period=Length.MONTH, count_column="comptage"
)


def import_file(path, **kwargs):
    with path.open("rb") as file:
        return services.readings_import(file=file, file_name=path.name, **kwargs)


def import_counters_file(path, **kwargs):
    with path.open("rb") as file:
        return services.counters_import(file=file, file_name=path.name, **kwargs)


def table(model, *fields):
    return sorted(model.objects.values_list(*fields))


def csv_rows(path, **kwargs):
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f, **kwargs))


# --- the real files ----------------------------------------------------------------------


def test_the_paris_official_hourly_export_creates_its_counter_and_its_hours():
    path = FIXTURES / "paris" / "comptage_horaire_format_officiel_extrait.csv"
    report = import_file(path, fmt=PARIS_HOURLY_FORMAT, source="paris", kind="paris_hourly")

    run = report.run
    assert (run.rows, run.inserted, run.rejected, run.counters_created) == (21, 21, 0, 1)
    counter = Counter.objects.get()
    assert counter.external_id == "100003096-353242251"
    assert counter.name == "97 avenue Denfert Rochereau SO-NE"
    assert counter.location.equals_exact(Point(2.33314, 48.83504, srid=4326), 1e-9)
    assert counter.installed_on == dt.date(2012, 2, 22)
    # 03:00 in Paris summer time is 01:00 UTC.
    assert Reading.objects.filter(start=dt.datetime(2021, 9, 1, 1, tzinfo=dt.UTC)).get().count == 3
    # The extract holds 21 hours of 1 September 2021: an incomplete day.
    expected = sum(int(float(r["Comptage horaire"])) for r in csv_rows(path, delimiter=";"))
    day = DailyTotal.objects.get()
    assert (day.date, day.count, day.hours, day.hours_expected) == (
        dt.date(2021, 9, 1),
        expected,
        21,
        24,
    )
    assert not day.complete


def test_paris_2020_daily_counts_load_with_their_counters_and_207_outage_days():
    counters = import_counters_file(
        FIXTURES / "paris" / "compteurs_2020.csv",
        fmt=CountersFormat(id_column="station_id", name_column="station_name"),
        source="paris-2020",
    )
    counts = import_file(
        FIXTURES / "paris" / "comptages_journaliers_2020.csv",
        fmt=ReadingsFormat(counter_column="station"),
        source="paris-2020",
    )

    assert (counters.run.inserted, counters.run.rejected) == (40, 0)
    assert (counts.run.rows, counts.run.inserted, counts.run.rejected) == (14640, 14640, 0)
    assert DailyTotal.objects.count() == 14640
    # Daily readings cover their days whole, the 23- and 25-hour ones included.
    assert not DailyTotal.objects.filter(hours__lt=F("hours_expected")).exists()
    assert MonthlyTotal.objects.count() == 40 * 12
    assert MonthlyTotal.objects.filter(days=F("days_expected")).count() == 40 * 12
    outage_days = sum((o.end - o.start).days for o in Outage.objects.all())
    zero_days = sum(
        1
        for row in csv_rows(FIXTURES / "paris" / "comptages_journaliers_2020.csv")
        if row["count"] == "0"
    )
    assert outage_days == zero_days == 207
    denfert = Counter.objects.get(external_id="avenue Denfert Rochereau")
    assert denfert.attribution == ""
    assert denfert.location.equals_exact(Point(2.332999, 48.834915, srid=4326), 1e-9)


def test_lyon_monthly_counts_since_2015_load_with_their_counters():
    import_counters_file(
        FIXTURES / "lyon" / "compteurs_velo.csv",
        fmt=CountersFormat(name_column="nom"),
        source="lyon",
        attribution="MIT, © 2024 La Ville à Vélo",
    )
    report = import_file(
        FIXTURES / "lyon" / "comptages_mensuels_velo.csv", fmt=LYON_COUNTS, source="lyon"
    )

    assert (report.run.inserted, report.run.rejected) == (8883, 0)
    assert Counter.objects.count() == 88
    assert MonthlyTotal.objects.count() == 8883
    assert not DailyTotal.objects.exists()  # a month says nothing about its days
    gdb = Counter.objects.get(name="Avenue de Grande Bretagne")
    assert gdb.attribution == "MIT, © 2024 La Ville à Vélo"
    may_2023 = MonthlyTotal.objects.get(counter=gdb, month=dt.date(2023, 5, 1))
    assert (may_2023.count, may_2023.days, may_2023.days_expected) == (49063, 31, 31)


# --- idempotence and corrections -----------------------------------------------------------


def test_importing_a_file_twice_writes_nothing_the_second_time(counter):
    text = "counter,datetime,count\n" + "".join(
        f"C1,2020-06-01T{h:02d}:00,{h}\n" for h in range(24)
    )
    first = import_text(text)
    snapshot = (
        table(Reading, "counter", "start", "length", "count"),
        table(DailyTotal, "counter", "date", "count", "hours"),
        table(MonthlyTotal, "counter", "month", "count", "days"),
    )

    second = import_text(text)

    assert (first.run.inserted, first.run.updated, first.run.unchanged) == (24, 0, 0)
    assert (second.run.inserted, second.run.updated, second.run.unchanged) == (0, 0, 24)
    assert snapshot == (
        table(Reading, "counter", "start", "length", "count"),
        table(DailyTotal, "counter", "date", "count", "hours"),
        table(MonthlyTotal, "counter", "month", "count", "days"),
    )


def test_a_corrected_file_updates_the_counts_it_corrects_and_their_rollups(counter):
    import_text("counter,date,count\nC1,2020-06-01,100\nC1,2020-06-02,200\nC1,2020-06-03,300\n")

    report = import_text(
        "counter,date,count\nC1,2020-06-01,100\nC1,2020-06-02,250\nC1,2020-06-03,300\nC1,2020-06-04,400\n"
    )

    assert (report.run.inserted, report.run.updated, report.run.unchanged) == (1, 1, 2)
    assert table(DailyTotal, "date", "count") == [
        (dt.date(2020, 6, 1), 100),
        (dt.date(2020, 6, 2), 250),
        (dt.date(2020, 6, 3), 300),
        (dt.date(2020, 6, 4), 400),
    ]
    june = MonthlyTotal.objects.get()
    assert (june.count, june.days, june.complete) == (1050, 4, False)


def test_a_daily_reading_wins_over_the_hours_of_the_same_day(counter):
    import_text("counter,datetime,count\nC1,2020-06-01T08:00,10\nC1,2020-06-01T09:00,20\n")
    day = DailyTotal.objects.get()
    assert (day.count, day.hours, day.source_length) == (30, 2, Length.HOUR)

    import_text("counter,date,count\nC1,2020-06-01,500\n")

    day = DailyTotal.objects.get()
    assert (day.count, day.hours, day.complete, day.source_length) == (500, 24, True, Length.DAY)


# --- daylight saving ------------------------------------------------------------------------


def hourly_day(day: str, hours: list[str]) -> str:
    return "counter,datetime,count\n" + "".join(f"C1,{day}T{h},10\n" for h in hours)


def test_the_day_clocks_go_back_has_25_complete_hours(counter):
    hours = ["00:00", "01:00", "02:00", "02:00", *[f"{h:02d}:00" for h in range(3, 24)]]
    report = import_text(hourly_day("2020-10-25", hours))

    assert (report.run.inserted, report.run.rejected) == (25, 0)
    day = DailyTotal.objects.get()
    assert (day.date, day.count, day.hours, day.hours_expected, day.complete) == (
        dt.date(2020, 10, 25),
        250,
        25,
        25,
        True,
    )


def test_the_day_clocks_go_forward_is_complete_with_23_hours(counter):
    hours = [f"{h:02d}:00" for h in range(24) if h != 2]
    import_text(hourly_day("2020-03-29", hours))

    day = DailyTotal.objects.get()
    assert (day.count, day.hours, day.hours_expected, day.complete) == (230, 23, 23, True)


def test_24_hours_on_the_day_clocks_go_back_leave_it_incomplete(counter):
    import_text(hourly_day("2020-10-25", [f"{h:02d}:00" for h in range(24)]))

    day = DailyTotal.objects.get()
    assert (day.hours, day.hours_expected, day.complete) == (24, 25, False)


# --- bad lines -------------------------------------------------------------------------------


BAD_FILE = """counter;datetime;count
C1;2020-06-01T08:00;10
C1;2020-06-31T09:00;11
C1;2020-06-01T10:00;-4
C1;2020-06-01T11:00;beaucoup
C9;2020-06-01T12:00;13
C1;2020-06-01T08:00;99
C1;2020-06-01T13:00;14
"""


def test_each_kind_of_bad_line_is_rejected_with_its_number_and_the_good_ones_kept(
    counter, tmp_path
):
    rejects = tmp_path / "rejets.csv"
    report = import_text(BAD_FILE, rejects_to=rejects)

    hour = {"period": m.PERIOD_NAMES[Length.HOUR], "expected": m.EXPECTED_ISO[Length.HOUR]}
    assert [(r.line, r.reason) for r in report.rejects] == [
        (3, m.REJECT_BAD_DATE % {"value": "2020-06-31T09:00", **hour}),
        (4, m.REJECT_NEGATIVE_COUNT % {"value": "-4"}),
        (5, m.REJECT_BAD_COUNT % {"value": "beaucoup"}),
        (6, m.REJECT_UNKNOWN_COUNTER % {"value": "C9"}),
        (7, m.REJECT_DUPLICATE % {"line": 2}),
    ]
    assert (report.run.rows, report.run.inserted, report.run.rejected) == (7, 2, 5)
    assert sorted(Reading.objects.values_list("count", flat=True)) == [10, 14]
    # The rejects file: the input's columns and separator, then the line and the reason.
    written = list(csv.reader(rejects.open(encoding="utf-8"), delimiter=";"))
    assert written[0][:3] == ["counter", "datetime", "count"]
    assert len(written[0]) == 5
    assert [row[:4] for row in written[1:]] == [
        ["C1", "2020-06-31T09:00", "11", "3"],
        ["C1", "2020-06-01T10:00", "-4", "4"],
        ["C1", "2020-06-01T11:00", "beaucoup", "5"],
        ["C9", "2020-06-01T12:00", "13", "6"],
        ["C1", "2020-06-01T08:00", "99", "7"],
    ]
    assert report.run.rejects_csv == rejects.read_text(encoding="utf-8")


def test_blank_lines_before_the_header_are_skipped_lines_keep_their_numbers(counter, tmp_path):
    # Some exports start with a blank line (or one of separators only): that is no empty file.
    rejects = tmp_path / "rejets.csv"
    report = import_text("\n;;\n" + BAD_FILE, rejects_to=rejects)

    assert [r.line for r in report.rejects] == [5, 6, 7, 8, 9]
    assert (report.run.inserted, report.run.rejected) == (2, 5)
    written = list(csv.reader(rejects.open(encoding="utf-8"), delimiter=";"))
    assert written[0][:3] == ["counter", "datetime", "count"]
    assert [row[3] for row in written[1:]] == ["5", "6", "7", "8", "9"]


def test_a_file_of_blank_lines_is_empty(db):
    with pytest.raises(m.ImportFileError) as error:
        import_text("\n\n  \n")
    assert str(error.value) == str(m.ERROR_EMPTY)


def test_a_counters_file_may_start_with_a_blank_line(db):
    report = services.counters_import(
        file=io.BytesIO(b"\r\nid,name,lon,lat\r\nA,Alpha,4.8,45.7\r\nB,Beta,x,45.8\r\n"),
        fmt=CountersFormat(),
        source="test",
    )
    assert (report.run.inserted, [r.line for r in report.rejects]) == (1, [4])


def test_corrected_rejected_lines_import_as_they_are(counter, tmp_path):
    rejects = tmp_path / "rejets.csv"
    import_text(BAD_FILE, rejects_to=rejects)
    fixed = (
        rejects.read_text(encoding="utf-8")
        .replace("2020-06-31", "2020-06-30")
        .replace(";-4;", ";4;")
    )

    report = import_text(fixed)

    # The two fixed lines are new; line 8 (was 7) is no longer a duplicate within its file and
    # corrects line 2's count; the bad count and the unknown counter are still rejected.
    assert (report.run.inserted, report.run.updated, report.run.rejected) == (2, 1, 2)


def test_a_file_missing_a_column_writes_nothing(db):
    with pytest.raises(m.ImportFileError):
        import_text("counter,when,count\nC1,2020-06-01,3\n")
    assert not ImportRun.objects.exists()


def test_counters_are_updated_in_place_by_a_later_counters_file(db):
    make_counter("A", lon=4.8, lat=45.7, name="Alpha")
    report = services.counters_import(
        file=io.BytesIO(b"id,name,lon,lat\nA,Alpha bis,4.8,45.7\nB,Beta,4.9,45.8\n"),
        fmt=CountersFormat(),
        source="test",
    )
    assert (report.run.inserted, report.run.updated, report.run.unchanged) == (1, 1, 0)
    assert sorted(Counter.objects.values_list("name", flat=True)) == ["Alpha bis", "Beta"]


def test_a_file_postgresql_cannot_copy_as_it_is_rejects_the_same_lines(counter, tmp_path):
    # A line with a column too few, one with a column too many and a blank line: the file is
    # split in Python before the copy, and the other lines are judged as in any file.
    text = (
        BAD_FILE + "C1;2020-06-01T15:00\nC1;2020-06-01T16:00;16;en trop\n\nC1;2020-06-01T17:00;17\n"
    )
    rejects = tmp_path / "rejets.csv"
    lines_read = []
    report = import_text(text, rejects_to=rejects, progress=lines_read.append)

    # Read three times (short way, COPY as it is, split in Python); each line counted once.
    assert sum(lines_read) == text.count("\n") - 1
    hour = {"period": m.PERIOD_NAMES[Length.HOUR], "expected": m.EXPECTED_ISO[Length.HOUR]}
    assert [(r.line, r.reason) for r in report.rejects] == [
        (3, m.REJECT_BAD_DATE % {"value": "2020-06-31T09:00", **hour}),
        (4, m.REJECT_NEGATIVE_COUNT % {"value": "-4"}),
        (5, m.REJECT_BAD_COUNT % {"value": "beaucoup"}),
        (6, m.REJECT_UNKNOWN_COUNTER % {"value": "C9"}),
        (7, m.REJECT_DUPLICATE % {"line": 2}),
        (9, m.REJECT_COLUMNS % {"found": 2, "expected": 3}),
    ]
    assert (report.run.rows, report.run.inserted, report.run.rejected) == (10, 4, 6)
    assert sorted(Reading.objects.values_list("count", flat=True)) == [10, 14, 16, 17]
    written = list(csv.reader(rejects.open(encoding="utf-8"), delimiter=";"))
    assert [row[-2] for row in written[1:]] == ["3", "4", "5", "6", "7", "9"]


def test_a_quote_inside_a_value_is_read_as_python_reads_it(counter):
    report = import_text('counter,datetime,count\nC1,2020-06-01T08:00,1\nC"1",2020-06-01T09:00,2\n')

    assert [(r.line, r.reason) for r in report.rejects] == [
        (3, m.REJECT_UNKNOWN_COUNTER % {"value": 'C"1"'})
    ]
    assert Reading.objects.get().count == 1


def test_counts_written_as_decimals_or_padded_are_whole_numbers(counter):
    report = import_text(
        "counter,datetime,count\nC1,2020-06-01T08:00,3.0\nC1,2020-06-01T09:00, 7 \n"
        "C1,2020-06-01T10:00,12\n"
    )

    assert report.rejects == []
    assert sorted(Reading.objects.values_list("count", flat=True)) == [3, 7, 12]


def test_a_counter_is_created_from_its_first_line_that_describes_it(db):
    path = FIXTURES / "paris" / "comptage_horaire_format_officiel_extrait.csv"
    header, first, *others = path.read_text(encoding="utf-8").splitlines(keepends=True)
    no_position = first.replace("48.83504,2.33314", "48.83504")
    bad_count = others[0].replace(";16.0;", ";seize;")
    text = header + bad_count + no_position + "".join(others[1:])

    report = import_text(text, fmt=PARIS_HOURLY_FORMAT, source="paris")

    assert [(r.line, r.reason) for r in report.rejects] == [
        (2, m.REJECT_BAD_COUNT % {"value": "seize"}),
        (3, m.REJECT_BAD_COORDINATES % {"value": "48.83504"}),
    ]
    assert report.run.counters_created == 1
    assert Reading.objects.count() == 19
    assert Counter.objects.get().location.equals_exact(Point(2.33314, 48.83504, srid=4326), 1e-9)


def test_lines_of_a_counter_no_line_describes_are_rejected_with_the_reason(db):
    path = FIXTURES / "paris" / "comptage_horaire_format_officiel_extrait.csv"
    header, *lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    text = header + "".join(line.replace("48.83504,2.33314", "nord") for line in lines[:2])

    report = import_text(text, fmt=PARIS_HOURLY_FORMAT, source="paris")

    reason = m.REJECT_BAD_COORDINATES % {"value": "nord"}
    assert [(r.line, r.reason) for r in report.rejects] == [(2, reason), (3, reason)]
    assert not Counter.objects.exists()
    assert not Reading.objects.exists()
