"""The error pages' views that Django's defaults do not cover: a 400 page that says what is
wrong when the view knows it (`common.http.BadQuery`), and the CSRF refusal as a French 403."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from common.http import BadQuery


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 400 page (`handler400`). Only a `BadQuery` has its message shown: Django's own
    refusals (a malformed body, too many fields) are technical, in English, and may quote the
    request, so the page says what to do instead."""
    message = str(exception.message) if isinstance(exception, BadQuery) else ""
    return render(request, "400.html", {"message": message}, status=400)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """`CSRF_FAILURE_VIEW`: a form sent without its security token (an old tab, cookies
    refused, or another site posting) gets the French 403 page; Django's reason stays out."""
    message = _(
        "This form could not be accepted: the page had expired. Reload it and send it again "
        "(your browser must accept the site's cookies)."
    )
    return render(request, "403.html", {"exception": message}, status=403)
