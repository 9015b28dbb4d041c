"""Benchmark the open data export of the arrangements: streamed by PostgreSQL vs the ORM.

    .venv/bin/python benchmarks/open_data_export.py        (or `make bench`)

Creates a throwaway database (`test_tactique_bench_export`, dropped at the end), fills it with
5,000 arrangements with their history — 1 to 4 layout versions each (lines of 10-40 vertices
over Lyon), an adaptation per version — then times, as the median of several runs after a
warm-up, the full export of the arrangements with every version (`/donnees/amenagements`):

  (a) `GET /donnees/amenagements.csv` through `django.test.Client`, its streamed body read to
      the end: PostgreSQL writes the CSV (COPY … TO STDOUT), Python passes the blocks on;
  (b) the ORM serialising the same rows: the versions with their arrangement and commune
      (`select_related`), lengths and areas annotated by PostGIS, each row written by
      `csv.writer` with its geometry as WKT (`GEOSGeometry.wkt`) — a plain Django export, run
      without JIT compilation as the exports are (`opendata.selectors`);
  (a') and (b') the same for the GeoJSON file: the endpoint vs Django's GeoJSON serializer of
      the versions (their properties as in the file).

  (c) the floor: the same COPY read on a bare cursor, no view, no response.

(b)/(a) says what streaming from PostgreSQL buys (aim: at least 10x). It also prints the
largest block the stream held at once, against the whole file. Exits non-zero if a sanity
check fails (both ways must give the same rows), never because an aim is missed.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.test_settings"

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.gis.db.models.functions import Area, Length, Transform  # noqa: E402
from django.core import serializers  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils.text import slugify  # noqa: E402
from geojson_endpoint import COMMUNES, STREET_NAMES, STREET_TYPES, random_line  # noqa: E402
from harness import thousands, throwaway_database, verdict  # noqa: E402

from amenagements.models import (  # noqa: E402
    Adaptation,
    Amenagement,
    AmenagementVersion,
    Commune,
)
from opendata.datasets import AMENAGEMENTS  # noqa: E402
from opendata.selectors import dataset_csv  # noqa: E402

N_ARRANGEMENTS = 5_000
SEED = 2021
RUNS = 7
AIM_RATIO = 10.0
DB_NAME = "test_tactique_bench_export"
FIRST_DAY = dt.date(2020, 5, 11)


def populate(rng: random.Random) -> int:
    """The arrangements and their history; returns the number of versions."""
    communes = Commune.objects.bulk_create(
        Commune(name=name, slug=slugify(name), insee_code=f"6938{i}")
        for i, name in enumerate(COMMUNES)
    )
    arrangements, histories = [], []
    for i in range(N_ARRANGEMENTS):
        name = f"{rng.choice(STREET_TYPES)} {rng.choice(STREET_NAMES)} ({i + 1})"
        layouts = [random_line(rng) for _ in range(rng.randint(1, 4))]
        arrangements.append(
            Amenagement(
                slug=slugify(name),
                name=name,
                kind=rng.choice(Amenagement.Kind.values),
                status=rng.choice(Amenagement.Status.values),
                commune=rng.choice(communes),
                opened_on=FIRST_DAY,
                description="Aménagement temporaire créé pour le banc d'essai.",
                geom=layouts[-1],
            )
        )
        histories.append(layouts)
    Amenagement.objects.bulk_create(arrangements, batch_size=1_000)
    versions, adaptations = [], []
    for arrangement, layouts in zip(arrangements, histories, strict=True):
        for n, layout in enumerate(layouts):
            start = FIRST_DAY + dt.timedelta(days=90 * n)
            end = start + dt.timedelta(days=90) if n < len(layouts) - 1 else None
            versions.append(
                AmenagementVersion(
                    amenagement=arrangement,
                    number=n + 1,
                    geom=layout,
                    valid_from=start,
                    valid_to=end,
                )
            )
    AmenagementVersion.objects.bulk_create(versions, batch_size=2_000)
    for version in versions:
        adaptations.append(
            Adaptation(
                amenagement_id=version.amenagement_id,
                date=version.valid_from,
                kind=Adaptation.Kind.CREATED if version.number == 1 else Adaptation.Kind.MOVED,
                version=version,
                origin=Adaptation.Origin.IMPORT,
            )
        )
    Adaptation.objects.bulk_create(adaptations, batch_size=2_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return len(versions)


def timed(function: Callable[[], bytes], runs: int) -> tuple[float, bytes]:
    result = function()
    durations = []
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        durations.append(time.perf_counter() - start)
    return statistics.median(durations), result


LARGEST_BLOCK = [0]


def streamed(url: str) -> Callable[[], bytes]:
    client = Client()

    def call() -> bytes:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        blocks = []
        for block in response.streaming_content:
            LARGEST_BLOCK[0] = max(LARGEST_BLOCK[0], len(block))
            blocks.append(block)
        return b"".join(blocks)

    return call


def orm_rows() -> object:
    projected = Transform("geom", settings.TACTIQUE_METRIC_SRID)
    return (
        AmenagementVersion.objects.select_related("amenagement__commune")
        .annotate(length=Length(projected), area=Area(projected))
        .order_by("amenagement__slug", "number")
    )


def _text(value: object) -> str:
    return "" if value is None else str(value)


@contextlib.contextmanager
def no_jit() -> Iterator[None]:
    """The baselines without JIT compilation too, as the exports run (opendata.selectors):
    the ratio then compares the ways of exporting, not PostgreSQL's JIT."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        yield


