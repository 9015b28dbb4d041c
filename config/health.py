"""`/healthz`, for a load balancer: is this application node able to serve?

It answers 200 when the database answers and every migration is applied, 503 otherwise (with
what failed, in a few words, and nothing else about the system). It is cheap enough to be
asked every few seconds: one `SELECT 1` and the migration graph read from disk and the
`django_migrations` table.
"""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz_view(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        checks["migrations"] = "ok" if not pending else f"{len(pending)} not applied"
    except DatabaseError:
        checks["database"] = "unreachable"
    healthy = all(value == "ok" for value in checks.values()) and "migrations" in checks
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )
