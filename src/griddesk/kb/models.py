"""Canned replies (标准话术): the service code's standard phrases, editable in the admin, inserted into
the console's free-text forms with their placeholders filled from the order and the agent (kb.services)."""

import re

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
