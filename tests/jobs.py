"""Running the background jobs a test has queued.

The jobs are stored by procrastinate in PostgreSQL, in the test's transaction. The worker
runs sync tasks in threads of its own, on other connections, which do not see a transaction
that is never committed; so `run_queued_jobs` takes the queued jobs from the table and runs
them here, in order, as the worker would (a job queued by a job runs too), marking each one
done or failed. The real worker is tested on committed data in tests/common/test_jobs.py.
"""

from __future__ import annotations

import json
import threading

from django.db import connection
from procrastinate.contrib.django import app


def queued_jobs(task_name: str | None = None) -> list[tuple[int, str, dict]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, task_name, args FROM procrastinate_jobs WHERE status = 'todo'"
            " AND (%s::text IS NULL OR task_name = %s) ORDER BY id",
            [task_name, task_name],
        )
        # Django reads jsonb as text (it decodes JSON fields itself).
        return [(i, name, json.loads(args)) for i, name, args in cursor.fetchall()]


def _set_status(job_id: int, status: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET status = %s WHERE id = %s", [status, job_id])


def run_queued_jobs(task_name: str | None = None) -> int:
    """Run every queued job (of `task_name`, if given); the number run. An error in a job is
    raised, the job marked failed."""
    ran = 0
    while jobs := queued_jobs(task_name):
        for job_id, name, args in jobs:
            _set_status(job_id, "doing")
            try:
                app.tasks[name](**args)
            except Exception:
                _set_status(job_id, "failed")
                raise
            _set_status(job_id, "succeeded")
            ran += 1
    return ran


def run_worker(*queues: str) -> None:
    """Run procrastinate's real worker (its own connections, its threads, the tasks'
    middleware) until no job is left to do now. Only for transactional tests: it sees
    committed jobs only. In a thread of its own, so that it may be called from a test that
    already runs an event loop (Playwright's)."""
    failure: list[BaseException] = []

    def work() -> None:
        try:
            # The connector `manage.py procrastinate worker` uses: psycopg's own, async.
            with app.replace_connector(app.connector.get_worker_connector()) as worker_app:
                worker_app.run_worker(
                    queues=list(queues) or None,
                    wait=False,
                    install_signal_handlers=False,
                    listen_notify=False,
                )
        except BaseException as error:  # reported in the test's thread
            failure.append(error)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive(), "the worker did not finish its jobs within 2 minutes"
    if failure:
        raise failure[0]


def periodic_tasks() -> dict:
    """The periodic tasks by their id (`periodic_id`), with their cron and task."""
    return {t.periodic_id: t for t in app.periodic_registry.periodic_tasks.values()}
