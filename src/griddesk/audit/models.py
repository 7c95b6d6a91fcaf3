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
