"""Versioned rule sets (规则集): the deadlines a work order is measured against.

An order keeps the rule-set version in force when it was accepted, so a
version that has taken effect is frozen: changing a deadline means a new
version (admin action "copy as new version") with a later effective time.
"""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from griddesk.rules.deadlines import Direction as DirectionValue
from griddesk.rules.deadlines import Unit as UnitValue

RULE_ID = re.compile(r"^[A-Z]{1,2}-\d{1,2}$")


class Unit(models.TextChoices):
    MINUTES = UnitValue.MINUTES.value, _("分钟")
    HOURS = UnitValue.HOURS.value, _("小时")
    DAYS = UnitValue.DAYS.value, _("天（按24小时计）")
    WORKING_DAYS = UnitValue.WORKING_DAYS.value, _("工作日")
    MONTHS = UnitValue.MONTHS.value, _("个月（日历月）")


class Direction(models.TextChoices):
    AFTER = DirectionValue.AFTER.value, _("起算后")
    BEFORE = DirectionValue.BEFORE.value, _("提前（起始时间之前，规则 Q-3）")


class RuleSet(models.Model):
    """A named rule set (规则集), e.g. service-code: 供电服务规范."""

    name = models.SlugField(_("名称"), max_length=40, unique=True, help_text=_("如 service-code"))
    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("规则集")
        verbose_name_plural = _("规则集")
        ordering = ["name"]

    def __str__(self):
        return self.name


class RuleSetVersion(models.Model):
    """One version of a rule set (规则集版本), in force from `effective_from` until the next one."""

    ruleset = models.ForeignKey(
        RuleSet, verbose_name=_("规则集"), on_delete=models.PROTECT, related_name="versions"
    )
    version = models.PositiveIntegerField(_("版本号"))
    effective_from = models.DateTimeField(_("生效时间"))
    notes = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("规则集版本")
        verbose_name_plural = _("规则集版本")
        ordering = ["ruleset", "version"]
        constraints = [
            models.UniqueConstraint(fields=["ruleset", "version"], name="rules_version_unique"),
            models.UniqueConstraint(fields=["ruleset", "effective_from"], name="rules_version_effective"),
        ]

    def __str__(self):
        return f"{self.ruleset.name} v{self.version}"

    def is_frozen(self, now=None):
        """A version that has taken effect may already measure orders: it never changes again."""
        return self.pk is not None and self.effective_from is not None and (
            self.effective_from <= (now or timezone.now())
        )


class Deadline(models.Model):
    """One deadline of a version (时限), e.g. R-2/urban: 45 minutes, 城区45分钟."""

    version = models.ForeignKey(
        RuleSetVersion, verbose_name=_("规则集版本"), on_delete=models.PROTECT, related_name="deadlines"
    )
    key = models.CharField(_("键"), max_length=40, help_text=_("规则编号/情形，如 R-2/urban"))
    rule = models.CharField(_("规则"), max_length=10, help_text=_("规则手册编号，如 R-2"))
    amount = models.PositiveIntegerField(_("数量"))
    unit = models.CharField(_("单位"), max_length=16, choices=Unit.choices)
    direction = models.CharField(_("方向"), max_length=8, choices=Direction.choices, default=Direction.AFTER)
    label = models.CharField(_("说明"), max_length=60, help_text=_("如：城区45分钟"))
    citation = models.TextField(_("依据条文"), blank=True)

    class Meta:
        verbose_name = _("时限")
        verbose_name_plural = _("时限")
        ordering = ["version", "key"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="rules_deadline_key"),
            models.CheckConstraint(condition=models.Q(unit__in=Unit.values), name="rules_deadline_unit"),
            models.CheckConstraint(
                condition=models.Q(direction__in=Direction.values), name="rules_deadline_direction"
            ),
        ]

    def __str__(self):
        return f"{self.key} {self.label}"

    def clean(self):
        if self.rule and not RULE_ID.match(self.rule):
            raise ValidationError({"rule": _("规则编号应形如 R-2、T-3。")})
        if self.key and self.rule and not self.key.startswith(self.rule + "/"):
            raise ValidationError({"key": _("键应以规则编号加斜杠开头，如 %s/urban。") % self.rule})
        if self.key and self.key.endswith("/"):
            raise ValidationError({"key": _("键在斜杠后应写明情形，如 R-2/urban。")})
