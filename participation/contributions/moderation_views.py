"""Moderation beyond residents' comments: reporting and moderating panels' deliberation
comments, suspending and reinstating accounts. Plain forms (POST, then back): they work
without JavaScript. Rules in `panel_comments` and `accounts`; who may in `permissions`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from amenagements.permissions import ERROR_OUT_OF_SCOPE
from common.http import AuthenticatedHttpRequest, deny, error_text
from participation.contributions import (
    accounts,
    answers,
    moderation_selectors,
    panel_comments,
    permissions,
    selectors,
)
from participation.contributions.forms import ModerationForm, ReportForm, SuspensionForm
from participation.models import Comment

if TYPE_CHECKING:
    from django.http import HttpResponse

ERROR_CITY_WIDE = gettext_lazy(
    "Only a moderator acting for every commune suspends an account: an account is not one "
    "commune's."
)


def _comment(pk: int) -> Comment:
    return get_object_or_404(
        Comment.objects.select_related("definition__panel", "author__profile"), pk=pk
    )


def _comment_url(comment: Comment) -> str:
    return comment.definition.get_absolute_url() + f"#commentaire-{comment.pk}"


def _queue(anchor: str = "") -> str:
    return reverse("contributions:moderation") + anchor


@require_http_methods(["GET", "POST"])
def panel_comment_report_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Report a panel's deliberation comment to the moderators (a page of its own)."""
    comment = _comment(pk)
    contributor = selectors.contributor_for(request.user)
    if not contributor.is_authenticated:
        return redirect_to_login(_comment_url(comment))
    if not contributor.is_resident:
        raise PermissionDenied(answers.not_taking_part(contributor))
    form = ReportForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        done, status = answers.report_attempt(
            request,
            form,
            lambda reason, details: panel_comments.panel_comment_report(
                comment=comment, reporter=request.user, reason=reason, details=details
            ),
        )
        if done:
            messages.success(request, done)
            return redirect(_comment_url(comment))
    context = {
        "comment": comment,
        "report_form": form,
        "can_report": permissions.can_report_panel_comment(contributor, comment),
    }
    return render(request, "participation/panel_comment_report.html", context, status=status)


@require_POST
def panel_comment_moderate_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A moderator hides a panel comment or publishes it again, with a public reason."""
    contributor = selectors.contributor_for(request.user)
    if not permissions.can_moderate(contributor):
        return deny(request, answers.reasons()["moderator"])
    comment = _comment(pk)
    communes = list(comment.definition.panel.communes.values_list("pk", flat=True))
    if not permissions.can_moderate_panel_comment(contributor, request.user, communes):
        return deny(request, ERROR_OUT_OF_SCOPE)
    form = ModerationForm(request.POST)
    back = _queue("?etat=masques" if request.POST.get("from") == "masques" else "")
    return answers.moderation_answer(
        request,
        form,
        lambda decision, reason: panel_comments.panel_comment_moderate(
            comment=comment, by=request.user, decision=decision, reason=reason
        ),
        back=back,
        anchor=f"#panel-comment-{pk}",
    )


@require_http_methods(["GET", "POST"])
def account_suspend_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A city-wide moderator suspends an account with a public reason (a page to confirm)."""
    contributor = selectors.contributor_for(request.user)
    if not permissions.can_moderate(contributor):
        return deny(request, answers.reasons()["moderator"])
    if not permissions.can_suspend(contributor, request.user):
        return deny(request, ERROR_CITY_WIDE)
    user = moderation_selectors.account(pk)
    form = SuspensionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.account_suspend(user=user, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            answers.add_errors(form, error)
        else:
            messages.success(
                request, _("The account is suspended; its reason is shown with its pseudonym.")
            )
            return redirect(_queue("#comptes"))
    return render(
        request,
        "participation/account_suspend.html",
        {"account": user, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
def account_reinstate_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A city-wide moderator lifts a suspension."""
    contributor = selectors.contributor_for(request.user)
    if not permissions.can_suspend(contributor, request.user):
        return deny(request, answers.reasons()["moderator"])
    user = moderation_selectors.account(pk)
    try:
        accounts.account_reinstate(user=user, by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("The account takes part again."))
    return redirect(_queue("#comptes"))
