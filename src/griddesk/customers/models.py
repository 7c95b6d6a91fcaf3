"""Customers (客户): accounts, phones, contacts, supply voltage, zone."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from griddesk.grid.models import Zone


class SupplyVoltage(models.TextChoices):
    V220 = "220V", "220V"
    V380 = "380V", "380V"
    KV10 = "10kV", "10kV"
    KV35 = "35kV", "35kV"
    KV110 = "110kV", "110kV"


class Customer(models.Model):
    """A customer account (用电客户)."""

    account_no = models.CharField(_("户号"), max_length=20, unique=True)
    name = models.CharField(_("户名"), max_length=100)
    phone = models.CharField(_("联系电话"), max_length=20, db_index=True)
    address = models.CharField(_("用电地址"), max_length=200)
    transformer = models.ForeignKey(
        "grid.Device", verbose_name=_("所属台区"), on_delete=models.PROTECT,
        related_name="customers",
    )
    supply_voltage = models.CharField(_("供电电压"), max_length=8, choices=SupplyVoltage.choices)
    zone = models.CharField(_("区域"), max_length=8, choices=Zone.choices)
    important = models.BooleanField(_("重要客户"), default=False)
    sensitive = models.BooleanField(
        _("敏感客户"), default=False, help_text=_("多次投诉或有升级风险的客户，坐席需特别注意。")
    )
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("供电单位"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="customers",
    )
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")

    def __str__(self):
        return f"{self.name}（{self.account_no}）"


class Contact(models.Model):
    """A further contact person or phone (联系人) of a customer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("联系人"), max_length=50)
    phone = models.CharField(_("电话"), max_length=20, db_index=True)
    relation = models.CharField(_("关系"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")

    def __str__(self):
        return f"{self.name} {self.phone}"
