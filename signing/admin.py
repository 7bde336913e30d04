"""The certificate registry and pending two-phase signatures in Django's admin,
for system administrators to look at. Read-only: certificates are registered and
deactivated through signing.services (with their checks and audit entries)."""

from django.contrib import admin

from .models import Certificate, PendingSignature


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = [
        "common_name",
        "person",
        "organisation",
        "key_backend",
        "not_after",
        "revocation_status",
        "is_active",
        "is_demo",
    ]
    list_filter = ["key_backend", "is_active", "is_demo", "revocation_status"]
    search_fields = ["common_name", "subject", "serial", "=fingerprint"]
    exclude = ["der", "chain_der"]


@admin.register(PendingSignature)
class PendingSignatureAdmin(ReadOnlyAdmin):
    list_display = ["field_name", "certificate", "level", "status", "created_at"]
    list_filter = ["status", "level"]
    exclude = ["state", "token"]
