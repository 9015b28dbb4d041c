"""Django admin for indicator definitions: read-only.

Definitions are proposed, discussed and decided by citizen panels on their pages, and a decided
definition is a public record the database refuses to change (see migration 0003).
"""

from django.contrib import admin

from indicators.models import IndicatorDefinition


@admin.register(IndicatorDefinition)
class IndicatorDefinitionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "version", "status", "kind", "panel", "adopted_at"]
    list_filter = ["status", "kind", "panel"]
    search_fields = ["name", "code", "question"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- evaluations (issue 6): read-only, written by `indicators.services.evaluation_run` --------

from indicators.models import (  # noqa: E402 -- grouped with the admin classes it serves
    AdjustmentProposal,
    EvaluationRun,
    IndicatorResult,
    UsageEffectResult,
)


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class IndicatorResultInline(admin.TabularInline):
    model = IndicatorResult
    fields = ["definition", "status", "value", "interval_low", "interval_high", "n"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class UsageEffectInline(admin.TabularInline):
    model = UsageEffectResult
    fields = ["adaptation", "percent_change", "interval_low", "interval_high", "method", "caveats"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(EvaluationRun)
class EvaluationRunAdmin(_ReadOnlyAdmin):
    list_display = ["amenagement", "as_of", "frequency", "method_version", "created_at"]
    list_filter = ["frequency", "method_version"]
    search_fields = ["amenagement__name", "amenagement__slug"]
    date_hierarchy = "created_at"
    list_select_related = ["amenagement"]
    inlines = [IndicatorResultInline, UsageEffectInline]


@admin.register(AdjustmentProposal)
class AdjustmentProposalAdmin(_ReadOnlyAdmin):
    list_display = ["amenagement", "action", "status", "created_at", "decided_at"]
    list_filter = ["status", "action"]
    search_fields = ["amenagement__name", "rationale"]
    list_select_related = ["amenagement"]
