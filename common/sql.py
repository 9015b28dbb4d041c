"""Reading a document PostgreSQL built itself (the map layers' GeoJSON): one text value."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Model


def query_text(sql: str, params: Mapping[str, Any] | Sequence[Any], *, model: type[Model]) -> str:
    """The one text value `sql` returns, as PostgreSQL wrote it: Python never parses or
    re-serialises it. `sql` must return a row (an aggregate with a COALESCE does). It reads
    the database the routers choose for `model`, the table it reads (a replica in a page
    request, if there is one: config/replica.py)."""
    with connections[router.db_for_read(model)].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    text: str = row[0]
    return text
