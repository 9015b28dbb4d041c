"""The staff button that runs an arrangement's evaluation, each proposal's page, where staff
decide on it in public, and the city overview of evaluations by outcome."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from amenagements.models import Amenagement
from amenagements.permissions import ERROR_OUT_OF_SCOPE
from common.http import AuthenticatedHttpRequest, deny, found_or_404, require_permission
from evaluation import decisions, queued, selectors
from evaluation.forms import ProposalDecisionForm
from evaluation.models import AdjustmentProposal
from evaluation.permissions import can_decide_proposal, can_run_evaluation

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@require_http_methods(["GET", "POST"])
def proposal_view(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A proposal with its evidence and, once taken, the decision; staff who may decide get
    the decision form while it is open."""
    proposal = found_or_404(
        lambda: selectors.proposal_detail(amenagement_slug=slug, pk=pk),
        _("This arrangement has no such proposal."),
    )
    posted = request.method == "POST"
    may_decide = can_decide_proposal(request.user, proposal.amenagement)
    if posted and not may_decide:
        return deny(request, ERROR_OUT_OF_SCOPE if can_decide_proposal(request.user) else "")
    plans = decisions.plans_an_adaptation(proposal)
    form: ProposalDecisionForm | None = None
    # A posted form is always shown back (a decided proposal then says why it was refused).
    if posted or (proposal.is_open and may_decide):
        form = ProposalDecisionForm(
            request.POST if posted else None,
            plans_adaptation=plans,
            initial=decisions.planned_adaptation_defaults(proposal),
        )
    if posted and form is not None and form.is_valid():
        try:
            # Only staff who may decide post (refused above): an account, not a visitor.
            _decide(proposal, cast("User", request.user), form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The decision has been recorded and published."))
            return redirect(proposal.amenagement.get_absolute_url() + "#evaluation")
    return render(
        request,
        "evaluation/proposal.html",
        {
            "proposal": proposal,
            "amenagement": proposal.amenagement,
            "evidence": selectors.proposal_evidence(proposal),
            "form": form,
            "plans_adaptation": plans,
        },
        status=400 if posted else 200,
    )


def _decide(proposal: AdjustmentProposal, user: User, data: dict[str, Any]) -> None:
    """Call the decision service the form's choice names."""
    Decision = ProposalDecisionForm.Decision
    if data["decision"] == Decision.ACCEPT:
        decisions.proposal_accept(
            proposal=proposal,
            decided_by=user,
            note=data["note"],
            kind=data.get("kind") or None,
            description=data.get("description"),
            planned_for=data.get("planned_for"),
        )
    elif data["decision"] == Decision.REJECT:
        decisions.proposal_reject(proposal=proposal, decided_by=user, note=data["note"])
    else:
        decisions.proposal_defer(proposal=proposal, decided_by=user, note=data["note"])


@require_POST
@require_permission(can_run_evaluation)
def evaluation_run_view(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Staff queue the evaluation of an arrangement with the data known today; its page says
    while it waits and runs, and shows the result (or why it failed) once done."""
    amenagement = get_object_or_404(Amenagement.objects.only("pk", "slug", "commune"), slug=slug)
    if not can_run_evaluation(request.user, amenagement):
        return deny(request, ERROR_OUT_OF_SCOPE)
    if queued.evaluation_queue(amenagement_id=amenagement.pk, by=request.user):
        messages.success(
            request,
            _(
                "The evaluation has been queued: it runs in the background and its result "
                "appears on this page within a few minutes."
            ),
        )
    else:
        messages.info(request, _("An evaluation of this arrangement is already queued."))
    return redirect(amenagement.get_absolute_url() + "#evaluation")
