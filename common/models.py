"""The record of background jobs that failed, kept for the staff (the admin lists them)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobFailure(models.Model):
    """One failed attempt of a background job: which task, with what, and the error.

    Written by `common.jobs.job_middleware` whatever the task; `final` says that no attempt
    will follow (the job is given up, see the task's retry strategy)."""

    task = models.CharField(_("task"), max_length=200)
    job_id = models.BigIntegerField(_("job number"))
    attempt = models.PositiveSmallIntegerField(_("attempt"))
    final = models.BooleanField(_("given up"), default=False)
    arguments = models.JSONField(_("arguments"), default=dict, blank=True)
    error_type = models.CharField(_("kind of error"), max_length=200)
    error = models.TextField(_("error"), blank=True)
    failed_at = models.DateTimeField(_("failed at"), auto_now_add=True)

    class Meta:
        ordering = ["-failed_at", "-pk"]
        verbose_name = _("failed background job")
        verbose_name_plural = _("failed background jobs")

    def __str__(self) -> str:
        return f"{self.task} #{self.job_id} ({self.attempt})"
