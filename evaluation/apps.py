from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    """Evaluation runs of the engine, their results and adjustment proposals, the decisions on
    them. The app label stays `indicators` (where it began), so no table changes name."""

    name = "evaluation"
    label = "indicators"
    verbose_name = _("Evaluations")

    def ready(self) -> None:
        from evaluation import checks  # noqa: F401 -- registers the settings checks
