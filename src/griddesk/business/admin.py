"""Admin of the business catalogue (办电业务目录): what the public site tells each applicant (H-6)."""

from django.contrib import admin

from griddesk.business.models import BusinessItem
from griddesk.business.services import business_item_save


@admin.register(BusinessItem)
class BusinessItemAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "application_kind", "needs_account", "rules", "sort", "active"]
    list_filter = ["active", "application_kind"]
    search_fields = ["name", "code", "documents"]
    fields = ["code", "name", "summary", "application_kind", "needs_account", "needs_capacity", "documents",
              "steps", "fees", "deadlines", "rules", "instructions", "sort", "active"]

    def save_model(self, request, obj, form, change):
        business_item_save(item=obj, actor=request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # switch a business off ("启用") instead: applications cite it
