"""Customers (客户): accounts, phones, contacts, supply voltage, zone."""

from django.db import models
from django.db.models import F
from django.db.models.functions import Coalesce
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
        indexes = [
            # Rule Q-2 reads the few customers supplied at 10 kV and above out of a million.
            models.Index(fields=["supply_voltage"], name="customer_supply_voltage"),
        ]

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


class ServedCount(models.Model):
    """Customers served (供电户数) per transformer, zone and supply unit.

    Kept by the database itself: triggers on the customers table add and subtract every insert,
    delete and change of transformer, zone or unit, in the same transaction (customers/served.py),
    so however customers are written (import, admin, demo, SQL) the counts equal a grouped count of
    the customers. The reliability report (rule Q-1) and the customers below a device read these
    few thousand rows instead of grouping a million customers. A group that empties is deleted.
    """

    transformer = models.ForeignKey("grid.Device", on_delete=models.CASCADE, related_name="+")
    zone = models.CharField(max_length=8, choices=Zone.choices)
    org = models.ForeignKey("orgs.Org", null=True, on_delete=models.CASCADE, related_name="+")
    customers = models.IntegerField()

    class Meta:
        verbose_name = _("供电户数")
        verbose_name_plural = _("供电户数")
        constraints = [
            # The triggers' upsert target; COALESCE because a unit-less group must match itself.
            models.UniqueConstraint(F("transformer"), F("zone"), Coalesce(F("org"), 0), name="served_count_group"),
        ]

    def __str__(self):
        return f"{self.transformer_id}/{self.zone}/{self.org_id}: {self.customers}"
