"""Background jobs through procrastinate's real worker, on committed data: a queued import,
an email whose server refuses it (retried, failure recorded), progress seen from outside the
import's transaction, and the nightly schedule. (The worker also queues the periodic jobs
when it starts: tests look at their own task's jobs.)"""

from __future__ import annotations

import datetime as dt
import io

import psycopg
import pytest
from django.core import mail
from django.db import connection, transaction
from procrastinate.contrib.django.models import ProcrastinateJob

from common.mail import email_queue
from common.models import JobFailure
from evaluation import queued as evaluation_queued
from tests.jobs import periodic_tasks, run_worker
from tests.usage.helpers import daily_csv, make_counter
from usage import queued
from usage.importing import ReadingsFormat
from usage.models import ImportRun, Reading

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_worker_imports_a_queued_file_and_the_run_reports_it():
    make_counter("C1")
    content = daily_csv("C1", dt.date(2024, 5, 1), [10, 20, 30]).encode()
    run = queued.import_queue(
        file=io.BytesIO(content), fmt=ReadingsFormat(), kind="readings", source="test"
    )
    assert (run.status, Reading.objects.count()) == ("queued", 0)

    run_worker("imports")

    run.refresh_from_db()
    assert (run.status, run.rows, run.inserted, run.upload) == ("done", 3, 3, None)
    assert Reading.objects.count() == 3
    assert ProcrastinateJob.objects.get(task_name="usage.import_file").status == "succeeded"


def test_an_email_the_server_refuses_is_recorded_and_tried_again_later(settings):
    # Nothing listens on port 9 of the loopback: the SMTP connection is refused.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with transaction.atomic():
        email_queue(subject="Décision", body="…", to=["alice@example.org"])

    run_worker("emails")

    failure = JobFailure.objects.get()
    assert (failure.task, failure.attempt, failure.final) == ("common.send_email", 1, False)
    assert failure.arguments["to"] == "alice@example.org"
    assert failure.error_type == "ConnectionRefusedError"
    job = ProcrastinateJob.objects.get(task_name="common.send_email")
    assert (job.status, job.attempts) == ("todo", 1)  # scheduled again, a few seconds later
    assert job.scheduled_at is not None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with connection.cursor() as cursor:  # as if the retry delay had passed
        cursor.execute("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE id = %s", [job.id])
    run_worker("emails")
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    assert ProcrastinateJob.objects.get(pk=job.id).status == "succeeded"


def test_progress_is_seen_by_others_while_the_import_transaction_is_open():
    run = ImportRun.objects.create(kind="readings", source="test", status="running")
    progress = queued.ProgressWriter(run.pk)
    params = connection.get_connection_params()
    login = {k: v for k, v in params.items() if k in {"dbname", "user", "password", "host", "port"}}
    try:
        with transaction.atomic():
            progress(1200)
            with psycopg.connect(**login) as other:
                seen = other.execute(
                    "SELECT lines_read FROM usage_importrun WHERE id = %s", [run.pk]
                ).fetchone()
    finally:
        progress.close()
    assert seen == (1200,)


def test_every_arrangement_is_evaluated_every_night():
    nightly = periodic_tasks()["nightly-evaluations"]
    assert nightly.task.name == "evaluation.evaluate_all"
    assert nightly.cron == evaluation_queued.NIGHTLY_CRON
