from django.contrib import admin

from griddesk.quality.models import VoltageDay, VoltagePoint


@admin.register(VoltagePoint)
class VoltagePointAdmin(admin.ModelAdmin):
    list_display = ["point_id", "point_class", "zone", "supply_voltage", "org", "exempt"]
    list_filter = ["point_class", "zone", "exempt"]
    search_fields = ["=point_id"]
    autocomplete_fields = ["org"]


@admin.register(VoltageDay)
class VoltageDayAdmin(admin.ModelAdmin):
    list_display = ["point", "date", "monitored_minutes", "over_upper_minutes", "under_lower_minutes"]
    list_filter = ["point__point_class"]
    search_fields = ["=point__point_id"]
    raw_id_fields = ["point"]
    show_full_result_count = False
