"""The website's message board (留言板), rule W-4: visitors leave a message, staff reply within the
rule set's `W-4/reply` clock, and a message with its reply is shown publicly once approved, with
personal data masked (messageboard.masking)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

REPLY_DEADLINE_KEY = "W-4/reply"


class PostState(models.TextChoices):
    PENDING = "pending", _("待回复")
    PUBLISHED = "published", _("已回复并公开")
    HIDDEN = "hidden", _("已回复，不公开")
    REJECTED = "rejected", _("已驳回")


class Post(models.Model):
    """A visitor's message (网站留言). The phone is for staff to call back and is never shown publicly;
    the name is optional and shown masked."""

    name = models.CharField(_("称呼"), max_length=20, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20)
    text = models.TextField(_("留言内容"), max_length=1000)
    posted_at = models.DateTimeField(_("留言时间"), db_index=True)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=PostState.choices, default=PostState.PENDING)
    due_at = models.DateTimeField(_("回复时限"))
    deadline_key = models.CharField(_("时限依据"), max_length=40, default=REPLY_DEADLINE_KEY)
    ruleset_version = models.ForeignKey("rules.RuleSetVersion", verbose_name=_("规则集版本"), null=True,
                                        blank=True, on_delete=models.PROTECT, related_name="+")
    reply = models.TextField(_("回复内容"), max_length=2000, blank=True)
    note = models.CharField(_("内部备注"), max_length=200, blank=True)
    replied_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("网站留言")
        verbose_name_plural = _("网站留言")
        ordering = ["-posted_at", "-pk"]
        indexes = [models.Index(fields=["state", "due_at"], name="mb_post_state_due"),
                   models.Index(fields=["state", "replied_at"], name="mb_post_state_replied")]

    def __str__(self):
        return f"#{self.pk} {self.text[:20]}"

    @property
    def is_public(self):
        return self.state == PostState.PUBLISHED and bool(self.reply)
