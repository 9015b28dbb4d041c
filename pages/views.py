"""The pages that compose every layer: the public map, an arrangement's page and its summary
in the map's side panel, the city overview of evaluations, and the services' dashboard.

Each reads through the selectors of the layers below (arrangements, opinions, usage data,
evaluations) and hands templates booleans from their permissions; nothing below imports this
module. An htmx request for a filter or a list page gets only the results region.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from amenagements import selectors as amenagement_selectors
from amenagements.facets import Facet
from amenagements.models import Amenagement
from amenagements.permissions import (
    can_create_amenagement,
    can_record_adaptation,
    commune_scope,
)
from common.http import HtmxHttpRequest, deny, found_or_404
from evaluation import overview
from evaluation import queued as evaluation_queued
from evaluation import selectors as evaluation_selectors
from evaluation.permissions import can_decide_proposal, can_run_evaluation
from pages import dashboard
from pages.facets import facet_group
from pages.maps import map_settings
from participation.contributions.opinions import opinions_context
from participation.contributions.permissions import can_moderate
from participation.contributions.selectors import contributor_for
from participation.follows import selectors as follow_selectors
from participation.panels.permissions import can_create_panel
from usage import selectors as usage_selectors
from usage.permissions import can_import_counts, can_record_manual_count

LIST_PAGE_SIZE = 50


@require_GET
def map_view(request: HtmxHttpRequest) -> HttpResponse:
    """The public map with its filters and the accessible list of arrangements beside it.

    An htmx request (a filter or a list page) gets only the results region.
    """
    filters = amenagement_selectors.AmenagementFilters.from_query(request.GET)
    page = Paginator(amenagement_selectors.amenagement_list(filters), LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    facets = amenagement_selectors.filter_facets(filters)
    context = {
        "filters": filters,
        "query": urlencode(filters.as_query()),
        "search_clear_query": urlencode(filters.as_query(q="")),
        "facets": _facet_links(filters, facets),
        "page": page,
        "map": map_settings(),
        "statuses": Amenagement.Status.choices,
        "kinds": Amenagement.Kind.choices,
        "sources": _data_sources(counters=True),
    }
    template = "pages/map.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)


def _data_sources(*, counters: bool) -> list[str]:
    """The attribution of every source whose data the page shows: the arrangements' and, with
    `counters`, the bike counters' (one query: a UNION)."""
    found = amenagement_selectors.attributions()
    if counters:
        found = found.union(usage_selectors.counter_attributions())
    return sorted(found)


def _facet_links(
    filters: amenagement_selectors.AmenagementFilters, facets: dict[str, Facet]
) -> list[dict[str, Any]]:
    """Each filter group of the map as links (`facet_group`)."""
    groups = [("kind", _("Kind")), ("status", _("Status")), ("commune", _("Commune"))]
    return [facet_group(filters, key, facets[key], label) for key, label in groups]


