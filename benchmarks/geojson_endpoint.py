"""Benchmark the map's GeoJSON layer: built by PostGIS vs serialised by Django.

    .venv/bin/python benchmarks/geojson_endpoint.py        (or `make bench`)

Creates a throwaway database (`test_tactique_bench`, dropped at the end: the development
database and the test suite's database are never touched), fills it with 5,000 arrangements
whose lines of 10-40 vertices wander over Lyon, then times, as the median of several runs:

  (a) the endpoint `amenagements:geojson`, requested through `django.test.Client` (the whole
      middleware stack, no network), whose body PostGIS builds in one query;
  (b) Django's GeoJSON serializer on the same rows (what the endpoint would cost without it);
  (c) the endpoint's SQL alone, captured from the selector and run on a bare cursor.

(b)/(a) says what building the layer in PostGIS buys (aim: at least 20x); (a)/(c) says what
Django adds around the query (aim: at most 1.5x). Exits non-zero if a sanity check fails (both
outputs must hold the same 5,000 features), not when an aim is missed: timings are the
machine's, the verdict is for a human to read.
"""

from __future__ import annotations

import json
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

# Run as a script from anywhere: the project root must be importable, and its settings chosen
# before Django is set up (hence the late imports below).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "config.test_settings"

import django

django.setup()

from django.contrib.gis.geos import LineString  # noqa: E402
from django.core import serializers  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils.text import slugify  # noqa: E402
from harness import thousands, throwaway_database, verdict  # noqa: E402

from amenagements import selectors  # noqa: E402
from amenagements.models import Amenagement, Commune  # noqa: E402

N_ARRANGEMENTS = 5_000
SEED = 2020
BBOX = (4.77, 45.70, 4.93, 45.81)  # Lyon and Villeurbanne: min lon, min lat, max lon, max lat
RUNS = {"endpoint": 9, "serializer": 5, "sql": 9}
AIM_SERIALIZER_RATIO = 20.0
AIM_OVERHEAD_RATIO = 1.5
DB_NAME = "test_tactique_bench"

STREET_TYPES = ("Rue", "Cours", "Avenue", "Quai", "Boulevard", "Montée", "Place", "Pont")
STREET_NAMES = (
    "de la République",
    "Lafayette",
    "Garibaldi",
    "Gambetta",
    "Jean Jaurès",
    "Victor Hugo",
    "du Rhône",
    "Saint-Antoine",
    "des Canuts",
    "Berthelot",
    "Vitton",
    "Émile Zola",
    "de la Croix-Rousse",
    "Paul Bert",
    "Félix Faure",
    "de Saxe",
)
COMMUNES = [f"Lyon {n}e" for n in range(2, 10)] + ["Lyon 1er", "Villeurbanne"]
METRES_PER_DEGREE_LAT = 111_320.0


# --- data --------------------------------------------------------------------------------------


def random_line(rng: random.Random) -> LineString:
    """A street-like polyline: 10-40 vertices, steps of 20-80 m, gently turning."""
    minx, miny, maxx, maxy = BBOX
    lon, lat = rng.uniform(minx + 0.01, maxx - 0.01), rng.uniform(miny + 0.01, maxy - 0.01)
    metres_per_degree_lon = METRES_PER_DEGREE_LAT * math.cos(math.radians(lat))
    heading = rng.uniform(0, 2 * math.pi)
    coords = [(lon, lat)]
    for _ in range(rng.randint(10, 40) - 1):
        heading += rng.gauss(0, math.radians(15))
        step = rng.uniform(20, 80)
        lon += step * math.sin(heading) / metres_per_degree_lon
        lat += step * math.cos(heading) / METRES_PER_DEGREE_LAT
        coords.append((lon, lat))
    # Seven decimals (about 1 cm), as in OpenStreetMap and the Grand Lyon open data.
    return LineString([(round(x, 7), round(y, 7)) for x, y in coords], srid=4326)


