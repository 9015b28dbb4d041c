"""The request type of every view, the one way a view refuses someone, and the one way a view
reads a number from a query string."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import (
    BadRequest,
    ObjectDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.utils.translation import gettext_lazy as _
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_stubs_ext import StrOrPromise


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware: `request.htmx` is always there
    (false-y when the request did not come from htmx)."""

    htmx: HtmxDetails
    csp_nonce: str  # set by django-csp's middleware, for the rare inline script it allows


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """The request of a view that acts for a signed-in person: its first lines refuse anyone
    else (`deny`, `require_permission`, `login_required`), so `request.user` is an account."""

    user: User


def deny(
    request: HttpRequest, reason: StrOrPromise = "", *, next_url: str | None = None
) -> HttpResponse:
    """Refuse the request: a visitor who is not signed in goes to the login page (and comes
    back to `next_url`, by default the page asked for); a signed-in person gets the 403 page,
    saying `reason` when there is one."""
    if not request.user.is_authenticated:
        return redirect_to_login(next_url or request.get_full_path())
    raise PermissionDenied(reason)


Found = TypeVar("Found")


def found_or_404(read: Callable[[], Found], message: StrOrPromise) -> Found:
    """What `read()` finds, or the 404 page saying `message` when it finds nothing (raises
    `ObjectDoesNotExist`, as `.get()` does): the one way a view turns a missing row into a 404."""
    try:
        return read()
    except ObjectDoesNotExist:
        raise Http404(message) from None


def error_text(error: ValidationError) -> str:
    """A service's refusal as one sentence for a flash message."""
    return " ".join(error.messages)


View = Callable[..., HttpResponse]


def require_permission(allowed: Callable[[Any], bool]) -> Callable[[View], View]:
    """View decorator, the one staff guard: the view runs only for a user `allowed(user)`
    accepts (a `can_*` predicate); anyone else is refused by `deny` — to the login page, or
    the 403 page once signed in."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not allowed(request.user):
                return deny(request)
            return view(request, *args, **kwargs)

        return guarded

    return decorator


# --- numbers in query strings -------------------------------------------------------------------

# At most 18 ASCII digits: what a person types, and always within PostgreSQL's bigint. Python's
# `int()` and `str.isdigit()` also take Unicode digits ("²", "١٢"), spaces and underscores.
ASCII_INTEGER = re.compile(r"[0-9]{1,18}")
ERROR_NOT_A_NUMBER = _(
    "The parameter “%(name)s” must be a whole number written with digits 0 to 9."
)


class BadQuery(BadRequest):
    """A request whose query string a view cannot use: the 400 page says this message (in
    French), which names the parameter (`common.views.bad_request`)."""

    def __init__(self, message: StrOrPromise) -> None:
        super().__init__(message)
        self.message = message


def parse_int(text: str) -> int | None:
    """`text` as a non-negative integer when it is 1 to 18 ASCII digits, else None."""
    return int(text) if ASCII_INTEGER.fullmatch(text) else None


def query_int(query: QueryDict, name: str) -> int | None:
    """The integer query parameter `name`: None when absent or empty; raises `BadQuery` (a 400
    page saying `ERROR_NOT_A_NUMBER`) when it is anything but 1 to 18 ASCII digits."""
    text = query.get(name, "")
    if not text:
        return None
    number = parse_int(text)
    if number is None:
        raise BadQuery(ERROR_NOT_A_NUMBER % {"name": name})
    return number


def body_too_large(request: HttpRequest, limit: int) -> bool:
    """Whether the request announces a body of more than `limit` bytes (its Content-Length),
    so that a view can refuse it before anything of it is read or parsed."""
    length = parse_int(request.META.get("CONTENT_LENGTH") or "")
    return length is not None and length > limit


def site_url(path: str) -> str:
    """The absolute address of `path` on this site (`TACTIQUE_SITE_URL`), for emails."""
    base: str = settings.TACTIQUE_SITE_URL
    return base.rstrip("/") + path
