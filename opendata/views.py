"""The open data page (/donnees/) and its downloads, at stable addresses:
`/donnees/<data set>.csv` and, for the data sets with a geometry, `/donnees/<data set>.geojson`;
the arrangements also in the national schema (`amenagements-cyclables.geojson`).

Downloads are streamed (`StreamingHttpResponse` over PostgreSQL's COPY: `opendata.selectors`),
so a large export is never held in memory; each names its licence in a `Link` header
(RFC 8288, rel="license") and is cached a few minutes by browsers and proxies.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from opendata import cyclables, selectors
from opendata.datasets import DATASETS, Dataset, field_description

DOWNLOAD_MAX_AGE = 300  # seconds: exports change with imports and decisions, not by the second

ERROR_NO_DATASET = _("No data set with this name.")
ERROR_NO_GEOMETRY = _("This data set has no geometry: it is available as CSV only.")


def _dataset(slug: str) -> Dataset:
    try:
        return DATASETS[slug]
    except KeyError:
        raise Http404(ERROR_NO_DATASET) from None


def _download(body: Iterator[bytes], *, content_type: str, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    licence = selectors.licence()
    response["Link"] = f'<{licence["url"]}>; rel="license"'
    patch_cache_control(response, public=True, max_age=DOWNLOAD_MAX_AGE)
    return response


@require_GET
def catalogue_view(request: HttpRequest) -> HttpResponse:
    """Every data set with its formats, licence and the description of each of its columns."""
    datasets = [
        {
            "dataset": dataset,
            "fields": [
                {"field": f, "description": field_description(dataset, f)} for f in dataset.fields
            ],
        }
        for dataset in DATASETS.values()
    ]
    return render(
        request,
        "opendata/catalogue.html",
        {
            "datasets": datasets,
            "licence": selectors.licence(),
            "cyclables_fields": cyclables.FIELD_DESCRIPTIONS,
        },
    )


@require_GET
def csv_view(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    dataset = _dataset(slug)
    return _download(
        selectors.dataset_csv(dataset),
        content_type="text/csv; charset=utf-8",
        filename=f"tactique-{dataset.slug}.csv",
    )


@require_GET
def geojson_view(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    dataset = _dataset(slug)
    if not dataset.has_geometry:
        raise Http404(ERROR_NO_GEOMETRY)
    return _download(
        selectors.dataset_geojson(dataset),
        content_type="application/geo+json",
        filename=f"tactique-{dataset.slug}.geojson",
    )


@require_GET
def cyclables_view(request: HttpRequest) -> StreamingHttpResponse:
    """The bike arrangements in the national *schéma des aménagements cyclables*."""
    return _download(
        cyclables.cyclables_geojson(),
        content_type="application/geo+json",
        filename="amenagements-cyclables.geojson",
    )
