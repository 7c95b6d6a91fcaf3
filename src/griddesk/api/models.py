"""Models of the REST API: access tokens, idempotency records, and call outcomes without an order."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """An API access token (接口令牌) of a staff account.

    Only the SHA-256 digest of the token is stored: a stolen database gives no
    usable token, and the check per request is one indexed look-up (no slow
    password hash). `prefix` (the first 8 characters) lets an administrator
    recognise a token without seeing it. Every token expires; `replaced_by` is
    the token it was rotated to (`api.services.api_token_rotate`).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("工作人员"), on_delete=models.PROTECT,
        related_name="api_tokens",
    )
    name = models.CharField(_("用途"), max_length=100, help_text=_("例如：IVR、微信公众号、手机应用"))
    prefix = models.CharField(_("前缀"), max_length=8, db_index=True, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(_("过期时间"), help_text=_("每个令牌都会过期（GRIDDESK_API_TOKEN_DAYS）"))
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True, editable=False)
    replaced_by = models.ForeignKey(
        "self", verbose_name=_("轮换为"), null=True, blank=True, editable=False, on_delete=models.PROTECT,
        related_name="+", db_index=False,
    )

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.prefix}… {self.name}"


class IdempotencyRecord(models.Model):
    """The stored answer to a create sent with an `Idempotency-Key` (幂等键).

    Written in the same transaction as the order, unique per (user, key): a
    retry, even one racing the original, returns the stored answer and never
    creates a second order.
    """

    # no single-column indexes: the unique (user, key) serves the user, and orders are never deleted
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    key = models.CharField(max_length=100)
    request_digest = models.CharField(max_length=64)
    order = models.ForeignKey("orders.WorkOrder", on_delete=models.PROTECT, related_name="+", db_index=False)
    status = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("幂等记录")
        verbose_name_plural = _("幂等记录")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_once_per_user")]

    def __str__(self):
        return f"{self.user_id}:{self.key}"


class CallOutcomeKind(models.TextChoices):
    """Calls that end without an order (rule C-10)."""

    WRONG_NUMBER = "wrong_number", _("打错电话")
    HARASSMENT = "harassment", _("恶意骚扰")


class CallOutcome(models.Model):
    """A call that ended without an order (来电结果): a wrong number, or harassment reported to
    the shift leaders' queue (rule C-10). The console records the same through
    `griddesk.api.services.call_outcome_record`.
    """

    outcome = models.CharField(_("结果"), max_length=16, choices=CallOutcomeKind.choices)
    caller_phone = models.CharField(_("来电号码"), max_length=20, blank=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("座席"), on_delete=models.PROTECT, related_name="+"
    )
    agent_no = models.CharField(_("工号"), max_length=16, blank=True, help_text=_("规则 C-4"))
    at = models.DateTimeField(_("时间"))
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("单位"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("值长处理时间"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("处理值长"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    handling_note = models.CharField(_("处理意见"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("来电结果")
        verbose_name_plural = _("来电结果")
        indexes = [
            # the shift leaders' queue: harassment reports not yet handled (rule C-10)
            models.Index(fields=["at"], name="calloutcome_pending",
                         condition=models.Q(outcome="harassment", handled_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.get_outcome_display()} {self.caller_phone}"
