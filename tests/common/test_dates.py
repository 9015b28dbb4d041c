"""Dates in words (`common.dates.long_date`, the `long_date` template filter)."""

import datetime as dt

import pytest
from django.template import engines
from django.utils import translation

from common.dates import long_date


@pytest.mark.parametrize(
    ("language", "value", "text"),
    [
        ("fr", dt.date(2024, 10, 1), "1er octobre 2024"),
        ("fr", dt.date(2024, 10, 11), "11 octobre 2024"),
        ("fr", dt.date(2024, 10, 21), "21 octobre 2024"),
        ("en", dt.date(2024, 10, 1), "Oct. 1, 2024"),
    ],
)
def test_a_date_in_words_says_1er_in_french(language, value, text):
    with translation.override(language):
        assert long_date(value) == text


def test_a_moment_is_the_day_it_was_here_and_templates_need_no_load():
    # 30 September 23:30 UTC is 1 October in Paris.
    moment = dt.datetime(2024, 9, 30, 23, 30, tzinfo=dt.UTC)
    template = engines["django"].from_string("{{ moment|long_date }}")
    with translation.override("fr"):
        assert long_date(moment) == "1er octobre 2024"
        assert template.render({"moment": moment}) == "1er octobre 2024"
    assert long_date(None) == ""
