"""Public map, arrangement pages and the staff adaptation form. Views stay thin: selectors read,
services write, permissions decide."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from amenagements import selectors, services
from amenagements.forms import AdaptationForm
from amenagements.models import Amenagement, PlannedAdaptation
from amenagements.permissions import can_record_adaptation
from evaluation import selectors as indicator_selectors
from evaluation.permissions import can_decide_proposal, can_run_evaluation
from participation.contributions.views import opinions_context
from usage import selectors as usage_selectors
from usage.permissions import can_record_manual_count

LIST_PAGE_SIZE = 50


def map_settings() -> dict[str, object]:
    """What every map's `data-` attributes need: tiles, their attribution, centre and zoom."""
    return {
        "tile_url": settings.TACTIQUE_TILE_URL,
        "tile_attribution": settings.TACTIQUE_TILE_ATTRIBUTION,
        "center": settings.TACTIQUE_MAP_CENTER,
        "zoom": settings.TACTIQUE_MAP_ZOOM,
    }


@require_GET
def map_view(request: HttpRequest) -> HttpResponse:
    """The public map with its filters and the accessible list of arrangements beside it.

    An htmx request (a filter or a list page) gets only the results region.
    """
    filters = selectors.AmenagementFilters.from_query(request.GET)
    page = Paginator(selectors.amenagement_list(filters), LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    facets = selectors.filter_facets(filters)
    context = {
        "filters": filters,
        "query": urlencode(filters.as_query()),
        "facets": _facet_links(filters, facets),
        "page": page,
        "map": map_settings(),
        "statuses": Amenagement.Status.choices,
        "kinds": Amenagement.Kind.choices,
    }
    template = "amenagements/map.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)


def facet_group(filters: Any, key: str, facet: list, label: str = "") -> dict:
    """One filter group as links: one per value (with its count) and one to clear the group.

    `filters` has an attribute per key and `as_query(**changes)` (the map's and the overview's
    filters); `facet` is a selector's `[(value, label, count), …]`.
    """
    current = getattr(filters, key)
    return {
        "key": key,
        "label": label,
        "options": [
            {
                "label": text,
                "count": count,
                "query": urlencode(filters.as_query(**{key: value})),
                "active": value == current,
                "value": value,
            }
            for value, text, count in facet
        ],
        "clear_query": urlencode(filters.as_query(**{key: ""})),
        "active": bool(current),
    }


def _facet_links(filters: selectors.AmenagementFilters, facets: dict) -> list[dict]:
    """Each filter group of the map as links (`facet_group`)."""
    groups = [("kind", _("Kind")), ("status", _("Status")), ("commune", _("Commune"))]
    return [facet_group(filters, key, facets[key], label) for key, label in groups]


@require_GET
def geojson_view(request: HttpRequest) -> HttpResponse:
    """The map layer: arrangements matching the filters (and `bbox`, if given) as GeoJSON."""
    filters = selectors.AmenagementFilters.from_query(request.GET)
    bbox = selectors.parse_bbox(request.GET.get("bbox"))
    if request.GET.get("bbox") and bbox is None:
        return HttpResponse(
            _("Invalid bbox: expected minlon,minlat,maxlon,maxlat in degrees."),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    body = selectors.amenagement_geojson(filters=filters, bbox=bbox)
    return HttpResponse(body, content_type="application/geo+json")


def _get_detail(slug: str) -> Amenagement:
    try:
        return selectors.amenagement_detail(slug=slug)
    except Amenagement.DoesNotExist:
        raise Http404(_("No arrangement with this address.")) from None


@require_GET
def detail_view(request: HttpRequest, slug: str) -> HttpResponse:
    """An arrangement: key facts, its versions on a map, and the timeline of its adaptations."""
    amenagement = _get_detail(slug)
    evaluation = indicator_selectors.latest_evaluation(amenagement=amenagement)
    return render(
        request,
        "amenagements/detail.html",
        {
            "amenagement": amenagement,
            "age_days": selectors.age_in_days(amenagement, timezone.localdate()),
            "versions_geojson": selectors.versions_geojson(amenagement),
            "can_record_adaptation": can_record_adaptation(request.user),
            "map": map_settings(),
            "usage": usage_selectors.arrangement_usage(amenagement=amenagement),
            "can_record_manual_count": can_record_manual_count(request.user),
            "evaluation": evaluation,
            "hot_spots_geojson": indicator_selectors.hot_spots_geojson(evaluation),
            "decided_proposals": indicator_selectors.decided_proposals(amenagement=amenagement),
            "can_run_evaluation": can_run_evaluation(request.user),
            "can_decide_proposal": can_decide_proposal(request.user),
            **opinions_context(request, amenagement),
        },
    )


@require_GET
def summary_view(request: HttpRequest, slug: str) -> HttpResponse:
    """The map's side panel for one arrangement. Without htmx, the full page is the summary."""
    if not request.htmx:
        return redirect("amenagements:detail", slug=slug)
    try:
        amenagement = selectors.amenagement_summary(slug=slug)
    except Amenagement.DoesNotExist:
        raise Http404(_("No arrangement with this address.")) from None
    return render(
        request,
        "amenagements/_summary.html",
        {
            "amenagement": amenagement,
            "latest": next(iter(amenagement.adaptations.all()), None),
            "age_days": selectors.age_in_days(amenagement, timezone.localdate()),
            **opinions_context(request, amenagement, compact=True),
        },
    )


@require_http_methods(["GET", "POST"])
def adaptation_create_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Staff record an adaptation (optionally with a new geometry) through the service."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not can_record_adaptation(request.user):
        raise PermissionDenied
    amenagement = _get_detail(slug)
    planned = amenagement.pending_or_cancelled
    if request.method == "POST":
        form = AdaptationForm(request.POST, planned=planned)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.amenagement_adapt(
                    amenagement=amenagement,
                    date=data["date"],
                    kind=data["kind"],
                    description=data["description"],
                    geom=data["geom"],
                    status=data["status"] or None,
                    recorded_by=request.user,
                    carries_out=data["carries_out"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The adaptation has been recorded."))
                return redirect(amenagement)
    else:
        form = AdaptationForm(
            initial={"date": timezone.localdate(), "geom": amenagement.geom.geojson},
            planned=planned,
            carries_out=request.GET.get("prevue"),
        )
    form.fields["geom"].widget.csp_nonce = request.csp_nonce
    return render(
        request,
        "amenagements/adaptation_form.html",
        {"amenagement": amenagement, "form": form},
    )


@require_POST
def planned_cancel_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Staff cancel a planned adaptation with a public reason (shown on the timeline)."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("amenagements:detail", kwargs={"slug": slug}))
    if not can_record_adaptation(request.user):
        raise PermissionDenied
    planned = get_object_or_404(PlannedAdaptation, pk=pk, amenagement__slug=slug)
    try:
        services.planned_adaptation_cancel(planned=planned, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The planned adaptation has been cancelled."))
    return redirect(reverse("amenagements:detail", kwargs={"slug": slug}) + "#timeline-title")
