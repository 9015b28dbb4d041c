"""Reading files of counts: columns, separators, encodings, and copying the lines as they are
or splitting them in Python (no database)."""

import datetime as dt
import io

import pytest

from usage.importing import messages as m
from usage.importing.formats import PARIS_HOURLY_FORMAT, ReadingsFormat
from usage.importing.messages import ImportFileError
from usage.importing.reader import NotAsIs, ReadingsReader
from usage.models import Length

from .helpers import FIXTURES, reader_of


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
    reader = reader_of("Horodatage;Compteur;Passages\n29/03/2020 02h;C1;12\n", fmt)
    assert (reader.time_index, reader.counter_index, reader.count_index) == (0, 1, 2)
    assert reader.period_value("29/03/2020 02h").first == "2020-03-29T02:00:00+00:00"
    assert reader.copy_options() == {"delimiter": ";", "encoding": "UTF8"}


def test_the_separator_is_guessed_from_the_header():
    assert reader_of("counter;date;count\nC1;2020-01-01;4\n").csv_text.delimiter == ";"


def copy_as_is(text: str) -> tuple[ReadingsReader, bytes]:
    reader = reader_of(text)
    written = io.BytesIO()
    reader.copy_as_is(written.write)
    return reader, written.getvalue()


def test_a_file_copied_as_it_is_goes_to_postgresql_whole_and_its_distinct_texts_are_kept():
    text = 'counter,datetime,count\nC1,2020-01-01T09:00,1\n"C1",2020-01-01T10:00,1\nC2,x,3'
    reader, written = copy_as_is(text)
    assert written == text.encode()
    assert reader.lines == 3
    assert reader.distinct == {
        0: {"C1", "C2"},
        1: {"2020-01-01T09:00", "2020-01-01T10:00", "x"},
        2: {"1", "3"},
    }


@pytest.mark.parametrize(
    "lines",
    [
        "C1,2020-01-01T10:00,1,extra\n",  # a column too many
        "C1,2020-01-01T10:00\n",  # a column too few
        "\n",  # a blank line
        'C1,"2020-01-01\nT10:00",1\n',  # a line break inside a quoted value
        'C"1",2020-01-01T10:00,1\n',  # a quote inside a value: PostgreSQL reads C1
    ],
)
def test_a_file_postgresql_would_number_wrongly_is_not_copied_as_it_is(lines):
    with pytest.raises(NotAsIs):
        copy_as_is("counter,datetime,count\nC1,2020-01-01T09:00,1\n" + lines)


def test_split_lines_reject_a_missing_column_and_keep_a_column_too_many():
    reader = reader_of(
        "counter,datetime,count\nC1,2020-01-01T09:00,1\n\nC1,2020-01-01T10:00\n"
        "C1,2020-01-01T11:00,2,extra\n"
    )
    assert list(reader.split_rows()) == [
        (2, "C1", "2020-01-01T09:00", "1"),
        (5, "C1", "2020-01-01T11:00", "2"),
    ]
    assert [(r.line, r.reason) for r in reader.rejects] == [
        (4, str(m.REJECT_COLUMNS % {"found": 2, "expected": 3}))
    ]
    assert reader.lines == 3  # the blank line is no line of counts
    assert reader.distinct[1] == {"2020-01-01T09:00", "2020-01-01T11:00"}


def test_a_file_not_in_utf8_is_read_as_windows_1252():
    reader = ReadingsReader(
        io.BytesIO("counter;datetime;count\nQuai d’Orsay;2020-01-01T09:00;1\n".encode("cp1252")),
        ReadingsFormat(),
        {},
    )
    assert reader.copy_options() == {"delimiter": ";", "encoding": "WIN1252"}
    reader.copy_as_is(io.BytesIO().write)
    assert reader.distinct[0] == {"Quai d’Orsay"}


def test_a_missing_column_stops_the_import_and_names_the_columns_found():
    with pytest.raises(ImportFileError) as error:
        reader_of("compteur,date,count\nC1,2020-01-01,4\n")
    assert str(error.value) == m.ERROR_MISSING_COLUMN % {
        "column": "counter",
        "found": "compteur, date, count",
    }


def test_a_time_column_with_another_name_needs_its_period():
    with pytest.raises(ImportFileError) as error:
        reader_of("counter,mois,count\nC1,2020-01-01,4\n", ReadingsFormat(time_column="mois"))
    assert str(error.value) == m.ERROR_PERIOD_REQUIRED % {"column": "mois"}


def test_a_binary_file_is_refused():
    with pytest.raises(ImportFileError) as error:
        ReadingsReader(io.BytesIO(b"\x89PNG\r\n\x1a\n\x00\x00"), ReadingsFormat(), {})
    assert str(error.value) == m.ERROR_NOT_TEXT


def test_a_line_of_the_paris_official_export_describes_its_counter():
    with (FIXTURES / "paris" / "comptage_horaire_format_officiel_extrait.csv").open("rb") as f:
        reader = ReadingsReader(f, PARIS_HOURLY_FORMAT, {})
        rows = list(reader.split_rows())
    assert reader.rejects == []
    assert len(rows) == 21
    info = reader.counter_info(rows[0][1:])
    assert (info.external_id, info.name) == (
        "100003096-353242251",
        "97 avenue Denfert Rochereau SO-NE",
    )
    assert (info.lon, info.lat) == (2.33314, 48.83504)
    assert info.installed_on == dt.date(2012, 2, 22)
    assert info.properties["Identifiant du site de comptage"] == "100003096"
    assert reader.period_value(rows[0][reader.time_index + 1]).first == (
        "2021-09-01T01:00:00+00:00"
    )
    assert reader.count_value("3.0") == (3, None)
    assert reader.counter_position_reason("48.83504", "") == str(
        m.REJECT_BAD_COORDINATES % {"value": "48.83504"}
    )


def test_windows_line_ends_and_quoted_values_are_copied_as_they_are():
    reader, _ = copy_as_is('counter,datetime,count\r\n"C1","2020-01-01T09:00",1\r\nC2,x,3\r\n')
    assert reader.lines == 2
    assert reader.distinct == {0: {"C1", "C2"}, 1: {"2020-01-01T09:00", "x"}, 2: {"1", "3"}}
