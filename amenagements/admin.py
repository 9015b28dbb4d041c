"""Django admin for arrangements, with Leaflet widgets.

The geometry history must stay truthful, so the admin never edits a geometry or a status in
place: it creates arrangements through `amenagement_create`, and changes go through the staff
adaptation page (linked from the change form), which records a dated adaptation.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from amenagements import services
from amenagements.models import (
    Adaptation,
    Amenagement,
    AmenagementVersion,
    Commune,
    PlannedAdaptation,
)
from common.admin import ReadOnlyAdmin, ReadOnlyInline


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["name", "insee_code"]
    search_fields = ["name", "insee_code"]
    prepopulated_fields = {"slug": ["name"]}
    # The commune's agents (`amenagements.permissions`: assigned communes limit an account).
    filter_horizontal = ["agents"]


class VersionInline(ReadOnlyInline):
    model = AmenagementVersion
    fields = ["number", "valid_from", "valid_to"]


class AdaptationInline(ReadOnlyInline):
    model = Adaptation
    fields = ["date", "kind", "description", "status_before", "status_after", "origin", "version"]
    ordering = ["-date", "-pk"]


class PlannedAdaptationInline(ReadOnlyInline):
    """Read-only: adaptations are planned by accepting a proposal, carried out or cancelled
    from the arrangement's page, each with its public trace."""

    model = PlannedAdaptation
    fields = ["created_at", "kind", "description", "planned_for", "status", "adaptation"]
    ordering = ["-created_at", "-pk"]


@admin.register(Amenagement)
class AmenagementAdmin(LeafletGeoAdmin):
    list_display = ["name", "kind", "status", "commune", "opened_on", "decision_deadline"]
    list_filter = ["status", "kind", "commune", "external_source"]
    search_fields = ["name", "slug", "external_id"]
    inlines = [VersionInline, PlannedAdaptationInline, AdaptationInline]
    readonly_fields = ["adapt_link", "external_source", "external_id", "source_properties"]

    @admin.display(description=_("Adaptations"))
    def adapt_link(self, obj: Amenagement) -> str:
        if not obj.pk:  # the add form
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("amenagements:adapt", kwargs={"slug": obj.slug}),
            _("Record an adaptation (new layout, status…)"),
        )

    def get_fields(self, request, obj=None):
        common = ["name", "kind", "commune", "description", "opened_on", "decision_deadline"]
        if obj is None:
            return [*common, "status", "geom", "attribution"]
        return [*common, "attribution", "geom", "adapt_link", "external_source", "external_id"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            # Shown on the map, never edited here: a new layout is an adaptation.
            geom = form.base_fields["geom"]
            geom.disabled = True
            geom.required = False
            geom.widget.modifiable = False
        return form

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        created = services.amenagement_create(
            name=data["name"],
            kind=data["kind"],
            status=data["status"],
            geom=data["geom"],
            date=data.get("opened_on") or timezone.localdate(),
            commune=data.get("commune"),
            description=data.get("description", ""),
            opened_on=data.get("opened_on"),
            decision_deadline=data.get("decision_deadline"),
            attribution=data.get("attribution", ""),
            recorded_by=request.user,
        )
        # The admin redirects using obj: point it at the row the service created.
        obj.pk = created.pk
        obj.slug = created.slug

    def save_related(self, request, form, formsets, change) -> None:
        # Inlines are read-only; nothing to save, and the service already wrote the history.
        if change:
            super().save_related(request, form, formsets, change)


@admin.register(Adaptation)
class AdaptationAdmin(ReadOnlyAdmin):
    """Read-only: the timeline is a public record; corrections are new adaptations."""

    list_display = ["amenagement", "date", "kind", "origin", "recorded_by"]
    list_filter = ["kind", "origin"]
    search_fields = ["amenagement__name", "description"]
    date_hierarchy = "date"
