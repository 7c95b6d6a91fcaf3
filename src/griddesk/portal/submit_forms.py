"""The public site's forms (网站表单): submissions and business applications, rules W-3 and H-7:
each error is said next to its field (aria-describedby, aria-invalid) and the field keeps its value.
Every form carries the challenge (portal.limits) and the CSRF token (the templates)."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from griddesk.abuse.services import challenge_new, challenge_problem
from griddesk.portal import selectors

PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
ACCOUNT = re.compile(r"^\d{6,20}$")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; the checks of their content are portal.uploads'."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


def _county_choices():
    return [("", _("请选择"))] + [(c.code, f"{c.city} · {c.name}") for c in selectors.counties()]


class PortalForm(forms.Form):
    """Common to the public forms: county, attachments, the challenge; errors marked on their fields."""

    challenge_token = forms.CharField(widget=forms.HiddenInput, required=False)
    challenge_answer = forms.CharField(label=_("验证问题"), max_length=4, required=False,
                                       widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        challenge = ["challenge_token", "challenge_answer"]
        self.order_fields([name for name in self.fields if name not in challenge] + challenge)  # asked last
        if "county" in self.fields:
            self.fields["county"].choices = _county_choices()
        if not self.is_bound:
            self.new_challenge()

    def new_challenge(self):
        """A fresh question: on every page shown (a correct answer is used up by its POST), the
        answer field empty again."""
        challenge = challenge_new()
        token = challenge.token
        self._bound_fields_cache.pop("challenge_answer", None)  # a bound field keeps its label
        self.fields["challenge_answer"].label = challenge.question
        self.fields["challenge_answer"].help_text = _("请用阿拉伯数字回答，用于防止自动提交。")
        if self.is_bound:
            self.data = self.data.copy()
            self.data["challenge_token"], self.data["challenge_answer"] = token, ""
        else:
            self.initial["challenge_token"] = token

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "").strip().replace(" ", "")
        if phone and not PHONE.match(phone):
            raise forms.ValidationError(_("请填写11位手机号码或带区号的固定电话，如 13800000000 或 0531-88888888。"))
        return phone

    def clean_account_no(self):
        account_no = self.cleaned_data.get("account_no", "").strip()
        if account_no and not ACCOUNT.match(account_no):
            raise forms.ValidationError(_("户号为6至20位数字，见电费通知单或缴费凭证。"))
        return account_no

    def check_challenge(self, data):
        problem = challenge_problem(data.get("challenge_token", ""), data.get("challenge_answer", ""))
        if problem:
            self.add_error("challenge_answer", problem)

    def mark_errors(self):
        """Point each field with an error at its message (aria-describedby) and mark it invalid."""
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{self[name].auto_id}-error"
        self.new_challenge()


class SubmitForm(PortalForm):
    """A submission: repair, complaint, report, consultation, opinion, suggestion, praise (rule C-2)."""

    county = forms.ChoiceField(label=_("所在区县"), required=False)
    account_no = forms.CharField(label=_("户号"), max_length=20, required=False,
                                 help_text=_("见电费通知单；填写后与联系电话核对，一致时关联您的用电档案。"))
    name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    contact = forms.CharField(label=_("其他联系方式"), max_length=100, required=False)
    anonymous = forms.BooleanField(label=_("匿名提交（不留姓名和电话；您的身份将被严格保密，规则 K-7）"),
                                   required=False)
    title = forms.CharField(label=_("标题"), max_length=60)
    description = forms.CharField(label=_("详细内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 6}))
    attachments = MultipleFileField(label=_("附件（JPEG、PNG 或 PDF）"), required=False)

    def __init__(self, *args, kind, **kwargs):
        self.kind = kind
        super().__init__(*args, **kwargs)
        from griddesk.portal.services import ANONYMOUS_KINDS

        if kind not in ANONYMOUS_KINDS:
            del self.fields["anonymous"]
        if kind == "repair":
            for name in ("account_no", "phone"):
                self.fields[name].required = True
            self.fields["account_no"].help_text = _(
                "故障报修须填写户号和用电档案登记的联系电话，用于确定供电线路和抢修班组。")
            self.fields["county"].widget = forms.HiddenInput()
            del self.fields["contact"]
        if kind != "report":
            self.fields.pop("contact", None)

    def clean(self):
        data = super().clean()
        if not data.get("anonymous"):
            if not data.get("name") and "name" not in self.errors:
                self.add_error("name", _("请填写姓名；不愿留名的举报或投诉可选择匿名提交。"))
            if not data.get("phone") and "phone" not in self.errors:
                self.add_error("phone", _("请填写联系电话，以便我们答复您。"))
        if self.kind != "repair" and not data.get("account_no") and not data.get("county"):
            self.add_error("county", _("请选择您所在的区县（用于确定受理单位）。"))
        return data


class ApplicationForm(PortalForm):
    """A business application (rules W-3, H-6, H-7): what the catalogue item asks for."""

    name = forms.CharField(label=_("申请人（户名或单位名称）"), max_length=100)
    phone = forms.CharField(label=_("联系电话"), max_length=20)
    account_no = forms.CharField(label=_("户号"), max_length=20, required=False)
    county = forms.ChoiceField(label=_("所在区县"), required=False)
    address = forms.CharField(label=_("用电地址"), max_length=200, required=False,
                              help_text=_("写到门牌号；农村地区写到村、组。"))
    capacity_kva = forms.IntegerField(label=_("申请容量（kVA）"), required=False, min_value=1, max_value=100000,
                                      error_messages={"invalid": _("申请容量请填写整数，单位千伏安（kVA）。"),
                                                      "min_value": _("申请容量至少为 1 kVA。"),
                                                      "max_value": _("申请容量不能超过 100000 kVA。")})
    description = forms.CharField(label=_("补充说明"), max_length=1000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    documents = MultipleFileField(label=_("申请资料（JPEG、PNG 或 PDF）"), required=False)

    def __init__(self, *args, item, **kwargs):
        self.item = item
        super().__init__(*args, **kwargs)
        if item.needs_account:
            self.fields["account_no"].required = True
            self.fields["account_no"].help_text = _("见电费通知单；联系电话须与用电档案登记的一致。")
            del self.fields["county"]
        else:
            del self.fields["account_no"]
            self.fields["county"].required = True
            self.fields["address"].required = True
        if item.needs_capacity:
            self.fields["capacity_kva"].required = True
        else:
            del self.fields["capacity_kva"]

    def clean_address(self):
        address = self.cleaned_data.get("address", "").strip()
        if address and len(address) < 6:
            raise forms.ValidationError(_("用电地址太简略：请写到门牌号，农村地区写到村、组。"))
        return address
