"""The background jobs of the evaluation (rules in `common.jobs` and `evaluation.queued`)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.utils import timezone

from amenagements.models import Amenagement
from common.jobs import DATABASE_RETRY, app, job_middleware
from evaluation import queued
from evaluation.services import evaluation_run


@app.task(
    name=queued.TASK,
    queue="evaluations",
    retry=DATABASE_RETRY,
    task_middleware=[job_middleware],
)
def evaluate_arrangement(*, amenagement_id: int, by_id: int | None = None) -> None:
    """Evaluate one arrangement with the data known today. Tried again only after a lost
    database connection: with the same data it would fail the same way (the failure is
    shown to the staff)."""
    amenagement = Amenagement.objects.get(pk=amenagement_id)
    by = User.objects.filter(pk=by_id).first() if by_id else None
    evaluation_run(amenagement=amenagement, as_of=timezone.localdate(), created_by=by)


@app.periodic(cron=queued.NIGHTLY_CRON, periodic_id="nightly-evaluations")
@app.task(name="evaluation.evaluate_all", queue="evaluations", task_middleware=[job_middleware])
def evaluate_all(timestamp: int) -> None:
    """Every night: queue every arrangement's evaluation."""
    queued.evaluation_queue_all()
