from django.contrib import admin

from griddesk.outages.models import OutageEvent, StormDeclaration


@admin.register(OutageEvent)
class OutageEventAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "device", "cause", "starts_at", "expected_restoration_at", "state"]
    list_filter = ["kind", "state"]
    search_fields = ["code", "device__device_id", "device__name", "cause"]
    autocomplete_fields = ["device", "org"]
    list_select_related = ["device"]
    date_hierarchy = "starts_at"


@admin.register(StormDeclaration)
class StormDeclarationAdmin(admin.ModelAdmin):
    """Read here; declared and lifted through the dispatcher's page so clocks follow (rule R-3)."""

    list_display = ["org", "reason", "starts_at", "ends_at", "lifted_at", "declared_by"]
    list_select_related = ["org", "declared_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
