"""Admin for the canned replies (标准话术) and the articles (知识库文章): every save validated and
audited (kb.services.reply_save, kb.services.article_save); an article's save is a new version, its
versions listed with who saved them."""

from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from griddesk.kb.models import Article, ArticleVersion, CannedReply
from griddesk.kb.services import article_save, reply_fill, reply_save


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


class ArticleVersionInline(admin.TabularInline):
    """The article's versions, newest first: read only (a version is never changed)."""

    model = ArticleVersion
    extra = 0
    can_delete = False
    fields = ["number", "title", "published", "edited_by", "edited_at"]
    readonly_fields = fields
    ordering = ["-number"]
    verbose_name_plural = gettext_lazy("历史版本")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "published", "version", "updated_by", "updated_at"]
    list_filter = ["category", "published"]
    search_fields = ["title", "tags", "body", "code"]
    readonly_fields = ["version", "updated_by", "updated_at"]
    fields = ["code", "title", "category", "tags", "rule", "body", "published", "version", "updated_by", "updated_at"]
    inlines = [ArticleVersionInline]
    list_select_related = ["updated_by"]

    def save_model(self, request, obj, form, change):
        article_save(article=obj, actor=request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # unpublish an article instead ("已发布"): its versions stay


@admin.register(ArticleVersion)
class ArticleVersionAdmin(admin.ModelAdmin):
    """Every version of every article: what it said, who saved it, when."""

    list_display = ["article", "number", "title", "published", "edited_by", "edited_at"]
    list_filter = ["published", "category"]
    search_fields = ["article__code", "title", "body"]
    list_select_related = ["article", "edited_by"]
    readonly_fields = ["article", "number", "title", "category", "tags", "body", "published", "edited_by", "edited_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # shown read only to whoever may view it

    def has_delete_permission(self, request, obj=None):
        return False
