"""Periods and scopes of the dashboards (统计期间、统计范围).

A period is a half-open range of local time [start, end); a month is the usual one. A scope is an
org and its subtree, resolved to a list of org ids once (one small query), so every aggregate is
`org_id IN (...)` on an indexed column and never a join to the org table (as the queues do).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk.orgs.models import Org
from griddesk.orgs.selectors import org_in_scope
from griddesk.paths import subtree_q

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _local(day):
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def month_start(year, month):
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """[first, last] local days, inclusive; `start`/`end` are the aware bounds [start, end)."""

    first: date
    last: date

    @property
    def start(self):
        return _local(self.first)

    @property
    def end(self):
        return _local(self.last + timedelta(days=1))

    @property
    def days(self):
        return (self.last - self.first).days + 1

    @property
    def is_month(self):
        return self.first.day == 1 and (self.last + timedelta(days=1)).day == 1 and self.days <= 31

    @property
    def label(self):
        if self.is_month:
            return self.first.strftime("%Y-%m")
        return f"{self.first.isoformat()}..{self.last.isoformat()}"

    @classmethod
    def month(cls, text):
        match = _MONTH.match(text or "")
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValidationError({"month": _("月份须为 YYYY-MM 格式：%s") % text})
        first = date(int(match.group(1)), int(match.group(2)), 1)
        nxt = month_start(first.year, first.month + 1)
        return cls(first, nxt - timedelta(days=1))

    @classmethod
    def current_month(cls, today=None):
        today = today or timezone.localdate()
        return cls.month(today.strftime("%Y-%m"))

    def previous(self, count=1):
        """The `count` periods of the same kind just before this one, nearest first (months stay months)."""
        periods, current = [], self
        for _i in range(count):
            if current.is_month:
                first = month_start(current.first.year, current.first.month - 1)
                current = Period(first, current.first - timedelta(days=1))
            else:
                last = current.first - timedelta(days=1)
                current = Period(last - timedelta(days=current.days - 1), last)
            periods.append(current)
        return periods

    def params(self):
        if self.is_month:
            return {"month": self.label}
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


MAX_DAYS = 366


def period_from_params(params, today=None):
    """`month=YYYY-MM`, or `from=YYYY-MM-DD&to=YYYY-MM-DD` (at most a year), else the current month."""
    first, last = (params.get("from") or "").strip(), (params.get("to") or "").strip()
    if first or last:
        try:
            period = Period(date.fromisoformat(first), date.fromisoformat(last))
        except ValueError:
            raise ValidationError({"from": _("起止日期须为 YYYY-MM-DD 格式：%(from)s、%(to)s") % {
                "from": first, "to": last}}) from None
        if period.last < period.first or period.days > MAX_DAYS:
            raise ValidationError({"to": _("截止日期须不早于起始日期，且期间不超过 %d 天") % MAX_DAYS})
        return period
    month = (params.get("month") or "").strip()
    return Period.month(month) if month else Period.current_month(today)


@dataclass(frozen=True)
class Scope:
    """An org and the ids of its subtree."""

    org: Org
    org_ids: tuple

    @classmethod
    def of(cls, org):
        return cls(org, tuple(Org.objects.filter(subtree_q(org.path)).values_list("pk", flat=True)))


def scope_for(user, code=""):
    """The org a user asks about (`code`, inside their scope) or their own scope's root; 404-like
    PermissionDenied outside it. K-7/K-9 do not apply here: every figure is an aggregate."""
    if code:
        org = Org.objects.filter(code=code).first()
        if org is None:
            raise ValidationError({"org": _("单位编码 \"%s\" 不存在") % code})
        if not org_in_scope(user, org):
            raise PermissionDenied(_("单位 %s 不在您的管辖范围内") % code)
        return Scope.of(org)
    if user.is_superuser and not user.org_id:
        org = Org.objects.filter(parent__isnull=True).order_by("pk").first()
    else:
        path = user.scope_path
        org = Org.objects.filter(path=path).first() if path else None
    if org is None:
        raise PermissionDenied(_("您的账号没有所属单位"))
    return Scope.of(org)
