from django.contrib import admin

from griddesk.orders import disclosure
from griddesk.orders.models import Category, Reminder, SlaClock, WorkOrder


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "scheme", "parent", "order_types", "rule", "sort", "active"]
    list_filter = ["scheme", "active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]




class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services (audited); the admin shows them."""

    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SlaClock)
class SlaClockAdmin(ReadOnlyAdmin):
    list_display = ["order", "key", "label", "started_at", "due_at", "stopped_at", "met", "breached_at"]
    list_filter = ["rule", "met"]
    search_fields = ["=order__number"]
    list_select_related = ["order"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["order", "kind", "to_user", "to_org", "reason", "due_at", "created_at", "done_at"]
    list_filter = ["kind"]
    search_fields = ["=order__number"]
    list_select_related = ["order", "to_user", "to_org"]


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyAdmin):
    """Read-only here: orders change only through their services (audited, rule K-8)."""

    list_display = ["number", "order_type", "channel", "state", "org", "accepted_at"]
    list_filter = ["order_type", "channel", "state"]
    search_fields = ["=number"]
    list_select_related = ["org"]
    PERSON_FIELDS = ("customer", "caller_name", "caller_phone")

    def get_fields(self, request, obj=None):
        """Rules K-7, K-9: administrators see no sealed person either (orders.disclosure)."""
        fields = [f for f in super().get_fields(request, obj) if f != "anonymous"]
        if obj is not None and disclosure.person_access(obj, request.user) != disclosure.Access.FULL:
            fields = [f for f in fields if f not in self.PERSON_FIELDS]
        return fields
