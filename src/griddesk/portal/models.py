"""One-time codes of the public site (短信验证码), rules C-2 and B-1: a code sent by SMS to the phone on
an order or an account opens that order's progress or that account's bills for the browser session."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CodePurpose(models.TextChoices):
    PROGRESS = "progress", _("业务进度查询")
    BILLS = "bills", _("电费查询")


class AccessCode(models.Model):
    """A 6-digit code asked for on the public site. Only its keyed hash is stored (`portal.codes`);
    it works once, for a short time (GRIDDESK_PORTAL_CODE_MINUTES) and a few wrong entries at most.
    A code is recorded for an unknown number too (sent to nobody): the site answers alike for both."""

    purpose = models.CharField(_("用途"), max_length=10, choices=CodePurpose.choices)
    subject = models.CharField(_("工单编号或户号"), max_length=40)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("发送时间"))
    expires_at = models.DateTimeField(_("失效时间"))
    attempts = models.PositiveSmallIntegerField(_("输错次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [models.Index(fields=["purpose", "subject", "-created_at"], name="access_code_latest"),
                   models.Index(fields=["expires_at"], name="access_code_expiry")]

    def __str__(self):
        return f"{self.purpose}:{self.subject}"
