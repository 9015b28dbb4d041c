"""The text of an indicator version (`DefinitionText`) and the rules each kind's text must
follow, checked before anything is written (the database holds the same rules)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from participation.models import SCALE_STEPS, IndicatorDefinition

ERROR_QUESTION_REQUIRED = _("A perception indicator needs the question residents will answer.")
ERROR_LABELS_REQUIRED = _("Give a label to each of the five steps.")
ERROR_SOURCE_REQUIRED = _("A usage indicator needs a data source.")
ERROR_SOURCE_NOT_READ = _(
    "The evaluation does not read manual counts: choose the arrangement's counters."
)
# The data sources the evaluation reads (evaluation.engine.UsageSource.COUNTERS).
READ_SOURCES = frozenset({IndicatorDefinition.DataSource.COUNTERS})
ERROR_STATISTIC_REQUIRED = _("A usage indicator needs a statistic.")
ERROR_SCALE_RANGE = _("On the 1 to 5 scale, this value must be between 1 and 5.")
ERROR_ALERT_SIDE_HIGHER = _(
    "When higher is better, the alert threshold must not be above the target."
)
ERROR_ALERT_SIDE_LOWER = _(
    "When lower is better, the alert threshold must not be below the target."
)
ERROR_NO_KIND = _("Choose at least one kind of arrangement.")


@dataclasses.dataclass(frozen=True)
class DefinitionText:
    """Everything a panel decides about an indicator: the content of one version."""

    code: str
    name: str
    kind: str
    unit: str
    direction: str
    target: Decimal
    applicable_kinds: list[str]
    description: str = ""
    question: str = ""
    scale_labels: list[str] = dataclasses.field(default_factory=list)
    data_source: str = ""
    statistic: str = ""
    alert_threshold: Decimal | None = None
    min_sample_size: int = 30
    theme: str = IndicatorDefinition.Theme.GENERAL

    @classmethod
    def of(cls, definition: IndicatorDefinition) -> DefinitionText:
        """The text of an existing definition (to prefill a revision)."""
        return cls(**{f.name: getattr(definition, f.name) for f in dataclasses.fields(cls)})

    def fields(self) -> dict[str, object]:
        values = dataclasses.asdict(self)
        # One kind's fields never linger on a definition of the other kind.
        if self.kind == IndicatorDefinition.Kind.PERCEPTION:
            values.update(data_source="", statistic="")
        else:
            values.update(question="", scale_labels=[])
        return values


def definition_text_check(text: DefinitionText) -> None:
    """Raise `ValidationError`, by field, if `text` breaks a rule of its kind.

    A perception indicator has a question, five step labels, and its target and alert
    threshold on the 1–5 scale; a usage indicator has a data source the evaluation reads (the
    counters: manual counts are not read, so not offered) and a statistic. The alert
    threshold lies on the wrong side of the target; at least one kind of arrangement is named.
    (The database checks the same rules; this says which field is wrong, in words.)
    """
    errors: dict[str, ValidationError] = {}
    if text.kind == IndicatorDefinition.Kind.PERCEPTION:
        if not text.question.strip():
            errors["question"] = ValidationError(ERROR_QUESTION_REQUIRED, code="required")
        labels = [label.strip() for label in text.scale_labels]
        if len(labels) != SCALE_STEPS or not all(labels):
            errors["scale_labels"] = ValidationError(ERROR_LABELS_REQUIRED, code="required")
        for name in ("target", "alert_threshold"):
            value = getattr(text, name)
            if value is not None and not 1 <= value <= SCALE_STEPS:
                errors[name] = ValidationError(ERROR_SCALE_RANGE, code="range")
    elif text.kind == IndicatorDefinition.Kind.USAGE:
        if not text.data_source:
            errors["data_source"] = ValidationError(ERROR_SOURCE_REQUIRED, code="required")
        elif text.data_source not in READ_SOURCES:
            errors["data_source"] = ValidationError(ERROR_SOURCE_NOT_READ, code="not_read")
        if not text.statistic:
            errors["statistic"] = ValidationError(ERROR_STATISTIC_REQUIRED, code="required")
    if text.alert_threshold is not None and "alert_threshold" not in errors:
        higher = text.direction == IndicatorDefinition.Direction.HIGHER
        if higher and text.alert_threshold > text.target:
            errors["alert_threshold"] = ValidationError(ERROR_ALERT_SIDE_HIGHER, code="side")
        if not higher and text.alert_threshold < text.target:
            errors["alert_threshold"] = ValidationError(ERROR_ALERT_SIDE_LOWER, code="side")
    if not text.applicable_kinds:
        errors["applicable_kinds"] = ValidationError(ERROR_NO_KIND, code="required")
    if errors:
        raise ValidationError(errors)
