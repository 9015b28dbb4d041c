"""The request type of every view, and the one way a view refuses someone."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
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
