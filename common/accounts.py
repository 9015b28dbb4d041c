"""allauth's adapter, made ours: its rate limits keyed on the client address behind the proxy
(`common.clientip`), and its emails (address confirmation, password reset) sent as background
jobs, retried when the mail server fails, like every email of Tactique (`common.mail`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from common.clientip import client_ip
from common.mail import email_queue


@dataclass(frozen=True)
class Site:
    """What allauth's emails call the site: « Tactique » and its public address (an absolute
    link), never the host name of the request (django.contrib.sites is not installed)."""

    name: str
    domain: str


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth is untyped
    def get_client_ip(self, request: HttpRequest) -> str:
        return client_ip(request)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        site = Site(name=_("Tactique"), domain=settings.TACTIQUE_SITE_URL.rstrip("/"))
        message = self.render_mail(template_prefix, email, {"current_site": site, **context})
        email_queue(subject=message.subject, body=message.body, to=list(message.to))
