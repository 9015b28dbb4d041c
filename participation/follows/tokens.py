"""Signed unsubscribe links: they work without logging in, and only for what they name.

A token names a person and what to silence: one arrangement, one commune, or every weekly
digest. It is signed with the site's secret key (`django.core.signing`, its own salt) and does
not expire: an unsubscribe link in an old message must still work (RFC 8058). A token that was
altered, or signed with another key, reads as None.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.urls import reverse

from common.http import site_url

SALT = "tactique.follows.unsubscribe"


@dataclass(frozen=True)
class Target:
    """What an unsubscribe link silences: `amenagement_id` or `commune_id`, or every weekly
    digest of the person (`weekly`)."""

    user_id: int
    amenagement_id: int | None = None
    commune_id: int | None = None
    weekly: bool = False


def token_make(target: Target) -> str:
    data: dict[str, int] = {"u": target.user_id}
    if target.amenagement_id is not None:
        data["a"] = target.amenagement_id
    if target.commune_id is not None:
        data["c"] = target.commune_id
    if target.weekly:
        data["w"] = 1
    return signing.dumps(data, salt=SALT, compress=True)


def token_read(token: str) -> Target | None:
    """The target of a well-signed token naming exactly one thing; None otherwise."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    named = [key for key in ("a", "c", "w") if key in data]
    if len(named) != 1 or not all(isinstance(data[key], int) for key in named):
        return None
    return Target(
        user_id=data["u"],
        amenagement_id=data.get("a"),
        commune_id=data.get("c"),
        weekly=bool(data.get("w")),
    )


def unsubscribe_url(target: Target) -> str:
    """The absolute address of the one-click unsubscribe page for `target`."""
    return site_url(reverse("follows:unsubscribe", kwargs={"token": token_make(target)}))
