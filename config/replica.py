"""Reading pages from a streaming replica of PostgreSQL, when one is configured.

`DATABASE_REPLICA_URL` names a hot standby of the primary (`DATABASE_URL`). The rules:

- Writes and migrations always go to the primary ("default").
- Reads go to the replica ("replica") only inside a GET or HEAD request, marked as such by
  `ReplicaRoutingMiddleware`. Management commands, background jobs and the shell read the
  primary: they run outside a request.
- Read-your-writes: the response to a POST, PUT, PATCH or DELETE (or to a GET that wrote through
  the ORM) carries a cookie that makes the same browser read the primary for the next
  `READ_YOUR_WRITES_SECONDS`, longer than a healthy replica lags, so that the page a form
  redirects to shows what was just saved.
- Within a request, a read after an ORM write, or inside a transaction (`atomic`), goes to the
  primary: it must see that write or that transaction.
- The database cache (rate-limit counters) is always read on the primary.
- Without a "replica" database nothing changes: the middleware removes itself, so that no
  request is marked read-only and every read goes to the primary.

Raw SQL through `django.db.connection` bypasses routers and so reads the primary (safe).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import environ
from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
# Longer than a healthy streaming replica lags (well under a second), short enough that a
# browser goes back to the replica as soon as it stops writing.
READ_YOUR_WRITES_SECONDS = 5
READ_YOUR_WRITES_COOKIE = "tactique_primary"
READ_ONLY_METHODS = frozenset({"GET", "HEAD"})
# Django's database cache (`dbcache://`) holds rate-limit counters, incremented on every
# attempt: a lagging count would let attempts through.
PRIMARY_ONLY_APPS = frozenset({"django_cache"})


def replica_database(url: str | None, *, default: Mapping[str, Any]) -> dict[str, Any] | None:
    """The `DATABASES["replica"]` entry for `url` (`DATABASE_REPLICA_URL`), or None without one.

    The replica is the same database seen through another server: it keeps the primary's
    engine (PostGIS) and connection settings (`CONN_MAX_AGE`, health checks…); the URL gives the
    server, and the name, role and password when they differ. Under test it mirrors "default",
    so that the test runner creates no second test database.
    """
    if not url:
        return None
    parsed = environ.Env.db_url_config(url)
    server = {key: parsed[key] for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT")}
    return {
        **default,
        **{key: value for key, value in server.items() if value},
        "OPTIONS": {**default.get("OPTIONS", {}), **parsed.get("OPTIONS", {})},
        "TEST": {**default.get("TEST", {}), "MIRROR": DEFAULT_DB_ALIAS},
    }


@dataclass
class _Request:
    """What the router knows of the request being served (in a contextvar: per thread, per
    asyncio task)."""

    may_read_replica: bool
    wrote: bool = False


_current: ContextVar[_Request | None] = ContextVar("tactique_replica_request", default=None)


class ReplicaRouter:
    """Reads on the replica inside a read-only request, everything else on the primary (see the
    module docstring for the rules)."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        request = _current.get()
        if (
            request is None
            or not request.may_read_replica
            or model._meta.app_label in PRIMARY_ONLY_APPS
            # A transaction sees its own writes; the replica does not.
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        request = _current.get()
        if request is not None and model._meta.app_label not in PRIMARY_ONLY_APPS:
            request.may_read_replica = False
            request.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        # Both aliases are the same data: an object read on the replica may be linked to one
        # read on the primary (Django refuses relations across databases otherwise).
        aliases = {DEFAULT_DB_ALIAS, REPLICA}
        return True if {obj1._state.db, obj2._state.db} <= aliases else None

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool:
        return db == DEFAULT_DB_ALIAS


class ReplicaRoutingMiddleware:
    """Tell `ReplicaRouter` whether this request may read the replica, and set the
    read-your-writes cookie on the responses to writes. Unused without a replica."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if REPLICA not in settings.DATABASES:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        now = time.time()
        state = _Request(
            may_read_replica=request.method in READ_ONLY_METHODS and not _wrote_lately(request, now)
        )
        token = _current.set(state)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        # Every unsafe method, even when it wrote nothing through the ORM: raw SQL writes are
        # invisible to the router.
        if request.method not in READ_ONLY_METHODS or state.wrote:
            response.set_cookie(
                READ_YOUR_WRITES_COOKIE,
                str(int(now) + READ_YOUR_WRITES_SECONDS),
                max_age=READ_YOUR_WRITES_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


def _wrote_lately(request: HttpRequest, now: float) -> bool:
    """The browser wrote less than `READ_YOUR_WRITES_SECONDS` ago. The cookie holds its own
    expiry, checked here too (a client may ignore max-age); an expiry further away than the
    window is not believed, so that no client can pin itself to the primary."""
    try:
        expiry = int(request.COOKIES[READ_YOUR_WRITES_COOKIE])
    except (KeyError, ValueError):
        return False
    return now < expiry <= now + READ_YOUR_WRITES_SECONDS
