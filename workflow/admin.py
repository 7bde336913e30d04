"""Work items in Django's admin, for system administrators."""

from django.contrib import admin

from .models import WorkItem


@admin.register(WorkItem)
class WorkItemAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "queue",
        "state",
        "urgency",
        "due_at",
        "assignee",
        "organisation",
    ]
    list_filter = ["queue", "state", "urgency", "organisation"]
    search_fields = ["title", "assignee__username", "assignee__full_name"]
    date_hierarchy = "created_at"
    list_select_related = ["assignee", "organisation"]
    raw_id_fields = ["assignee"]
    readonly_fields = ["content_type", "object_id", "created_at", "completed_at"]