@require_GET
def amenagement_view(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """An arrangement: key facts, its versions on a map, and the timeline of its adaptations.

    The address of an arrangement merged into a shared stretch redirects (permanently) to the
    stretch's page: links people kept or shared still lead to it."""
    try:
        amenagement = amenagement_selectors.amenagement_detail(slug=slug)
    except Amenagement.DoesNotExist:
        merged_into = amenagement_selectors.merged_into(slug=slug)
        if merged_into is None:
            raise Http404(amenagement_selectors.ERROR_NOT_FOUND) from None
        return redirect("pages:amenagement", slug=merged_into, permanent=True)
    evaluation = evaluation_selectors.latest_evaluation(amenagement=amenagement)
    return render(
        request,
        "pages/amenagement.html",
        {
            "amenagement": amenagement,
            "age_days": amenagement_selectors.age_in_days(amenagement, timezone.localdate()),
            "versions_geojson": amenagement_selectors.versions_geojson(amenagement),
            "can_record_adaptation": can_record_adaptation(request.user, amenagement),
            "map": map_settings(),
            "usage": usage_selectors.arrangement_usage(amenagement=amenagement),
            "can_record_manual_count": can_record_manual_count(request.user, amenagement),
            "evaluation": evaluation,
            "hot_spots_geojson": evaluation_selectors.hot_spots_geojson(evaluation),
            "decided_proposals": evaluation_selectors.decided_proposals(amenagement=amenagement),
            "can_run_evaluation": can_run_evaluation(request.user, amenagement),
            "evaluation_jobs": evaluation_queued.evaluation_jobs(amenagement=amenagement)
            if can_run_evaluation(request.user, amenagement)
            else None,
            "can_decide_proposal": can_decide_proposal(request.user, amenagement),
            **opinions_context(request, amenagement),
            "follow_choices": follow_selectors.follow_choices(
                request.user, amenagement, next_url=request.path + "#suivre"
            ),
        },
    )


@require_GET
def summary_view(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The map's side panel for one arrangement. Without htmx, the full page is the summary."""
    if not request.htmx:
        return redirect("pages:amenagement", slug=slug)
    amenagement = found_or_404(
        lambda: amenagement_selectors.amenagement_summary(slug=slug),
        amenagement_selectors.ERROR_NOT_FOUND,
    )
    return render(
        request,
        "pages/_summary.html",
        {
            "amenagement": amenagement,
            "latest": next(iter(amenagement.adaptations.all()), None),
            "age_days": amenagement_selectors.age_in_days(amenagement, timezone.localdate()),
            **opinions_context(request, amenagement, compact=True),
        },
    )


OVERVIEW_PAGE_SIZE = 100


@require_GET
def overview_view(request: HtmxHttpRequest) -> HttpResponse:
    """/evaluations/: every arrangement by the outcome of its latest evaluation, with filters
    and a map coloured by outcome (rule in `evaluation.overview`).

    `?format=geojson` is the map layer for the same filters (one query); an htmx request (a
    filter or a list page) gets only the results region.
    """
    filters = overview.OverviewFilters.from_query(request.GET)
    if request.GET.get("format") == "geojson":
        return HttpResponse(
            overview.overview_geojson(filters=filters), content_type="application/geo+json"
        )
    page = Paginator(overview.overview_list(filters=filters), OVERVIEW_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    page.object_list = overview.with_labels(page.object_list)
    facets = overview.overview_facets(filters=filters)
    counts = {value: count for value, _label, count in facets["outcome"]}
    context = {
        "filters": filters,
        "query": urlencode(filters.as_query()),
        "outcomes": facet_group(filters, "outcome", facets["outcome"]),
        "facets": [
            facet_group(filters, "kind", facets["kind"], _("Kind")),
            facet_group(filters, "commune", facets["commune"], _("Commune")),
        ],
        "total": sum(counts.values()),
        "page": page,
        "groups": [
            {
                "outcome": rows[0].outcome,
                "label": rows[0].outcome_label,
                "count": counts.get(rows[0].outcome, len(rows)),
                "rows": rows,
            }
            for rows in _runs_of_outcome(page.object_list)
        ],
        "legend": overview.OUTCOMES,
        "map": map_settings(),
        "sources": _data_sources(counters=False),
    }
    template = "pages/overview.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)


def _runs_of_outcome(rows: list[Any]) -> list[list[Any]]:
    """The page's rows (ordered by outcome) cut into runs of one outcome each."""
    groups: list[list[Any]] = []
    for row in rows:
        if groups and groups[-1][0].outcome == row.outcome:
            groups[-1].append(row)
        else:
            groups.append([row])
    return groups


@require_GET
def services_view(request: HtmxHttpRequest) -> HttpResponse:
    """/services/, for staff: what needs attention today (`pages.dashboard`), each item linking
    to where it is handled, and the services' tools."""
    if not request.user.is_staff:
        return deny(request, _("This page is for the urban services' staff."))
    today = timezone.localdate()
    scope = commune_scope(request.user)
    return render(
        request,
        "pages/services.html",
        {
            "sections": dashboard.services_dashboard(today=today, communes=scope),
            "scope_names": None
            if scope is None
            else amenagement_selectors.commune_names(ids=scope),
            "today": today,
            "can_import": can_import_counts(request.user),
            "can_adapt": can_record_adaptation(request.user),
            "can_moderate": can_moderate(contributor_for(request.user)),
            "can_create_arrangement": can_create_amenagement(request.user),
            "can_create_panel": can_create_panel(request.user),
        },
    )


# The day the accessibility declaration was last brought up to date (RGAA asks for it).
ACCESSIBILITY_DECLARED_ON = dt.date(2026, 12, 3)


@require_GET
def accessibility_view(request: HtmxHttpRequest) -> HttpResponse:
    """The RGAA accessibility declaration: conformity state, what is not accessible and its
    alternative, how it was checked, whom to write to and the recourse."""
    return render(
        request,
        "pages/accessibility.html",
        {
            "contact": settings.TACTIQUE_ACCESSIBILITY_CONTACT or settings.TACTIQUE_PRIVACY_CONTACT,
            "declared_on": ACCESSIBILITY_DECLARED_ON,
        },
    )
