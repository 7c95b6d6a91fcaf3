"""Admin for the canned replies (标准话术): every save validated and audited (kb.services.reply_save)."""

from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from griddesk.kb.models import CannedReply
from griddesk.kb.services import reply_fill, reply_save


def example_values():
    return {"单位": _("某某供电公司"), "工号": "1001", "工单编号": "GD37202612030000001",
            "停电原因": _("10千伏线路故障"), "预计恢复": _("12月3日18:00")}


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "rule", "position", "active", "updated_at"]
    list_filter = ["kind", "active"]
    search_fields = ["title", "text"]
    readonly_fields = ["preview", "updated_at"]
    fields = ["title", "kind", "rule", "text", "preview", "position", "active", "updated_at"]

    @admin.display(description=gettext_lazy("示例（以示例数据填写占位符）"))
    def preview(self, obj):
        return reply_fill(obj.text, example_values()) if obj.pk else "—"

    def save_model(self, request, obj, form, change):
        reply_save(reply=obj, actor=request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # switch a phrase off ("启用") instead: its history stays
