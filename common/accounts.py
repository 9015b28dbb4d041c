"""allauth's adapter, made ours: its rate limits keyed on the client address behind the proxy
(`common.clientip`), and its emails (address confirmation, password reset) sent as background
jobs, retried when the mail server fails, like every email of Tactique (`common.mail`)."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from common.clientip import client_ip
from common.mail import email_queue


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth is untyped
    def get_client_ip(self, request: HttpRequest) -> str:
        return client_ip(request)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        message = self.render_mail(template_prefix, email, context)
        email_queue(subject=message.subject, body=message.body, to=list(message.to))
