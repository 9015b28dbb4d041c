"""The staff page that records adaptations in bulk from a file (`bulk.services`)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from amenagements.bulk.forms import AdaptationsImportForm
from amenagements.bulk.reading import BulkFileError, adaptations_read
from amenagements.bulk.services import BulkResult, adaptations_import
from amenagements.permissions import can_record_adaptation, commune_scope
from common.http import AuthenticatedHttpRequest, require_permission


@require_http_methods(["GET", "POST"])
@require_permission(can_record_adaptation)
def adaptations_import_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload a file of dated adaptations: a dry run by default (the report of what it would
    record and reject), recorded for real once the box is unticked."""
    result: BulkResult | None = None
    if request.method == "POST":
        form = AdaptationsImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                read = adaptations_read(form.file_bytes())
            except BulkFileError as error:
                form.add_error("file", str(error))
            else:
                result = adaptations_import(
                    read=read,
                    recorded_by=request.user,
                    dry_run=form.cleaned_data["dry_run"],
                    communes=commune_scope(request.user),
                )
                if not result.dry_run and result.recorded:
                    messages.success(
                        request,
                        ngettext(
                            "%(n)s adaptation recorded.",
                            "%(n)s adaptations recorded.",
                            result.recorded,
                        )
                        % {"n": result.recorded},
                    )
    else:
        form = AdaptationsImportForm()
    return render(request, "amenagements/adaptations_import.html", {"form": form, "result": result})