def orm_csv() -> bytes:
    with no_jit():
        return _orm_csv()


def _orm_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f.name for f in AMENAGEMENTS.fields] + ["geometrie_wkt"])
    for v in orm_rows():  # type: ignore[attr-defined]
        a, c = v.amenagement, v.amenagement.commune
        line = v.geom.geom_type.startswith(("Line", "MultiLine"))
        writer.writerow(
            [
                a.slug,
                a.name,
                a.kind,
                a.status,
                _text(c and c.name),
                _text(c and c.insee_code),
                _text(a.opened_on),
                _text(a.decision_deadline),
                v.number,
                v.valid_from,
                _text(v.valid_to),
                f"{v.length.m:.1f}" if line else "",
                "" if line else f"{v.area.sq_m:.1f}",
                a.external_source,
                a.external_id,
                a.attribution,
                v.geom.wkt,
            ]
        )
    return out.getvalue().encode()


def orm_geojson() -> bytes:
    with no_jit():
        return _orm_geojson()


def _orm_geojson() -> bytes:
    return serializers.serialize(
        "geojson",
        AmenagementVersion.objects.select_related("amenagement").order_by(
            "amenagement__slug", "number"
        ),
        geometry_field="geom",
        fields=("amenagement", "number", "valid_from", "valid_to"),
    ).encode()


def ms(seconds: float) -> str:
    return f"{thousands(round(seconds * 1000))} ms"


def main() -> int:
    rng = random.Random(SEED)
    with throwaway_database(DB_NAME):
        n_versions = populate(rng)
        print(f"{thousands(N_ARRANGEMENTS)} arrangements, {thousands(n_versions)} versions.")
        a, a_body = timed(streamed("/donnees/amenagements.csv"), RUNS)
        b, b_body = timed(orm_csv, RUNS)
        c, c_body = timed(lambda: b"".join(dataset_csv(AMENAGEMENTS)), RUNS)
        a2, a2_body = timed(streamed("/donnees/amenagements.geojson"), RUNS)
        b2, b2_body = timed(orm_geojson, RUNS)

    a_rows = list(csv.DictReader(io.StringIO(a_body.decode())))
    b_rows = list(csv.DictReader(io.StringIO(b_body.decode())))
    ok = len(a_rows) == len(b_rows) == n_versions
    ok &= [(r["amenagement"], r["version"]) for r in a_rows] == [
        (r["amenagement"], r["version"]) for r in b_rows
    ]
    ok &= c_body == a_body
    ok &= len(json.loads(a2_body)["features"]) == len(json.loads(b2_body)["features"]) == n_versions

    print(f"(a)  streamed CSV   {ms(a):>9}  {len(a_body) / 1e6:.1f} MB")
    print(f"(b)  ORM + csv      {ms(b):>9}  {len(b_body) / 1e6:.1f} MB")
    print(f"(c)  COPY alone     {ms(c):>9}")
    print(f"(a') streamed GeoJSON {ms(a2):>7}  {len(a2_body) / 1e6:.1f} MB")
    print(f"(b') ORM serializer {ms(b2):>9}  {len(b2_body) / 1e6:.1f} MB")
    print(f"largest block held by the stream: {LARGEST_BLOCK[0] / 1000:.1f} kB")
    print(f"(a)/(c)   = {a / c:.2f}x  (what the view and the response add)")
    print(f"(b)/(a)   = {b / a:.1f}x  (aim >= {AIM_RATIO:.0f}x): {verdict(b / a >= AIM_RATIO)}")
    print(f"(b')/(a') = {b2 / a2:.1f}x  (aim >= {AIM_RATIO:.0f}x): {verdict(b2 / a2 >= AIM_RATIO)}")
    print("same rows in both ways:", verdict(ok))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
