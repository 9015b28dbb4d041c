"""Reads of the open data: each data set of `opendata.datasets` streamed as CSV or GeoJSON.

Both formats are written by PostgreSQL and copied out with `COPY (SELECT …) TO STDOUT`, row by
row, passed on in blocks of about 64 kB: Python holds one block at a time, never the rows nor
the file, and never builds a model instance (a full export of 5,000 arrangements with their
history: see `benchmarks/open_data_export.py`).
- CSV: PostgreSQL's own CSV writer (RFC 4180: comma, double quotes, a header line), UTF-8.
- GeoJSON: each row is one feature's JSON text built by PostgreSQL (`ST_AsGeoJSON` +
  `json_build_object`). The rows are copied in CSV mode with a quote and a delimiter (bytes
  0x01 and 0x02) that JSON text never holds raw (PostgreSQL escapes control characters in JSON
  strings), so no value is ever quoted or escaped: each row copied is a feature exactly, ended
  by a newline; Python puts the commas between them, and the collection's head and tail around.
The queries read the database the routers choose for the data set's table (a replica in a page
request, if there is one: config/replica.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from django.conf import settings
from django.db import connections, router, transaction

from opendata.datasets import Dataset

# CSV mode with characters absent from JSON text: see the module's docstring.
_RAW_LINES = "FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02'"
# What a response passes on at once: fewer, larger writes to the client than a row each.
BLOCK_BYTES = 64 * 1024


def dataset_sql(dataset: Dataset) -> str:
    """The query of the CSV file: the fields in order, then the geometry as WKT, if any."""
    columns = [f"{f.sql} AS {f.name}" for f in dataset.fields]
    if dataset.geometry:
        columns.append(f"ST_AsText({dataset.geometry}, 6) AS geometrie_wkt")
    return f"SELECT {', '.join(columns)} FROM {dataset.source} ORDER BY {dataset.order_by}"  # noqa: S608 -- constant SQL of the catalogue


def features_sql(dataset: Dataset) -> str:
    """The query of the GeoJSON file: one feature's JSON text per row."""
    if dataset.geometry is None:
        raise ValueError(f"{dataset.slug} has no geometry")
    pairs = ", ".join(f"'{f.name}', {f.sql}" for f in dataset.fields)
    feature = (
        """'{"type":"Feature","geometry":' """
        f"|| COALESCE(ST_AsGeoJSON({dataset.geometry}, 6), 'null') "
        f"""|| ',"properties":' || json_build_object({pairs})::text || '}}'"""
    )
    return f"SELECT {feature} FROM {dataset.source} ORDER BY {dataset.order_by}"  # noqa: S608 -- constant SQL


def licence() -> dict[str, str]:
    return {
        "name": settings.TACTIQUE_OPEN_DATA_LICENCE,
        "url": settings.TACTIQUE_OPEN_DATA_LICENCE_URL,
    }


def _copy_rows(statement: str, dataset: Dataset) -> Iterator[bytes]:
    """The rows PostgreSQL sends for `COPY … TO STDOUT`, one at a time, as they arrive.

    Without JIT compilation: the PostGIS functions make the planner cost an export high enough
    to compile it, which took 364 ms of a 676 ms export of 12,480 layout versions (EXPLAIN
    ANALYZE, 2026-12-03) and saves nothing on a query that runs once. `SET LOCAL` holds for
    this transaction only, so the connection goes back to the pool as it was."""
    alias = router.db_for_read(dataset.model)
    with (
        transaction.atomic(using=alias),
        connections[alias].cursor() as cursor,
    ):
        cursor.execute("SET LOCAL jit = off")
        with cursor.copy(statement) as copy:
            for row in copy:
                yield bytes(row)


def _blocks(rows: Iterator[bytes], separator: bytes = b"") -> Iterator[bytes]:
    """The rows joined by `separator`, in blocks of about `BLOCK_BYTES` (a block after the
    first starts with the separator, so none is ever left dangling at the end)."""
    block: list[bytes] = []
    size, lead = 0, b""
    for row in rows:
        block.append(row)
        size += len(row)
        if size >= BLOCK_BYTES:
            yield lead + separator.join(block)
            block, size, lead = [], 0, separator
    if block:
        yield lead + separator.join(block)


def dataset_csv(dataset: Dataset) -> Iterator[bytes]:
    """The data set as CSV, streamed: a header line, then one line per row."""
    statement = f"COPY ({dataset_sql(dataset)}) TO STDOUT (FORMAT csv, HEADER)"
    yield from _blocks(_copy_rows(statement, dataset))


def geojson_head(dataset: Dataset) -> bytes:
    """The collection's opening, with its name and licence as foreign members (RFC 7946 6.1)."""
    head = json.dumps(
        {"type": "FeatureCollection", "name": dataset.slug, "licence": licence()},
        ensure_ascii=False,
    )
    return (head[:-1] + ',"features":[\n').encode()


def dataset_geojson(dataset: Dataset) -> Iterator[bytes]:
    """The data set as a GeoJSON FeatureCollection (RFC 7946), streamed."""
    yield geojson_head(dataset)
    statement = f"COPY ({features_sql(dataset)}) TO STDOUT ({_RAW_LINES})"
    yield from _blocks(_copy_rows(statement, dataset), separator=b",")
    yield b"]}\n"
