"""Documents in Django's admin, for system administrators (superusers), to inspect.

Every change to a document, its files, numbers and drafts goes through the services
(documents.services), which check, number, audit and publish together; here the
rows are read-only. Only the document types' names, order and use can be edited."""

from django.contrib import admin

from .models import (
    Document,
    DocumentFile,
    DocumentType,
    DraftComment,
    DraftVersion,
    FileVersion,
    Register,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DocumentType)
class DocumentTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "abbreviation", "code", "rank", "is_active"]
    list_editable = ["rank", "is_active"]
    search_fields = ["name", "abbreviation", "code"]
    readonly_fields = ["code", "abbreviation"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Register)
class RegisterAdmin(ReadOnlyAdmin):
    list_display = ["name", "year", "kind", "organisation", "last_number"]
    list_filter = ["kind", "year"]
    search_fields = ["name", "organisation__name"]
    list_select_related = ["organisation"]


class DocumentFileInline(ReadOnlyInline):
    model = DocumentFile
    fields = ["role", "title", "position", "created_at"]


class DraftVersionInline(ReadOnlyInline):
    model = DraftVersion
    fields = ["number", "created_by", "created_at", "file_version"]


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "direction",
        "state",
        "document_type",
        "organisation",
        "register_number",
        "urgency",
        "secrecy",
        "created_at",
    ]
    list_filter = ["direction", "state", "urgency", "secrecy", "document_type"]
    search_fields = ["subject", "code_notation", "organ_name", "organisation__name"]
    list_select_related = ["document_type", "organisation"]
    date_hierarchy = "created_at"
    inlines = [DocumentFileInline, DraftVersionInline]


class FileVersionInline(ReadOnlyInline):
    model = FileVersion
    fields = ["number", "kind", "filename", "size", "page_count", "blob", "created_at"]


@admin.register(DocumentFile)
class DocumentFileAdmin(ReadOnlyAdmin):
    list_display = ["title", "role", "document"]
    search_fields = ["title", "document__subject"]
    inlines = [FileVersionInline]


@admin.register(FileVersion)
class FileVersionAdmin(ReadOnlyAdmin):
    list_display = ["filename", "number", "kind", "size", "page_count", "created_at"]
    list_filter = ["kind"]
    search_fields = ["filename", "blob__sha256"]


@admin.register(DraftComment)
class DraftCommentAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "version", "author", "created_at"]
    list_select_related = ["version", "author"]
