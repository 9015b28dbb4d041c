"""Django admin for usage data: counters and their links to arrangements, outages, imports.

Readings and rollups are not in the admin: tens of millions of rows, written only by imports.
A link the services add or change here is marked `manual`, so that recomputation keeps it;
to unlink a counter the distance rule links, tick `excluded` rather than deleting the link.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from usage import services
from usage.models import Counter, CounterLink, ImportRun, ManualCount, Outage


class CounterLinkInline(admin.TabularInline):
    model = CounterLink
    fields = ["amenagement", "distance_m", "manual", "excluded"]
    readonly_fields = ["distance_m", "manual"]
    autocomplete_fields = ["amenagement"]
    extra = 0


class OutageInline(admin.TabularInline):
    model = Outage
    fields = ["start", "end", "kind", "manual", "note"]
    readonly_fields = ["manual"]
    extra = 0

    def has_change_permission(self, request, obj=None) -> bool:
        # Detected outages are recomputed: editing one would be silently undone.
        return False


@admin.register(Counter)
class CounterAdmin(LeafletGeoAdmin):
    list_display = ["name", "source", "external_id", "installed_on"]
    list_filter = ["source"]
    search_fields = ["name", "external_id"]
    readonly_fields = ["source_properties", "created_at", "updated_at", "import_link"]
    inlines = [CounterLinkInline, OutageInline]

    @admin.display(description=_("Import"))
    def import_link(self, obj: Counter) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("usage:import"), _("Import counters or counts")
        )

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not change or "location" in form.changed_data:
            services.counter_links_refresh(counter_ids=[obj.pk])

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is CounterLink:
            for link in formset.save(commit=False):
                link.manual = True  # set by hand: recomputation must keep it
                link.save()
            for link in formset.deleted_objects:
                link.delete()
            return
        if formset.model is Outage:
            for outage in formset.save(commit=False):
                outage.manual = True
                outage.kind = Outage.Kind.REPORTED
                outage.save()
            for outage in formset.deleted_objects:
                outage.delete()
            return
        super().save_formset(request, form, formset, change)


@admin.register(CounterLink)
class CounterLinkAdmin(admin.ModelAdmin):
    list_display = ["counter", "amenagement", "distance_m", "manual", "excluded"]
    list_filter = ["manual", "excluded", "counter__source"]
    search_fields = ["counter__name", "amenagement__name"]
    autocomplete_fields = ["counter", "amenagement"]
    readonly_fields = ["distance_m", "manual"]

    def save_model(self, request, obj, form, change) -> None:
        obj.manual = True  # set by hand: recomputation must keep it
        super().save_model(request, obj, form, change)


@admin.register(Outage)
class OutageAdmin(admin.ModelAdmin):
    list_display = ["counter", "start", "end", "kind", "manual"]
    list_filter = ["kind", "manual", "counter__source"]
    search_fields = ["counter__name", "note"]
    autocomplete_fields = ["counter"]
    date_hierarchy = "start"

    def get_readonly_fields(self, request, obj=None):
        return ["kind", "manual"] if obj is not None else ["manual"]

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and not obj.manual:
            return False  # detected: recomputed after every import
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        obj.manual = True
        if not change:
            obj.kind = Outage.Kind.REPORTED
        super().save_model(request, obj, form, change)


@admin.register(ManualCount)
class ManualCountAdmin(admin.ModelAdmin):
    list_display = ["amenagement", "date", "start_time", "end_time", "subject", "count"]
    list_filter = ["subject"]
    search_fields = ["amenagement__name", "place", "note"]
    date_hierarchy = "date"
    autocomplete_fields = ["amenagement"]
    readonly_fields = ["recorded_by", "created_at"]


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """Read-only: the record of what each import did."""

    list_display = [
        "created_at",
        "kind",
        "source",
        "file_name",
        "status",
        "inserted",
        "updated",
        "unchanged",
        "rejected",
        "recorded_by",
    ]
    list_filter = ["kind", "source"]
    search_fields = ["file_name", "source"]
    exclude = ["rejects_csv"]

    @admin.display(description=_("Report"))
    def report_link(self, obj: ImportRun) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("usage:import_detail", kwargs={"pk": obj.pk}),
            _("See the report and the rejected lines"),
        )

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in ImportRun._meta.fields if f.name != "rejects_csv"] + ["report_link"]

    def has_add_permission(self, request) -> bool:
        return False  # imports go through the upload page or the commands

    def has_change_permission(self, request, obj=None) -> bool:
        return False
