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
    CONFIRMED = "confirmed", _("已确认")
    ANNOUNCED = "announced", _("已发布")
    ACTIVE = "active", _("停电中")
    RESTORED = "restored", _("已恢复")
    CANCELLED = "cancelled", _("已取消")


ACTIVE_OUTAGE_STATES = (OutageState.ANNOUNCED, OutageState.ACTIVE)
# Outages a new call attaches to (rule C-9 and the analysis): announced, active, and those the
# engine or a dispatcher believes in (predicted, confirmed).
OPEN_OUTAGE_STATES = (OutageState.PREDICTED, OutageState.CONFIRMED, OutageState.ANNOUNCED, OutageState.ACTIVE)


class OutageSource(models.TextChoices):
    """Who said the device is out."""

    ANALYSIS = "analysis", _("来电研判")
    DISPATCHER = "dispatcher", _("调度")
    PLAN = "plan", _("停电计划")
    IMPORT = "import", _("导入")


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
    source = models.CharField(_("来源"), max_length=12, choices=OutageSource.choices, default=OutageSource.DISPATCHER)
    # what the trouble-call analysis knows (outages.analysis): kept current by the analyser
    calls = models.PositiveIntegerField(_("来电数"), default=0)
    customers_affected = models.PositiveIntegerField(_("影响户数"), default=0)
    first_call_at = models.DateTimeField(_("首次来电"), null=True, blank=True)
    crew = models.ForeignKey("orgs.Crew", verbose_name=_("抢修班组"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="outages")
    human = models.BooleanField(_("人工研判"), default=False,
                                help_text=_("调度已确认、移动、拆分或合并：研判引擎不再改变它。"))
    merged_into = models.ForeignKey("self", verbose_name=_("并入"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="merged")
    # rule Q-3: the notice deadline, and the reason when published later
    notice_due_at = models.DateTimeField(_("最迟发布时间"), null=True, blank=True)
    late_reason = models.CharField(_("延迟发布原因"), max_length=200, blank=True)
    # rule Q-2: customers for whom this planned outage is one too many this year, as warned at creation
    limit_warning = models.JSONField(_("停电次数预警"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("停电事件")
        verbose_name_plural = _("停电事件")
        indexes = [
            models.Index(fields=["device", "state"], name="outage_device_state"),
            models.Index(fields=["org", "state", "starts_at"], name="outage_org_state"),
        ]

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


class CallSignal(models.TextChoices):
    """What a call's words say (outages.trouble_text)."""

    INTERNAL = "internal", _("客户内部故障")
    NETWORK = "network", _("周边也停电")
    UNKNOWN = "unknown", _("未说明")


class CallDecision(models.TextChoices):
    """What the analysis made of a call (outages.analysis.Decision)."""

    INTERNAL = "internal", _("客户内部故障")
    ATTACHED = "attached", _("已知停电")
    PREDICTED = "predicted", _("研判停电")
    SINGLE = "single", _("单户故障")
    HELD = "held", _("待研判")


class TroubleCall(models.Model):
    """A repair call as the outage analysis saw it (故障来电), in the order it was analysed.

    Written by the analyser (outages.analyzer) for every repair order from a customer, and by
    `griddesk import calls` / `outages replay --commit`; read back to rebuild the engine's state.
    """

    call_id = models.CharField(_("来电编号"), max_length=40, unique=True)
    order = models.OneToOneField("orders.WorkOrder", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="trouble_call")
    at = models.DateTimeField(_("来电时间"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+", db_index=False)
    transformer = models.ForeignKey("grid.Device", on_delete=models.PROTECT, related_name="+", db_index=False)
    feeder = models.ForeignKey("grid.Device", on_delete=models.PROTECT, related_name="+", db_index=False)
    description = models.CharField(_("描述"), max_length=400, blank=True)
    signal = models.CharField(_("描述研判"), max_length=10, choices=CallSignal.choices)
    decision = models.CharField(_("研判结果"), max_length=10, choices=CallDecision.choices)
    outage = models.ForeignKey(OutageEvent, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="trouble_calls")

    class Meta:
        verbose_name = _("故障来电")
        verbose_name_plural = _("故障来电")
        indexes = [models.Index(fields=["at", "id"], name="troublecall_at"),
                   models.Index(fields=["outage", "at"], name="troublecall_outage")]

    def __str__(self):
        return self.call_id


class AnalyzerMark(models.Model):
    """How far the analyser has read the repair orders (one row): it resumes there after a restart."""

    name = models.CharField(max_length=20, primary_key=True)
    last_order_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("研判进度")
        verbose_name_plural = _("研判进度")

    def __str__(self):
        return f"{self.name}: {self.last_order_id}"
