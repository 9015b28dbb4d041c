from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    """Residents' profiles, citizen panels and their indicators, contributions, moderation."""

    name = "participation"
    verbose_name = _("Participation")

    def ready(self) -> None:
        from amenagements import hooks
        from participation.follows.announcements import adaptation_announce

        # Followers hear of adaptations; earlier raters are invited to judge a new layout.
        hooks.on_adapted(adaptation_announce)
