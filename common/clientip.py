"""The address of the person behind a request, for the per-IP rate limits.

Rule: `X-Forwarded-For` is believed only when the connection itself comes from one of
`settings.TACTIQUE_TRUSTED_PROXIES` (addresses or networks). Then the header is read from the
right — each proxy appends the address it received the request from — skipping the trusted
proxies, and the first address that is not one of them is the client's. A request from any
other address is known by that address alone, so a forged header changes nothing.

(django-ipware trusts the proxies it finds listed *inside* the header, which the client
writes; what we need to trust is the peer of the TCP connection, hence this short rule.)
"""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def _trusted(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "192.0.2.1:443"
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's address (see the module's rule), as text."""
    peer = str(request.META.get("REMOTE_ADDR", ""))
    trusted = _trusted(tuple(settings.TACTIQUE_TRUSTED_PROXIES))
    peer_address = _address(peer)
    if peer_address is None or not any(peer_address in network for network in trusted):
        return peer
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    for hop in reversed(forwarded.split(",")):
        address = _address(hop)
        if address is None:
            # A hop that is not an address: the chain cannot be trusted beyond this point.
            break
        if not any(address in network for network in trusted):
            return str(address)
    return peer
