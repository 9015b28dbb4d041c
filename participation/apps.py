from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    """Residents' profiles, citizen panels and their indicators, contributions, moderation."""

    name = "participation"
    verbose_name = _("Participation")
