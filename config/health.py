"""`/healthz`, for a load balancer: is this application node able to serve?

It answers 200 when the database answers and every migration is applied, 503 otherwise (with
what failed, in a few words, and nothing else about the system). It is cheap enough to be
asked every few seconds: the migrations on disk are read once per process (they change only
with the code, which restarts the process), then each check is one query of the
`django_migrations` table. Every leaf of the graph applied means every migration is: a
migration is applied only after those it depends on.
"""

from __future__ import annotations

import functools

from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@functools.cache
def _leaves() -> frozenset[tuple[str, str]]:
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())


@never_cache
@require_GET
def healthz_view(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    try:
        applied = MigrationRecorder(connection).applied_migrations()
        checks["database"] = "ok"
        pending = _leaves() - applied.keys()
        checks["migrations"] = "ok" if not pending else f"{len(pending)} not applied"
    except DatabaseError:
        checks["database"] = "unreachable"
    healthy = all(value == "ok" for value in checks.values()) and "migrations" in checks
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )
