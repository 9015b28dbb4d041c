"""Evaluations run in the background: the staff button and the nightly schedule queue them.

Rules:
- One arrangement's evaluation is one job (`evaluation.tasks.evaluate_arrangement`), queued at
  most once at a time (a queueing lock per arrangement): pressing the button twice, or the
  nightly schedule meeting a staff request, queues one evaluation.
- Every night (`NIGHTLY_CRON`, in UTC: 03:30 or 04:30 in Paris) every arrangement is queued, as
  `manage.py evaluate --all` does by hand; workers on any node share the jobs.
- An evaluation that cannot be run (no usable data…) fails its job; the failure is recorded
  (`common.models.JobFailure`) and shown to the staff on the arrangement's page until a
  later evaluation succeeds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from procrastinate import exceptions as procrastinate_exceptions
from procrastinate.contrib.django.models import ProcrastinateJob

from common.models import JobFailure
from evaluation.models import EvaluationRun

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from amenagements.models import Amenagement

TASK = "evaluation.evaluate_arrangement"
NIGHTLY_CRON = "30 2 * * *"


def _lock(amenagement_id: int) -> str:
    return f"evaluate-{amenagement_id}"


def evaluation_queue(*, amenagement_id: int, by: User | None = None) -> bool:
    """Queue the evaluation of an arrangement with the data known on the day it runs; False
    if one is already queued (see the module's rules)."""
    from evaluation.tasks import evaluate_arrangement

    try:
        # A savepoint: the refused insert must not abort the caller's transaction.
        with transaction.atomic():
            evaluate_arrangement.configure(queueing_lock=_lock(amenagement_id)).defer(
                amenagement_id=amenagement_id, by_id=by.pk if by else None
            )
    except procrastinate_exceptions.AlreadyEnqueued:
        return False
    return True


def evaluation_queue_all() -> int:
    """Queue every arrangement's evaluation (those already queued are left as they are)."""
    from amenagements.models import Amenagement

    ids = Amenagement.objects.order_by("pk").values_list("pk", flat=True)
    return sum(evaluation_queue(amenagement_id=pk) for pk in ids)


@dataclass(frozen=True)
class EvaluationJobs:
    """What the staff see of an arrangement's background evaluation."""

    pending: str | None  # "todo" (queued) or "doing" (running), None if none is
    failure: str | None  # the error of the last failed evaluation since the last success
    failed_at: dt.datetime | None


def evaluation_jobs(*, amenagement: Amenagement) -> EvaluationJobs:
    """The pending job and the last failure, if any, of an arrangement's evaluation."""
    pending = (
        ProcrastinateJob.objects.filter(
            task_name=TASK,
            status__in=["todo", "doing"],
            queueing_lock=_lock(amenagement.pk),
        )
        .values_list("status", flat=True)
        .first()
    )
    last_run = (
        EvaluationRun.objects.filter(amenagement=amenagement)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    failures = JobFailure.objects.filter(task=TASK, arguments__amenagement_id=amenagement.pk)
    if last_run is not None:
        failures = failures.filter(failed_at__gt=last_run)
    failure = failures.only("error", "failed_at").first()
    return EvaluationJobs(
        pending=pending,
        failure=failure.error if failure else None,
        failed_at=failure.failed_at if failure else None,
    )
