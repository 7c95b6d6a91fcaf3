from django.contrib import admin

from griddesk.grid.models import Device


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = ["device_id", "name", "kind", "zone", "parent", "org"]
    list_filter = ["kind", "zone"]
    search_fields = ["device_id", "name"]
    autocomplete_fields = ["parent", "org", "crew"]
    readonly_fields = ["path", "depth"]
    list_select_related = ["parent", "org"]
