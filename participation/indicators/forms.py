"""The form a panel member fills in to propose an indicator (or a new version of one), and
the forms of the deliberation: a stance, a comment, a public reason."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from amenagements.models import Amenagement
from common.forms import Form
from participation.indicators import text as definition_text
from participation.indicators.text import DefinitionText
from participation.models import SCALE_STEPS, IndicatorDefinition, Stance

Kind = IndicatorDefinition.Kind
OFFERED_SOURCES = [
    (value, label)
    for value, label in IndicatorDefinition.DataSource.choices
    if value in definition_text.READ_SOURCES
]
DEFAULT_LABELS = [
    _("Not at all"),
    _("A little"),
    _("Moderately"),
    _("Quite"),
    _("Completely"),
]


class DefinitionForm(Form):
    code = forms.SlugField(
        label=_("Code"),
        max_length=50,
        help_text=_(
            "A short identifier in lower case, shared by every version (e.g. felt-safety)."
        ),
    )
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What it says about an arrangement, and why it matters."),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Kind.choices, widget=forms.RadioSelect, initial=Kind.PERCEPTION
    )
    theme = forms.ChoiceField(
        label=_("What it is about"),
        choices=IndicatorDefinition.Theme.choices,
        initial=IndicatorDefinition.Theme.GENERAL,
        required=False,  # left out: about something else
        help_text=_("Tells the evaluation which adjustment to propose when the target is missed."),
    )
    question = forms.CharField(
        label=_("Question asked to residents"),
        max_length=300,
        required=False,
        help_text=_("Perception indicators only. Residents answer on a scale from 1 to 5."),
    )
    data_source = forms.ChoiceField(
        label=_("Data source"),
        # The evaluation reads the counters only: manual counts are not offered (see
        # `definition_text_check`).
        choices=[("", "—"), *OFFERED_SOURCES],
        required=False,
        help_text=_("Usage indicators only."),
    )
    statistic = forms.ChoiceField(
        label=_("Statistic"),
        choices=[("", "—"), *IndicatorDefinition.Statistic.choices],
        required=False,
        help_text=_("Usage indicators only."),
    )
    unit = forms.CharField(
        label=_("Unit"), max_length=40, help_text=_("e.g. “/ 5”, “bikes per day”, “%”.")
    )
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=IndicatorDefinition.Direction.choices,
        widget=forms.RadioSelect,
        initial=IndicatorDefinition.Direction.HIGHER,
    )
    target = forms.DecimalField(
        label=_("Target"),
        max_digits=12,
        decimal_places=2,
        help_text=_("The value the arrangement must reach to be judged a success."),
    )
    alert_threshold = forms.DecimalField(
        label=_("Alert threshold"),
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text=_("Optional: beyond it, on the wrong side of the target, an alert is raised."),
    )
    min_sample_size = forms.IntegerField(
        label=_("Minimum sample size"),
        min_value=1,
        max_value=1_000_000,
        initial=30,
        help_text=_("Below this many ratings (or days of counts), the result says so."),
    )
    applicable_kinds = forms.MultipleChoiceField(
        label=_("Kinds of arrangement it applies to"),
        choices=Amenagement.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, lock_code: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for step in range(1, SCALE_STEPS + 1):
            self.fields[f"label_{step}"] = forms.CharField(
                label=_("Label of step %(step)s") % {"step": step},
                max_length=60,
                required=False,
                initial=DEFAULT_LABELS[step - 1],
            )
        if lock_code:
            # A new version keeps the code of the indicator it revises.
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("A new version keeps the code of the indicator.")

    @property
    def label_fields(self) -> list[forms.BoundField]:
        return [self[f"label_{step}"] for step in range(1, SCALE_STEPS + 1)]

    @property
    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("code", "name", "description", "kind", "theme")]

    @property
    def perception_fields(self) -> list[forms.BoundField]:
        return [self["question"]]

    @property
    def usage_fields(self) -> list[forms.BoundField]:
        return [self["data_source"], self["statistic"]]

    @property
    def target_fields(self) -> list[forms.BoundField]:
        return [
            self[name]
            for name in (
                "unit",
                "direction",
                "target",
                "alert_threshold",
                "min_sample_size",
                "applicable_kinds",
            )
        ]

    def clean(self) -> dict[str, Any]:
        """The rules of the service (`definition_text_check`), reported on the fields."""
        data = super().clean() or {}
        # A field already in error (a missing value, or one not offered, such as manual
        # counts): say that first.
        if any(name not in data for name in self.fields):
            return data
        try:
            definition_text.definition_text_check(self.to_text())
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                if field == "scale_labels":
                    for bound in self.label_fields:
                        if not (data.get(bound.name) or "").strip():
                            self.add_error(bound.name, errors)
                    if not any(bound.name in self.errors for bound in self.label_fields):
                        self.add_error("label_1", errors)
                else:
                    self.add_error(field, errors)
        return data

    def to_text(self) -> DefinitionText:
        data = self.cleaned_data
        return DefinitionText(
            code=data["code"],
            name=data["name"].strip(),
            description=data["description"].strip(),
            kind=data["kind"],
            question=data["question"].strip(),
            scale_labels=[data[f"label_{step}"].strip() for step in range(1, SCALE_STEPS + 1)],
            data_source=data["data_source"],
            statistic=data["statistic"],
            unit=data["unit"].strip(),
            direction=data["direction"],
            target=data["target"],
            alert_threshold=data["alert_threshold"],
            min_sample_size=data["min_sample_size"],
            applicable_kinds=list(data["applicable_kinds"]),
            theme=data.get("theme") or IndicatorDefinition.Theme.GENERAL,
        )

    @staticmethod
    def initial_from(text: DefinitionText) -> dict[str, Any]:
        """Initial values of the form for an existing text (a revision starts from it)."""
        initial = {
            name: value for name, value in text.__dict__.items() if name not in {"scale_labels"}
        }
        for step, label in enumerate(text.scale_labels, start=1):
            initial[f"label_{step}"] = label
        return initial

    def preview(self) -> dict[str, Any]:
        """What residents would see, from whatever has been typed so far (valid or not)."""
        data = self.data
        kind = data.get("kind") or Kind.PERCEPTION
        labels = [
            (step, (data.get(f"label_{step}") or "").strip()) for step in range(1, SCALE_STEPS + 1)
        ]
        return {
            "kind": kind,
            "is_perception": kind == Kind.PERCEPTION,
            "name": (data.get("name") or "").strip(),
            "question": (data.get("question") or "").strip(),
            "scale": labels,
            "unit": (data.get("unit") or "").strip(),
            "target": (data.get("target") or "").strip(),
            "direction": data.get("direction") or "",
            "data_source": dict(IndicatorDefinition.DataSource.choices).get(
                data.get("data_source") or ""
            ),
            "statistic": dict(IndicatorDefinition.Statistic.choices).get(
                data.get("statistic") or ""
            ),
        }


class StanceForm(Form):
    position = forms.ChoiceField(label=_("Your stance"), choices=Stance.Position.choices)


class CommentForm(Form):
    body = forms.CharField(
        label=_("Your comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ReasonForm(Form):
    reason = forms.CharField(
        label=_("Reason (public)"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
