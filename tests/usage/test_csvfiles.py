"""Reading CSV files of counts and counters, line by line (no database)."""

import datetime as dt
import io

import pytest

from indicators.usage.importing import csvfiles as m
from indicators.usage.importing.csvfiles import (
    PARIS_HOURLY_FORMAT,
    CountersFormat,
    ImportFileError,
    ReadingsFormat,
    ReadingsReader,
    counters_read,
)
from indicators.usage.models import Length

from .helpers import FIXTURES


def read(text: str, fmt: ReadingsFormat | None = None, ids=None):
    """The good lines as (line, counter id, UTC start, count), and the reader."""
    reader = ReadingsReader(io.BytesIO(text.encode()), fmt or ReadingsFormat(), ids or {"C1": "7"})
    return copy_rows("".join(reader.blocks())), reader


def copy_rows(text: str) -> list[tuple[int, str, str, int]]:
    rows = []
    for line in text.splitlines():
        number, counter_id, start, count = line.split("\t")
        rows.append((int(number), counter_id, start, int(count)))
    return rows


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def starts(rows):
    return [utc(start) for _line, _counter, start, _count in rows]


def test_night_clocks_go_back_has_25_hours_and_the_second_0200_is_winter_time():
    hours = [f"{h:02d}:00" for h in range(3)] + ["02:00"] + [f"{h:02d}:00" for h in range(3, 24)]
    text = "counter,datetime,count\n" + "".join(
        f"C1,2020-10-25 {h},{i}\n" for i, h in enumerate(hours)
    )
    rows, reader = read(text)
    assert reader.rejects == []
    assert len(rows) == 25
    # Consecutive hours in UTC: from 22:00 UTC the day before to 22:00 UTC, one hour apart.
    assert starts(rows) == [
        dt.datetime(2020, 10, 24, 22, tzinfo=dt.UTC) + dt.timedelta(hours=i) for i in range(25)
    ]


def test_night_clocks_go_forward_has_23_hours_and_0230_does_not_exist():
    text = "counter,datetime,count\n" + "".join(f"C1,2020-03-29T{h:02d}:00,5\n" for h in range(24))
    rows, reader = read(text)
    assert len(rows) == 23
    assert [(r.line, r.reason) for r in reader.rejects] == [
        (4, m.REJECT_NONEXISTENT_TIME % {"value": "2020-03-29T02:00", "tz": "Europe/Paris"})
    ]
    assert starts(rows)[1:3] == [
        dt.datetime(2020, 3, 29, 0, tzinfo=dt.UTC),
        dt.datetime(2020, 3, 29, 1, tzinfo=dt.UTC),
    ]


def test_times_with_an_offset_are_taken_as_written():
    rows, _ = read("counter,datetime,count\nC1,2021-09-01T03:00:00+02:00,3\n")
    assert starts(rows) == [dt.datetime(2021, 9, 1, 1, tzinfo=dt.UTC)]


def test_days_and_months_start_at_local_midnight():
    rows, _ = read("counter,date,count\nC1,2020-07-01,3\n")
    assert starts(rows) == [dt.datetime(2020, 6, 30, 22, tzinfo=dt.UTC)]
    rows, _ = read("counter,month,count\nC1,2020-01,3\nC1,2020-02-01,4\n")
    assert starts(rows) == [
        dt.datetime(2019, 12, 31, 23, tzinfo=dt.UTC),
        dt.datetime(2020, 1, 31, 23, tzinfo=dt.UTC),
    ]


HOUR = {"period": m.PERIOD_NAMES[1], "expected": m.EXPECTED_ISO[1]}


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("C1,2020-13-01,5", m.REJECT_BAD_DATE % {"value": "2020-13-01", **HOUR}),
        ("C1,2020-01-01T10:30,5", m.REJECT_NOT_ON_THE_HOUR % {"value": "2020-01-01T10:30"}),
        ("C1,2020-01-01T10:00,-3", m.REJECT_NEGATIVE_COUNT % {"value": "-3"}),
        ("C1,2020-01-01T10:00,douze", m.REJECT_BAD_COUNT % {"value": "douze"}),
        ("C1,2020-01-01T10:00,3.5", m.REJECT_BAD_COUNT % {"value": "3.5"}),
        ("C1,2020-01-01T10:00,", m.REJECT_EMPTY % {"column": "count"}),
        ("C9,2020-01-01T10:00,5", m.REJECT_UNKNOWN_COUNTER % {"value": "C9"}),
        ("C1,2020-01-01T10:00", m.REJECT_COLUMNS % {"found": 2, "expected": 3}),
        (",2020-01-01T10:00,5", m.REJECT_EMPTY % {"column": "counter"}),
    ],
)
def test_a_bad_line_is_rejected_with_its_number_and_reason_and_the_others_kept(line, reason):
    text = f"counter,datetime,count\nC1,2020-01-01T09:00,1\n{line}\nC1,2020-01-01T11:00,2\n"
    rows, reader = read(text)
    assert [count for *_, count in rows] == [1, 2]
    assert [(r.line, r.reason) for r in reader.rejects] == [(3, str(reason))]


