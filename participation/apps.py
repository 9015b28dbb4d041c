from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    """Residents' contributions, citizen panels and moderation (issues 4 and 5)."""

    name = "participation"
    verbose_name = _("Participation")
