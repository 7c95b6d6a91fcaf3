"""Forms of the public site's queries (progress, bills) and the satisfaction form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from griddesk.orders.models import Satisfaction, VisitReason
from griddesk.orders.visits import PUBLIC_SATISFACTION
from griddesk.portal.codes import SUBJECT_MAX


class NumberForm(forms.Form):
    """An order number or an account number, for which a code is asked."""

    number = forms.CharField(max_length=SUBJECT_MAX, strip=True)

    def __init__(self, *args, label, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].label = label
        self.fields["number"].error_messages["required"] = _("请输入%(label)s。") % {"label": label}


class CodeForm(NumberForm):
    code = forms.RegexField(label=_("短信验证码"), regex=r"^\s*\d{6}\s*$", max_length=12,
                            error_messages={"invalid": _("验证码为 6 位数字。"), "required": _("请输入短信验证码。")})


class SatisfactionForm(forms.Form):
    satisfaction = forms.ChoiceField(label=_("满意度"), choices=[(value, Satisfaction(value).label)
                                                              for value in PUBLIC_SATISFACTION],
                                     error_messages={"required": _("请选择满意度。")})
    reasons = forms.MultipleChoiceField(label=_("不满意的方面（可多选）"), choices=VisitReason.choices, required=False,
                                        widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("其他意见"), max_length=200, required=False)
