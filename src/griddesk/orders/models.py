"""Work orders (工单): the core that every workflow extends."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from griddesk.sealing import SealedTextField


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
    IVR = "ivr", _("IVR自助语音")
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
        """The name in the user's language (the seeded names are in the catalogue: reference_names)."""
        name = gettext(self.name) if self.name else ""
        return name if not self.parent_id else f"{self.parent} / {name}"

    def applies_to(self, order_type):
        return not self.order_types or order_type in self.order_types.split(",")


class OrderState(models.TextChoices):
    """Every state of every workflow (orders/workflows.py says which type uses which)."""

    ACCEPTED = "accepted", _("已受理")
    # repair (C-8, R-2, P-3)
    QUOTED = "quoted", _("已报价")
    CONSENTED = "consented", _("客户已确认")
    DISPATCHED = "dispatched", _("已派工")
    CREW_ACCEPTED = "crew_accepted", _("班组已接单")
    ON_SITE = "on_site", _("已到达现场")
    SURVEYED = "surveyed", _("已勘查")
    REPAIRED = "repaired", _("已修复")
    # complaint and report (K-3..K-9)
    FORWARDED = "forwarded", _("已转派")
    CONTACTED = "contacted", _("已联系客户")
    INVESTIGATED = "investigated", _("已调查处理")
    REPLIED = "replied", _("已答复")
    # consultation and query (C-6), opinion, suggestion, praise
    CALLBACK_OWED = "callback_owed", _("待回电")
    ANSWERED = "answered", _("已答复")
    # business application (T-1..T-3)
    PLAN_REPLIED = "plan_replied", _("已答复供电方案")
    DESIGN_SUBMITTED = "design_submitted", _("客户已报送设计")
    DESIGN_REVIEWED = "design_reviewed", _("已审查设计")
    RECTIFYING = "rectifying", _("检验不合格待整改")
    INSPECTED = "inspected", _("已竣工检验")
    CONTRACT_SIGNED = "contract_signed", _("已签订合同")
    ENERGISED = "energised", _("已接电")
    # common ends
    RESOLVED = "resolved", _("已处理")
    VISITED = "visited", _("已回访")
    ARCHIVED = "archived", _("已归档")


OPEN_STATES = tuple(state for state in OrderState.values if state != OrderState.ARCHIVED)


class FaultSide(models.TextChoices):
    """Which side of the meter the fault is on (rule C-8)."""

    UTILITY = "utility", _("供电企业产权")
    CUSTOMER_INTERNAL = "customer_internal", _("客户内部")
    UNKNOWN = "unknown", _("无法判断")


class ApplicationKind(models.TextChoices):
    """Supply class of a business application, which picks its T-1..T-3 deadlines."""

    RESIDENT = "resident", _("居民客户")
    LV_NONRESIDENT = "lv_nonresident", _("低压非居民")
    HV_SINGLE = "hv_single", _("高压单电源")
    HV_DUAL = "hv_dual", _("高压双电源")


class Satisfaction(models.TextChoices):
    """Return-visit satisfaction (满意度), rule C-12."""

    VERY_SATISFIED = "very_satisfied", _("非常满意")
    SATISFIED = "satisfied", _("满意")
    NEUTRAL = "neutral", _("一般")
    DISSATISFIED = "dissatisfied", _("不满意")
    UNREACHABLE = "unreachable", _("无法联系")


class VisitReason(models.TextChoices):
    """Why a customer was not fully satisfied, as answered on the one-tap return-visit form (不满意原因),
    rule C-12. Kept in the visit's audit event (no column: `orders.visits`)."""

    ATTITUDE = "attitude", _("服务态度")
    REPAIR_QUALITY = "repair_quality", _("维修质量")
    ARRIVAL_TIME = "arrival_time", _("到达时间")
    REPAIR_SPEED = "repair_speed", _("修复速度")
    NOT_FIXED = "not_fixed", _("现场未修复")
    OTHER = "other", _("其他")


class ComplaintCause(models.TextChoices):
    """Responsibility cause of a closed complaint (责任原因, rule A-2)."""

    ATTITUDE = "attitude", _("工作人员服务态度")
    SKILL = "skill", _("工作人员业务知识和技能")
    CUSTOMER_UNAWARE = "customer_unaware", _("客户不了解法律法规和办事程序")
    SUPPLY = "supply", _("供电质量与停电")
    CUSTOMER_TEMPER = "customer_temper", _("客户自身性格原因")


