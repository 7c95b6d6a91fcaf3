"""Request and response schemas of API v1 (pydantic via django-ninja).

Request schemas forbid unknown fields, so an integrator's typo is a clear 422
naming the field instead of a value silently ignored.
"""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from django.utils import timezone
from ninja import Field, Schema
from pydantic import AwareDatetime, BeforeValidator, ConfigDict, StrictBool, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError

from griddesk.api.models import CallOutcomeKind
from griddesk.orders.models import (
    ApplicationKind,
    Channel,
    ComplaintCause,
    FaultSide,
    OrderType,
    PayMethod,
    ReminderKind,
    Satisfaction,
)
from griddesk.orders.received import received_at_problem


def _enum(name, choices):
    """A str enum for the OpenAPI schema from a Django TextChoices."""
    return StrEnum(name, {value: value for value in choices.values})


OrderTypeEnum = _enum("OrderTypeEnum", OrderType)
ChannelEnum = _enum("ChannelEnum", Channel)
FaultSideEnum = _enum("FaultSideEnum", FaultSide)
ApplicationKindEnum = _enum("ApplicationKindEnum", ApplicationKind)
CauseEnum = _enum("CauseEnum", ComplaintCause)
SatisfactionEnum = _enum("SatisfactionEnum", Satisfaction)
ReminderKindEnum = _enum("ReminderKindEnum", ReminderKind)
PayMethodEnum = _enum("PayMethodEnum", PayMethod)
CallOutcomeEnum = _enum("CallOutcomeEnum", CallOutcomeKind)


def _json_integer(value):
    # JSON Schema's integer: a number with no fraction (3 or 3.0), never a string or a boolean.
    if isinstance(value, bool | str | bytes):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


StrictInt = Annotated[int, BeforeValidator(_json_integer)]


# A DECIMAL(10, 2) as a JSON number or a string: the schema says what the server takes, so a value it
# allows is never refused as malformed (no third decimal, no NaN, at most 8 digits before the point).
Decimal10_2 = Annotated[Decimal, WithJsonSchema({"anyOf": [
    {"type": "number", "minimum": -99999999.99, "maximum": 99999999.99, "multipleOf": 0.01},
    {"type": "string", "pattern": r"^-?[0-9]{1,8}(\.[0-9]{1,2})?$"},
]})]


class In(Schema):
    """A request body. Booleans and integers are strict (`StrictBool`, `StrictInt`): `0`, `"true"` or
    `"3"` is refused (422) rather than taken for false, true or 3, as the schema says (3.0 is 3)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# ---------------------------------------------------------------- errors


class ErrorOut(Schema):
    code: str = Field(description="机器可读的错误码，如 invalid、not_found、conflict、stale_version")
    message: str = Field(description="给人看的说明（中文）")
    details: dict = Field(default_factory=dict, description="按字段列出的错误")


# ---------------------------------------------------------------- small shapes


class Ref(Schema):
    code: str
    name: str


class ActionRef(Schema):
    action: str
    label: str


class ClockOut(Schema):
    """An SLA clock (服务时限)."""

    key: str
    label: str
    rule: str
    started_at: datetime
    due_at: datetime
    remaining_seconds: int = Field(description="剩余秒数；负数为已超时；暂停或停止时冻结")
    paused: bool
    stopped_at: datetime | None
    met: bool | None = Field(description="停止时是否按时完成；运行中为 null")
    breached: bool


class OrderOut(Schema):
    """A work order (工单). Never carries a sealed identity (rules K-7, K-9): for anonymous
    orders and reports the caller and customer are left out and `identity_sealed` is true; for
    the units a complaint is about they are left out too (`person_access` "withheld"), and for
    roles whose work does not need them they are masked ("masked"; `POST …/person` shows them, audited)."""

    number: str
    order_type: str
    order_type_label: str
    channel: str
    state: str
    state_label: str
    received_at: datetime
    accepted_at: datetime
    closed_at: datetime | None
    category: Ref | None
    customer: str | None = Field(description="户号")
    caller_name: str | None
    caller_phone: str | None
    identity_sealed: bool
    person_access: str = Field(description="full、masked（部分隐藏）、withheld（对被投诉单位保密，K-9）、sealed（K-7）")
    accused: list[str] = Field(description="被投诉/举报单位编码（规则 K-9）")
    org: Ref
    handling_org: Ref | None
    crew: Ref | None
    agent_no: str
    title: str
    description: str
    parent: str | None = Field(description="主单编号（本单为重复来电的子单时）")
    call_count: int
    fault_side: str
    zone: str
    application_kind: str
    anonymous: bool
    cause: str
    satisfaction: str
    transfer_count: int
    bounce_count: int
    version: int = Field(description="乐观并发版本号：执行操作时作为 expected_version 传回")
    updated_at: datetime
    clocks: list[ClockOut]
    actions: list[ActionRef] = Field(description="当前用户现在可以执行的操作")


class OrderRowOut(Schema):
    number: str
    order_type: str
    state: str
    state_label: str
    accepted_at: datetime
    title: str
    org: Ref
    customer: str | None
    version: int
    next_clock: ClockOut | None


class OrderPageOut(Schema):
    rows: list[OrderRowOut]
    next_cursor: str | None = Field(description="下一页的 cursor；最后一页为 null")


# ---------------------------------------------------------------- customers and outages


class CustomerOut(Schema):
    """A customer. Name, account, phone and address are masked for roles whose work does not need
    them (`masked` true; `POST /customers/{account_no}/reveal` shows them, audited)."""

    account_no: str
    name: str
    phone: str
    address: str
    masked: bool
    supply_voltage: str
    zone: str
    important: bool
    sensitive: bool
    org: Ref | None


class DeviceOut(Schema):
    device_id: str
    kind: str
    name: str


class OutageOut(Schema):
    code: str
    kind: str
    kind_label: str
    state: str
    device: DeviceOut
    cause: str
    area: str
    starts_at: datetime
    expected_restoration_at: datetime | None


class StormOut(Schema):
    org: Ref
    reason: str
    starts_at: datetime
    ends_at: datetime


class ContactOut(Schema):
    number: str
    order_type: str
    order_type_label: str
    state: str
    state_label: str
    accepted_at: datetime
    title: str
    category: str | None


class CallerCardOut(Schema):
    """What the agent sees for a caller (rules C-9, A-4)."""

    customer: CustomerOut
    supply_path: list[DeviceOut]
    outages: list[OutageOut]
    apology_prompt: str | None = Field(description="规则 C-9：有停电时提示坐席说明原因并致歉")
    upcoming_outages: list[OutageOut] = Field(description="供电路径上已发布、7 天内开始的计划/临时停电")
    storms: list[StormOut]
    open_orders: list[ContactOut]
    recent_contacts: list[ContactOut]
    repeat_contact: bool = Field(description="规则 A-4：30 天内同一事项再次来电")
    important: bool
    sensitive: bool


# ---------------------------------------------------------------- order create


class IdentityIn(In):
    """The reporter's identity, sealed apart from the order (rule K-7)."""

    name: str = Field("", max_length=50)
    phone: str = Field("", max_length=20)
    contact: str = Field("", max_length=200)


