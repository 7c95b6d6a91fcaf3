"""Outage events (停电事件) and storm declarations (恶劣天气模式)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OutageKind(models.TextChoices):
    PLANNED = "planned", _("计划停电")
    TEMPORARY = "temporary", _("临时停电")
    FAULT = "fault", _("故障停电")


class OutageState(models.TextChoices):
    PREDICTED = "predicted", _("研判中")
    ANNOUNCED = "announced", _("已发布")
    ACTIVE = "active", _("停电中")
    RESTORED = "restored", _("已恢复")
    CANCELLED = "cancelled", _("已取消")


ACTIVE_OUTAGE_STATES = (OutageState.ANNOUNCED, OutageState.ACTIVE)


class OutageEvent(models.Model):
    """An outage: every customer supplied through `device` is out (docs/formats.md, outages).

    Agents see every active outage on a caller's supply path with its cause and
    expected restoration, and apologise (rules C-9, Q-4).
    """

    code = models.CharField(_("停电编号"), max_length=40, unique=True)
    kind = models.CharField(_("类型"), max_length=12, choices=OutageKind.choices)
    device = models.ForeignKey(
        "grid.Device", verbose_name=_("停电设备"), on_delete=models.PROTECT, related_name="outages"
    )
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("责任单位"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="outages",
    )
    cause = models.CharField(_("停电原因"), max_length=200)
    area = models.CharField(_("停电范围"), max_length=300, blank=True)
    starts_at = models.DateTimeField(_("停电开始"))
    expected_restoration_at = models.DateTimeField(_("预计恢复"), null=True, blank=True)
    restored_at = models.DateTimeField(_("实际恢复"), null=True, blank=True)
    announced_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=OutageState.choices,
                             default=OutageState.ANNOUNCED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("停电事件")
        verbose_name_plural = _("停电事件")
        indexes = [models.Index(fields=["device", "state"], name="outage_device_state")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.device.name}"


class StormDeclaration(models.Model):
    """Severe-weather mode (恶劣天气模式) for an area and time span, rule R-3.

    Repair arrival clocks of orders in the area accepted or running inside the
    span pause (or are extended) and agents are prompted to explain the delay.
    """

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("范围（单位）"), on_delete=models.PROTECT, related_name="storms"
    )
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))
    reason = models.CharField(_("原因"), max_length=200)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("宣布人"), on_delete=models.PROTECT, related_name="+"
    )
    declared_at = models.DateTimeField(_("宣布时间"), auto_now_add=True)
    lifted_at = models.DateTimeField(_("提前解除"), null=True, blank=True)

    class Meta:
        verbose_name = _("恶劣天气模式")
        verbose_name_plural = _("恶劣天气模式")

    def __str__(self):
        return f"{self.org} {self.reason}"
