from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AmenagementsConfig(AppConfig):
    name = "amenagements"
    verbose_name = _("Arrangements")
