"""Emails are background jobs: sent by the worker, retried when the mail server fails, and
recorded in `JobFailure` when they do (never `fail_silently`)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage

from common.jobs import EMAIL_RETRY, app, job_middleware


@app.task(
    name="common.send_email", queue="emails", retry=EMAIL_RETRY, task_middleware=[job_middleware]
)
def send_email(*, subject: str, body: str, to: str, headers: dict[str, str] | None = None) -> None:
    """Send one plain-text email to one address (one job per recipient: a refused address
    does not hold back, nor resend to, the others), with extra `headers` if given
    (`List-Unsubscribe`…)."""
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to], headers=headers).send()


def email_queue(
    *, subject: str, body: str, to: list[str], headers: dict[str, str] | None = None
) -> int:
    """Queue one email per address (with the caller's transaction); the number queued."""
    for address in to:
        if headers:
            send_email.defer(subject=str(subject), body=str(body), to=address, headers=headers)
        else:
            send_email.defer(subject=str(subject), body=str(body), to=address)
    return len(to)
