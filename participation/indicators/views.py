"""Indicator pages: the public catalogue, an indicator's versions, proposing one (or a new
version of one) with a live preview, and the deliberation on a proposal — stances, comments,
adoption, closing, retirement.

Views stay thin: selectors read, services write, `permissions` decide from a `Viewer` built in
one query (`participation.panels.selectors.viewer_for`). Every htmx request has a plain-form
fallback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.http import (
    AuthenticatedHttpRequest,
    HtmxHttpRequest,
    deny,
    error_text,
    found_or_404,
    query_int,
)
from participation.indicators import deliberation, permissions, selectors, services
from participation.indicators.forms import CommentForm, DefinitionForm, ReasonForm, StanceForm
from participation.indicators.text import DefinitionText
from participation.models import CitizenPanel, IndicatorDefinition, Stance
from participation.panels import selectors as panel_selectors
from participation.panels.permissions import REFUSALS
from participation.panels.selectors import Viewer
from participation.panels.views import panel_page

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _proposal(panel: CitizenPanel, pk: int) -> IndicatorDefinition:
    return found_or_404(
        lambda: selectors.proposal_get(panel=panel, pk=pk),
        _("No proposal with this address in this panel."),
    )


ProposalView = Callable[..., HttpResponse]


def proposal_page(
    allowed: Callable[[Viewer, IndicatorDefinition], bool] | None = None,
    refusal: StrOrPromise = "",
) -> Callable[[ProposalView], ProposalView]:
    """View decorator of a proposal's pages (`slug` and `pk` in the address): the view is
    called with the panel, the proposal (or a 404 page) and the `Viewer`,
    `view(request, panel, definition, viewer)`; with `allowed`, whoever it refuses is denied."""

    def decorator(view: ProposalView) -> ProposalView:
        @panel_page()
        @functools.wraps(view)
        def wrapped(
            request: HttpRequest, panel: CitizenPanel, viewer: Viewer, pk: int
        ) -> HttpResponse:
            definition = _proposal(panel, pk)
            if allowed is not None and not allowed(viewer, definition):
                return deny(request, refusal)
            return view(request, panel, definition, viewer)

        return wrapped

    return decorator


@require_GET
def catalogue_view(request: HtmxHttpRequest) -> HttpResponse:
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
    request: HtmxHttpRequest, panel: str, code: str, version: int | None = None
) -> HttpResponse:
    """An indicator: the version asked for (the current one by default) and its history."""
    versions = selectors.lineage(panel_slug=panel, code=code)
    if not versions:
        raise Http404(_("No indicator with this address."))
    if version is None:
        shown = next((v for v in versions if v.status == v.Status.ADOPTED), versions[0])
    else:
        asked = next((v for v in versions if v.version == version), None)
        if asked is None:
            raise Http404(_("This indicator has no such version."))
        shown = asked
    viewer = panel_selectors.viewer_for(request.user, shown.panel)
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


def _revised(panel: CitizenPanel, request: HttpRequest) -> IndicatorDefinition | None:
    """The adopted indicator a new version is proposed of (`revise`, posted or in the query
    string); a `revise` that is not a number is a 400 page (`query_int`)."""
    pk = query_int(request.POST, "revise") or query_int(request.GET, "revise")
    if pk is None:
        return None
    return IndicatorDefinition.objects.filter(
        panel=panel, pk=pk, status=IndicatorDefinition.Status.ADOPTED
    ).first()


@require_http_methods(["GET", "POST"])
@panel_page(permissions.can_propose, REFUSALS["member"])
def propose_view(
    request: AuthenticatedHttpRequest, panel: CitizenPanel, viewer: Viewer
) -> HttpResponse:
    """A member proposes an indicator, or a new version of an adopted one (`?revise=<id>`).

    The question is previewed as residents will see it: live with htmx (the preview region
    posts the form as it is typed), or with the "Preview" button without JavaScript. A form
    with errors comes back with everything typed.
    """
    revised = _revised(panel, request)
    initial = DefinitionForm.initial_from(DefinitionText.of(revised)) if revised else None
    if request.method == "GET":
        form = DefinitionForm(initial=initial, lock_code=revised is not None)
        return _render_proposal_form(request, panel, form, revised=revised)

    form = DefinitionForm(request.POST, initial=initial, lock_code=revised is not None)
    if request.POST.get("action") == "preview":
        return _render_proposal_form(request, panel, form, revised=revised, previewing=True)
    if form.is_valid():
        try:
            definition = services.definition_propose(
                panel=panel, proposed_by=request.user, text=form.to_text(), supersedes=revised
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("Your proposal is open for discussion."))
            return redirect(definition.get_absolute_url())
    return _render_proposal_form(request, panel, form, revised=revised)


@require_http_methods(["GET", "POST"])
@proposal_page(permissions.can_edit_proposal, REFUSALS["proposer"])
def proposal_edit_view(
    request: AuthenticatedHttpRequest,
    panel: CitizenPanel,
    definition: IndicatorDefinition,
    viewer: Viewer,
) -> HttpResponse:
    """The proposer edits their open proposal (the stances taken so far are withdrawn)."""
    initial = DefinitionForm.initial_from(DefinitionText.of(definition))
    locked = definition.supersedes_id is not None
    if request.method == "GET":
        form = DefinitionForm(initial=initial, lock_code=locked)
        return _render_proposal_form(request, panel, form, editing=definition)
    form = DefinitionForm(request.POST, initial=initial, lock_code=locked)
    if request.POST.get("action") == "preview":
        return _render_proposal_form(request, panel, form, editing=definition, previewing=True)
    if form.is_valid():
        try:
            services.definition_update(definition=definition, by=request.user, text=form.to_text())
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("Your proposal has been updated."))
            return redirect(definition.get_absolute_url())
    return _render_proposal_form(request, panel, form, editing=definition)


def _add_service_errors(form: DefinitionForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _render_proposal_form(
    request: HtmxHttpRequest,
    panel: CitizenPanel,
    form: DefinitionForm,
    *,
    revised: IndicatorDefinition | None = None,
    editing: IndicatorDefinition | None = None,
    previewing: bool = False,
) -> HttpResponse:
    preview = form.preview() if form.is_bound else _initial_preview(form)
    context = {
        "panel": panel,
        "form": form,
        "revised": revised,
        "editing": editing,
        "preview": preview,
        "previewing": previewing,
    }
    template = "participation/proposal_form.html"
    if request.htmx and previewing:
        template += "#preview"
    return render(request, template, context)


def _initial_preview(form: DefinitionForm) -> dict[str, Any]:
    values = {**{n: f.initial for n, f in form.fields.items()}, **form.initial}
    data = {k: "" if v is None else str(v) for k, v in values.items() if not isinstance(v, list)}
    return DefinitionForm(data).preview()


def _proposal_context(
    request: HtmxHttpRequest, panel: CitizenPanel, definition: IndicatorDefinition, viewer: Viewer
) -> dict[str, Any]:
    return {
        "panel": panel,
        "definition": definition,
        "viewer": viewer,
        "tally": selectors.proposal_tally(definition, panel=panel),
        "stances": selectors.proposal_stances(definition),
        "my_stance": selectors.stance_of(definition, viewer.user_id),
        "comments": selectors.proposal_comments(definition),
        "log": selectors.proposal_log(definition),
        "can_take_stance": permissions.can_take_stance(viewer, definition),
        "can_comment": permissions.can_comment(viewer, definition),
        # Anyone taking part may report a comment there (`contributions.panel_comments`).
        "can_report_comments": viewer.is_resident,
        "can_edit": permissions.can_edit_proposal(viewer, definition),
        "can_decide": permissions.can_decide_proposal(viewer, definition),
        "can_retire": permissions.can_retire(viewer, definition),
        "can_propose_revision": permissions.can_propose_revision(viewer, definition),
        "comment_form": CommentForm(),
        "close_form": ReasonForm(auto_id="close_%s"),
        "retire_form": ReasonForm(auto_id="retire_%s"),
        "positions": Stance.Position.choices,
    }


@require_GET
@proposal_page()
def proposal_detail_view(
    request: HtmxHttpRequest, panel: CitizenPanel, definition: IndicatorDefinition, viewer: Viewer
) -> HttpResponse:
    """A proposal (or a decided definition) with its tally against the rule, the stances,
    comments and log; members take a stance and comment, facilitators decide."""
    context = _proposal_context(request, panel, definition, viewer)
    return render(request, "participation/proposal_detail.html", context)


@require_POST
@proposal_page(permissions.can_take_stance, REFUSALS["member"])
def stance_view(
    request: AuthenticatedHttpRequest,
    panel: CitizenPanel,
    definition: IndicatorDefinition,
    viewer: Viewer,
) -> HttpResponse:
    """Endorse or object (or change one's stance). htmx gets the deliberation region back."""
    form = StanceForm(request.POST)
    if not form.is_valid():
        raise PermissionDenied(_("Unknown stance."))
    try:
        _stance, changed = deliberation.stance_set(
            definition=definition, user=request.user, position=form.cleaned_data["position"]
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        if changed and not request.htmx:  # htmx shows the new tally in place
            messages.success(request, _("Your stance has been recorded."))
    if request.htmx:
        context = _proposal_context(request, panel, definition, viewer)
        return render(request, "participation/proposal_detail.html#deliberation", context)
    return redirect(definition.get_absolute_url())


@require_POST
@proposal_page(permissions.can_comment, REFUSALS["member"])
def comment_view(
    request: AuthenticatedHttpRequest,
    panel: CitizenPanel,
    definition: IndicatorDefinition,
    viewer: Viewer,
) -> HttpResponse:
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            deliberation.comment_add(
                definition=definition, user=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            form.add_error("body" if hasattr(error, "error_dict") else None, error)
        else:
            messages.success(request, _("Your comment has been published."))
            return redirect(definition.get_absolute_url() + "#comments")
    context = _proposal_context(request, panel, definition, viewer)
    context["comment_form"] = form
    return render(request, "participation/proposal_detail.html", context)


@require_POST
@proposal_page(permissions.can_decide_proposal, REFUSALS["facilitator"])
def adopt_view(
    request: AuthenticatedHttpRequest,
    panel: CitizenPanel,
    definition: IndicatorDefinition,
    viewer: Viewer,
) -> HttpResponse:
    try:
        adopted = services.definition_adopt(definition=definition, by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect(definition.get_absolute_url())
    messages.success(
        request,
        _("“%(name)s” is adopted as version %(version)s.")
        % {"name": adopted.name, "version": adopted.version},
    )
    return redirect(adopted.get_absolute_url())


def _reasoned_decision(
    request: AuthenticatedHttpRequest,
    panel: CitizenPanel,
    definition: IndicatorDefinition,
    viewer: Viewer,
    *,
    decide: Callable[..., Any],
    done: StrOrPromise,
    form_name: str,
) -> HttpResponse:
    """A facilitator's decision that needs a public reason (close a proposal, retire an
    indicator): on error the proposal page comes back with the form and what was typed."""
    form = ReasonForm(request.POST, auto_id=f"{form_name}_%s")
    if form.is_valid():
        try:
            decide(definition=definition, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, done)
            return redirect(definition.get_absolute_url())
    context = _proposal_context(request, panel, definition, viewer)
    context[f"{form_name}_form"] = form
    return render(request, "participation/proposal_detail.html", context)


@require_POST
@proposal_page(permissions.can_decide_proposal, REFUSALS["facilitator"])
def close_view(
    request: AuthenticatedHttpRequest,
    panel: CitizenPanel,
    definition: IndicatorDefinition,
    viewer: Viewer,
) -> HttpResponse:
    return _reasoned_decision(
        request,
        panel,
        definition,
        viewer,
        decide=services.definition_close,
        done=_("The proposal is closed."),
        form_name="close",
    )


@require_POST
@proposal_page(permissions.can_retire, REFUSALS["facilitator"])
def retire_view(
    request: AuthenticatedHttpRequest,
    panel: CitizenPanel,
    definition: IndicatorDefinition,
    viewer: Viewer,
) -> HttpResponse:
    return _reasoned_decision(
        request,
        panel,
        definition,
        viewer,
        decide=services.definition_retire,
        done=_("The indicator is retired."),
        form_name="retire",
    )
