"""Network topology (电网拓扑): substation > feeder > switch / fuse > transformer (台区)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from griddesk.paths import PathTreeMixin


class DeviceKind(models.TextChoices):
    SUBSTATION = "substation", _("变电站")
    FEEDER = "feeder", _("馈线")
    SWITCH = "switch", _("开关")
    FUSE = "fuse", _("熔断器")
    TRANSFORMER = "transformer", _("配变（台区）")


class Zone(models.TextChoices):
    """Service zone, which sets the repair arrival deadline (rule R-2)."""

    URBAN = "urban", _("城区")
    RURAL = "rural", _("农村")
    REMOTE = "remote", _("边远地区")


# Which kinds may hang below which (docs/formats.md, topology).
ALLOWED_PARENT_KINDS = {
    DeviceKind.SUBSTATION: set(),
    DeviceKind.FEEDER: {DeviceKind.SUBSTATION},
    DeviceKind.SWITCH: {DeviceKind.FEEDER, DeviceKind.SWITCH},
    DeviceKind.FUSE: {DeviceKind.FEEDER, DeviceKind.SWITCH},
    DeviceKind.TRANSFORMER: {DeviceKind.FEEDER, DeviceKind.SWITCH, DeviceKind.FUSE},
}


class Device(PathTreeMixin, models.Model):
    """A network device (设备). `path` is a materialised path (griddesk.paths):

    - the supply path of a customer is the transformer's path read as ids, one query;
    - the customers below a device are those whose transformer's path lies in
      the device's path range, one indexed range scan joined to customers.
    """

    device_id = models.CharField(_("设备编号"), max_length=40, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=DeviceKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级设备"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    name = models.CharField(_("名称"), max_length=100)
    zone = models.CharField(_("区域"), max_length=8, choices=Zone.choices)
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("运维单位"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="devices",
    )
    crew = models.ForeignKey(
        "orgs.Crew", verbose_name=_("抢修班组"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="devices",
        help_text=_("负责该设备及其下游抢修的班组；为空时沿供电路径向上查找。"),
    )
    path = models.CharField(max_length=200, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)

    class Meta:
        verbose_name = _("设备")
        verbose_name_plural = _("设备")

    def __str__(self):
        return f"{self.name}（{self.device_id}）"