def populate(rng: random.Random) -> None:
    communes = Commune.objects.bulk_create(
        Commune(name=name, slug=slugify(name)) for name in COMMUNES
    )
    rows = []
    for i in range(N_ARRANGEMENTS):
        name = f"{rng.choice(STREET_TYPES)} {rng.choice(STREET_NAMES)} ({i + 1})"
        rows.append(
            Amenagement(
                slug=slugify(name),
                name=name,
                kind=rng.choice(Amenagement.Kind.values),
                status=rng.choice(Amenagement.Status.values),
                commune=rng.choice(communes),
                description="Aménagement temporaire créé pour le banc d'essai.",
                geom=random_line(rng),
            )
        )
    Amenagement.objects.bulk_create(rows, batch_size=1_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the planner sees what a live database would show it


# --- timing ------------------------------------------------------------------------------------


def timed(function: Callable[[], object], runs: int) -> tuple[list[float], object]:
    """Run `function` once to warm up, then `runs` times; the durations and the last result."""
    result = function()
    durations = []
    for _ in range(runs):
        start = time.perf_counter()
        result = function()
        durations.append(time.perf_counter() - start)
    return durations, result


def endpoint_caller() -> tuple[Callable[[], bytes], str]:
    """(a): the view through the test client, or the selector itself if no URL is wired yet."""
    try:
        url = reverse("amenagements:geojson")
    except NoReverseMatch:
        return (
            lambda: selectors.amenagement_geojson(
                filters=selectors.AmenagementFilters(), bbox=None
            ).encode(),
            "selector amenagement_geojson() (URL not wired)",
        )
    client = Client()

    def call() -> bytes:
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        assert response["Content-Type"].startswith("application/geo+json")
        return response.content

    return call, f"endpoint GET {url}"


def endpoint_sql() -> str:
    """The SQL the selector sends, captured as executed (parameters bound)."""
    with CaptureQueriesContext(connection) as queries:
        selectors.amenagement_geojson(filters=selectors.AmenagementFilters(), bbox=None)
    assert len(queries) == 1, f"the selector ran {len(queries)} queries, not one"
    return queries[0]["sql"]


def run_sql(sql: str) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0].encode()


def serialize() -> bytes:
    return serializers.serialize(
        "geojson",
        Amenagement.objects.all(),
        geometry_field="geom",
        fields=("slug", "name", "kind", "status"),
    ).encode()


def feature_slugs(body: bytes) -> list[str]:
    collection = json.loads(body)
    assert collection["type"] == "FeatureCollection"
    return sorted(f["properties"]["slug"] for f in collection["features"])


# --- report ------------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{thousands(round(seconds * 1000))} ms" if seconds >= 1 else f"{seconds * 1000:.1f} ms"


def megabytes(n: int) -> str:
    return f"{n / 1_000_000:.2f} MB"


def benchmark() -> None:
    rng = random.Random(SEED)
    start = time.perf_counter()
    populate(rng)
    vertices = sum(len(g.coords) for g in Amenagement.objects.values_list("geom", flat=True))
    print(
        f"{thousands(N_ARRANGEMENTS)} arrangements, {thousands(vertices)} vertices, inserted in "
        f"{time.perf_counter() - start:.1f} s (seed {SEED}).\n"
    )

    call_endpoint, endpoint_label = endpoint_caller()
    sql = endpoint_sql()
    results = {}
    for key, label, function in (
        ("endpoint", f"(a) {endpoint_label}", call_endpoint),
        ("serializer", '(b) serializers.serialize("geojson", …)', serialize),
        ("sql", "(c) the endpoint's SQL on a bare cursor", lambda: run_sql(sql)),
    ):
        durations, body = timed(function, RUNS[key])
        results[key] = (label, durations, body)

    slugs = {key: feature_slugs(body) for key, (_, _, body) in results.items()}
    assert len(slugs["endpoint"]) == N_ARRANGEMENTS, len(slugs["endpoint"])
    assert slugs["serializer"] == slugs["endpoint"], "the two layers hold different features"
    assert results["sql"][2] == results["endpoint"][2], "the endpoint's body is not its SQL's"

    median = {key: statistics.median(durations) for key, (_, durations, _) in results.items()}
    width = max(len(label) for label, _, _ in results.values())
    print(f"{'':{width}}  {'median':>10}  {'min':>10}  {'runs':>4}  {'features':>8}  {'size':>8}")
    for key, (label, durations, body) in results.items():
        print(
            f"{label:{width}}  {ms(median[key]):>10}  {ms(min(durations)):>10}  "
            f"{len(durations):>4}  {len(slugs[key]):>8}  {megabytes(len(body)):>8}"
        )
    serializer_ratio = median["serializer"] / median["endpoint"]
    overhead_ratio = median["endpoint"] / median["sql"]
    print()
    print(
        f"(b)/(a) = {serializer_ratio:5.1f}x   aim >= {AIM_SERIALIZER_RATIO:g}x   "
        f"{verdict(serializer_ratio >= AIM_SERIALIZER_RATIO)}"
    )
    print(
        f"(a)/(c) = {overhead_ratio:5.2f}x   aim <= {AIM_OVERHEAD_RATIO:g}x   "
        f"{verdict(overhead_ratio <= AIM_OVERHEAD_RATIO)}"
    )


def main() -> None:
    with throwaway_database(DB_NAME):
        benchmark()


if __name__ == "__main__":
    main()
