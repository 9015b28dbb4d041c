"""What the opinion and moderation views answer alike: why a request is refused, a service's
errors put on the form, the outcome of a report and of a moderation decision."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from common.http import error_text
from participation.contributions import moderation, ratelimits

if TYPE_CHECKING:
    from django.forms import Form
    from django.http import HttpRequest, HttpResponse

    from participation.profiles.selectors import Person


def reasons() -> dict[str, str]:
    """Why a person may not do what they asked, by case (in the active language)."""
    return {
        "resident": _("Confirm your email address to give your opinion: follow the link we sent."),
        "removed": _("This arrangement has been removed: it no longer takes opinions."),
        "moderator": _("Only moderators can do this."),
        "suspended": _(
            "Your account is suspended by the moderators: you can no longer take part. You can "
            "still read, download and delete your data from your profile."
        ),
    }


def not_taking_part(person: Person) -> str:
    """Why `person`, signed in, may not take part: suspended, or no verified address yet."""
    return reasons()["suspended" if person.is_suspended else "resident"]


def add_errors(form: Form, error: ValidationError) -> None:
    """Put a service's `ValidationError` on `form`: on its field when it names one."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


REPORT_THANKS = _lazy("Thank you: the moderators will review this comment.")


def report_attempt(
    request: HttpRequest, form: Form, send: Callable[[str, str], object]
) -> tuple[str, int]:
    """Send a report form (`send(reason, details)`) within the reports' rate limit: what to
    thank the person with ("" when the form has errors, now on it) and the status of a page
    showing the form again (429 over the limit). A comment already reported by them, or no
    longer shown, is said as the outcome: there is nothing left for them to do."""
    if ratelimits.limit_exceeded(request, "report"):
        form.is_valid()
        form.add_error(None, str(ratelimits.ERROR_RATE_LIMITED))
        return "", 429
    if not form.is_valid():
        return "", 200
    try:
        send(form.cleaned_data["reason"], form.cleaned_data["details"])
    except ValidationError as error:
        if getattr(error, "code", "") in {"already_reported", "not_reportable"}:
            return error_text(error), 200
        add_errors(form, error)
        return "", 200
    return str(REPORT_THANKS), 200


def moderation_answer(
    request: HttpRequest,
    form: Form,
    decide: Callable[[str, str], object],
    *,
    back: str,
    anchor: str,
) -> HttpResponse:
    """Apply a moderation form (`decide(decision, reason)`) and go back to the queue with a
    message: to `back` on success, to the item (`anchor`) with the service's error."""
    if not form.is_valid():
        messages.error(request, _("Unknown moderation decision."))
        return redirect(back)
    try:
        decide(form.cleaned_data["decision"], form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect(back + anchor)
    if form.cleaned_data["decision"] == moderation.HIDE:
        messages.success(request, _("The comment is hidden; the reason is shown in its place."))
    else:
        messages.success(request, _("The comment is published."))
    return redirect(back)
