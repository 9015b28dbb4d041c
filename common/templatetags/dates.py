"""`{{ value|long_date }}`: a date in words, « 1er octobre 2024 » (`common.dates`). A builtin of
the templates (settings: TEMPLATES' `builtins`), so no `{% load %}` is needed."""

from __future__ import annotations

import datetime as dt

from django import template

from common import dates

register = template.Library()


@register.filter(expects_localtime=True)
def long_date(value: dt.date | dt.datetime | None) -> str:
    return dates.long_date(value)
