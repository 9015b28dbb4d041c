"""Read-only admin pages, for the public records the admin may show but never change: the
timeline, logs, opinions, definitions, evaluations. They are written by the services only.
(The admin site itself is `common.adminsite.AdminSite`.)"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from common.models import JobFailure


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lists and shows rows; no add, change or delete."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """The rows of a record shown under it: every listed field read-only, none added or
    deleted. Subclasses set `model` and `fields`."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [name for name in self.fields or [] if isinstance(name, str)]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(JobFailure)
class JobFailureAdmin(ReadOnlyAdmin):
    """The failed attempts of background jobs (`common.jobs`), for the technical team."""

    list_display = ["failed_at", "task", "job_id", "attempt", "final", "error_type", "error"]
    list_filter = ["task", "final", "error_type"]
    search_fields = ["error", "arguments"]
    date_hierarchy = "failed_at"