class OrderCreateIn(In):
    order_type: OrderTypeEnum
    channel: ChannelEnum
    received_at: AwareDatetime | None = Field(
        None, description="客户递交时间（规则 K-2），带时区；缺省为现在。最早 90 天前，最晚现在（允许 1 分钟误差）")
    customer: str | None = Field(None, max_length=20, description="户号")
    org: str | None = Field(None, max_length=32, description="责任单位编码（无户号时）")
    category: str | None = Field(None, max_length=32, description="分类编码")
    title: str = Field("", max_length=200)
    description: str = Field("", max_length=4000)
    caller_name: str = Field("", max_length=50)
    caller_phone: str = Field("", max_length=20)
    fault_side: FaultSideEnum | None = None
    application_kind: ApplicationKindEnum | None = None
    dual_source: StrictBool = Field(False, description="业务受理：高压客户申请双电源（规则 T-1，业务类别为 hv_dual）")
    anonymous: StrictBool = False
    identity: IdentityIn | None = None
    accused: list[str] = Field(default_factory=list, max_length=5,
                               description="投诉、举报所针对的单位编码（规则 K-9：其人员看不到投诉人）")

    @field_validator("received_at")
    @classmethod
    def _received_at_in_range(cls, value):
        # The service checks the same (orders.received); here it is a 422 naming the field.
        problem = received_at_problem(value, timezone.now()) if value is not None else None
        if problem:
            raise ValueError(problem)
        return value


# ---------------------------------------------------------------- actions


class ActionIn(In):
    expected_version: StrictInt = Field(ge=1, description="读取工单时的 version（乐观并发）")


class DispatchIn(ActionIn):
    crew: str | None = Field(None, max_length=32, description="班组编码；缺省为负责该台区的班组")


class GuideIn(ActionIn):
    guidance: str = Field(max_length=2000)


class QuoteLineIn(In):
    item: str = Field(max_length=100)
    material: str = Field("", max_length=100)
    quantity: Decimal10_2 = Field(max_digits=10, decimal_places=2, description="数量，大于 0")
    unit_price: Decimal10_2 = Field(max_digits=10, decimal_places=2, description="单价（元），不能为负")


class QuoteIn(ActionIn):
    lines: list[QuoteLineIn] = Field(max_length=100)


class ConsentIn(ActionIn):
    consent_by: str = Field(max_length=50)
    method: str = Field(max_length=40)


