"""Service analytics (服务分析): hotline call records, hall counter tickets, rectification items.

Everything else the dashboards show is read from the orders app (orders, SLA clocks); these are the
facts that come from outside (the CTI switch, the hall queueing machines) and the rectification
measures that follow from the analysis (rule A-3).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Hall(models.Model):
    """A business hall (营业厅) with its counters (rule H-5)."""

    code = models.CharField(_("营业厅编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    org = models.ForeignKey("orgs.Org", verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="halls")

    class Meta:
        verbose_name = _("营业厅")
        verbose_name_plural = _("营业厅")
        ordering = ["code"]

    def __str__(self):
        return self.name


class CallRecord(models.Model):
    """A hotline call-detail record (话单) from the CTI switch (rule C-4); imported, never edited.

    `wait_seconds` is from offered to answered (or to hang-up when abandoned); `org` is the agent's
    unit at import (the staff account with that agent number), else the province of the call centre.
    """

    call_id = models.CharField(_("话单编号"), max_length=40, unique=True)
    phone = models.CharField(_("主叫号码"), max_length=20, blank=True)
    agent_no = models.CharField(_("座席工号"), max_length=16, blank=True)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("座席"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+", db_index=False)
    org = models.ForeignKey("orgs.Org", verbose_name=_("单位"), null=True, blank=True,
                            on_delete=models.PROTECT, related_name="+", db_index=False)
    offered_at = models.DateTimeField(_("进线时间"))
    answered_at = models.DateTimeField(_("应答时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"))
    wait_seconds = models.PositiveIntegerField(_("等待秒数"))
    # the local (Asia/Shanghai) hour offered, 0..23: the per-hour report groups by a column, not by a
    # time-zone conversion of every row (a Python function per row on SQLite)
    offered_hour = models.PositiveSmallIntegerField(_("进线时段"))

    class Meta:
        verbose_name = _("话务记录")
        verbose_name_plural = _("话务记录")
        indexes = [
            # every hotline figure reads only these columns of a scope's month: the index covers them
            models.Index(fields=["org", "offered_at", "answered_at", "wait_seconds", "offered_hour", "agent_no"],
                         name="call_org_offered"),
            models.Index(fields=["offered_at"], name="call_offered"),
            models.Index(fields=["agent_no", "offered_at"], name="call_agent_offered"),
        ]

    def __str__(self):
        return self.call_id


class CounterBusiness(models.TextChoices):
    """Counter business classes of rule H-5: resident payment (5 minutes) and everything else (20)."""

    PAYMENT = "payment", _("居民缴费")
    OTHER = "other", _("其他用电业务")


class CounterTicket(models.Model):
    """One counter transaction (柜台业务) of a hall's queueing machine (rule H-5).

    `business_code` keeps what the file said; `business` is its H-5 class.
    """

    ticket_id = models.CharField(_("票号"), max_length=40, unique=True)
    hall = models.ForeignKey(Hall, verbose_name=_("营业厅"), on_delete=models.PROTECT, related_name="tickets",
                             db_index=False)
    business = models.CharField(_("业务类别"), max_length=10, choices=CounterBusiness.choices)
    business_code = models.CharField(_("业务编码"), max_length=32)
    called_at = models.DateTimeField(_("叫号时间"))
    finished_at = models.DateTimeField(_("办结时间"))
    handling_seconds = models.PositiveIntegerField(_("办理秒数"))

    class Meta:
        verbose_name = _("柜台业务记录")
        verbose_name_plural = _("柜台业务记录")
        indexes = [models.Index(fields=["hall", "called_at"], name="ticket_hall_called")]

    def __str__(self):
        return self.ticket_id


class RectificationState(models.TextChoices):
    OPEN = "open", _("整改中")
    DONE = "done", _("已完成待验证")
    VERIFIED = "verified", _("已验证")


class Rectification(models.Model):
    """A rectification item (整改措施), rule A-3: what is done about a hot spot or a set of complaints.

    The area is the org, optionally narrowed to a transformer area (台区) or a street, and a category
    subtree; the effect compares complaints there before the item and after it, over the same length.
    The deadline is counted by the rules' deadline arithmetic (working days, national calendar).
    """

    number = models.CharField(_("编号"), max_length=24, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    org = models.ForeignKey("orgs.Org", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey("orders.Category", verbose_name=_("投诉分类"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    transformer = models.ForeignKey("grid.Device", verbose_name=_("台区"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    street = models.CharField(_("街道"), max_length=60, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("责任人"), on_delete=models.PROTECT,
                              related_name="rectifications")
    measures = models.TextField(_("整改措施"))
    source = models.CharField(_("来源"), max_length=200, blank=True, help_text=_("热点或投诉分析的说明。"))
    complaints = models.ManyToManyField("orders.WorkOrder", verbose_name=_("关联投诉"), blank=True,
                                        related_name="+")
    state = models.CharField(_("状态"), max_length=10, choices=RectificationState.choices,
                             default=RectificationState.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))
    working_days = models.PositiveSmallIntegerField(_("整改期限（工作日）"))
    due_at = models.DateTimeField(_("整改期限"))
    due_basis = models.TextField(_("期限依据"), blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_note = models.TextField(_("完成情况"), blank=True)
    verified_at = models.DateTimeField(_("验证时间"), null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("验证人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    verification = models.TextField(_("验证意见"), blank=True)
    complaints_before = models.PositiveIntegerField(_("整改前投诉数"), null=True, blank=True)
    complaints_after = models.PositiveIntegerField(_("整改后投诉数"), null=True, blank=True)

    class Meta:
        verbose_name = _("整改措施")
        verbose_name_plural = _("整改措施")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def met(self):
        """Done by the deadline (None while open)."""
        return None if self.done_at is None else self.done_at <= self.due_at
