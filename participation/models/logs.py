"""What every public log has in common (the deliberation log, the moderation log)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# A log's action code: "proposal.adopted", "comment.hidden"…
DOTTED_ACTION = Q(action__regex=r"^[a-z_]+\.[a-z_]+$")


class LogEntry(models.Model):
    """What every public log row has: a dotted `action` code, who acted (NULL for automatic
    acts, or once the account is gone), when, and a `payload` to read it later. Rows are only
    ever added. Each log adds what its rows are about and its own constraint name."""

    action = models.CharField(_("action"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)
    payload = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"
