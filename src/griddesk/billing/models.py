"""Bills (电费账单) of customer accounts and the ways to pay them, rules B-1 and B-2."""

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class PayChannel(models.Model):
    """A way to pay an electricity bill (缴费渠道), rule B-2: at least two are offered. Edited by the
    administrator; the public bills page lists the active ones, a bill names the one it was paid by."""

    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    how = models.CharField(_("缴费方法"), max_length=200, blank=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("缴费渠道")
        verbose_name_plural = _("缴费渠道")
        ordering = ["sort", "code"]

    def __str__(self):
        """The name in the user's language (the seeded names are in the catalogue: reference_names)."""
        return gettext(self.name) if self.name else self.code

    @property
    def shown_how(self):
        return gettext(self.how) if self.how else ""


class Bill(models.Model):
    """One month's electricity bill of an account (月度电费账单). `estimated`: the meter could not be
    read on the scheduled day and the bill was made on the previous reading, settled at the next
    reading (估抄, rule B-1). No `paid_at` means the bill is owing."""

    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), on_delete=models.PROTECT,
                                 related_name="bills", db_index=False)
    month = models.DateField(_("账期"), help_text=_("账单所属月份（当月1日）。"))
    kwh = models.PositiveIntegerField(_("电量（千瓦时）"))
    amount = models.DecimalField(_("电费（元）"), max_digits=12, decimal_places=2,
                                 validators=[MinValueValidator(0)])
    estimated = models.BooleanField(_("估抄"), default=False,
                                    help_text=_("规则 B-1：未能按期抄表，按上次示数计费，下次抄表时结算。"))
    paid_at = models.DateTimeField(_("缴费时间"), null=True, blank=True)
    pay_channel = models.ForeignKey(PayChannel, verbose_name=_("缴费渠道"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+", db_index=False)

    class Meta:
        verbose_name = _("电费账单")
        verbose_name_plural = _("电费账单")
        constraints = [models.UniqueConstraint(fields=["customer", "month"], name="bill_once_per_month")]

    def __str__(self):
        return f"{self.customer_id} {self.month:%Y-%m}"
