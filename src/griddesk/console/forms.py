"""Forms of the agent console (坐席工作台). They parse and check input; services decide."""

import hashlib
import json

from django import forms
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from griddesk.console.pickers import OrgPickerField, intake_categories
from griddesk.orders.models import (
    ApplicationKind,
    Category,
    Channel,
    ComplaintCause,
    FaultSide,
    OrderType,
    PayMethod,
    Satisfaction,
)
from griddesk.orders.services import ACCUSABLE_TYPES, ANONYMITY_REFUSED
from griddesk.orgs.models import Org

# Rule C-1: every order type in a keystroke on the caller page (shown next to each button).
HOTKEYS = [
    ("1", OrderType.REPAIR), ("2", OrderType.COMPLAINT), ("3", OrderType.REPORT),
    ("4", OrderType.CONSULTATION), ("5", OrderType.QUERY), ("6", OrderType.APPLICATION),
    ("7", OrderType.OPINION), ("8", OrderType.SUGGESTION), ("9", OrderType.PRAISE),
]
# Rule K-2: these channels are entered after the fact, so the customer's hand-in time is editable.
BACKDATED_CHANNELS = {Channel.LETTER, Channel.SUGGESTION_BOX, Channel.RECEPTION_DAY, Channel.HALL,
                      Channel.OTHER}
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
READBACK_SALT = "griddesk.console.readback"


class LookupForm(forms.Form):
    q = forms.CharField(label=_("来电号码 / 户号 / 地址"), max_length=100, required=False)


