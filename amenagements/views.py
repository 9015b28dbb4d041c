"""The map layer of arrangements (GeoJSON built by PostGIS), and the staff pages that change an
arrangement: recording an adaptation, cancelling a planned one. The public pages that show
arrangements are in `pages`. Views stay thin: selectors read, services write, permissions
decide."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from amenagements import selectors, services
from amenagements.forms import AdaptationForm, AmenagementForm, CancelPlannedForm
from amenagements.models import PlannedAdaptation
from amenagements.permissions import (
    ERROR_COMMUNE_OUT_OF_SCOPE,
    ERROR_OUT_OF_SCOPE,
    can_create_amenagement,
    can_record_adaptation,
    commune_scope,
)
from common.caching import geojson_response
from common.http import (
    AuthenticatedHttpRequest,
    HtmxHttpRequest,
    deny,
    found_or_404,
    require_permission,
)


@require_GET
@geojson_response
def geojson_view(request: HtmxHttpRequest) -> HttpResponse:
    """The map layer: arrangements matching the filters (and `bbox`, if given) as GeoJSON,
    with an ETag, a short public max-age and gzip (`common.caching.geojson_response`)."""
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


@require_http_methods(["GET", "POST"])
@require_permission(can_record_adaptation)
def adaptation_create_view(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Staff record an adaptation (optionally with a new geometry) through the service."""
    amenagement = found_or_404(
        lambda: selectors.amenagement_detail(slug=slug), selectors.ERROR_NOT_FOUND
    )
    if not can_record_adaptation(request.user, amenagement):
        return deny(request, ERROR_OUT_OF_SCOPE)
    # Prefetched by `amenagement_detail` (to_attr), which its return type does not say.
    planned = amenagement.pending_or_cancelled  # type: ignore[attr-defined]
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
def planned_cancel_view(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    """Staff cancel a planned adaptation with a public reason (shown on the timeline)."""
    if not can_record_adaptation(request.user):
        # A visitor signs in on the way back to the arrangement, not to this POST-only address.
        return deny(request, next_url=reverse("pages:amenagement", kwargs={"slug": slug}))
    planned = get_object_or_404(
        PlannedAdaptation.objects.select_related("amenagement"), pk=pk, amenagement__slug=slug
    )
    if not can_record_adaptation(request.user, planned.amenagement):
        return deny(request, ERROR_OUT_OF_SCOPE)
    form = CancelPlannedForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(list(form.errors["reason"]))
        services.planned_adaptation_cancel(planned=planned, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The planned adaptation has been cancelled."))
    return redirect(reverse("pages:amenagement", kwargs={"slug": slug}) + "#timeline-title")


@require_http_methods(["GET", "POST"])
@require_permission(can_create_amenagement)
def amenagement_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Staff draw a new arrangement on the map; its page follows."""
    form = AmenagementForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and _commune_in_scope(request, form):
        data = form.cleaned_data
        try:
            amenagement = services.amenagement_create(
                name=data["name"],
                kind=data["kind"],
                status=data["status"],
                geom=data["geom"],
                date=data["date"],
                commune=services.commune_get_or_create(name=data["commune"])
                if data["commune"].strip()
                else None,
                description=data["description"],
                opened_on=data["date"],
                decision_deadline=data["decision_deadline"],
                recorded_by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The arrangement has been created."))
            return redirect(amenagement)
    form.fields["geom"].widget.csp_nonce = request.csp_nonce
    return render(request, "amenagements/amenagement_form.html", {"form": form})


def _commune_in_scope(request: AuthenticatedHttpRequest, form: AmenagementForm) -> bool:
    """An agent of some communes creates arrangements in one of them (the form says which)."""
    scope = commune_scope(request.user)
    if scope is None:
        return True
    names = selectors.commune_names(ids=scope)
    if form.cleaned_data["commune"].strip().casefold() in {n.casefold() for n in names}:
        return True
    form.add_error("commune", ERROR_COMMUNE_OUT_OF_SCOPE % {"communes": ", ".join(names)})
    return False
