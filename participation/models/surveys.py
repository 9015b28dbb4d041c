"""Existing surveys and paper consultations whose answers staff import as opinions.

A `SurveySource` is one survey (« Baromètre vélo 2021 », a paper questionnaire handed out on a
market): its answers become contributions without an account (`Contribution.source`), each
tied to the source so that results can keep them apart from residents' own ratings.

The database holds: a source's name is unique; its original scale goes upwards
(`scale_min` < `scale_max`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class SurveySource(models.Model):
    """One survey whose answers were imported, with the scale its scores were given on.

    The scale is the survey's own (0–6 for the Baromètre vélo); every score is converted to the
    1–5 steps of the indicators when imported (`participation.surveys.reading.scale_convert`),
    so a source keeps one scale for good.
    """

    name = models.CharField(_("name"), max_length=150, unique=True)
    description = models.TextField(_("description"), blank=True)
    scale_min = models.SmallIntegerField(_("lowest score of the original scale"))
    scale_max = models.SmallIntegerField(_("highest score of the original scale"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        constraints = [
            models.CheckConstraint(
                condition=Q(scale_min__lt=F("scale_max")), name="survey_scale_goes_upwards"
            ),
        ]

    def __str__(self) -> str:
        return self.name
