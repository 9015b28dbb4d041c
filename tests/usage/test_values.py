"""The rules of a value, as a file of counts gives it to the reader: what each text of the
time, count and counter columns means, or why its line is rejected (no database)."""

import datetime as dt
import io

import pytest

from usage.importing import messages as m
from usage.importing.formats import ReadingsFormat
from usage.importing.reader import ReadingsReader

from .helpers import reader_of


def utc(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


def start(value: str, fmt: ReadingsFormat | None = None, header="counter,datetime,count"):
    return utc(reader_of(header + "\n", fmt).period_value(value).first)


def test_a_local_time_that_occurs_twice_has_the_summer_then_the_winter_instant():
    period = reader_of("counter,datetime,count\n").period_value("2020-10-25 02:00")
    assert period.reason is None
    assert (utc(period.first), utc(period.second)) == (
        dt.datetime(2020, 10, 25, 0, tzinfo=dt.UTC),
        dt.datetime(2020, 10, 25, 1, tzinfo=dt.UTC),
    )
    assert reader_of("counter,datetime,count\n").period_value("2020-10-25 03:00").second is None


def test_a_local_time_that_does_not_exist_is_rejected():
    period = reader_of("counter,datetime,count\n").period_value("2020-03-29T02:00")
    assert period.first is None
    assert period.reason == m.REJECT_NONEXISTENT_TIME % {
        "value": "2020-03-29T02:00",
        "tz": "Europe/Paris",
    }


def test_times_with_an_offset_are_taken_as_written():
    assert start("2021-09-01T03:00:00+02:00") == dt.datetime(2021, 9, 1, 1, tzinfo=dt.UTC)


def test_days_and_months_start_at_local_midnight():
    assert start("2020-07-01", header="counter,date,count") == dt.datetime(
        2020, 6, 30, 22, tzinfo=dt.UTC
    )
    assert start("2020-01", header="counter,month,count") == dt.datetime(
        2019, 12, 31, 23, tzinfo=dt.UTC
    )
    assert start("2020-02-01", header="counter,month,count") == dt.datetime(
        2020, 1, 31, 23, tzinfo=dt.UTC
    )


HOUR = {"period": m.PERIOD_NAMES[1], "expected": m.EXPECTED_ISO[1]}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2020-13-01", m.REJECT_BAD_DATE % {"value": "2020-13-01", **HOUR}),
        ("2020-01-01T10:30", m.REJECT_NOT_ON_THE_HOUR % {"value": "2020-01-01T10:30"}),
        ("", m.REJECT_BAD_DATE % {"value": "", **HOUR}),
    ],
)
def test_a_bad_time_says_why(value, reason):
    assert reader_of("counter,datetime,count\n").period_value(value).reason == str(reason)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", (12, None)),
        ("3.0", (3, None)),
        (" 7 ", (7, None)),
        ("-3", (None, m.REJECT_NEGATIVE_COUNT % {"value": "-3"})),
        ("douze", (None, m.REJECT_BAD_COUNT % {"value": "douze"})),
        ("3.5", (None, m.REJECT_BAD_COUNT % {"value": "3.5"})),
        ("", (None, m.REJECT_EMPTY % {"column": "count"})),
        ("9999999999", (None, m.REJECT_COUNT_TOO_LARGE % {"value": "9999999999"})),
    ],
)
def test_a_count_is_a_whole_number_or_says_why_not(value, expected):
    count, reason = reader_of("counter,datetime,count\n").count_value(value)
    assert (count, reason) == (expected[0], None if expected[1] is None else str(expected[1]))


def test_an_empty_counter_says_so():
    reader = reader_of("counter,datetime,count\n")
    assert reader.counter_value(" C1 ") == ("C1", None)
    assert reader.counter_value(" ")[1] == str(m.REJECT_EMPTY % {"column": "counter"})


def test_a_month_must_be_its_first_day():
    period = reader_of("counter,month,count\n").period_value("2020-03-15")
    assert period.reason == m.REJECT_NOT_FIRST_OF_MONTH % {"value": "2020-03-15"}


def test_a_period_knows_its_local_day_where_the_rollups_count_days():
    reader = ReadingsReader(
        io.BytesIO(b"counter,datetime,count\n"), ReadingsFormat(), {}, days_in="Europe/Paris"
    )
    period = reader.period_value("2020-06-30T22:00:00+00:00")
    assert (period.first, period.day) == ("2020-06-30T22:00:00+00:00", dt.date(2020, 7, 1))
    twice = reader.period_value("2020-10-25 02:00")
    assert (twice.day, twice.second_day) == (dt.date(2020, 10, 25), dt.date(2020, 10, 25))