class WorkOrder(models.Model):
    """A work order (工单). Nothing is ever deleted (rule K-8): the model refuses it."""

    number = models.CharField(_("工单编号"), max_length=24)  # unique: Meta (no LIKE index needed)
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
        on_delete=models.PROTECT, related_name="orders", db_index=False,
    )
    caller_name = models.CharField(_("来电人"), max_length=50, blank=True)
    caller_phone = models.CharField(_("来电号码"), max_length=20, blank=True)
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="orders", db_index=False,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("首问责任人"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="owned_orders", db_index=False,
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
    outage = models.ForeignKey(
        "outages.OutageEvent", verbose_name=_("所属停电"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="orders", db_index=False,
        help_text=_("规则 C-9：客户所在线路的停电；一次停电一个班组，来电挂在停电下不再派工。"),
    )
    handling_org = models.ForeignKey(
        "orgs.Org", verbose_name=_("处理部门"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="handled_orders", db_index=False,
        help_text=_("规则 K-3：投诉举报转派到的部门；首问责任人不变（H-4）。"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("当前处理人"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="assigned_orders", db_index=False,
    )
    crew = models.ForeignKey(
        "orgs.Crew", verbose_name=_("抢修班组"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="orders", db_index=False,
    )
    fault_side = models.CharField(_("故障产权"), max_length=20, choices=FaultSide.choices, blank=True)
    zone = models.CharField(_("区域"), max_length=8, blank=True, help_text=_("受理时客户所在区域（R-2）"))
    supply_voltage = models.CharField(_("供电电压"), max_length=8, blank=True)
    application_kind = models.CharField(
        _("业务类别"), max_length=16, choices=ApplicationKind.choices, blank=True
    )
    anonymous = models.BooleanField(_("匿名"), default=False, help_text=_("规则 K-7：举报人要求匿名。"))
    cause = models.CharField(_("责任原因"), max_length=20, choices=ComplaintCause.choices, blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=16, choices=Satisfaction.choices, blank=True)
    visit_wanted = models.BooleanField(
        _("需回访"), default=False, help_text=_("规则 C-12：抢修恢复后抽中回访，或经要求回访。"))
    transfer_count = models.PositiveSmallIntegerField(_("转派次数"), default=0)
    bounce_count = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    ruleset_version = models.ForeignKey(
        "rules.RuleSetVersion", verbose_name=_("适用规则版本"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+", db_index=False,
        help_text=_("受理时生效的规则集版本；工单的所有时限都按它计算。"),
    )
    version = models.PositiveIntegerField(_("版本"), default=1, help_text=_("乐观并发控制"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        # Single-column indexes of the keys are left out (db_index=False) where a composite index below
        # starts with the same column, and for the rule-set version (never looked up by): every order
        # insert maintains each index (issue 4, creates at peak).
        constraints = [models.UniqueConstraint(fields=["number"], name="order_number_unique")]
        indexes = [
            models.Index(fields=["org", "state", "accepted_at"], name="order_org_state_acc"),
            models.Index(fields=["customer", "accepted_at"], name="order_customer_acc"),
            models.Index(fields=["order_type", "state", "accepted_at"], name="order_type_state_acc"),
            models.Index(fields=["handling_org", "state", "accepted_at"], name="order_handler_state_acc"),
            models.Index(fields=["crew", "state"], name="order_crew_state"),
            # wide (province, city) queues: newest/oldest first over open or all orders. The open one carries
            # every column a queue filters on (after the sort key), so a filtered wide queue walks it without
            # reading the table (PostgreSQL index-only scan); key columns, not INCLUDE, so SQLite builds it too.
            models.Index(fields=["accepted_at", "id", "org", "order_type", "category", "state", "handling_org",
                                 "crew", "owner", "assignee"], name="order_open_queue",
                         condition=~models.Q(state="archived")),
            models.Index(fields=["accepted_at", "id"], name="order_acc"),
            # narrower open queues (a county, a city): the scope's open orders only, with the filtered
            # columns, so the page sorts a few hundred index entries
            models.Index(fields=["org", "accepted_at", "id", "order_type", "category", "state"],
                         name="order_open_org", condition=~models.Q(state="archived")),
            # a department's, a person's, a crew's queue in acceptance order (any state: the state rides along)
            models.Index(fields=["handling_org", "accepted_at", "id", "state"], name="order_handler_acc",
                         condition=models.Q(handling_org__isnull=False)),
            models.Index(fields=["owner", "accepted_at", "id", "state"], name="order_owner_acc"),
            models.Index(fields=["assignee", "accepted_at", "id", "state"], name="order_assignee_acc",
                         condition=models.Q(assignee__isnull=False)),
            models.Index(fields=["crew", "accepted_at", "id", "state"], name="order_crew_acc",
                         condition=models.Q(crew__isnull=False)),
            models.Index(fields=["outage", "accepted_at"], name="order_outage_acc",
                         condition=models.Q(outage__isnull=False)),
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


class SealedIdentity(models.Model):
    """The sealed identity of a complainant or whistleblower (举报人身份), rules K-7 and K-9.

    Kept apart from the order so no list, queue or export can show it by accident, and
    encrypted at rest (griddesk.sealing); read only through `orders.services.identity_open`,
    which checks the reader's role and writes an audit event for every opening. The account
    number is here, not on the order: a sealed order is not linked to the customer's file.
    """

    order = models.OneToOneField(WorkOrder, on_delete=models.PROTECT, related_name="sealed_identity")
    name = SealedTextField(_("姓名"), blank=True)
    phone = SealedTextField(_("电话"), blank=True)
    contact = SealedTextField(_("其他联系方式"), blank=True)
    account_no = SealedTextField(_("户号"), blank=True)

    class Meta:
        verbose_name = _("封存身份")
        verbose_name_plural = _("封存身份")

    def __str__(self):
        return f"{self.order} sealed identity"


class Accusation(models.Model):
    """A unit a complaint or report is about (被投诉/被举报单位), rule K-9.

    A property of the matter, recorded at intake or by whoever handles it, and kept for the
    order's life (never removed): its staff never see who complained, never read a report
    about themselves, and never receive one (`orders.disclosure`).
    """

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="accusations", db_index=False)
    org = models.ForeignKey("orgs.Org", verbose_name=_("被投诉/举报单位"), on_delete=models.PROTECT,
                            related_name="accusations")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("记录时间"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("被投诉/举报单位")
        verbose_name_plural = _("被投诉/举报单位")
        constraints = [models.UniqueConstraint(fields=["order", "org"], name="accusation_once_per_org")]

    def __str__(self):
        return f"{self.order_id} → {self.org_id}"


class Evidence(models.Model):
    """An attachment to an order: findings evidence (K-4), application documents (H-6), photos."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="evidence")
    stage = models.CharField(_("环节"), max_length=24, blank=True)
    file = models.FileField(_("文件"), upload_to="evidence/%Y/%m/")
    note = models.CharField(_("说明"), max_length=200, blank=True)
    sha256 = models.CharField(max_length=64)
    # The type the file was uploaded as (checked: type/subtype), served with every download.
    content_type = models.CharField(_("文件类型"), max_length=100, default="application/octet-stream")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self):
        return self.note or self.file.name


class ReminderKind(models.TextChoices):
    REMIND = "remind", _("催办")
    SUPERVISE = "supervise", _("督办")


class ReminderClose(models.TextChoices):
    """How a reminder was closed (rule K-6)."""

    DONE = "done", _("接收人办结")
    MOVED_ON = "moved_on", _("工单已进入下一环节")
    HANDED_OVER = "handed_over", _("已转交他人承办")
    ARCHIVED = "archived", _("工单已归档")


class Reminder(models.Model):
    """A reminder (催办) to whoever holds an order now, or a supervision item (督办) to the supervisor
    above that desk (rule K-6); routed by `orders.reminders`, each with its own deadline."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="reminders")
    kind = models.CharField(_("类型"), max_length=10, choices=ReminderKind.choices)
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="reminders",
    )
    to_org = models.ForeignKey(
        "orgs.Org", verbose_name=_("接收单位"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="reminders",
        help_text=_("无接收人时为承办单位本身；有接收人（如督办人）时为被催办、督办的承办单位。"),
    )
    to_crew = models.ForeignKey(
        "orgs.Crew", verbose_name=_("接收班组"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="reminders",
        help_text=_("规则 K-6：抢修工单在班组手中时，催办发给班组。"),
    )
    to_role = models.CharField(
        _("接收岗位"), max_length=32, blank=True,
        help_text=_("发给单位中某一岗位（如转值长给值长），为空表示单位全体。"),
    )
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    reason = models.CharField(_("原因"), max_length=200)
    due_at = models.DateTimeField(_("办理期限"), null=True, blank=True)
    clock_key = models.CharField(_("触发时限"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("发起时间"))
    done_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    close_reason = models.CharField(_("办结方式"), max_length=16, choices=ReminderClose.choices, blank=True)
    escalates = models.ForeignKey(
        "self", verbose_name=_("升级自"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="escalations", help_text=_("规则 K-6：逾期未办的催办督办逐级升级为上级督办。"),
    )
    escalated_at = models.DateTimeField(_("已升级"), null=True, blank=True)

    class Meta:
        verbose_name = _("催办督办")
        verbose_name_plural = _("催办督办")
        indexes = [
            models.Index(fields=["to_user", "done_at"], name="reminder_user_open"),
            # a unit's and a crew's open items (inbox, department dashboard)
            models.Index(fields=["to_org"], name="reminder_org_open", condition=models.Q(done_at__isnull=True)),
            models.Index(fields=["to_crew"], name="reminder_crew_open", condition=models.Q(done_at__isnull=True)),
            # the sweeper's overdue items not yet escalated, and the circulated report's overdue items
            models.Index(fields=["due_at"], name="reminder_escalation_due",
                         condition=models.Q(done_at__isnull=True, escalated_at__isnull=True)),
            models.Index(fields=["due_at"], name="reminder_open_due", condition=models.Q(done_at__isnull=True)),
        ]
        constraints = [
            # The sweeper's escalations are sent once per clock (issue 3, item 7).
            models.UniqueConstraint(
                fields=["order", "kind", "clock_key"], condition=~models.Q(clock_key=""),
                name="reminder_once_per_clock",
            ),
            # rule K-6: an overdue item is escalated once
            models.UniqueConstraint(fields=["escalates"], condition=models.Q(escalates__isnull=False),
                                    name="reminder_escalated_once"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.order}"


class ReminderCircular(models.Model):
    """A circulated report (通报) of overdue reminders and supervision items, once per period (rule K-6).

    The row is the period's claim: the sweep that creates it sends the period's messages, so a second
    worker or a retried sweep never circulates it twice."""

    period = models.DateField(_("通报日期"), unique=True)
    issued_at = models.DateTimeField(_("发出时间"))
    overdue = models.PositiveIntegerField(_("逾期件数"), default=0)
    recipients = models.PositiveIntegerField(_("接收人数"), default=0)

    class Meta:
        verbose_name = _("催办督办通报")
        verbose_name_plural = _("催办督办通报")
        ordering = ["-period"]

    def __str__(self):
        return f"{self.period} {self.overdue}"


class QuoteLine(models.Model):
    """One line of a paid-service quote (rule P-3): item, material, quantity, unit price."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="quote_lines")
    item = models.CharField(_("项目"), max_length=100)
    material = models.CharField(_("材料"), max_length=100, blank=True)
    quantity = models.DecimalField(_("数量"), max_digits=10, decimal_places=2)
    unit_price = models.DecimalField(_("单价（元）"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("报价明细")
        verbose_name_plural = _("报价明细")

    def __str__(self):
        return self.item

    @property
    def amount(self):
        return self.quantity * self.unit_price


class PayMethod(models.TextChoices):
    """How a paid service was paid (rule P-3)."""

    CASH = "cash", _("现金")
    QR = "qr", _("扫码支付")
    BANK = "bank", _("银行转账")
    BILL = "bill", _("随电费收取")


class PaidService(models.Model):
    """Consent and invoice of a paid repair (有偿服务), rules P-1..P-4 and C-8."""

    order = models.OneToOneField(WorkOrder, on_delete=models.PROTECT, related_name="paid_service")
    total = models.DecimalField(_("合计（元）"), max_digits=12, decimal_places=2)
    consent_at = models.DateTimeField(_("客户确认时间"), null=True, blank=True)
    consent_by = models.CharField(_("确认人"), max_length=50, blank=True)
    consent_method = models.CharField(_("确认方式"), max_length=40, blank=True)
    invoice_no = models.CharField(_("发票号"), max_length=40, blank=True)
    paid_at = models.DateTimeField(_("付款时间"), null=True, blank=True)
    pay_method = models.CharField(_("收费方式"), max_length=10, choices=PayMethod.choices, blank=True)
    pay_reference = models.CharField(_("收费凭证号"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("有偿服务")
        verbose_name_plural = _("有偿服务")

    def __str__(self):
        return f"{self.order} {self.total}"


class SlaClock(models.Model):
    """A deadline running on an order (时限), e.g. R-2/urban: crew on site within 45 minutes.

    Started and stopped only by order services. `due_at` already includes
    paused time; `warn_at` is the 80% point the sweeper warns at. The partial
    indexes let the sweeper find due clocks without scanning orders.
    """

    # no single-column indexes on order (clock_once_per_order starts with it), version or owner:
    # every accepted order inserts its clocks at peak, and nothing looks clocks up by those alone
    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="clocks", db_index=False)
    key = models.CharField(_("时限"), max_length=40)
    rule = models.CharField(_("规则"), max_length=10)
    label = models.CharField(_("说明"), max_length=60)
    ruleset_version = models.ForeignKey(
        "rules.RuleSetVersion", on_delete=models.PROTECT, related_name="+", null=True, db_index=False
    )
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    started_at = models.DateTimeField(_("起算时间"))
    due_at = models.DateTimeField(_("到期时间"))
    warn_at = models.DateTimeField(_("预警时间"))
    paused_since = models.DateTimeField(_("暂停自"), null=True, blank=True)
    pause_reason = models.CharField(_("暂停原因"), max_length=200, blank=True)
    stopped_at = models.DateTimeField(_("停止时间"), null=True, blank=True)
    met = models.BooleanField(_("按时完成"), null=True)
    warned_at = models.DateTimeField(_("预警发出"), null=True, blank=True)
    breached_at = models.DateTimeField(_("超时"), null=True, blank=True)
    delay_reason = models.CharField(
        _("延期原因"), max_length=200, blank=True, help_text=_("规则 T-1：超期须说明原因。")
    )
    basis = models.TextField(_("计算依据"), blank=True)
    sweep_claim = models.CharField(max_length=32, blank=True, editable=False)

    class Meta:
        verbose_name = _("服务时限")
        verbose_name_plural = _("服务时限")
        constraints = [models.UniqueConstraint(fields=["order", "key"], name="clock_once_per_order")]
        indexes = [
            models.Index(fields=["warn_at"], name="clock_warn_due",
                         condition=models.Q(stopped_at__isnull=True, warned_at__isnull=True,
                                            paused_since__isnull=True)),
            models.Index(fields=["due_at"], name="clock_breach_due",
                         condition=models.Q(stopped_at__isnull=True, breached_at__isnull=True,
                                            paused_since__isnull=True)),
            # running clocks as a set (overdue / due-within filters, "has a running clock"), breached or not;
            # paused_since rides along so those read only the index
            models.Index(fields=["due_at", "order", "paused_since"], name="clock_running_due",
                         condition=models.Q(stopped_at__isnull=True)),
            models.Index(fields=["org", "due_at"], name="clock_running_org_due",
                         condition=models.Q(stopped_at__isnull=True)),
            # queues sorted by deadline walk running clocks in due order on their due time while running (NULL
            # once stopped: orders.queries.RUNNING_DUE). On the expression, not partial: PostgreSQL then has
            # statistics of running clocks alone and walks the index instead of sorting every clock in range.
            models.Index(models.Case(models.When(stopped_at__isnull=True, then=models.F("due_at"))),
                         name="clock_due_if_running"),
            models.Index(models.F("org"), models.Case(models.When(stopped_at__isnull=True, then=models.F("due_at"))),
                         name="clock_org_due_if_running"),
        ]

    def __str__(self):
        return f"{self.order} {self.key}"


class ClockPause(models.Model):
    """An interval during which a clock does not run (storm mode R-3, waiting on the customer)."""

    clock = models.ForeignKey(SlaClock, on_delete=models.PROTECT, related_name="pauses")
    reason = models.CharField(_("原因"), max_length=200)
    storm = models.ForeignKey(
        "outages.StormDeclaration", null=True, blank=True, on_delete=models.PROTECT, related_name="pauses"
    )
    started_at = models.DateTimeField(_("开始"))
    ended_at = models.DateTimeField(_("结束"), null=True, blank=True)

    class Meta:
        verbose_name = _("时限暂停")
        verbose_name_plural = _("时限暂停")

    def __str__(self):
        return f"{self.clock} {self.reason}"
