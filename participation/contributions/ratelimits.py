"""Rate limits on giving opinions and reporting comments, per account and per IP address.

Counters live in the cache (django-ratelimit, fixed windows). Every attempt counts, accepted or
not, so a robot cannot probe for free. The numbers, and how they compare with Decidim's and Go
Vocal's published limits, are in the README ("Residents' opinions"):

- Decidim throttles every request at 100 per minute per IP (`DECIDIM_THROTTLING_MAX_REQUESTS`,
  `DECIDIM_THROTTLING_PERIOD` = 1 minute) and has no limit of its own on comments or reports;
- Go Vocal (CitizenLab) throttles every request at 1,000 per 3 minutes per IP, and spam reports
  at 10 per minute and 100 per day per IP, with no per-account limit.

Ours are per action, per account *and* per IP, and stricter on every count.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import is_ratelimited

ERROR_RATE_LIMITED = _(
    "You have sent a lot in a short time. To protect the site from automated abuse, please "
    "wait a few minutes before trying again: nothing you typed is lost."
)

# (key, rate): "user" counts per account, "ip" per address (IPv6 per /64).
CONTRIBUTION_LIMITS = (
    ("user", "10/m"),
    ("user", "60/h"),
    ("ip", "20/m"),
    ("ip", "200/h"),
)
REPORT_LIMITS = (
    ("user", "5/m"),
    ("user", "30/d"),
    ("ip", "10/m"),
    ("ip", "50/d"),
)
LOCATE_LIMITS = (("ip", "120/m"),)

LIMITS = {
    "contribution": CONTRIBUTION_LIMITS,
    "report": REPORT_LIMITS,
    "locate": LOCATE_LIMITS,
}


def limit_exceeded(request: HttpRequest, action: str) -> bool:
    """Count this attempt at `action` and say whether any of its limits is now exceeded.

    Every counter is incremented, even once one is over, so each window counts every attempt.
    """
    exceeded = False
    for key, rate in LIMITS[action]:
        if is_ratelimited(
            request,
            group=f"tactique.{action}.{key}.{rate}",
            key=key,
            rate=rate,
            increment=True,
        ):
            exceeded = True
    return exceeded
