"""The public catalogue of adopted indicators, the page of each indicator's versions, and the
staff button that runs an arrangement's evaluation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from amenagements.models import Amenagement
from indicators import selectors, services
from indicators.permissions import can_run_evaluation
from participation import permissions
from participation import selectors as participation_selectors


@require_GET
def catalogue_view(request: HttpRequest) -> HttpResponse:
    """/indicateurs/: every adopted indicator with its definition and adopting panel."""
    definitions = list(selectors.catalogue())
    return render(
        request,
        "indicators/catalogue.html",
        {
            "perception": [d for d in definitions if d.is_perception],
            "usage": [d for d in definitions if not d.is_perception],
        },
    )


@require_GET
def lineage_view(
    request: HttpRequest, panel: str, code: str, version: int | None = None
) -> HttpResponse:
    """An indicator: the version asked for (the current one by default) and its history."""
    versions = selectors.lineage(panel_slug=panel, code=code)
    if not versions:
        raise Http404(_("No indicator with this address."))
    if version is None:
        shown = next((v for v in versions if v.status == v.Status.ADOPTED), versions[0])
    else:
        shown = next((v for v in versions if v.version == version), None)
        if shown is None:
            raise Http404(_("This indicator has no such version."))
    viewer = participation_selectors.viewer_for(request.user, shown.panel)
    return render(
        request,
        "indicators/lineage.html",
        {
            "definition": shown,
            "panel": shown.panel,
            "versions": versions,
            "revisions": selectors.open_revisions(shown),
            "can_propose_revision": permissions.can_propose_revision(viewer, shown),
        },
    )


@require_POST
def evaluation_run_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Staff run the evaluation of an arrangement with the data known today."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not can_run_evaluation(request.user):
        raise PermissionDenied
    amenagement = get_object_or_404(Amenagement, slug=slug)
    try:
        services.evaluation_run(
            amenagement=amenagement, as_of=timezone.localdate(), created_by=request.user
        )
    except ValueError as error:
        messages.error(request, _("The evaluation could not be run: %(error)s") % {"error": error})
    else:
        messages.success(request, _("The evaluation has been run."))
    return redirect(amenagement.get_absolute_url() + "#evaluation")
