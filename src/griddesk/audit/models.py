"""Append-only, hash-chained event history (审计日志), rule K-8."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditEvent(models.Model):
    """One state change. Events of one stream (e.g. one work order) form a keyed hash chain:

    hash = HMAC-SHA256(audit key `key_id`, every other stored field, prev_hash included), so
    editing any stored event breaks its own hash, deleting one breaks the next event's link,
    and deleting the newest breaks the stream head; without the key nobody can forge a
    chain (rule K-8; docs/audit.md). The row id alone is not hashed: (stream, seq) is the
    event's place in the history.
    """

    stream = models.CharField(_("对象"), max_length=64)
    seq = models.PositiveIntegerField(_("序号"))
    action = models.CharField(_("动作"), max_length=48)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+", db_constraint=False,
    )
    actor_label = models.CharField(_("操作人"), max_length=80, blank=True)
    at = models.DateTimeField(_("时间"))
    payload = models.JSONField(_("内容"), default=dict)
    prev_hash = models.CharField(max_length=64)
    # Which key of the audit key ring signed it: rotated keys stay in the ring to verify.
    key_id = models.CharField(_("密钥"), max_length=16)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        # The auditor screen (console/auditor.py): the auditor role has it by role; a supervisor
        # needs this permission granted (docs/audit.md).
        permissions = [("view_audit_trail", _("可查阅审计历史（审计页面）"))]
        constraints = [models.UniqueConstraint(fields=["stream", "seq"], name="audit_stream_seq")]

    def __str__(self):
        return f"{self.stream}#{self.seq} {self.action}"


class AuditHead(models.Model):
    """The newest event of each stream, so that removing the newest event is detected too."""

    stream = models.CharField(max_length=64, primary_key=True)
    seq = models.PositiveIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")

    def __str__(self):
        return f"{self.stream}#{self.seq}"


class VerifyStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("校验中")
    OK = "ok", _("完整")
    BROKEN = "broken", _("发现问题")
    FAILED = "failed", _("未能完成")


class VerifyRun(models.Model):
    """One "verify the whole audit" started from the auditor screen (rule K-8): the same checks as
    `griddesk audit verify`, run as a background task, with its progress and its result kept."""

    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=VerifyStatus.choices, default=VerifyStatus.QUEUED)
    total = models.PositiveBigIntegerField(_("事件总数（开始时）"), default=0)
    checked = models.PositiveBigIntegerField(_("已校验事件"), default=0)
    streams = models.PositiveIntegerField(_("链数"), default=0)
    problem_count = models.PositiveIntegerField(_("问题数"), default=0)
    problems = models.JSONField(_("问题"), default=list, blank=True)  # the first PROBLEMS_KEPT, as text
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("审计校验")
        verbose_name_plural = _("审计校验")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_status_display()}"

    @property
    def done(self):
        return self.status in (VerifyStatus.OK, VerifyStatus.BROKEN, VerifyStatus.FAILED)

    @property
    def percent(self):
        if self.status in (VerifyStatus.OK, VerifyStatus.BROKEN):
            return 100
        if not self.total:
            return 0
        return min(99, self.checked * 100 // self.total)
