from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsageConfig(AppConfig):
    """Counters, readings and their rollups, outages and manual counts."""

    name = "usage"
    label = "usage"
    verbose_name = _("Usage data")

    def ready(self) -> None:
        from amenagements import hooks
        from usage.services import relink_counters

        # The counters within reach of an arrangement follow its layout.
        hooks.on_layout_changed(relink_counters)
