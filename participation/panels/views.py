"""Citizen panels' pages: the list, a panel's public page and log, joining (requests and
invitations), and the facilitators' page (pending requests, invitations, the adoption rule,
whether the panel counts the answers of imported surveys).

Views stay thin: selectors read, services write, `permissions` decide from a `Viewer` built in
one query. A visitor who is not signed in is sent to the login page; a signed-in person who may
not do something gets a 403 page saying why. Every htmx request has a plain-form fallback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.http import (
    AuthenticatedHttpRequest,
    HtmxHttpRequest,
    deny,
    error_text,
    found_or_404,
    require_permission,
)
from participation.indicators import permissions as definition_permissions
from participation.indicators import selectors as definition_selectors
from participation.models import CitizenPanel, JoinRequest
from participation.panels import permissions, selectors, services
from participation.panels.forms import (
    DecisionForm,
    InvitationForm,
    JoinRequestForm,
    PanelForm,
    RuleForm,
)
from participation.panels.selectors import Viewer
from participation.profiles.selectors import public_name
from participation.surveys import permissions as survey_permissions
from participation.surveys import services as survey_services
from participation.surveys.forms import SurveyCountingForm

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

LOG_PAGE_SIZE = 50


def panel_or_404(slug: str) -> CitizenPanel:
    """The panel at `slug` (with its scope), or a 404 page."""
    return found_or_404(
        lambda: selectors.panel_get(slug=slug), _("No citizen panel with this address.")
    )


PanelView = Callable[..., HttpResponse]


def panel_page(
    allowed: Callable[[Viewer, CitizenPanel], bool] | None = None,
    refusal: StrOrPromise = "",
) -> Callable[[PanelView], PanelView]:
    """View decorator of a panel's pages (`slug` in the address): the view is called with the
    panel (or a 404 page) and the `Viewer` built for it, `view(request, panel, viewer, **rest)`;
    with `allowed`, whoever it refuses is denied (`deny`) with `refusal`."""

    def decorator(view: PanelView) -> PanelView:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, slug: str, **kwargs: Any) -> HttpResponse:
            panel = panel_or_404(slug)
            viewer = selectors.viewer_for(request.user, panel)
            if allowed is not None and not allowed(viewer, panel):
                return deny(request, refusal)
            return view(request, panel, viewer, **kwargs)

        return wrapped

    return decorator


@require_GET
def panel_list_view(request: HtmxHttpRequest) -> HttpResponse:
    return render(
        request,
        "participation/panel_list.html",
        {
            "panels": selectors.panel_list(),
            "can_create": permissions.can_create_panel(request.user),
        },
    )


@require_GET
@panel_page()
def panel_detail_view(
    request: HtmxHttpRequest, panel: CitizenPanel, viewer: Viewer
) -> HttpResponse:
    """A panel's public page: scope, rule, members (pseudonyms), proposals, decisions, log."""
    context = {
        "panel": panel,
        "members": selectors.panel_members(panel),
        "proposals": definition_selectors.panel_proposals(panel),
        "decisions": definition_selectors.panel_decisions(panel),
        "log": selectors.panel_log(panel)[:10],
        "viewer": viewer,
        "can_request_to_join": permissions.can_request_to_join(viewer, panel),
        "can_propose": definition_permissions.can_propose(viewer, panel),
        "can_manage_members": permissions.can_manage_members(viewer, panel),
        "join_form": JoinRequestForm(),
        "invitation_form": DecisionForm(),
    }
    return render(request, "participation/panel_detail.html", context)


