"""The business catalogue (办电业务目录), rules W-3 and H-6: for each business the public may apply
for (new connection, capacity increase, change of use), the documents it needs, its steps, its fees,
its deadlines and how to fill the form. Edited in the admin; seeded by migration 0002.

The seeded text is Chinese data with English in the catalogue (business.reference_names); the pages
show each line in the reader's language (`lines`).
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from griddesk.orders.models import ApplicationKind
from griddesk.rules.models import RULE_ID


def _lines(text):
    return [gettext(line.strip()) for line in (text or "").splitlines() if line.strip()]


class BusinessItem(models.Model):
    """One business of the catalogue (办电业务), e.g. 居民低压新装 (a resident's new connection)."""

    code = models.SlugField(_("业务编码"), max_length=40, unique=True,
                            help_text=_("网址中使用，如 lv-resident：/apply/lv-resident/"))
    name = models.CharField(_("业务名称"), max_length=60)
    summary = models.CharField(_("简介"), max_length=200, blank=True)
    application_kind = models.CharField(
        _("供电类别"), max_length=16, choices=ApplicationKind.choices, blank=True,
        help_text=_("决定 T-1～T-3 的时限；为空时按客户档案的供电电压确定（须填写户号）。"))
    needs_account = models.BooleanField(
        _("须填写户号"), default=False, help_text=_("已有用电户办理的业务（增容、改类）须填写户号并核对联系电话。"))
    needs_capacity = models.BooleanField(_("须填写申请容量"), default=False)
    documents = models.TextField(_("所需资料"), help_text=_("每行一项（规则 H-6）。"))
    steps = models.TextField(_("办理环节"), help_text=_("每行一个环节（规则 H-6）。"))
    fees = models.TextField(_("收费标准"), help_text=_("每行一项；不收费也须写明（规则 H-6、P-2）。"))
    deadlines = models.TextField(_("办理时限"), blank=True, help_text=_("每行一项，注明规则编号（T-1～T-3）。"))
    rules = models.CharField(_("依据规则"), max_length=60, blank=True, help_text=_("逗号分隔，如 W-3,H-6,T-1,T-3"))
    instructions = models.TextField(_("填写说明"), blank=True, help_text=_("每行一条（规则 W-3、H-7）。"))
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("办电业务")
        verbose_name_plural = _("办电业务目录")
        ordering = ["sort", "code"]

    def __str__(self):
        return gettext(self.name) if self.name else self.code

    def clean(self):
        wrong = [rule for rule in self.rule_ids() if not RULE_ID.match(rule)]
        if wrong:
            raise ValidationError({"rules": _("规则编号格式应为 T-1 这样：%s") % "、".join(wrong)})
        if not self.application_kind and not self.needs_account:
            raise ValidationError({"application_kind": _("未填写户号的业务须指定供电类别。")})

    def rule_ids(self):
        return [rule.strip() for rule in (self.rules or "").split(",") if rule.strip()]

    # the catalogue's lines in the reader's language
    def name_shown(self):
        return str(self)

    def summary_shown(self):
        return gettext(self.summary) if self.summary else ""

    def document_lines(self):
        return _lines(self.documents)

    def step_lines(self):
        return _lines(self.steps)

    def fee_lines(self):
        return _lines(self.fees)

    def deadline_lines(self):
        return _lines(self.deadlines)

    def instruction_lines(self):
        return _lines(self.instructions)
