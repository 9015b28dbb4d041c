"""Django admin for residents' opinions (registered from `participation.admin`).

Opinions, reports and the moderation log are read-only here: moderators decide from the
moderation page (/moderation/), through the services, so that every act is logged with its
public reason. Pre-moderation is switched per commune here, through `premoderation_set`.
"""

from django.contrib import admin
from django.http import HttpRequest

from common.admin import ReadOnlyAdmin, ReadOnlyInline
from participation.contributions import moderation
from participation.models import (
    CommuneModeration,
    Contribution,
    ModerationLogEntry,
    PanelCommentReport,
    Rating,
    Report,
    SurveySource,
)


class RatingInline(ReadOnlyInline):
    model = Rating
    fields = ["definition", "value"]


@admin.register(Contribution)
class ContributionAdmin(ReadOnlyAdmin):
    list_display = ["version", "user", "comment_status", "is_demo", "created_at"]
    list_filter = ["comment_status", "is_demo"]
    search_fields = ["comment", "version__amenagement__name"]
    raw_id_fields = ["user", "version", "moderated_by"]
    inlines = [RatingInline]


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["contribution", "reason", "created_at", "resolved_at"]
    list_filter = ["reason"]


@admin.register(ModerationLogEntry)
class ModerationLogEntryAdmin(ReadOnlyAdmin):
    """Read-only: the log is a record."""

    list_display = ["created_at", "action", "actor", "contribution"]
    list_filter = ["action"]
    date_hierarchy = "created_at"


@admin.register(CommuneModeration)
class CommuneModerationAdmin(admin.ModelAdmin):
    list_display = ["commune", "premoderation", "updated_at"]
    list_editable = ["premoderation"]
    fields = ["commune", "premoderation"]

    def get_readonly_fields(self, request, obj=None):
        return ["commune"] if obj is not None else []

    def save_model(self, request, obj, form, change) -> None:
        saved = moderation.premoderation_set(
            commune=obj.commune, enabled=obj.premoderation, by=request.user
        )
        obj.pk = saved.pk


@admin.register(PanelCommentReport)
class PanelCommentReportAdmin(ReadOnlyAdmin):
    list_display = ["comment", "reason", "created_at", "resolved_at"]
    list_filter = ["reason"]


@admin.register(SurveySource)
class SurveySourceAdmin(admin.ModelAdmin):
    """Imported surveys: created by their import (/services/enquetes/import/), where each
    answer is checked. Deleting one withdraws all its answers from the results."""

    list_display = ["name", "scale_min", "scale_max", "imported_by", "created_at"]
    search_fields = ["name"]
    fields = ["name", "description", "scale_min", "scale_max", "imported_by", "created_at"]
    readonly_fields = ["name", "scale_min", "scale_max", "imported_by", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
