"""Work orders (工单): the core that every workflow extends."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderType(models.TextChoices):
    """Work-order types of the hotline (rule C-1)."""

    REPAIR = "repair", _("故障报修")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    CONSULTATION = "consultation", _("咨询")
    QUERY = "query", _("查询")
    APPLICATION = "application", _("业务受理")
    OPINION = "opinion", _("意见")
    SUGGESTION = "suggestion", _("建议")
    PRAISE = "praise", _("表扬")


class Channel(models.TextChoices):
    """Where the matter came in (rule K-2); `received_at` is when the customer handed it in."""

    HOTLINE = "hotline", _("95598热线")
    WEBSITE = "website", _("95598网站")
    APP = "app", _("手机应用")
    HALL = "hall", _("营业厅")
    LETTER = "letter", _("信函")
    SUGGESTION_BOX = "suggestion_box", _("意见箱（簿）")
    RECEPTION_DAY = "reception_day", _("领导接待日")
    OTHER = "other", _("其他")


class CategoryScheme(models.TextChoices):
    FAULT = "fault", _("故障分类")
    COMPLAINT = "complaint", _("投诉分类（A-1）")
    COMPLAINT_2014 = "complaint_2014", _("投诉分类（2014版五类）")
    BUSINESS = "business", _("业务分类")
    GENERAL = "general", _("通用分类")


class Category(models.Model):
    """A node of a configurable category tree (工单分类)."""

    scheme = models.CharField(_("分类体系"), max_length=20, choices=CategoryScheme.choices)
    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级分类"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    order_types = models.CharField(
        _("适用工单类型"), max_length=200, blank=True,
        help_text=_("逗号分隔的工单类型编码，如 repair 或 complaint,report；为空表示全部。"),
    )
    rule = models.CharField(_("依据规则"), max_length=20, blank=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("工单分类")
        verbose_name_plural = _("工单分类")
        ordering = ["scheme", "sort", "code"]

    def __str__(self):
        return self.name if not self.parent_id else f"{self.parent} / {self.name}"

    def applies_to(self, order_type):
        return not self.order_types or order_type in self.order_types.split(",")


class OrderState(models.TextChoices):
    """Common states; each workflow (issue 4) uses the subset its state machine allows."""

    ACCEPTED = "accepted", _("已受理")
    DISPATCHED = "dispatched", _("已派工")
    IN_PROGRESS = "in_progress", _("处理中")
    RESOLVED = "resolved", _("已处理")
    REPLIED = "replied", _("已答复")
    VISITED = "visited", _("已回访")
    ARCHIVED = "archived", _("已归档")


OPEN_STATES = (
    OrderState.ACCEPTED, OrderState.DISPATCHED, OrderState.IN_PROGRESS,
    OrderState.RESOLVED, OrderState.REPLIED, OrderState.VISITED,
)


class WorkOrder(models.Model):
    """A work order (工单). Nothing is ever deleted (rule K-8): the model refuses it."""

    number = models.CharField(_("工单编号"), max_length=24, unique=True)
    order_type = models.CharField(_("工单类型"), max_length=16, choices=OrderType.choices)
    channel = models.CharField(_("受理渠道"), max_length=16, choices=Channel.choices)
    received_at = models.DateTimeField(
        _("客户提交时间"), help_text=_("规则 K-2：信函、意见箱、接待日等渠道以客户递交时间起算。")
    )
    accepted_at = models.DateTimeField(_("受理时间"))
    category = models.ForeignKey(
        Category, verbose_name=_("分类"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="orders",
    )
    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="orders",
    )
    caller_name = models.CharField(_("来电人"), max_length=50, blank=True)
    caller_phone = models.CharField(_("来电号码"), max_length=20, blank=True)
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="orders"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("首问责任人"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="owned_orders",
        help_text=_("规则 H-4：首问负责，首位受理人始终是工单的责任人，直至答复客户。"),
    )
    agent_no = models.CharField(
        _("受理工号"), max_length=16, blank=True, help_text=_("规则 C-4：受理座席的工号。")
    )
    state = models.CharField(
        _("状态"), max_length=20, choices=OrderState.choices, default=OrderState.ACCEPTED
    )
    title = models.CharField(_("标题"), max_length=200, blank=True)
    description = models.TextField(_("内容"), blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("主单"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    call_count = models.PositiveIntegerField(_("来电次数"), default=1)
    version = models.PositiveIntegerField(_("版本"), default=1, help_text=_("乐观并发控制"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        indexes = [
            models.Index(fields=["org", "state", "accepted_at"], name="order_org_state_acc"),
            models.Index(fields=["customer", "accepted_at"], name="order_customer_acc"),
            models.Index(fields=["order_type", "state", "accepted_at"], name="order_type_state_acc"),
        ]

    def __str__(self):
        return self.number

    def delete(self, *args, **kwargs):
        raise PermissionError("work orders are never deleted (rule K-8)")


class OrderNumberCounter(models.Model):
    """Per-day sequence behind order numbers: gapless, because it rolls back with the order."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("工单编号计数器")
        verbose_name_plural = _("工单编号计数器")

    def __str__(self):
        return f"{self.day}: {self.last}"
