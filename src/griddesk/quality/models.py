"""Voltage monitoring (电压监测): monitoring points and their daily statistics (rules V-1..V-6).

Reliability (rule Q-1) has no table of its own: it is computed from the outages app's
OutageEvent rows and the customers below each device (quality.selectors).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from griddesk.customers.models import SupplyVoltage
from griddesk.grid.models import Zone


class PointClass(models.TextChoices):
    """The class of a voltage monitoring point (监测点类别)."""

    A = "A", _("A 类：变电站 10 kV 母线")
    B = "B", _("B 类：35 kV 及以上专线客户")
    C = "C", _("C 类：10 kV 客户")
    D = "D", _("D 类：低压客户")


class VoltagePoint(models.Model):
    """A voltage monitoring point (电压监测点), identified by `point_id` as in the voltage file."""

    point_id = models.CharField(_("监测点编号"), max_length=40, unique=True)
    point_class = models.CharField(_("类别"), max_length=1, choices=PointClass.choices)
    zone = models.CharField(_("区域"), max_length=8, choices=Zone.choices)
    supply_voltage = models.CharField(_("供电电压"), max_length=8, choices=SupplyVoltage.choices)
    org = models.ForeignKey("orgs.Org", verbose_name=_("供电单位"), null=True, blank=True,
                            on_delete=models.PROTECT, related_name="voltage_points")
    exempt = models.BooleanField(
        _("不考核"), default=False,
        help_text=_("规则 V-5：功率因数未达到规定值的客户不受电压偏差限值约束，其监测点不计入合格率。"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("电压监测点")
        verbose_name_plural = _("电压监测点")
        indexes = [models.Index(fields=["point_class", "zone"], name="vpoint_class_zone")]

    def __str__(self):
        return self.point_id


class VoltageDay(models.Model):
    """A point's statistics for one local day (电压日统计): minutes monitored, above the upper limit,
    below the lower limit. One row per (point, date): importing it again replaces it."""

    point = models.ForeignKey(VoltagePoint, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("日期"))
    monitored_minutes = models.PositiveIntegerField(_("监测时间（分钟）"))
    over_upper_minutes = models.PositiveIntegerField(_("超上限时间（分钟）"))
    under_lower_minutes = models.PositiveIntegerField(_("超下限时间（分钟）"))

    class Meta:
        verbose_name = _("电压日统计")
        verbose_name_plural = _("电压日统计")
        constraints = [models.UniqueConstraint(fields=["point", "date"], name="vday_point_date")]
        indexes = [models.Index(fields=["date", "point"], name="vday_date_point")]

    def __str__(self):
        return f"{self.point_id} {self.date}"