def test_counts_written_as_decimals_are_whole_numbers():
    rows, reader = read(
        "counter,datetime,count\nC1,2020-01-01T09:00,3.0\nC1,2020-01-01T10:00, 7 \n"
    )
    assert reader.rejects == []
    assert [count for *_, count in rows] == [3, 7]


def test_a_month_must_be_its_first_day():
    rows, reader = read("counter,month,count\nC1,2020-03-15,3\n")
    assert rows == []
    assert reader.rejects[0].reason == m.REJECT_NOT_FIRST_OF_MONTH % {"value": "2020-03-15"}


def test_options_name_columns_separator_date_format_and_time_zone():
    fmt = ReadingsFormat(
        counter_column="Compteur",
        time_column="Horodatage",
        count_column="Passages",
        period=Length.HOUR,
        delimiter=";",
        date_format="%d/%m/%Y %Hh",
        time_zone="UTC",
    )
    rows, reader = read("Horodatage;Compteur;Passages\n29/03/2020 02h;C1;12\n", fmt)
    assert reader.rejects == []
    assert rows[0][1:] == ("7", "2020-03-29T02:00:00+00:00", 12)


def test_the_separator_is_guessed_from_the_header():
    rows, _ = read("counter;date;count\nC1;2020-01-01;4\n")
    assert len(rows) == 1


def test_a_missing_column_stops_the_import_and_names_the_columns_found():
    with pytest.raises(ImportFileError) as error:
        read("compteur,date,count\nC1,2020-01-01,4\n")
    assert str(error.value) == m.ERROR_MISSING_COLUMN % {
        "column": "counter",
        "found": "compteur, date, count",
    }


def test_a_time_column_with_another_name_needs_its_period():
    with pytest.raises(ImportFileError) as error:
        read("counter,mois,count\nC1,2020-01-01,4\n", ReadingsFormat(time_column="mois"))
    assert str(error.value) == m.ERROR_PERIOD_REQUIRED % {"column": "mois"}


def test_a_binary_file_is_refused():
    with pytest.raises(ImportFileError) as error:
        ReadingsReader(io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00"), ReadingsFormat(), {})
    assert str(error.value) == m.ERROR_NOT_TEXT


def test_the_paris_official_export_reads_as_it_comes():
    ids: dict[str, str] = {}
    with (FIXTURES / "paris" / "comptage_horaire_format_officiel_extrait.csv").open("rb") as f:
        reader = ReadingsReader(f, PARIS_HOURLY_FORMAT, ids)
        blocks = reader.blocks()
        info = next(blocks)  # the counter comes first, to be created
        ids[info.external_id] = "42"
        rows = copy_rows("".join(blocks))
    assert reader.rejects == []
    assert (info.external_id, info.name) == (
        "100003096-353242251",
        "97 avenue Denfert Rochereau SO-NE",
    )
    assert (info.lon, info.lat) == (2.33314, 48.83504)
    assert info.installed_on == dt.date(2012, 2, 22)
    assert info.properties["Identifiant du site de comptage"] == "100003096"
    assert len(rows) == 21
    assert rows[0] == (2, "42", "2021-09-01T01:00:00+00:00", 3)


def test_a_counters_file_rejects_bad_positions_and_repeated_ids():
    text = "id,name,lon,lat\nA,Alpha,4.8,45.7\nB,Beta,480,45.7\nA,Again,4.9,45.8\nC,,4.8,north\n"
    read_ = counters_read(io.BytesIO(text.encode()), CountersFormat())
    assert [c.external_id for c in read_.counters] == ["A"]
    assert [(r.line, r.reason) for r in read_.rejects] == [
        (3, m.REJECT_BAD_LONGITUDE % {"value": "480"}),
        (4, m.REJECT_DUPLICATE_COUNTER % {"value": "A", "line": 2}),
        (5, m.REJECT_BAD_LATITUDE % {"value": "north"}),
    ]