class PayIn(ActionIn):
    method: PayMethodEnum = Field(description="收费方式：cash 现金、qr 扫码支付、bank 银行转账、bill 随电费收取")
    reference: str = Field("", max_length=60, description="收费凭证号")


class RequestVisitIn(ActionIn):
    reason: str = Field(max_length=200, description="要求回访的原因（规则 C-12）")


class InvoiceIn(ActionIn):
    invoice_no: str = Field(max_length=40)


class CrewStepIn(ActionIn):
    note: str = Field("", max_length=2000)
    at: AwareDatetime | None = Field(None, description="发生时间，缺省为现在")


class ForwardIn(ActionIn):
    department: str = Field(max_length=32, description="处理部门的单位编码")
    note: str = Field("", max_length=2000)


class BounceIn(ActionIn):
    reason: str = Field(max_length=2000)


class NoteIn(ActionIn):
    note: str = Field(max_length=2000)


class FindingsIn(ActionIn):
    findings: str = Field(max_length=4000)
    cause: CauseEnum
    responsibility: str = Field("", max_length=2000)


class ReplyIn(ActionIn):
    reply: str = Field(max_length=4000)


class VisitIn(ActionIn):
    satisfaction: SatisfactionEnum
    note: str = Field("", max_length=2000)


class AnswerIn(ActionIn):
    answer: str = Field(max_length=4000)


class OweCallbackIn(ActionIn):
    phone: str = Field(max_length=20)
    note: str = Field("", max_length=2000)


class StageIn(ActionIn):
    note: str = Field("", max_length=2000)
    delay_reason: str = Field("", max_length=200, description="超过时限时必填（规则 T-1）")


class WaitCustomerIn(ActionIn):
    reason: str = Field(max_length=200, description="等待客户的原因，如缺少的资料（必填，显示在暂停的时限上）")


class CustomerBackIn(ActionIn):
    note: str = Field("", max_length=2000, description="客户补齐了什么（可不填）")


class ArchiveIn(ActionIn):
    pass


class TransferIn(ActionIn):
    # The note becomes the reason of the shift leaders' reminder (200 characters with its prefix).
    note: str = Field("", max_length=180, description="转值长说明（写入给值长的催办原因）")


class ReminderIn(In):
    kind: ReminderKindEnum = ReminderKindEnum("remind")
    reason: str = Field(max_length=200)
    due_at: AwareDatetime | None = Field(None, description="办理期限（规则 K-6）；缺省：催办 24 小时、督办 48 小时")
    to_user: str | None = Field(None, max_length=150,
                                description="接收人用户名；缺省：催办发给当前承办者（班组、处理人、处理部门、首问责任人），"
                                            "督办发给其上级督办人")
    to_org: str | None = Field(None, max_length=32, description="接收单位编码")


class ReminderOut(Schema):
    id: int
    order: str
    kind: str
    reason: str
    to_user: str | None
    to_org: str | None
    to_crew: str | None = None
    due_at: datetime | None
    created_at: datetime


class IdentityOpenIn(In):
    purpose: str = Field(max_length=200, description="查看事由（记入审计，规则 K-7）")


class IdentityOut(Schema):
    order: str
    name: str
    phone: str
    contact: str
    account_no: str


class AccuseIn(In):
    org: str = Field(max_length=32, description="被投诉/举报单位编码")
    note: str = Field("", max_length=200)


class PersonOut(Schema):
    """The person behind an order, unmasked for this request (audited)."""

    order: str
    customer_name: str
    account_no: str
    phone: str
    address: str
    caller_name: str
    caller_phone: str


# ---------------------------------------------------------------- call outcomes


class CallOutcomeIn(In):
    outcome: CallOutcomeEnum
    caller_phone: str = Field("", max_length=20)
    note: str = Field("", max_length=500)


class CallOutcomeOut(Schema):
    id: int
    outcome: str
    outcome_label: str
    caller_phone: str
    note: str
    agent_no: str
    at: datetime
    org: str | None
    handled_at: datetime | None
    handling_note: str


class CallOutcomeHandleIn(In):
    note: str = Field("", max_length=500)


# ---------------------------------------------------------------- tokens


class TokenRotateIn(In):
    overlap_hours: StrictInt = Field(24, ge=0, le=168,
                                     description="旧令牌继续有效的小时数（0..168），以便各处换用新令牌")


class TokenRefOut(Schema):
    prefix: str = Field(description="令牌前 8 个字符")
    expires_at: datetime


class TokenRotatedOut(Schema):
    token: str = Field(description="新令牌明文：只返回这一次，请立即妥善保存")
    prefix: str
    name: str = Field(description="用途（沿用旧令牌）")
    expires_at: datetime
    previous: TokenRefOut = Field(description="旧令牌：在此时间后失效")
