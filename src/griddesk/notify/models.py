"""Outbox of messages to staff and customers (消息), delivered by channel adapters."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from griddesk.notify.phrases import shown


class NotifyChannel(models.TextChoices):
    CONSOLE = "console", _("工作台消息")
    SMS = "sms", _("短信")
    EMAIL = "email", _("电子邮件")
    WECHAT = "wechat", _("微信")


class Message(models.Model):
    """One message. `dedupe_key` makes a sender's retries harmless: the same key is stored once."""

    channel = models.CharField(_("渠道"), max_length=10, choices=NotifyChannel.choices,
                               default=NotifyChannel.CONSOLE)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="messages",
    )
    recipient_org = models.ForeignKey(
        "orgs.Org", verbose_name=_("接收单位"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="messages",
    )
    address = models.CharField(_("地址/号码"), max_length=100, blank=True)
    subject = models.CharField(_("主题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    # the subject and body as phrases (notify.phrases), so that staff read them in their language
    recipe = models.JSONField(null=True, blank=True, editable=False)
    order = models.ForeignKey("orders.WorkOrder", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="messages")
    dedupe_key = models.CharField(max_length=120, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    # delivery through a channel adapter (notify.delivery): attempts, the last error, a claim
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次重试"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    failed_at = models.DateTimeField(_("发送失败"), null=True, blank=True,
                                     help_text=_("不再重试：重试次数用完，或发送结果不明（绝不重复发送）。"))
    provider_ref = models.CharField(_("网关回执"), max_length=100, blank=True)
    claim = models.CharField(max_length=32, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)

    @property
    def shown_subject(self):
        """The subject in the reader's language (the text as sent if it has no phrase)."""
        return shown((self.recipe or {}).get("subject"), self.subject)

    @property
    def shown_text(self):
        """The body in the reader's language (the text as sent if it has no phrase)."""
        return shown((self.recipe or {}).get("body"), self.body)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="message_inbox"),
            # a unit's messages (a department's inbox: the desk's, read by whoever of it reads first)
            models.Index(fields=["recipient_org", "read_at"], name="message_org_inbox",
                         condition=models.Q(recipient_org__isnull=False)),
            # the outbox: messages an adapter must still deliver
            models.Index(fields=["created_at"], name="message_outbox_due",
                         condition=models.Q(sent_at__isnull=True, failed_at__isnull=True)),
            models.Index(fields=["-created_at"], name="message_outbox_recent",
                         condition=~models.Q(channel="console")),
        ]

    def __str__(self):
        return self.subject
