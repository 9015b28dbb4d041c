"""The background jobs of `common` (rules in `common.jobs`): keeping the database cache small."""

from __future__ import annotations

from django.conf import settings
from django.db import connection

from common.jobs import app, job_middleware

DATABASE_CACHE = "django.core.cache.backends.db.DatabaseCache"


def cache_prune() -> int:
    """Delete the expired entries of the database cache (if it is the cache); how many.

    Django's database cache deletes expired rows only once it holds `MAX_ENTRIES`, and counts
    its rows on every write: pruning keeps the rate-limit counters' table small and its writes
    cheap, and `MAX_ENTRIES` (see settings) is then never reached, so no live counter is culled.
    """
    cache = settings.CACHES["default"]
    if cache["BACKEND"] != DATABASE_CACHE:
        return 0
    table = connection.ops.quote_name(cache["LOCATION"])
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE expires < now()")  # noqa: S608 -- a setting
        return int(cursor.rowcount)


@app.periodic(cron="*/10 * * * *", periodic_id="cache-prune")
@app.task(name="common.cache_prune", queue="maintenance", task_middleware=[job_middleware])
def cache_prune_job(timestamp: int) -> None:
    """Every ten minutes."""
    cache_prune()
