"""The background jobs of usage data (rules in `common.jobs`): queued imports."""

from __future__ import annotations

from common.jobs import DATABASE_RETRY, app, job_middleware
from usage import queued


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
