"""Citizen panels: public pages, joining, proposing, deliberating, deciding; the profile page.

Views stay thin: selectors read, services write, `permissions` decide from a `Viewer` built in
one query. A visitor who is not signed in is sent to the login page; a signed-in person who may
not do something gets a 403 page saying why. Every htmx request has a plain-form fallback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from indicators import services as indicator_services
from indicators.forms import DefinitionForm
from indicators.models import IndicatorDefinition
from indicators.services import DefinitionText
from participation import permissions, selectors, services
from participation.forms import (
    CommentForm,
    DecisionForm,
    InvitationForm,
    JoinRequestForm,
    ProfileForm,
    ReasonForm,
    RuleForm,
    StanceForm,
)
from participation.models import CitizenPanel, JoinRequest, Profile
from participation.selectors import Viewer

LOG_PAGE_SIZE = 50


def _panel(slug: str) -> CitizenPanel:
    try:
        return selectors.panel_get(slug=slug)
    except CitizenPanel.DoesNotExist:
        raise Http404(_("No citizen panel with this address.")) from None


def _proposal(panel: CitizenPanel, pk: int) -> IndicatorDefinition:
    try:
        return selectors.proposal_get(panel=panel, pk=pk)
    except IndicatorDefinition.DoesNotExist:
        raise Http404(_("No proposal with this address in this panel.")) from None


def _deny(request: HttpRequest, reason: str) -> HttpResponse:
    """Send a visitor to the login page; tell a signed-in person why they may not."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied(reason)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _reasons() -> dict[str, str]:
    return {
        "member": _("Only members of the panel can do this. Ask to join it from its page."),
        "facilitator": _("Only a facilitator of the panel can do this."),
        "resident": _("Sign in with a verified email address to take part."),
        "proposer": _("Only the member who made this proposal can edit it, while it is open."),
        "open": _("This proposal is no longer open."),
    }


# --- public pages -----------------------------------------------------------------------------


@require_GET
def panel_list_view(request: HttpRequest) -> HttpResponse:
    return render(request, "participation/panel_list.html", {"panels": selectors.panel_list()})


@require_GET
def panel_detail_view(request: HttpRequest, slug: str) -> HttpResponse:
    """A panel's public page: scope, rule, members (pseudonyms), proposals, decisions, log."""
    panel = _panel(slug)
    viewer = selectors.viewer_for(request.user, panel)
    context = {
        "panel": panel,
        "members": selectors.panel_members(panel),
        "proposals": selectors.panel_proposals(panel),
        "decisions": selectors.panel_decisions(panel),
        "log": selectors.panel_log(panel)[:10],
        "viewer": viewer,
        "can_request_to_join": permissions.can_request_to_join(viewer, panel),
        "can_propose": permissions.can_propose(viewer, panel),
        "can_manage_members": permissions.can_manage_members(viewer, panel),
        "join_form": JoinRequestForm(),
        "invitation_form": DecisionForm(),
    }
    return render(request, "participation/panel_detail.html", context)


@require_GET
def panel_log_view(request: HttpRequest, slug: str) -> HttpResponse:
    """The whole public log of a panel, paginated."""
    panel = _panel(slug)
    page = Paginator(selectors.panel_log(panel), LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "participation/panel_log.html", {"panel": panel, "page": page})


# --- joining ----------------------------------------------------------------------------------


@require_POST
def join_request_view(request: HttpRequest, slug: str) -> HttpResponse:
    panel = _panel(slug)
    viewer = selectors.viewer_for(request.user, panel)
    if not permissions.can_request_to_join(viewer, panel):
        return _deny(
            request,
            _(
                "You cannot ask to join this panel (already a member, "
                "a request pending, or the panel takes no requests)."
            ),
        )
    form = JoinRequestForm(request.POST)
    if form.is_valid():
        try:
            services.join_request_create(
                panel=panel, user=request.user, message=form.cleaned_data["message"]
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(
                request, _("Your request has been sent. A facilitator of the panel will answer.")
            )
    else:
        messages.error(request, _error_text(ValidationError(form.errors["message"])))
    return redirect(panel)


@require_POST
def invitation_answer_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    panel = _panel(slug)
    viewer = selectors.viewer_for(request.user, panel)
    invitation = get_object_or_404(JoinRequest, panel=panel, pk=pk)
    if not permissions.can_answer_invitation(viewer, invitation):
        return _deny(request, _("This invitation is not addressed to you, or was answered."))
    form = DecisionForm(request.POST)
    if not form.is_valid():
        raise PermissionDenied(_("Unknown answer."))
    try:
        services.invitation_answer(invitation=invitation, user=request.user, accept=form.accepted)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("Welcome to the panel!") if form.accepted else _("You declined the invitation."),
        )
    return redirect(panel)