class IntakeForm(forms.Form):
    """A new work order of any type (rule C-1), read back before saving (rule C-5)."""

    order_type = forms.ChoiceField(label=_("工单类型"), choices=OrderType.choices)
    category = forms.ModelChoiceField(label=_("分类"), queryset=Category.objects.none(), required=False)
    channel = forms.ChoiceField(label=_("受理渠道"), choices=Channel.choices, initial=Channel.HOTLINE)
    received_at = forms.DateTimeField(
        label=_("客户提交时间"), required=False, input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        help_text=_("规则 K-2：信函、意见箱、营业厅、接待日等渠道填写客户递交时间，时限从此起算。"),
    )
    title = forms.CharField(label=_("标题（来电事由）"), max_length=200)
    description = forms.CharField(label=_("详细内容"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    caller_name = forms.CharField(label=_("来电人"), max_length=50, required=False)
    caller_phone = forms.CharField(label=_("来电号码"), max_length=20, required=False)
    fault_side = forms.ChoiceField(
        label=_("故障产权（规则 C-8）"), required=False,
        choices=[("", _("无法判断"))] + [c for c in FaultSide.choices if c[0] != FaultSide.UNKNOWN],
    )
    application_kind = forms.ChoiceField(
        label=_("业务类别（规则 T-1）"), required=False,
        choices=[("", _("按客户供电电压确定")), *ApplicationKind.choices],
    )
    dual_source = forms.BooleanField(label=_("申请高压双电源"), required=False)
    anonymous = forms.BooleanField(label=_("投诉人/举报人要求匿名（规则 K-7）"), required=False)
    accused = OrgPickerField(
        label=_("被投诉/举报单位（规则 K-9）"), queryset=Org.objects.none(), required=False,
        help_text=_("该单位的人员将看不到投诉人、举报人的任何信息，也看不到针对本单位的举报。"),
    )
    reporter_name = forms.CharField(label=_("举报人姓名"), max_length=50, required=False)
    reporter_phone = forms.CharField(label=_("举报人电话"), max_length=20, required=False)
    reporter_contact = forms.CharField(label=_("其他联系方式"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = intake_categories()  # rule A-1: one complaint scheme
        self.fields["accused"].queryset = Org.objects.order_by("path")

    def clean(self):
        data = super().clean()
        order_type, category = data.get("order_type"), data.get("category")
        if order_type and category is not None and not category.applies_to(order_type):
            self.add_error("category", _("分类“%s”不适用于该工单类型。") % category.name)
        if data.get("channel") in BACKDATED_CHANNELS:
            received = data.get("received_at")
            if received and received > timezone.now():
                self.add_error("received_at", _("客户提交时间不能晚于当前时间。"))
        else:
            data["received_at"] = None  # hotline, web, app: the clock starts now
        if order_type == OrderType.REPORT:
            self._clean_report(data)
        elif order_type in ANONYMITY_REFUSED:
            data["anonymous"] = False
        if order_type not in ACCUSABLE_TYPES:
            data["accused"] = None
        data["accused"] = [data["accused"]] if data.get("accused") else []
        if order_type != OrderType.REPAIR:
            data["fault_side"] = ""
        if order_type != OrderType.APPLICATION:
            data["application_kind"], data["dual_source"] = "", False
        return data

    def _clean_report(self, data):
        # Rules K-7, K-9: a reporter's identity goes only into the sealed record.
        if not data.get("anonymous") and not (data.get("reporter_phone") or data.get("reporter_contact")):
            self.add_error("reporter_phone", _("实名举报请留下电话或其他联系方式；要求匿名请勾选“匿名”。"))
        data["caller_name"] = data["caller_phone"] = ""

    def identity(self):
        data = self.cleaned_data
        if data["order_type"] != OrderType.REPORT:
            return None
        identity = {"name": data.get("reporter_name", ""), "phone": data.get("reporter_phone", ""),
                    "contact": data.get("reporter_contact", "")}
        return identity if any(identity.values()) else None

    def readback_token(self):
        """A signed digest of exactly what was read back: saving needs it (rule C-5)."""
        return signing.dumps(self._digest(), salt=READBACK_SALT)

    def readback_matches(self, token):
        try:
            return signing.loads(token or "", salt=READBACK_SALT, max_age=3600) == self._digest()
        except signing.BadSignature:
            return False

    def _digest(self):
        data = {name: self.cleaned_data.get(name) for name in self.fields}
        data["category"] = data["category"].pk if data["category"] else None
        data["accused"] = [org.pk for org in data["accused"] or []]
        text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


class AccuseForm(forms.Form):
    """A unit the complaint or report is about (rule K-9)."""

    org = OrgPickerField(label=_("被投诉/举报单位"), queryset=Org.objects.none())
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, orgs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = orgs


class OutcomeForm(forms.Form):
    """A call ending without an order (rule C-10)."""

    outcome = forms.ChoiceField(label=_("来电结果"), choices=[
        ("wrong_number", _("打错电话")), ("harassment", _("恶意骚扰（报值长）")),
    ])
    caller_phone = forms.CharField(label=_("来电号码"), max_length=20, required=False)
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


# ---------------------------------------------------------------- order actions


class VersionedForm(forms.Form):
    """Every action form carries the version it was read at (optimistic concurrency)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class NoteForm(VersionedForm):
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RequiredNoteForm(VersionedForm):
    note = forms.CharField(label=_("说明"), widget=forms.Textarea(attrs={"rows": 2}))


class CrewStepForm(NoteForm):
    at = forms.DateTimeField(label=_("时间（不填为现在）"), required=False, input_formats=[DATETIME_LOCAL],
                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class GuideForm(VersionedForm):
    guidance = forms.CharField(label=_("指导内容"), widget=forms.Textarea(attrs={"rows": 2}))


class QuoteForm(VersionedForm):
    lines = forms.CharField(
        label=_("报价明细（每行：项目,材料,数量,单价）"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("规则 P-3：逐项列明项目、材料、数量和单价。"),
    )

    def clean_lines(self):
        lines = []
        for raw in self.cleaned_data["lines"].splitlines():
            if not raw.strip():
                continue
            parts = [p.strip() for p in raw.replace("，", ",").split(",")]
            parts += [""] * (4 - len(parts))
            lines.append({"item": parts[0], "material": parts[1], "quantity": parts[2],
                          "unit_price": parts[3]})
        return lines


class ConsentForm(VersionedForm):
    consent_by = forms.CharField(label=_("确认人"), max_length=50)
    method = forms.CharField(label=_("确认方式"), max_length=40, initial=_("电话录音确认"))


class PayForm(VersionedForm):
    """Rule P-3: the payment of a paid service, its own step before the invoice."""

    method = forms.ChoiceField(label=_("收费方式"), choices=PayMethod.choices)
    reference = forms.CharField(label=_("收费凭证号"), max_length=60, required=False)


class InvoiceForm(VersionedForm):
    invoice_no = forms.CharField(label=_("发票号"), max_length=40)


class ForwardForm(NoteForm):
    department = OrgPickerField(label=_("处理部门"), queryset=None)

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments


class ReasonForm(VersionedForm):
    reason = forms.CharField(label=_("原因"), max_length=200)


class FindingsForm(VersionedForm):
    findings = forms.CharField(label=_("调查结果（规则 K-4）"), widget=forms.Textarea(attrs={"rows": 3}))
    cause = forms.ChoiceField(label=_("责任原因（规则 A-2）"), choices=ComplaintCause.choices)
    responsibility = forms.CharField(label=_("责任认定"), max_length=200, required=False)
    evidence = forms.FileField(label=_("证据附件"), required=False)


class ReplyForm(VersionedForm):
    reply = forms.CharField(label=_("答复内容"), widget=forms.Textarea(attrs={"rows": 2}))


class VisitForm(NoteForm):
    satisfaction = forms.ChoiceField(label=_("满意度（规则 C-12）"), choices=Satisfaction.choices)


class AnswerForm(VersionedForm):
    answer = forms.CharField(label=_("答复内容"), widget=forms.Textarea(attrs={"rows": 2}))


class CallbackForm(NoteForm):
    phone = forms.CharField(label=_("回电号码（规则 C-6）"), max_length=20)


class StageForm(NoteForm):
    delay_reason = forms.CharField(label=_("延期原因（超期必填，规则 T-1）"), max_length=200, required=False)


class WaitCustomerForm(VersionedForm):
    """Waiting on the customer pauses the application's running clocks (issue 3, rules T-1..T-3)."""

    reason = forms.CharField(label=_("等待原因（如缺少的资料）"), max_length=200,
                             help_text=_("暂停期间不计入时限（规则 T-1..T-3）；客户补齐后点“客户已补齐资料”恢复计时。"))


class ReminderForm(forms.Form):
    """催办 to whoever holds the order, or 督办 to the supervisor above them, each with its own
    deadline (rule K-6): the one entered, else the default of its kind."""

    kind = forms.ChoiceField(label=_("类型"), choices=[("remind", _("催办")), ("supervise", _("督办"))])
    reason = forms.CharField(label=_("原因"), max_length=200)
    due_at = forms.DateTimeField(label=_("办理期限"), required=False, input_formats=[DATETIME_LOCAL],
                                 widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                 help_text=_("不填则按该类型的默认期限（规则 K-6）。"))

    def clean(self):
        data = super().clean()
        if data.get("due_at") and data["due_at"] <= timezone.now():
            self.add_error("due_at", _("办理期限必须晚于当前时间。"))
        return data


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("附件"))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class IdentityOpenForm(forms.Form):
    purpose = forms.CharField(label=_("查看事由（记入审计，规则 K-7）"), max_length=200)
