"""The staff page that imports a survey's answers from a file (`surveys.services`)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from amenagements.permissions import commune_scope
from common.http import AuthenticatedHttpRequest, require_permission
from participation.surveys.forms import SurveyImportForm
from participation.surveys.permissions import can_import_survey
from participation.surveys.reading import SurveyFileError, survey_read
from participation.surveys.services import SurveyImportResult, survey_opinions_import


@require_http_methods(["GET", "POST"])
@require_permission(can_import_survey)
def survey_import_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload a survey's answers: a dry run by default (the report of what it would record
    and reject), recorded for real once the box is unticked."""
    result: SurveyImportResult | None = None
    if request.method == "POST":
        form = SurveyImportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                read = survey_read(form.file_bytes(), scale=data["scale"], mapping=data["mapping"])
                result = survey_opinions_import(
                    read=read,
                    source_name=data["source"],
                    description=data["description"],
                    scale=data["scale"],
                    mapping=data["mapping"],
                    imported_by=request.user,
                    dry_run=data["dry_run"],
                    communes=commune_scope(request.user),
                )
            except SurveyFileError as error:
                form.add_error("file", str(error))
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if not result.dry_run and result.recorded:
                    messages.success(
                        request,
                        ngettext(
                            "%(n)s answer recorded.", "%(n)s answers recorded.", result.recorded
                        )
                        % {"n": result.recorded},
                    )
    else:
        form = SurveyImportForm()
    return render(request, "participation/surveys/import.html", {"form": form, "result": result})