@require_GET
def panel_manage_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Facilitators: pending requests and invitations, invite someone, the adoption rule."""
    panel = _panel(slug)
    viewer = selectors.viewer_for(request.user, panel)
    if not permissions.can_manage_members(viewer, panel):
        return _deny(request, _reasons()["facilitator"])
    return _render_manage(request, panel)


def _render_manage(
    request: HttpRequest,
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
    }
    return render(request, "participation/panel_manage.html", context)


@require_POST
def join_request_decide_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    panel = _panel(slug)
    viewer = selectors.viewer_for(request.user, panel)
    if not permissions.can_manage_members(viewer, panel):
        return _deny(request, _reasons()["facilitator"])
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
        messages.error(request, _error_text(error))
    else:
        name = services.public_name(join_request.user)
        if form.accepted:
            messages.success(request, _("%(name)s is now a member.") % {"name": name})
        else:
            messages.success(request, _("The request of %(name)s was declined.") % {"name": name})
    return redirect("participation:manage", slug=panel.slug)


@require_POST
def invite_view(request: HttpRequest, slug: str) -> HttpResponse:
    panel = _panel(slug)
    viewer = selectors.viewer_for(request.user, panel)
    if not permissions.can_manage_members(viewer, panel):
        return _deny(request, _reasons()["facilitator"])
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
def rule_view(request: HttpRequest, slug: str) -> HttpResponse:
    panel = _panel(slug)
    viewer = selectors.viewer_for(request.user, panel)
    if not permissions.can_manage_members(viewer, panel):
        return _deny(request, _reasons()["facilitator"])
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


# --- proposing --------------------------------------------------------------------------------


def _revised(panel: CitizenPanel, pk: str | None) -> IndicatorDefinition | None:
    if not pk or not pk.isdigit():
        return None
    return IndicatorDefinition.objects.filter(
        panel=panel, pk=int(pk), status=IndicatorDefinition.Status.ADOPTED
    ).first()


@require_http_methods(["GET", "POST"])
def propose_view(request: HttpRequest, slug: str) -> HttpResponse:
    """A member proposes an indicator, or a new version of an adopted one (`?revise=<id>`).

    The question is previewed as residents will see it: live with htmx (the preview region
    posts the form as it is typed), or with the "Preview" button without JavaScript. A form
    with errors comes back with everything typed.
    """
    panel = _panel(slug)
    viewer = selectors.viewer_for(request.user, panel)
    if not permissions.can_propose(viewer, panel):
        return _deny(request, _reasons()["member"])
    revised = _revised(panel, request.POST.get("revise") or request.GET.get("revise"))
    initial = DefinitionForm.initial_from(DefinitionText.of(revised)) if revised else None
    if request.method == "GET":
        form = DefinitionForm(initial=initial, lock_code=revised is not None)
        return _render_proposal_form(request, panel, form, revised=revised)

    form = DefinitionForm(request.POST, initial=initial, lock_code=revised is not None)
    if request.POST.get("action") == "preview":
        return _render_proposal_form(request, panel, form, revised=revised, previewing=True)
    if form.is_valid():
        try:
            definition = indicator_services.definition_propose(
                panel=panel, proposed_by=request.user, text=form.to_text(), supersedes=revised
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("Your proposal is open for discussion."))
            return redirect(definition.get_absolute_url())
    return _render_proposal_form(request, panel, form, revised=revised)


@require_http_methods(["GET", "POST"])
def proposal_edit_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The proposer edits their open proposal (the stances taken so far are withdrawn)."""
    panel = _panel(slug)
    definition = _proposal(panel, pk)
    viewer = selectors.viewer_for(request.user, panel)
    if not permissions.can_edit_proposal(viewer, definition):
        return _deny(request, _reasons()["proposer"])
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
            indicator_services.definition_update(
                definition=definition, by=request.user, text=form.to_text()
            )
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
    request: HttpRequest,
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


def _initial_preview(form: DefinitionForm) -> dict:
    values = {**{n: f.initial for n, f in form.fields.items()}, **form.initial}
    data = {k: "" if v is None else str(v) for k, v in values.items() if not isinstance(v, list)}
    return DefinitionForm(data).preview()


# --- deliberating -----------------------------------------------------------------------------


