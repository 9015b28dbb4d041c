"""Background jobs (procrastinate, on our PostgreSQL): the rules every task follows.

- A task is declared in its app's `tasks` module with `@app.task(...,
  task_middleware=[job_middleware])` and stays thin: it calls a service, which holds the rules.
- `job_middleware` gives each job fresh database connections (a worker thread lives for days:
  a connection broken by a PostgreSQL restart is replaced, as `CONN_HEALTH_CHECKS` does for
  requests) and records every failed attempt in `JobFailure`, with its error, for the staff.
- Jobs deferred inside a transaction are stored with it: rolled back with it, run only once
  it commits. So a service defers its jobs where it writes, with no `on_commit`.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections
from procrastinate import JobContext, RetryStrategy
from procrastinate.contrib.django import app
from procrastinate.middleware import SyncCallNext

from common.models import JobFailure

__all__ = ["DATABASE_ERRORS", "DATABASE_RETRY", "EMAIL_RETRY", "app", "job_middleware"]

logger = logging.getLogger(__name__)

# A job interrupted by a lost database connection (PostgreSQL restarting, failing over) is
# tried again, 5 times, 5 s apart; any other error fails it for good.
# psycopg's own errors too: what Django does not wrap (a COPY, a connection of our own) raises
# them as they are.
DATABASE_ERRORS = (
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)
DATABASE_RETRY = RetryStrategy(max_attempts=5, wait=5, retry_exceptions=set(DATABASE_ERRORS))

# An email that fails (mail server down, refused) is tried again 5 times over ~23 minutes:
# after 4 s, 16 s, 64 s, 256 s and 1024 s (procrastinate's exponential wait).
EMAIL_RETRY = RetryStrategy(max_attempts=5, exponential_wait=4)


def job_middleware(call_next: SyncCallNext, context: JobContext, worker: Any) -> Any:
    """Run the job between fresh connections; record its failure, if it fails."""
    close_old_connections()
    try:
        return call_next()
    except Exception as error:
        job, task = context.job, context.task
        attempt = job.attempts + 1
        strategy = task.retry_strategy if task else None
        final = strategy is None or strategy.get_retry_decision(exception=error, job=job) is None
        logger.exception(
            "Background job %s #%s failed (attempt %s)", job.task_name, job.id, attempt
        )
        close_old_connections()
        try:
            JobFailure.objects.create(
                task=job.task_name,
                job_id=job.id or 0,
                attempt=attempt,
                final=final,
                arguments=job.task_kwargs,
                error_type=type(error).__name__,
                error=str(error)[:4000],
            )
        except DatabaseError:
            # The database is what failed (a restart): the log above keeps the record, and
            # the job's own error, not this one, decides whether it is tried again.
            logger.warning("Job %s #%s: its failure could not be recorded", job.task_name, job.id)
        raise
    finally:
        close_old_connections()
