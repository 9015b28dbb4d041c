"""The privacy page, the export of one's data, and deleting one's account."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from common.http import AuthenticatedHttpRequest, HtmxHttpRequest
from participation.models import Contribution
from participation.privacy.forms import AccountDeleteForm
from participation.privacy.selectors import personal_data_export
from participation.privacy.services import account_delete


@require_GET
def privacy_view(request: HtmxHttpRequest) -> HttpResponse:
    """What Tactique keeps about residents, why, for how long, and their rights."""
    return render(
        request,
        "participation/privacy.html",
        {
            "contact": settings.TACTIQUE_PRIVACY_CONTACT,
            "threshold": settings.TACTIQUE_REPORT_HIDE_THRESHOLD,
        },
    )


@require_GET
@login_required
def personal_data_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Download everything held about one's account, as JSON."""
    data = personal_data_export(user=request.user)
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    name = f"tactique-mes-donnees-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@login_required
def account_delete_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Delete one's account after confirming with the password; opinions stay, anonymised."""
    form = AccountDeleteForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        kept = account_delete(user=request.user)
        logout(request)
        text = _("Your account has been deleted.")
        if kept:
            text += " " + ngettext(
                "Your %(n)s opinion stays, anonymised.",
                "Your %(n)s opinions stay, anonymised.",
                kept,
            ) % {"n": kept}
        messages.success(request, text)
        return redirect("pages:map")
    return render(
        request,
        "participation/account_delete.html",
        {"form": form, "opinion_count": Contribution.objects.filter(user=request.user).count()},
    )
