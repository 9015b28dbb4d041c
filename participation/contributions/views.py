"""Residents' opinions: the contribution form (on the arrangement page, in the map's side panel,
and on a page of its own without JavaScript), snapping a spot, reading comments, reporting, the
moderators' queue, and the data behind the map coloured by an indicator.

Views stay thin: selectors read, services write, `permissions` decide from a `Contributor` built
in one query. Every htmx request has a plain-form fallback; rate limits answer with a clear
message in the form (HTTP 429 without htmx, which does not swap error responses).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from amenagements.models import Amenagement
from amenagements.permissions import ERROR_OUT_OF_SCOPE, commune_scope
from amenagements.selectors import ERROR_NOT_FOUND, amenagement_locate
from common.http import (
    AuthenticatedHttpRequest,
    HtmxHttpRequest,
    deny,
    found_or_404,
    parse_int,
)
from participation.contributions import (
    answers,
    moderation,
    moderation_selectors,
    permissions,
    ratelimits,
    selectors,
    services,
)
from participation.contributions.forms import ContributionForm, ModerationForm, ReportForm
from participation.contributions.opinions import (
    ALONE,
    PIN_MAPS,
    Opinions,
    build_opinions,
    with_report_forms,
)
from participation.models import Contribution, IndicatorDefinition

if TYPE_CHECKING:
    pass


def _amenagement(slug: str) -> Amenagement:
    return found_or_404(
        lambda: Amenagement.objects.select_related("commune").get(slug=slug), ERROR_NOT_FOUND
    )


# --- contributing -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def contribute_view(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Give or edit one's opinion of an arrangement's current version.

    GET: a page with the form alone (the fallback without JavaScript; htmx gets the form).
    POST: with htmx, the form comes back in place (with its errors, or a confirmation and the
    refreshed results); without it, a success goes back to the arrangement page and errors
    show on the form page. Everything typed is kept.
    """
    amenagement = _amenagement(slug)
    contributor = selectors.contributor_for(request.user)
    if not contributor.is_authenticated:
        return redirect_to_login(amenagement.get_absolute_url() + "#avis")
    if not permissions.can_contribute(contributor, amenagement):
        if not contributor.is_resident:
            return deny(request, answers.not_taking_part(contributor))
        return deny(request, answers.reasons()["removed"])
    display = request.POST.get("display") or request.GET.get("display")
    display = display if display in PIN_MAPS else ALONE
    if request.method == "GET":
        opinions = build_opinions(
            request, amenagement, display=display, contributor=contributor, with_items=False
        )
        return _render_contribute(request, opinions)

    status = 200
    definitions = selectors.perception_definitions(amenagement)
    form = ContributionForm(
        request.POST, definitions=definitions, auto_id=f"c-{amenagement.slug}-%s"
    )
    flash = ""
    # The form shown back: the posted one with its errors, or None to rebuild it from what is
    # now saved (after a withdrawal or a success).
    shown: ContributionForm | None = form
    if ratelimits.limit_exceeded(request, "contribution"):
        form.is_valid()  # keep what was typed, cleaned, and show the limit on top
        form.add_error(None, str(ratelimits.ERROR_RATE_LIMITED))
        status = 429
    elif request.POST.get("action") == "withdraw":
        services.contribution_withdraw(user=request.user, amenagement=amenagement)
        flash = _("Your opinion has been withdrawn.")
        if not request.htmx:
            messages.success(request, flash)
            return redirect(amenagement.get_absolute_url() + "#avis")
        shown = None
    elif form.is_valid():
        try:
            submission = services.contribution_submit(
                user=request.user,
                amenagement=amenagement,
                data=form.to_input(),
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
            if getattr(error, "code", None) == "version_changed":
                shown = _rebased(form, request, definitions, amenagement)
        else:
            flash = _success_message(submission)
            if not request.htmx:
                messages.success(request, flash)
                return redirect(amenagement.get_absolute_url() + "#avis")
            shown = None
    opinions = build_opinions(
        request, amenagement, display=display, contributor=contributor, form=shown, with_items=False
    )
    opinions.flash = flash
    return _render_contribute(request, opinions, status=200 if request.htmx else status)


def _rebased(
    form: ContributionForm,
    request: HtmxHttpRequest,
    definitions: list[IndicatorDefinition],
    amenagement: Amenagement,
) -> ContributionForm:
    """The same answers on a form for the version now in force (the error stays on it)."""
    data = request.POST.copy()
    data["version"] = str(selectors.current_version(amenagement).number)
    rebased = ContributionForm(data, definitions=definitions, auto_id=form.auto_id)
    rebased.is_valid()
    for error in form.non_field_errors().as_data():
        rebased.add_error(None, error)
    return rebased


def _success_message(submission: services.Submission) -> str:
    contribution = submission.contribution
    if not submission.changed:
        text = _("Your opinion was already recorded as it is: nothing changed.")
    elif submission.created:
        text = _("Thank you! Your opinion has been recorded.")
    else:
        text = _("Your opinion has been updated.")
    if contribution.comment and contribution.comment_status == contribution.CommentStatus.PENDING:
        text += " " + _("Your comment will be published once a moderator has read it.")
    return text


def _render_contribute(
    request: HtmxHttpRequest, opinions: Opinions, *, status: int = 200
) -> HttpResponse:
    context = {"amenagement": opinions.amenagement, "opinions": opinions}
    if request.htmx:
        return render(request, "participation/_contribute_response.html", context, status=status)
    return render(request, "participation/contribute.html", context, status=status)


@require_GET
def locate_view(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Snap a clicked spot onto the arrangement: where it lands, how far along the line, or why
    it is refused (JSON for the map script)."""
    amenagement = _amenagement(slug)
    if ratelimits.limit_exceeded(request, "locate"):
        return JsonResponse(
            {"ok": False, "message": str(ratelimits.ERROR_RATE_LIMITED)}, status=429
        )
    try:
        lon = float(request.GET["lon"])
        lat = float(request.GET["lat"])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError
    except (KeyError, ValueError):
        return JsonResponse(
            {"ok": False, "message": _("Give a longitude and a latitude in degrees.")},
            status=400,
        )
    location = amenagement_locate(amenagement=amenagement, point=Point(lon, lat, srid=4326))
    limit = settings.TACTIQUE_PIN_MAX_DISTANCE_M
    if location.distance_m > limit:
        return JsonResponse(
            {
                "ok": False,
                "distance_m": round(location.distance_m, 1),
                "message": str(services.ERROR_PIN_TOO_FAR)
                % {"distance": round(location.distance_m), "max": round(limit)},
            }
        )
    return JsonResponse(
        {
            "ok": True,
            "lon": round(location.point.x, 7),
            "lat": round(location.point.y, 7),
            "position_m": None if location.position_m is None else round(location.position_m),
            "distance_m": round(location.distance_m, 1),
            "message": spot_sentence(location.position_m),
        }
    )


def spot_sentence(position_m: float | None) -> str:
    if position_m is None:
        return _("Spot placed on the arrangement.")
    return _("Spot placed %(m)s m from the start of the arrangement.") % {"m": round(position_m)}


@require_GET
def items_view(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """A page of comments and spots: htmx gets the region; without it, the arrangement page."""
    if not request.htmx:
        page = request.GET.get("page", "1")
        return redirect(
            reverse("pages:amenagement", kwargs={"slug": slug}) + f"?avis={page}#avis-items"
        )
    amenagement = _amenagement(slug)
    contributor = selectors.contributor_for(request.user)
    items = with_report_forms(
        selectors.opinion_items(
            amenagement=amenagement, viewer=contributor, page=request.GET.get("page", 1)
        )
    )
    return render(
        request,
        "participation/_opinion_items.html",
        {"amenagement": amenagement, "items": items},
    )


# --- reporting --------------------------------------------------------------------------------


def _contribution(pk: int) -> Contribution:
    return get_object_or_404(
        Contribution.objects.select_related("version__amenagement", "user__profile"), pk=pk
    )


@require_http_methods(["GET", "POST"])
def report_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Report a comment to the moderators. The form sits under each comment (a `<details>`);
    this page shows it alone when it has errors without JavaScript."""
    contribution = _contribution(pk)
    amenagement = contribution.version.amenagement
    contributor = selectors.contributor_for(request.user)
    if not contributor.is_authenticated:
        return redirect_to_login(amenagement.get_absolute_url() + f"#avis-{pk}")
    if not contributor.is_resident:
        raise PermissionDenied(answers.not_taking_part(contributor))
    number = _item_number(request)
    form = ReportForm(request.POST if request.method == "POST" else None, prefix=f"report-{pk}")
    status = 200
    done = ""
    if request.method == "POST":
        done, status = answers.report_attempt(
            request,
            form,
            lambda reason, details: moderation.report_create(
                contribution=contribution, reporter=request.user, reason=reason, details=details
            ),
        )
        if done and not request.htmx:
            messages.success(request, done)
            return redirect(amenagement.get_absolute_url() + f"#avis-{pk}")
    if request.htmx and request.method == "POST":
        item = selectors.opinion_item(pk=pk, viewer=contributor)
        item = replace(item, can_report=item.can_report and not done, report_form=form)
        context = {
            "item": item,
            "number": number,
            "report_done": done,
            "amenagement": amenagement,
        }
        return render(request, "participation/_opinion_item.html", context)
    context = {
        "c": contribution,
        "amenagement": amenagement,
        "report_form": form,
        "can_report": permissions.can_report(contributor, contribution),
    }
    return render(request, "participation/report.html", context, status=status)


def _item_number(request: HtmxHttpRequest) -> int:
    return max(1, parse_int(request.POST.get("n", "")) or 1)


# --- moderating -------------------------------------------------------------------------------


@require_GET
def moderation_queue_view(request: HtmxHttpRequest) -> HttpResponse:
    """Moderators: the comments to review (or those hidden), oldest first, and the latest acts."""
    contributor = selectors.contributor_for(request.user)
    if not permissions.can_moderate(contributor):
        return deny(request, answers.reasons()["moderator"])
    state = request.GET.get("etat")
    state = selectors.QueueState.HIDDEN if state == "masques" else selectors.QueueState.TODO
    scope = commune_scope(request.user)
    queue = selectors.moderation_queue(state=state, communes=scope)
    page = Paginator(queue, selectors.QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.with_open_reports(list(page.object_list))
    can_suspend = permissions.can_suspend(contributor, request.user)
    return render(
        request,
        "participation/moderation_queue.html",
        {
            "page": page,
            "state": state,
            "panel_comments": moderation_selectors.panel_comment_queue(
                hidden=state == selectors.QueueState.HIDDEN, communes=scope
            ),
            "can_suspend": can_suspend,
            "suspended": moderation_selectors.suspended_accounts() if can_suspend else [],
            "log": moderation_selectors.moderation_log(),
            "form": ModerationForm(),
            "threshold": settings.TACTIQUE_REPORT_HIDE_THRESHOLD,
        },
    )


@require_POST
def moderate_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A moderator hides or publishes a comment, with a public reason."""
    contributor = selectors.contributor_for(request.user)
    if not permissions.can_moderate(contributor):
        return deny(request, answers.reasons()["moderator"])
    contribution = _contribution(pk)
    if not permissions.can_moderate_on(contributor, request.user, contribution.version.amenagement):
        return deny(request, ERROR_OUT_OF_SCOPE)
    form = ModerationForm(request.POST)
    back = reverse("contributions:moderation") + (
        "?etat=masques" if request.POST.get("from") == "masques" else ""
    )
    return answers.moderation_answer(
        request,
        form,
        lambda decision, reason: moderation.comment_moderate(
            contribution=contribution, by=request.user, decision=decision, reason=reason
        ),
        back=back,
        anchor=f"#moderation-{pk}",
    )


# --- the map coloured by an indicator ---------------------------------------------------------


@require_GET
def colour_view(request: HtmxHttpRequest) -> HttpResponse:
    """Without `indicateur`: the perception indicators the map can be coloured by. With
    `indicateur=<id>`: each arrangement's mean rating on it (current versions)."""
    value = request.GET.get("indicateur", "")
    if not value:
        indicators = [
            {"id": d.pk, "name": d.name, "panel": d.panel.name, "question": d.question}
            for d in selectors.colour_indicators()
        ]
        return JsonResponse({"indicators": indicators})
    pk = parse_int(value)
    if pk is None:
        return JsonResponse({"error": _("Unknown indicator.")}, status=400)
    definition = IndicatorDefinition.objects.filter(
        pk=pk, kind=IndicatorDefinition.Kind.PERCEPTION
    ).first()
    if definition is None:
        return JsonResponse({"error": _("Unknown indicator.")}, status=404)
    return JsonResponse(
        {
            "indicator": {"id": definition.pk, "name": definition.name},
            "arrangements": selectors.colour_values(definition_id=definition.pk),
        }
    )
