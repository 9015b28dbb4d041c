"""One's own page: the public pseudonym, panels, pending requests and invitations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.http import AuthenticatedHttpRequest
from participation.contributions import selectors as contribution_selectors
from participation.follows import selectors as follow_selectors
from participation.models import Profile
from participation.panels import selectors as panel_selectors
from participation.panels.forms import DecisionForm
from participation.profiles import services
from participation.profiles.forms import ProfileForm


@login_required
@require_http_methods(["GET", "POST"])
def profile_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """One's own page: the public pseudonym (editable), one's opinions, panels, pending requests
    and invitations."""
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
        "memberships": panel_selectors.user_memberships(request.user),
        "pending": panel_selectors.user_pending(request.user),
        "opinions": contribution_selectors.own_opinions(user=request.user),
        "decision_form": DecisionForm(),
        "follows": follow_selectors.user_follows(request.user),
    }
    return render(request, "participation/profile.html", context)
