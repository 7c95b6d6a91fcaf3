from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from griddesk.orgs.models import Crew, Org, Role, Staff


@admin.register(Org)
class OrgAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "depth"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["path", "depth"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "can_open_sealed_identity"]


@admin.register(Staff)
class StaffAdmin(UserAdmin):
    list_display = ["username", "last_name", "first_name", "agent_no", "org", "is_active"]
    list_filter = ["roles", "is_active", "is_staff"]
    search_fields = ["username", "first_name", "last_name", "agent_no"]
    autocomplete_fields = ["org"]
    list_select_related = ["org"]
    fieldsets = [
        *UserAdmin.fieldsets,
        (_("岗位"), {"fields": ["org", "agent_no", "phone", "roles"]}),
    ]
    filter_horizontal = ["roles", "groups", "user_permissions"]


@admin.register(Crew)
class CrewAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "org", "phone", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["org", "members"]
    list_select_related = ["org"]
