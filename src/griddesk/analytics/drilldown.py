"""The orders behind a dashboard number (明细): the filters a table cell's link carries.

`orders_behind(user, scope, period, params)` applies to WorkOrder exactly the conditions the
selectors count with, so a list's length is the number that linked to it. Allowed parameters
(anything else is refused, naming it):

- type (order type), category (a root category id, its children included; `none`: no category),
  cause (A-2 cause; `none`: not yet found), satisfaction (a value, or `satisfied+`), visited, replied,
  repeat, outage, bounced (1/0 flags), handling_org (org id), org (an org code in the scope; with
  own=1 only the org's own orders), transformer (device pk), street (derived street), agent_no;
- clock (an SLA clock key) with outcome (met, breached, running, stopped): orders with such a clock
  started in the period, instead of orders accepted in it.

The list only holds orders the user may open (orders.disclosure.orders_readable_q: reports hidden
from the accused unit stay hidden, K-9) and never shows the person behind them (K-7).
"""

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk.analytics.selectors import SATISFIED, breached_q
from griddesk.analytics.streets import street_of
from griddesk.orders.disclosure import orders_readable_q
from griddesk.orders.models import ComplaintCause, OrderType, Satisfaction, SlaClock, WorkOrder
from griddesk.orgs.models import Org
from griddesk.paths import subtree_q

FLAGS = {
    "visited": ~Q(satisfaction=""),
    "replied": Q(Exists(SlaClock.objects.filter(order_id=OuterRef("pk"), key="K-3/complaint",
                                                stopped_at__isnull=False))),
    "repeat": Q(parent__isnull=False),
    "outage": Q(outage__isnull=False),
    "bounced": Q(bounce_count__gt=0),
}
KNOWN = {"type", "category", "cause", "satisfaction", "handling_org", "org", "own", "transformer", "street",
         "agent_no", "clock", "outcome", *FLAGS}
PERIOD_PARAMS = {"month", "from", "to", "org_scope"}
LIMIT = 500


def _int(params, name):
    try:
        return int(params[name])
    except (TypeError, ValueError):
        raise ValidationError({name: _("参数 %(name)s 须为整数：%(value)s") % {
            "name": name, "value": params[name]}}) from None


def filters_q(scope, period, params, *, now=None):
    """Q over WorkOrder for `params` (see the module docstring); ValidationError names a bad one."""
    now = now or timezone.now()
    unknown = set(params) - KNOWN - PERIOD_PARAMS
    if unknown:
        raise ValidationError({name: _("未知的参数：%s") % name for name in sorted(unknown)})
    q = Q(org_id__in=scope.org_ids)
    if params.get("clock"):
        clocks = SlaClock.objects.filter(order_id=OuterRef("pk"), key=params["clock"], org_id__in=scope.org_ids,
                                         started_at__gte=period.start, started_at__lt=period.end)
        outcome = params.get("outcome", "")
        outcomes = {"": Q(), "met": Q(met=True), "breached": breached_q(now), "stopped": Q(stopped_at__isnull=False),
                    "running": Q(stopped_at__isnull=True, due_at__gte=now)}
        if outcome not in outcomes:
            raise ValidationError({"outcome": _("未知的结果：%s") % outcome})
        q &= Q(Exists(clocks.filter(outcomes[outcome])))
    else:
        q &= Q(accepted_at__gte=period.start, accepted_at__lt=period.end)
    if params.get("type"):
        if params["type"] not in OrderType.values:
            raise ValidationError({"type": _("未知的工单类型：%s") % params["type"]})
        q &= Q(order_type=params["type"])
    if params.get("category"):
        if params["category"] == "none":
            q &= Q(category__isnull=True)
        else:
            root = _int(params, "category")
            q &= Q(category_id=root) | Q(category__parent_id=root)
    if params.get("cause"):
        cause = "" if params["cause"] == "none" else params["cause"]
        if cause and cause not in ComplaintCause.values:
            raise ValidationError({"cause": _("未知的责任原因：%s") % cause})
        q &= Q(cause=cause)
    if params.get("satisfaction"):
        value = params["satisfaction"]
        if value == "satisfied+":
            q &= Q(satisfaction__in=SATISFIED)
        elif value in Satisfaction.values:
            q &= Q(satisfaction=value)
        else:
            raise ValidationError({"satisfaction": _("未知的满意度：%s") % value})
    for flag, condition in FLAGS.items():
        value = params.get(flag)
        if value in ("1", "0"):
            q &= condition if value == "1" else ~condition
        elif value:
            raise ValidationError({flag: _("参数 %s 只能是 1 或 0") % flag})
    if params.get("handling_org"):
        q &= Q(handling_org_id=_int(params, "handling_org"))
    if params.get("org"):
        org = Org.objects.filter(code=params["org"], pk__in=scope.org_ids).first()
        if org is None:
            raise ValidationError({"org": _("单位编码 \"%s\" 不在统计范围内") % params["org"]})
        q &= Q(org_id=org.pk) if params.get("own") == "1" else Q(
            org_id__in=Org.objects.filter(subtree_q(org.path)).values("pk"))
    if params.get("transformer"):
        q &= Q(customer__transformer_id=_int(params, "transformer"))
    if params.get("agent_no"):
        q &= Q(agent_no=params["agent_no"])
    return q


def orders_behind(user, scope, period, params, *, now=None, limit=LIMIT):
    """(total, the first `limit` orders newest first) behind a number; readable orders only."""
    q = filters_q(scope, period, params, now=now)
    orders = WorkOrder.objects.filter(q).filter(orders_readable_q(user))
    street = params.get("street")
    if street:
        # the street is derived from the address (analytics/streets.py): narrowed in SQL, decided here
        rows = [o for o in orders.filter(customer__address__startswith=street).select_related(
            "category", "org", "customer").order_by("-accepted_at") if street_of(o.customer.address) == street]
        return len(rows), rows[:limit]
    total = orders.count()
    return total, list(orders.select_related("category", "org").order_by("-accepted_at", "-id")[:limit])


def count_behind(scope, period, params, *, now=None):
    """The number of orders behind a link, whoever reads (tests compare it with the tables)."""
    q = filters_q(scope, period, params, now=now)
    orders = WorkOrder.objects.filter(q)
    if params.get("street"):
        return sum(1 for a in orders.filter(customer__address__startswith=params["street"]).values_list(
            "customer__address", flat=True) if street_of(a) == params["street"])
    return orders.count()
