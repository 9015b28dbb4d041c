"""The background jobs of usage data (rules in `common.jobs`): queued imports, and the readings'
nightly statistics."""

from __future__ import annotations

from common.jobs import DATABASE_RETRY, app, job_middleware
from usage import queued, services


@app.task(
    name="usage.import_file",
    queue="imports",
    retry=DATABASE_RETRY,
    task_middleware=[job_middleware],
)
def import_file(*, run_id: int) -> None:
    """Import the file of a queued run (`usage.queued.import_run_queued`). Tried again only
    after a lost database connection: a file that failed would fail again (the staff correct
    it and upload it anew)."""
    queued.import_run_queued(run_id)


@app.periodic(cron="15 3 * * *", periodic_id="readings-analyze")
@app.task(name="usage.readings_analyze", queue="maintenance", task_middleware=[job_middleware])
def readings_analyze(timestamp: int) -> None:
    """Nightly at 03:15 UTC, after the nightly evaluations are queued: the partitioned readings'
    statistics, which autovacuum never refreshes (`usage.importing.partitions.readings_analyze`)."""
    services.readings_statistics_refresh()
