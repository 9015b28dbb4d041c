"""Django admin for residents' opinions (registered from `participation.admin`).

Opinions, reports and the moderation log are read-only here: moderators decide from the
moderation page (/moderation/), through the services, so that every act is logged with its
public reason. Pre-moderation is switched per commune here, through `premoderation_set`.
"""

from django.contrib import admin

from common.admin import ReadOnlyAdmin, ReadOnlyInline
from participation.contributions import moderation
from participation.models import CommuneModeration, Contribution, ModerationLogEntry, Rating, Report


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
