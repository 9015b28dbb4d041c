"""The counters' map layer, the staff upload page and the manual count form. Views stay thin:
selectors read, services write, permissions decide."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from amenagements.models import Amenagement
from amenagements.permissions import ERROR_OUT_OF_SCOPE
from amenagements.selectors import parse_bbox
from common.caching import geojson_response
from common.http import (
    AuthenticatedHttpRequest,
    HtmxHttpRequest,
    body_too_large,
    deny,
    found_or_404,
    require_permission,
)
from usage import queued, selectors, services
from usage.forms import ERROR_FILE_TOO_LARGE, ImportForm, ManualCountForm, max_megabytes
from usage.importing import ImportFileError
from usage.importing.csvtext import DELIMITERS
from usage.models import ImportRun
from usage.permissions import can_import_counts, can_record_manual_count

REJECTS_SHOWN = 100
RECENT_IMPORTS = 10


@require_GET
@geojson_response
def counters_geojson_view(request: HttpRequest) -> HttpResponse:
    """The counters map layer (within `bbox`, if given) as GeoJSON, built by PostGIS, with an
    ETag, a short public max-age and gzip (`common.caching.geojson_response`)."""
    bbox = parse_bbox(request.GET.get("bbox"))
    if request.GET.get("bbox") and bbox is None:
        return HttpResponse(
            _("Invalid bbox: expected minlon,minlat,maxlon,maxlat in degrees."),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    return HttpResponse(selectors.counters_geojson(bbox=bbox), content_type="application/geo+json")


@require_http_methods(["GET", "POST"])
@require_permission(can_import_counts)
def import_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Staff upload a counters file or a file of counts: checked at once (a file that cannot
    be read as a whole is refused on the form), then queued; the import's page follows.

    A body larger than `TACTIQUE_IMPORT_MAX_BYTES` is refused (413) before it is read: the
    page says the limit, and nothing is stored."""
    status = 200
    if request.method == "POST" and body_too_large(request, settings.TACTIQUE_IMPORT_MAX_BYTES):
        messages.error(request, ERROR_FILE_TOO_LARGE % {"max": max_megabytes()})
        form = ImportForm()
        status = 413
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            kind = form.cleaned_data["kind"]
            try:
                run = queued.import_queue(
                    file=upload.file if kind == ImportRun.Kind.COUNTERS else form.readings_file(),
                    fmt=form.counters_format()
                    if kind == ImportRun.Kind.COUNTERS
                    else form.readings_format(),
                    kind=kind,
                    source=form.cleaned_data["source"],
                    attribution=form.cleaned_data["attribution"],
                    file_name=upload.name,
                    recorded_by=request.user,
                )
            except ImportFileError as error:
                form.add_error("file", str(error))
            else:
                return redirect("usage:import_detail", pk=run.pk)
    else:
        form = ImportForm()
    recent = ImportRun.objects.select_related("recorded_by").only(
        "kind",
        "source",
        "file_name",
        "rows",
        "inserted",
        "updated",
        "unchanged",
        "rejected",
        "status",
        "created_at",
        "recorded_by__username",
    )[:RECENT_IMPORTS]
    return render(
        request, "usage/import_form.html", {"form": form, "recent": recent}, status=status
    )


def _get_run(pk: int) -> ImportRun:
    return found_or_404(
        lambda: ImportRun.objects.select_related("recorded_by").defer("upload").get(pk=pk),
        _("No import with this number."),
    )


@require_GET
@require_permission(can_import_counts)
def import_detail_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """What an import did, and its first rejected lines with their number and reason; while
    it is queued or running, how far it has gone (htmx asks again every few seconds, and the
    whole page is reloaded once the report is there)."""
    run = _get_run(pk)
    if request.htmx and not run.pending:
        return HttpResponse(headers={"HX-Refresh": "true"})
    header: list[str] = []
    lines: list[dict[str, Any]] = []
    if run.rejects_csv:
        # Written with the input's separator, so that it can be imported again as it is.
        first_line = run.rejects_csv.split("\n", 1)[0]
        reader = csv.reader(
            io.StringIO(run.rejects_csv), delimiter=max(DELIMITERS, key=first_line.count)
        )
        header = next(reader)
        for row in reader:
            if len(lines) >= REJECTS_SHOWN:
                break
            lines.append({"line": row[-2], "reason": row[-1], "content": row[:-2]})
    return render(
        request,
        "usage/import_detail.html",
        {"run": run, "reject_header": header[:-2], "reject_lines": lines},
    )


@require_GET
@require_permission(can_import_counts)
def import_rejects_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The rejected lines as a CSV file, to correct and import again."""
    run = _get_run(pk)
    response = HttpResponse(run.rejects_csv, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rejets-import-{run.pk}.csv"'
    return response


@require_http_methods(["GET", "POST"])
@require_permission(can_record_manual_count)
def manual_count_create_view(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Staff record a counting session on an arrangement."""
    amenagement = get_object_or_404(Amenagement.objects.only("slug", "name", "commune"), slug=slug)
    if not can_record_manual_count(request.user, amenagement):
        return deny(request, ERROR_OUT_OF_SCOPE)
    if request.method == "POST":
        form = ManualCountForm(request.POST)
        if form.is_valid():
            try:
                services.manual_count_create(
                    amenagement=amenagement, recorded_by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The manual count has been recorded."))
                return redirect(amenagement.get_absolute_url() + "#usage-title")
    else:
        form = ManualCountForm(initial={"date": timezone.localdate()})
    return render(
        request, "usage/manual_count_form.html", {"amenagement": amenagement, "form": form}
    )
