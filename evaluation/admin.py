"""Django admin for evaluations: read-only, written by `evaluation.services.evaluation_run`
and decided on the proposal pages (`evaluation.decisions`)."""

from django.contrib import admin

from common.admin import ReadOnlyAdmin, ReadOnlyInline
from evaluation.models import AdjustmentProposal, EvaluationRun, IndicatorResult, UsageEffectResult


class IndicatorResultInline(ReadOnlyInline):
    model = IndicatorResult
    fields = ["definition", "status", "value", "interval_low", "interval_high", "n"]


class UsageEffectInline(ReadOnlyInline):
    model = UsageEffectResult
    fields = ["adaptation", "percent_change", "interval_low", "interval_high", "method", "caveats"]


@admin.register(EvaluationRun)
class EvaluationRunAdmin(ReadOnlyAdmin):
    list_display = ["amenagement", "as_of", "frequency", "method_version", "created_at"]
    list_filter = ["frequency", "method_version"]
    search_fields = ["amenagement__name", "amenagement__slug"]
    date_hierarchy = "created_at"
    list_select_related = ["amenagement"]
    inlines = [IndicatorResultInline, UsageEffectInline]


@admin.register(AdjustmentProposal)
class AdjustmentProposalAdmin(ReadOnlyAdmin):
    list_display = ["amenagement", "action", "status", "created_at", "decided_at"]
    list_filter = ["status", "action"]
    search_fields = ["amenagement__name", "rationale"]
    list_select_related = ["amenagement"]
