from django.contrib import admin

from griddesk.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Append-only history: readable, never editable (rule K-8)."""

    list_display = ["stream", "seq", "action", "actor_label", "at"]
    list_filter = ["action"]
    search_fields = ["=stream"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
