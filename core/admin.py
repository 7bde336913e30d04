"""The core tables in Django's admin, for system administrators to look at: the
outbox, the consumers' inbox, the audit chain and stored blobs. Nothing can be added,
changed or deleted here; the services and the relay are the only writers, and the
audit chain is append-only."""

from django.contrib import admin

from .models import AuditEntry, AuditHead, Blob, OutboxEvent, ProcessedEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "topic", "created_at", "published_at", "attempts"]
    list_filter = ["topic", ("published_at", admin.EmptyFieldListFilter)]
    search_fields = ["topic", "=event_id"]
    date_hierarchy = "created_at"


@admin.register(ProcessedEvent)
class ProcessedEventAdmin(ReadOnlyAdmin):
    list_display = ["consumer", "event_id", "processed_at"]
    list_filter = ["consumer"]
    search_fields = ["=event_id", "consumer"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "seq",
        "created_at",
        "actor_repr",
        "on_behalf_of_repr",
        "action",
        "object_repr",
    ]
    list_filter = ["action"]
    search_fields = ["action", "actor_repr", "object_repr", "=object_id"]
    date_hierarchy = "created_at"
    list_select_related = False


@admin.register(AuditHead)
class AuditHeadAdmin(ReadOnlyAdmin):
    list_display = ["last_seq", "last_hash"]


@admin.register(Blob)
class BlobAdmin(ReadOnlyAdmin):
    list_display = ["sha256", "size", "created_at"]
    search_fields = ["=sha256"]
    date_hierarchy = "created_at"
