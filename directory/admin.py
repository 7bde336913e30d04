"""The directory in Django's admin, for system administrators (superusers).

Agency administrators use the administration pages (directory.views), which go
through the services; here a superuser can inspect everything and fix what those
pages cannot. Organisation paths and groups are made by organisation_create, so
organisations are created through it (seed_demo, the administration), not here."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Delegation, Organisation, Position, RoleAssignment, Unit, User


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0
    fields = ["name", "short_name", "is_active"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "short_name", "kind", "is_demo", "is_active"]
    list_filter = ["kind", "is_demo", "is_active"]
    search_fields = ["name", "code", "short_name"]
    readonly_fields = ["code", "parent", "path", "created_at"]
    inlines = [UnitInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "organisation", "is_active"]
    list_filter = ["is_active", "organisation"]
    search_fields = ["name", "short_name", "organisation__name"]
    list_select_related = ["organisation"]


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    list_display = ["name", "is_leader", "rank"]
    list_editable = ["rank"]
    search_fields = ["name"]


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    fields = ["organisation", "role", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = [
        "username",
        "full_name",
        "organisation",
        "unit",
        "position",
        "is_active",
        "is_superuser",
    ]
    list_filter = ["is_active", "is_superuser", "organisation"]
    search_fields = ["username", "full_name", "email"]
    ordering = ["organisation__path", "full_name", "username"]
    list_select_related = ["organisation", "unit", "position"]
    autocomplete_fields = ["organisation", "unit", "position"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (
            _("Person"),
            {"fields": ["full_name", "email", "phone"]},
        ),
        (_("Placement"), {"fields": ["organisation", "unit", "position"]}),
        (
            _("Permissions"),
            {
                "fields": [
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ]
            },
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "username",
                    "full_name",
                    "organisation",
                    "usable_password",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]
    inlines = [RoleAssignmentInline]


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = [
        "principal",
        "delegate",
        "starts_at",
        "ends_at",
        "revoked_at",
        "created_by",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = [
        "principal__username",
        "principal__full_name",
        "delegate__username",
        "delegate__full_name",
    ]
    list_select_related = ["principal", "delegate", "created_by"]
    raw_id_fields = ["principal", "delegate", "created_by"]
    date_hierarchy = "starts_at"
