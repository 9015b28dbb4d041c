"""Dates as people read them: « 1er octobre 2024 », "October 1, 2024".

Django's French `DATE_FORMAT` ("j F Y") writes the first of the month « 1 octobre »; French
typography writes « 1er octobre ». `long_date` is the one way the site (templates, emails,
rationales) writes a date in words, in the active language.
"""

from __future__ import annotations

import datetime as dt

from django.utils import formats, timezone, translation


def long_date(value: dt.date | dt.datetime | None) -> str:
    """`value` in the active language's long date format (an aware date-time in the current
    time zone); « 1er » for the first of a month in French. "" for None."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)  # the day it was here, not in UTC
    text = formats.date_format(value, "DATE_FORMAT")
    french = (translation.get_language() or "").startswith("fr")
    # "j F Y" starts with the day: "1 octobre 2024" becomes "1er octobre 2024".
    if french and value.day == 1 and text.startswith("1 "):
        text = "1er" + text[1:]
    return text
