"""The message board in the admin: read only (messages are answered in the console, audited)."""

from django.contrib import admin

from griddesk.messageboard.models import Post


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["pk", "posted_at", "state", "due_at", "replied_at", "replied_by"]
    list_filter = ["state"]
    list_select_related = ["replied_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
