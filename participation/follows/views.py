"""Following pages: the follow forms (sent from an arrangement's page or the profile) and the
unsubscribe page of the signed links (no login: the link is the authority)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from amenagements.models import Amenagement, Commune
from common.http import BadQuery
from participation.follows import services
from participation.follows.forms import FollowForm
from participation.follows.tokens import token_read
from participation.models import Frequency

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from common.http import AuthenticatedHttpRequest

ERROR_BAD_LINK = gettext_lazy(
    "This unsubscribe link is not valid: it was cut or altered. Copy the whole link from the "
    "message, or choose your messages on your profile page once signed in."
)

DONE = {
    Frequency.NONE: gettext_lazy("You will receive no more messages about %(name)s."),
    Frequency.IMMEDIATE: gettext_lazy(
        "You follow %(name)s: you will receive an email for each news."
    ),
    Frequency.WEEKLY: gettext_lazy(
        "You follow %(name)s: you will receive its news in a weekly digest."
    ),
}


def _back(request: HttpRequest, next_url: str, default: str) -> HttpResponse:
    """To `next_url` if it is a path of this site, else to `default`."""
    if (
        next_url.startswith("/")
        and next_url.isprintable()
        and url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return HttpResponseRedirect(next_url)
    return HttpResponseRedirect(default)


def _follow(
    request: AuthenticatedHttpRequest,
    *,
    name: str,
    default: str,
    amenagement: Amenagement | None = None,
    commune: Commune | None = None,
) -> HttpResponse:
    form = FollowForm(request.POST)
    if not form.is_valid():
        # Only a forged or outdated form gets here (the page offers a closed list).
        messages.error(request, _("Choose one of the proposed frequencies."))
        return _back(request, request.POST.get("next", ""), default)
    frequency = form.cleaned_data["frequency"]
    services.follow_set(
        user=request.user, frequency=frequency, amenagement=amenagement, commune=commune
    )
    messages.success(request, DONE[frequency] % {"name": name})
    return _back(request, form.cleaned_data["next"], default)


@login_required
@require_POST
def follow_arrangement_view(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Choose how often to hear of an arrangement."""
    amenagement = get_object_or_404(Amenagement, slug=slug)
    return _follow(
        request,
        name=f"« {amenagement.name} »",
        default=amenagement.get_absolute_url() + "#suivre",
        amenagement=amenagement,
    )


@login_required
@require_POST
def follow_commune_view(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Choose how often to hear of every arrangement of a commune."""
    commune = get_object_or_404(Commune, slug=slug)
    return _follow(
        request,
        name=_("the arrangements of %(commune)s") % {"commune": commune.name},
        default="/",
        commune=commune,
    )


@csrf_exempt  # RFC 8058: mail clients POST here with no session; the signed token is the check
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET: what the link stops, and a button to confirm (a link opened by a mail scanner
    changes nothing); POST: stop it, and say so."""
    target = token_read(token)
    if target is None:
        raise BadQuery(ERROR_BAD_LINK)
    if target.weekly:
        what = _("your weekly digests")
    elif target.amenagement_id is not None:
        amenagement = get_object_or_404(Amenagement, pk=target.amenagement_id)
        what = f"« {amenagement.name} »"
    else:
        commune = get_object_or_404(Commune, pk=target.commune_id)
        what = _("the arrangements of %(commune)s") % {"commune": commune.name}
    done = request.method == "POST"
    if done:
        services.unsubscribe_apply(target)
    return render(request, "participation/unsubscribe.html", {"what": what, "done": done})
