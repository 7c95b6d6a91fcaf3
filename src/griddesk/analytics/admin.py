from django.contrib import admin

from griddesk.analytics.models import Hall


@admin.register(Hall)
class HallAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "org")
    search_fields = ("code", "name")
    autocomplete_fields = ("org",)