@require_GET
def panel_log_view(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The whole public log of a panel, paginated."""
    panel = panel_or_404(slug)
    page = Paginator(selectors.panel_log(panel), LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "participation/panel_log.html", {"panel": panel, "page": page})


@require_POST
@panel_page(permissions.can_request_to_join, permissions.REFUSALS["join"])
def join_request_view(
    request: AuthenticatedHttpRequest, panel: CitizenPanel, viewer: Viewer
) -> HttpResponse:
    form = JoinRequestForm(request.POST)
    if form.is_valid():
        try:
            services.join_request_create(
                panel=panel, user=request.user, message=form.cleaned_data["message"]
            )
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(
                request, _("Your request has been sent. A facilitator of the panel will answer.")
            )
    else:
        messages.error(request, " ".join(str(e) for e in form.errors["message"]))
    return redirect(panel)


@require_POST
@panel_page()
def invitation_answer_view(
    request: AuthenticatedHttpRequest, panel: CitizenPanel, viewer: Viewer, pk: int
) -> HttpResponse:
    invitation = get_object_or_404(JoinRequest, panel=panel, pk=pk)
    if not permissions.can_answer_invitation(viewer, invitation):
        return deny(request, _("This invitation is not addressed to you, or was answered."))
    form = DecisionForm(request.POST)
    if not form.is_valid():
        raise PermissionDenied(_("Unknown answer."))
    try:
        services.invitation_answer(invitation=invitation, user=request.user, accept=form.accepted)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            _("Welcome to the panel!") if form.accepted else _("You declined the invitation."),
        )
    return redirect(panel)


@require_GET
@panel_page(permissions.can_manage_members, permissions.REFUSALS["facilitator"])
def panel_manage_view(
    request: HtmxHttpRequest, panel: CitizenPanel, viewer: Viewer
) -> HttpResponse:
    """Facilitators: pending requests and invitations, invite someone, the adoption rule, and
    whether survey answers count."""
    return _render_manage(request, panel)


def _render_manage(
    request: HtmxHttpRequest,
    panel: CitizenPanel,
    *,
    invitation_form: InvitationForm | None = None,
    rule_form: RuleForm | None = None,
) -> HttpResponse:
    context = {
        "panel": panel,
        "pending": selectors.pending_requests(panel),
        "members": selectors.panel_members(panel),
        "invitation_form": invitation_form or InvitationForm(),
        "rule_form": rule_form
        or RuleForm(
            initial={
                "quorum": panel.quorum,
                "min_endorsement_percent": panel.min_endorsement_percent,
            }
        ),
        "survey_form": SurveyCountingForm(
            initial={"include_survey_opinions": panel.include_survey_opinions}
        ),
    }
    return render(request, "participation/panel_manage.html", context)


@require_POST
@panel_page(permissions.can_manage_members, permissions.REFUSALS["facilitator"])
def join_request_decide_view(
    request: AuthenticatedHttpRequest, panel: CitizenPanel, viewer: Viewer, pk: int
) -> HttpResponse:
    join_request = get_object_or_404(
        JoinRequest.objects.select_related("user__profile"), panel=panel, pk=pk
    )
    form = DecisionForm(request.POST)
    if not form.is_valid():
        raise PermissionDenied(_("Unknown answer."))
    try:
        services.join_request_decide(
            join_request=join_request, by=request.user, accept=form.accepted
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        name = public_name(join_request.user)
        if form.accepted:
            messages.success(request, _("%(name)s is now a member.") % {"name": name})
        else:
            messages.success(request, _("The request of %(name)s was declined.") % {"name": name})
    return redirect("participation:manage", slug=panel.slug)


@require_POST
@panel_page(permissions.can_manage_members, permissions.REFUSALS["facilitator"])
def invite_view(
    request: AuthenticatedHttpRequest, panel: CitizenPanel, viewer: Viewer
) -> HttpResponse:
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invitation_create(
                panel=panel,
                by=request.user,
                pseudonym=form.cleaned_data["pseudonym"],
                message=form.cleaned_data["message"],
            )
        except ValidationError as error:
            form.add_error("pseudonym", error)
        else:
            messages.success(
                request,
                _("%(name)s has been invited.") % {"name": invitation.user.profile.pseudonym},
            )
            return redirect("participation:manage", slug=panel.slug)
    return _render_manage(request, panel, invitation_form=form)


@require_POST
@panel_page(permissions.can_manage_members, permissions.REFUSALS["facilitator"])
def rule_view(
    request: AuthenticatedHttpRequest, panel: CitizenPanel, viewer: Viewer
) -> HttpResponse:
    form = RuleForm(request.POST)
    if form.is_valid():
        try:
            services.panel_set_rule(panel=panel, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The adoption rule has been changed."))
            return redirect("participation:manage", slug=panel.slug)
    return _render_manage(request, panel, rule_form=form)


@require_POST
@panel_page(survey_permissions.can_set_survey_counting, permissions.REFUSALS["facilitator"])
def survey_counting_view(
    request: AuthenticatedHttpRequest, panel: CitizenPanel, viewer: Viewer
) -> HttpResponse:
    """A facilitator ticks or unticks "count the answers of imported surveys"."""
    form = SurveyCountingForm(request.POST)
    form.is_valid()  # a checkbox: absent means unticked, never an error
    include = bool(form.cleaned_data.get("include_survey_opinions"))
    try:
        survey_services.panel_survey_opinions_set(panel=panel, by=request.user, include=include)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request,
            _("Survey answers now count in this panel's results.")
            if include
            else _("Survey answers are now shown apart from this panel's results."),
        )
    return redirect("participation:manage", slug=panel.slug)


@require_http_methods(["GET", "POST"])
@require_permission(permissions.can_create_panel)
def panel_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Staff create a panel; its first facilitator (a resident, by pseudonym) runs it from
    then on. The panel's page follows."""
    form = PanelForm(
        request.POST if request.method == "POST" else None,
        initial={"quorum": 3, "min_endorsement_percent": 60},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        facilitator = None
        if data["facilitator"].strip():
            facilitator = selectors.user_by_pseudonym(data["facilitator"])
            if facilitator is None:
                form.add_error(
                    "facilitator",
                    services.ERROR_UNKNOWN_PSEUDONYM % {"pseudonym": data["facilitator"]},
                )
        if not form.errors:
            try:
                panel = services.panel_create(
                    name=data["name"],
                    description=data["description"],
                    quorum=data["quorum"],
                    min_endorsement_percent=data["min_endorsement_percent"],
                    communes=data["communes"],
                    facilitators=[facilitator] if facilitator else [],
                    created_by=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The panel has been created."))
                return redirect("participation:panel", slug=panel.slug)
    return render(request, "participation/panel_form.html", {"form": form})
