"""The client address behind a trusted reverse proxy, as the per-IP rate limits see it."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.test import RequestFactory

from common.accounts import AccountAdapter
from common.clientip import client_ip
from participation.contributions import ratelimits

PROXY = "10.0.0.5"


def request(remote: str, forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    made = RequestFactory().get("/", **meta)
    made.user = AnonymousUser()
    return made


@pytest.fixture(autouse=True)
def _one_trusted_proxy(settings):
    settings.TACTIQUE_TRUSTED_PROXIES = [PROXY, "192.168.0.0/16"]
    cache.clear()  # the rate-limit counters


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        (PROXY, "203.0.113.7", "203.0.113.7"),
        # What the client wrote itself, left of the real address, is not believed.
        (PROXY, "1.1.1.1, 203.0.113.7", "203.0.113.7"),
        # Through two trusted proxies: the first untrusted address from the right.
        (PROXY, "203.0.113.7, 192.168.4.2", "203.0.113.7"),
        (PROXY, "[2001:db8::1]:443", "2001:db8::1"),
        (PROXY, "203.0.113.7:51234", "203.0.113.7"),
        # No header, or nothing usable in it: the proxy's own address.
        (PROXY, None, PROXY),
        (PROXY, "unknown", PROXY),
        # Not from a trusted proxy: the header is ignored, whatever it says.
        ("198.51.100.9", "203.0.113.7", "198.51.100.9"),
    ],
)
def test_the_client_address_follows_the_trusted_proxies(remote, forwarded, expected):
    assert client_ip(request(remote, forwarded)) == expected


def test_without_trusted_proxies_the_header_is_never_believed(settings):
    settings.TACTIQUE_TRUSTED_PROXIES = []
    assert client_ip(request(PROXY, "203.0.113.7")) == PROXY


def test_two_residents_behind_one_proxy_have_a_bucket_each():
    # Locating a spot on the map: per address only (ratelimits.LOCATE_LIMITS).
    ((_, rate),) = ratelimits.LOCATE_LIMITS
    limit = int(rate.split("/")[0])
    alice, bruno = "203.0.113.7", "203.0.113.8"
    for _ in range(limit):
        assert not ratelimits.limit_exceeded(request(PROXY, alice), "locate")
    assert not ratelimits.limit_exceeded(request(PROXY, bruno), "locate")
    assert ratelimits.limit_exceeded(request(PROXY, alice), "locate")


def test_a_forged_header_from_an_untrusted_address_does_not_escape_the_limit():
    ((_, rate),) = ratelimits.LOCATE_LIMITS
    limit = int(rate.split("/")[0])
    attacker = "198.51.100.9"
    exceeded = [
        ratelimits.limit_exceeded(request(attacker, f"203.0.{i // 250}.{i % 250}"), "locate")
        for i in range(limit + 1)
    ]
    assert exceeded == [False] * limit + [True]


def test_allauth_limits_see_the_same_address():
    assert AccountAdapter().get_client_ip(request(PROXY, "203.0.113.7")) == "203.0.113.7"
