"""Reading a document PostgreSQL built itself (the map layers' GeoJSON): one text value."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection


def query_text(sql: str, params: Mapping[str, Any] | Sequence[Any]) -> str:
    """The one text value `sql` returns, as PostgreSQL wrote it: Python never parses or
    re-serialises it. `sql` must return a row (an aggregate with a COALESCE does)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    text: str = row[0]
    return text
