"""Django admin for panels, profiles and indicator definitions.

Panels are created through `panel_create` (so the public log starts with them) and members
appointed through `membership_add` (logged). The adoption rule is the panel's own: its
facilitators change it, in public, from the panel's page. The deliberation itself (stances,
comments, log) is read-only here: it is a public record. So are indicator definitions: panels
propose, discuss and decide them on their pages, and a decided definition is a public record the
database refuses to change (migration indicators 0003).
"""

from django.contrib import admin

from common.admin import ReadOnlyAdmin
from participation.models import (
    CitizenPanel,
    Comment,
    DeliberationLogEntry,
    Follow,
    IndicatorDefinition,
    JoinRequest,
    Membership,
    Notice,
    Profile,
)
from participation.panels import services as panel_services


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["pseudonym", "user", "created_at", "suspended_at"]
    search_fields = ["pseudonym", "user__email"]
    raw_id_fields = ["user"]
    # Suspensions are decided from the moderation page, where they are logged.
    readonly_fields = ["suspended_at", "suspension_reason", "suspended_by"]


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["user", "role", "joined_at"]
    readonly_fields = ["joined_at"]
    raw_id_fields = ["user"]
    extra = 0

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CitizenPanel)
class CitizenPanelAdmin(admin.ModelAdmin):
    list_display = ["name", "quorum", "min_endorsement_percent", "accepts_requests", "is_demo"]
    search_fields = ["name"]
    filter_horizontal = ["communes"]
    raw_id_fields = ["amenagements"]
    inlines = [MembershipInline]
    prepopulated_fields = {"slug": ["name"]}

    def get_readonly_fields(self, request, obj=None):
        # Facilitators change the rule in public, from the panel's page.
        return ["quorum", "min_endorsement_percent"] if obj is not None else []

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        created = panel_services.panel_create(
            name=data["name"],
            description=data.get("description", ""),
            quorum=data["quorum"],
            min_endorsement_percent=data["min_endorsement_percent"],
            accepts_requests=data.get("accepts_requests", True),
            is_demo=data.get("is_demo", False),
            created_by=request.user,
        )
        obj.pk, obj.slug = created.pk, created.slug

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not Membership:
            super().save_formset(request, form, formset, change)
            return
        for membership in formset.save(commit=False):
            panel_services.membership_add(
                panel=form.instance, user=membership.user, role=membership.role, by=request.user
            )
        for membership in formset.deleted_objects:
            membership.delete()


@admin.register(IndicatorDefinition)
class IndicatorDefinitionAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "version", "status", "kind", "panel", "adopted_at"]
    list_filter = ["status", "kind", "panel"]
    search_fields = ["name", "code", "question"]


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["panel", "user", "kind", "status", "created_at", "decided_at"]
    list_filter = ["kind", "status", "panel"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DeliberationLogEntry)
class DeliberationLogEntryAdmin(ReadOnlyAdmin):
    """Read-only: the log is a public record."""

    list_display = ["created_at", "panel", "action", "actor"]
    list_filter = ["action", "panel"]
    date_hierarchy = "created_at"


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["definition", "author", "created_at", "status"]
    search_fields = ["body"]
    readonly_fields = ["definition", "author", "body", "created_at", "status", "moderation_reason"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Follow)
class FollowAdmin(ReadOnlyAdmin):
    """Who follows what: chosen by each person on the site (and stopped by their links)."""

    list_display = ["user", "amenagement", "commune", "frequency", "language", "updated_at"]
    list_filter = ["frequency", "language"]
    search_fields = ["user__email", "amenagement__name", "commune__name"]


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    """The messages written to people, sent or waiting for a weekly digest."""

    list_display = ["user", "key", "subject", "weekly", "created_at", "sent_at"]
    list_filter = ["weekly"]
    search_fields = ["user__email", "key", "subject"]
    date_hierarchy = "created_at"


# Residents' opinions and their moderation.
from participation.contributions import admin as _contributions_admin  # noqa: E402, F401
