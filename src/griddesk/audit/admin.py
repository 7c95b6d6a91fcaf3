from django.contrib import admin

from griddesk.audit.models import AuditEvent, VerifyRun
from griddesk.orders.disclosure import event_payload_for


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Append-only history: readable, never editable (rule K-8)."""

    list_display = ["stream", "seq", "action", "actor_label", "at"]
    list_filter = ["action"]
    search_fields = ["=stream"]
    show_full_result_count = False

    def get_object(self, request, object_id, from_field=None):
        # Rules K-7, K-9: the payload shown is the one the viewer may see; nothing is ever saved here.
        event = super().get_object(request, object_id, from_field)
        if event is not None:
            event.payload = event_payload_for(event, request.user)
        return event

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(VerifyRun)
class VerifyRunAdmin(admin.ModelAdmin):
    """The whole-audit verifications started from the auditor screen, as they ended: read only."""

    list_display = ["created_at", "started_by", "status", "checked", "streams", "problem_count", "finished_at"]
    list_filter = ["status"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
