from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    """Indicator definitions, usage data and the evaluation engine (issues 3, 4 and 6)."""

    name = "indicators"
    verbose_name = _("Indicators")
