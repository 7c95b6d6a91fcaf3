"""The knowledge base (知识库).

Canned replies (标准话术): the service code's standard phrases, editable in the admin, inserted into
the console's free-text forms with their placeholders filled from the order and the agent (kb.services).

Articles (知识库文章): policies and regulations (政策法规) and answers to common questions (常见问题),
versioned, searched in Chinese (kb.search), read at /policies/ and beside the console's caller page
(rule C-2)."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# The placeholders a phrase may use, and what fills each (kb.services.reply_values).
PLACEHOLDERS = {
    "单位": _("座席所在单位的名称（规则 C-4）"),
    "工号": _("座席工号（规则 C-4）"),
    "工单编号": _("当前工单的编号"),
    "停电原因": _("工单所属停电事件的原因（规则 C-9）"),
    "预计恢复": _("该停电事件的预计恢复送电时间（规则 C-9）"),
}
PLACEHOLDER = re.compile(r"\{([^{}\s]{1,20})\}")


class ReplyKind(models.TextChoices):
    GREETING = "greeting", _("开头问候（C-4）")
    APOLOGY_WAIT = "apology_wait", _("久等致歉（C-4）")
    OUTAGE = "outage", _("停电解释与致歉（C-9）")
    STORM = "storm", _("恶劣天气解释（R-3）")
    CALLBACK = "callback", _("暂不能答复、约定回复（C-6）")
    PAID_SERVICE = "paid_service", _("客户内部故障与有偿服务（C-8）")
    WRONG_NUMBER = "wrong_number", _("打错电话（C-10）")
    ANGRY_CALLER = "angry_caller", _("安抚客户情绪（C-11）")
    READBACK = "readback", _("复述确认（C-5）")
    CLOSING = "closing", _("结束语（C-5）")
    OTHER = "other", _("其他")


def placeholders_unknown(text):
    """The `{名称}` placeholders of `text` that no value fills, in order of appearance."""
    seen = []
    for name in PLACEHOLDER.findall(text or ""):
        if name not in PLACEHOLDERS and name not in seen:
            seen.append(name)
    return seen


class CannedReply(models.Model):
    """A standard phrase (标准话术). `{工号}`-style placeholders are filled when it is inserted."""

    title = models.CharField(_("标题"), max_length=60)
    kind = models.CharField(_("类别"), max_length=20, choices=ReplyKind.choices, default=ReplyKind.OTHER)
    text = models.TextField(_("话术内容"), max_length=1000, help_text=_(
        "可用占位符：{单位}、{工号}、{工单编号}、{停电原因}、{预计恢复}；插入时按工单和座席自动填写。"))
    rule = models.CharField(_("依据规则"), max_length=20, blank=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=100)
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("标准话术")
        verbose_name_plural = _("标准话术")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.title

    def clean(self):
        unknown = placeholders_unknown(self.text)
        if unknown:
            raise ValidationError({"text": _("未知的占位符：%(unknown)s。可用的占位符：%(known)s。") % {
                "unknown": "、".join("{" + name + "}" for name in unknown),
                "known": "、".join("{" + name + "}" for name in PLACEHOLDERS)}})


class ArticleCategory(models.TextChoices):
    """The public library's shelves (rule C-2: 政策法规查询)."""

    POLICY = "policy", _("政策法规")
    FAQ = "faq", _("常见问题")
    CONNECTION = "connection", _("办电指南")
    BILLING = "billing", _("电费电价")
    OUTAGE = "outage", _("停电与抢修")
    SERVICE = "service_channels", _("服务渠道与投诉")


class Article(models.Model):
    """A knowledge-base article (知识库文章): a policy or regulation (政策法规) or an answer to a common
    question (常见问题), read by the public at /policies/ and by agents beside the caller page.

    Every save by an editor makes a new `ArticleVersion` (kb.services.article_save); `search_title`
    and `search_body` hold the jieba segmentation the full-text index is built on (kb.search)."""

    code = models.SlugField(_("编码"), max_length=60, unique=True)
    title = models.CharField(_("标题"), max_length=80)
    category = models.CharField(_("分类"), max_length=20, choices=ArticleCategory.choices,
                                default=ArticleCategory.FAQ)
    tags = models.CharField(_("标签"), max_length=200, blank=True, help_text=_("以逗号或顿号分隔，参与检索。"))
    body = models.TextField(_("正文"), max_length=20000)
    rule = models.CharField(_("依据规则"), max_length=40, blank=True)
    published = models.BooleanField(_("已发布"), default=False, help_text=_("只有已发布的文章对公众可见。"))
    version = models.PositiveIntegerField(_("版本"), default=0, editable=False)
    search_title = models.TextField(_("标题分词"), blank=True, editable=False)
    search_body = models.TextField(_("正文分词"), blank=True, editable=False)
    updated_at = models.DateTimeField(_("修改时间"), null=True, editable=False)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+", editable=False)

    class Meta:
        verbose_name = _("知识库文章")
        verbose_name_plural = _("知识库文章")
        ordering = ["category", "title", "pk"]

    def __str__(self):
        return self.title

    def tag_list(self):
        return [tag for tag in TAG_SPLIT.split(self.tags or "") if tag]


TAG_SPLIT = re.compile(r"[,，、;；\s]+")


class ArticleVersion(models.Model):
    """One saved version of an article (文章版本): what it said, who saved it, when. Never changed."""

    article = models.ForeignKey(Article, verbose_name=_("文章"), on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本"))
    title = models.CharField(_("标题"), max_length=80)
    category = models.CharField(_("分类"), max_length=20, choices=ArticleCategory.choices)
    tags = models.CharField(_("标签"), max_length=200, blank=True)
    body = models.TextField(_("正文"))
    published = models.BooleanField(_("已发布"))
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("编辑人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    edited_at = models.DateTimeField(_("编辑时间"))

    class Meta:
        verbose_name = _("文章版本")
        verbose_name_plural = _("文章版本")
        ordering = ["article", "-number"]
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="kb_article_version_unique")]

    def __str__(self):
        return f"{self.article.code} v{self.number}"
