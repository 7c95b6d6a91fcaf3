from django.contrib import admin

from griddesk.orders.models import Category, WorkOrder


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "scheme", "parent", "order_types", "rule", "sort", "active"]
    list_filter = ["scheme", "active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


@admin.register(WorkOrder)
class WorkOrderAdmin(admin.ModelAdmin):
    """Read-only here: orders change only through their services (audited, rule K-8)."""

    list_display = ["number", "order_type", "channel", "state", "org", "accepted_at"]
    list_filter = ["order_type", "channel", "state"]
    search_fields = ["=number"]
    list_select_related = ["org"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
