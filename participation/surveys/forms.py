"""The staff form of the survey import, and the panel's choice to count survey answers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import Form
from participation.surveys.reading import (
    Scale,
    SurveySettingsError,
    parse_mapping,
    parse_scale,
)


class SurveyImportForm(Form):
    file = forms.FileField(
        label=_("File of answers (CSV)"),
        help_text=_(
            "One answer per line: where (longitude and latitude columns, or a street column "
            "“rue” with its “commune”), the scores, and optionally a date, a comment and the "
            "respondent's identifier. UTF-8 or Windows-1252, separated by ; or ,."
        ),
    )
    source = forms.CharField(
        label=_("Name of the survey"),
        max_length=150,
        help_text=_(
            "E.g. « Baromètre vélo 2021 ». Shown beside each of its answers; importing again "
            "under the same name records nothing twice."
        ),
    )
    description = forms.CharField(
        label=_("About the survey (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    scale = forms.CharField(
        label=_("Scale of its scores"),
        max_length=20,
        initial="0-6",
        help_text=_(
            "Lowest and highest score, e.g. 0-6. Each score becomes a step from 1 to 5: "
            "1 + (score − lowest) × 4 / (highest − lowest), rounded half up."
        ),
    )
    mapping = forms.CharField(
        label=_("Columns of the scores, by indicator"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Indicator code=column, separated by commas, e.g. securite=note_securite, "
            "confort=note_confort. Only adopted perception indicators; write panel/code when "
            "two panels use the same code."
        ),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: show what the import would do, record nothing"),
        required=False,
        initial=True,
    )

    def clean_scale(self) -> Scale:
        try:
            return parse_scale(self.cleaned_data["scale"])
        except SurveySettingsError as error:
            raise forms.ValidationError(str(error), code="scale") from None

    def clean_mapping(self) -> dict[str, str]:
        try:
            return parse_mapping(self.cleaned_data["mapping"])
        except SurveySettingsError as error:
            raise forms.ValidationError(str(error), code="mapping") from None

    def file_bytes(self) -> bytes:
        upload: Any = self.cleaned_data["file"]
        upload.seek(0)
        return bytes(upload.read())


class SurveyCountingForm(Form):
    include_survey_opinions = forms.BooleanField(
        label=_("Count the answers of imported surveys with residents' ratings"),
        required=False,
        help_text=_(
            "Unticked, they are shown apart and count in no result or evaluation of this "
            "panel's indicators."
        ),
    )
