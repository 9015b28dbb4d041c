"""Tactique's admin site (`default_site` of `common.apps.AdminConfig`). A module of its own,
without any registration: the default site is built by importing it, and a module that
registered models while being imported would have them on a site then replaced."""

from __future__ import annotations

import functools
import traceback
from typing import Any

from django.contrib import admin
from django.core.exceptions import BadRequest, ValidationError
from django.http import HttpRequest, HttpResponse

View = Any


class AdminSite(admin.AdminSite):
    """Django's admin site, where ids that are not ids answer 400, not 500.

    Django's admin turns posted or linked ids into queries without checking them in a few
    places (the actions' `_selected_action`, the autocomplete widget re-rendering a refused
    value): a `ValueError` or `ValidationError` raised by a model field converting a value for
    a query, out of an admin view or out of rendering its page, is the staff's (or a forger's)
    malformed request. Any other error stays a server error, as it should. Every admin page,
    ours and those of Django, allauth and procrastinate, goes through `admin_view`.
    """

    def admin_view(self, view: View, cacheable: bool = False) -> View:
        inner = super().admin_view(view, cacheable)

        @functools.wraps(inner)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                response: HttpResponse = inner(request, *args, **kwargs)
                if callable(getattr(response, "render", None)):
                    response.render()  # type: ignore[attr-defined]  # a TemplateResponse
            except (ValueError, ValidationError) as error:
                if not _refused_value(error):
                    raise
                raise BadRequest(str(error)) from error
            return response

        return guarded


def _refused_value(error: Exception) -> bool:
    """The error was raised by a model field converting a value (`get_prep_value`,
    `to_python`): an id that is not one, not a fault of the code."""
    innermost = traceback.extract_tb(error.__traceback__)[-1:]
    return any(FIELDS in frame.filename.replace("\\", "/") for frame in innermost)


FIELDS = "/django/db/models/fields/"