def _proposal_context(
    request: HttpRequest, panel: CitizenPanel, definition: IndicatorDefinition, viewer: Viewer
) -> dict:
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
        "can_edit": permissions.can_edit_proposal(viewer, definition),
        "can_decide": permissions.can_decide_proposal(viewer, definition),
        "can_retire": permissions.can_retire(viewer, definition),
        "can_propose_revision": permissions.can_propose_revision(viewer, definition),
        "comment_form": CommentForm(),
        "close_form": ReasonForm(auto_id="close_%s"),
        "retire_form": ReasonForm(auto_id="retire_%s"),
        "positions": StanceForm.base_fields["position"].choices,
    }


@require_GET
def proposal_detail_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A proposal (or a decided definition) with its tally against the rule, the stances,
    comments and log; members take a stance and comment, facilitators decide."""
    panel = _panel(slug)
    definition = _proposal(panel, pk)
    viewer = selectors.viewer_for(request.user, panel)
    context = _proposal_context(request, panel, definition, viewer)
    return render(request, "participation/proposal_detail.html", context)


@require_POST
def stance_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Endorse or object (or change one's stance). htmx gets the deliberation region back."""
    panel = _panel(slug)
    definition = _proposal(panel, pk)
    viewer = selectors.viewer_for(request.user, panel)
    if not permissions.can_take_stance(viewer, definition):
        return _deny(request, _reasons()["member"])
    form = StanceForm(request.POST)
    if not form.is_valid():
        raise PermissionDenied(_("Unknown stance."))
    try:
        _stance, changed = services.stance_set(
            definition=definition, user=request.user, position=form.cleaned_data["position"]
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        if changed and not request.htmx:  # htmx shows the new tally in place
            messages.success(request, _("Your stance has been recorded."))
    if request.htmx:
        context = _proposal_context(request, panel, definition, viewer)
        return render(request, "participation/proposal_detail.html#deliberation", context)
    return redirect(definition.get_absolute_url())


@require_POST
def comment_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    panel = _panel(slug)
    definition = _proposal(panel, pk)
    viewer = selectors.viewer_for(request.user, panel)
    if not permissions.can_comment(viewer, definition):
        return _deny(request, _reasons()["member"])
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.comment_add(
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
def adopt_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    panel = _panel(slug)
    definition = _proposal(panel, pk)
    viewer = selectors.viewer_for(request.user, panel)
    if not permissions.can_decide_proposal(viewer, definition):
        return _deny(request, _reasons()["facilitator"])
    try:
        adopted = indicator_services.definition_adopt(definition=definition, by=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect(definition.get_absolute_url())
    messages.success(
        request,
        _("“%(name)s” is adopted as version %(version)s.")
        % {"name": adopted.name, "version": adopted.version},
    )
    return redirect(adopted.get_absolute_url())


def _reasoned_decision(
    request: HttpRequest,
    slug: str,
    pk: int,
    *,
    allowed: Callable[..., bool],
    decide: Callable[..., Any],
    done: str,
    form_name: str,
) -> HttpResponse:
    """A facilitator's decision that needs a public reason (close a proposal, retire an
    indicator): on error the proposal page comes back with the form and what was typed."""
    panel = _panel(slug)
    definition = _proposal(panel, pk)
    viewer = selectors.viewer_for(request.user, panel)
    if not allowed(viewer, definition):
        return _deny(request, _reasons()["facilitator"])
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
def close_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _reasoned_decision(
        request,
        slug,
        pk,
        allowed=permissions.can_decide_proposal,
        decide=indicator_services.definition_close,
        done=_("The proposal is closed."),
        form_name="close",
    )


@require_POST
def retire_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _reasoned_decision(
        request,
        slug,
        pk,
        allowed=permissions.can_retire,
        decide=indicator_services.definition_retire,
        done=_("The indicator is retired."),
        form_name="retire",
    )


# --- profile ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def profile_view(request: HttpRequest) -> HttpResponse:
    """One's own page: the public pseudonym (editable), panels, pending requests, invitations."""
    profile = Profile.objects.filter(user=request.user).first()
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services.profile_set_pseudonym(
                    user=request.user, pseudonym=form.cleaned_data["pseudonym"]
                )
            except ValidationError as error:
                form.add_error("pseudonym", error.message_dict.get("pseudonym", error.messages))
            else:
                messages.success(request, _("Your pseudonym has been saved."))
                return redirect("participation:profile")
    else:
        form = ProfileForm(initial={"pseudonym": profile.pseudonym if profile else ""})
    context = {
        "profile": profile,
        "form": form,
        "memberships": selectors.user_memberships(request.user),
        "pending": selectors.user_pending(request.user),
        "decision_form": DecisionForm(),
    }
    return render(request, "participation/profile.html", context)
