from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    """What every app shares; its one table is the record of failed background jobs."""

    name = "common"
    verbose_name = _("Background jobs")
