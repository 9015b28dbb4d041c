from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsageConfig(AppConfig):
    """Counters, readings and their rollups, outages and manual counts (issue 3)."""

    name = "usage"
    label = "usage"
    verbose_name = _("Usage data")
