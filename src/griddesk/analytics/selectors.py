"""Reads of the dashboards and the monthly report (服务指标): service levels, hotline, halls, complaints.

Every figure is an aggregate computed in SQL over a scope (an org subtree as a list of ids) and a
period; only distributions (median, p90) fetch one duration column of the period's stopped clocks.
No figure shows the person behind a complaint or report (rules K-7, K-9): aggregates only.
Each function returns `Table`s (griddesk/tables.py); a cell's `link` holds the drill-down filters
of the orders behind its number (analytics/drilldown.py applies the same filters).
"""

from collections import Counter, defaultdict
from datetime import timedelta

from django.conf import settings
from django.db.models import Avg, Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk.analytics.models import CallRecord, CounterBusiness, CounterTicket, Hall
from griddesk.analytics.streets import street_of
from griddesk.orders.models import Category, ComplaintCause, OrderType, Satisfaction, SlaClock, WorkOrder
from griddesk.orgs.models import Org, OrgKind
from griddesk.rules.models import Deadline
from griddesk.tables import INT, NUM, PCT, Cell, Column, Table, percentile, share

RING_SECONDS_DEFAULT = 5
RINGS = 4  # rule C-4: answer within 4 rings
HALL_LIMITS = {CounterBusiness.PAYMENT: 5 * 60, CounterBusiness.OTHER: 20 * 60}  # rule H-5, seconds
HALL_KEYS = {CounterBusiness.PAYMENT: "H-5/payment", CounterBusiness.OTHER: "H-5/business"}
_UNIT_SECONDS = {"minutes": 60, "hours": 3600}
SATISFIED = (Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED)


def answer_limit_seconds():
    """Rule C-4: 4 rings of GRIDDESK_RING_SECONDS (default 5 s) = 20 s."""
    return RINGS * int(getattr(settings, "GRIDDESK_RING_SECONDS", RING_SECONDS_DEFAULT))


def orders_in(scope, period):
    """Orders of the scope accepted in the period: the base of every order figure."""
    return WorkOrder.objects.filter(org_id__in=scope.org_ids, accepted_at__gte=period.start,
                                    accepted_at__lt=period.end)


def clocks_in(scope, period):
    """SLA clocks of the scope started in the period."""
    return SlaClock.objects.filter(org_id__in=scope.org_ids, started_at__gte=period.start,
                                   started_at__lt=period.end)


def breached_q(now):
    """A clock that missed its deadline: stopped late, or still running past due."""
    return Q(met=False) | Q(stopped_at__isnull=True, due_at__lt=now)


def _key_labels():
    return dict(Deadline.objects.order_by("key", "-version__effective_from").values_list("key", "label").distinct())


# --------------------------------------------------------------------------- service levels


def _rule_of(key):
    """The rule a clock key belongs to ("R-2/urban" -> "R-2"): the key's tail is a code, not a word
    to show (its label says it in the reader's language)."""
    return key.split("/")[0]


def _clock_label(key, labels):
    return _(labels[key]) if labels.get(key) else _rule_of(key)


def sla_compliance(scope, period, *, now=None):
    """SLA compliance per clock key (时限达标率): clocks started in the period that are decided
    (met, or breached: stopped late or overdue now); the running ones not yet due are listed apart."""
    now = now or timezone.now()
    rows = (clocks_in(scope, period).values("key").order_by("key").annotate(
        n_total=Count("id"), n_met=Count("id", filter=Q(met=True)), n_breached=Count("id", filter=breached_q(now)),
        n_running=Count("id", filter=Q(stopped_at__isnull=True, due_at__gte=now))))
    labels = _key_labels()
    table = Table("sla", _("服务时限达标率"), [
        Column(_("时限")), Column(_("说明")), Column(_("起算数"), INT), Column(_("按时"), INT),
        Column(_("超时"), INT), Column(_("未到期"), INT), Column(_("达标率"), PCT)], chart=(1, 6))
    for row in rows:
        key = row["key"]
        table.add(_rule_of(key), _clock_label(key, labels),
                  Cell(row["n_total"], {"clock": key}), Cell(row["n_met"], {"clock": key, "outcome": "met"}),
                  Cell(row["n_breached"], {"clock": key, "outcome": "breached"}),
                  Cell(row["n_running"], {"clock": key, "outcome": "running"}),
                  share(row["n_met"], row["n_met"] + row["n_breached"]))
    return table


def _roll_up(scope, counts_by_org):
    """{child org (or the scope's org for its own rows): summed tuples} from {org_id: tuple of counts}."""
    paths = dict(Org.objects.filter(pk__in=counts_by_org).values_list("pk", "path"))
    children = children_of(scope)
    rolled = {}
    for org_id, counts in counts_by_org.items():
        owner = next((c for c in children if paths[org_id].startswith(c.path)), scope.org)
        before = rolled.get(owner, (0,) * len(counts))
        rolled[owner] = tuple(a + b for a, b in zip(before, counts, strict=True))
    return [(org, rolled[org]) for org in [scope.org, *children] if org in rolled]


def sla_by_org(scope, period, *, now=None):
    """SLA compliance per unit directly under the scope's org (all clock keys together)."""
    now = now or timezone.now()
    rows = (clocks_in(scope, period).values("org").order_by("org").annotate(
        n_total=Count("id"), n_met=Count("id", filter=Q(met=True)), n_breached=Count("id", filter=breached_q(now))))
    table = Table("sla_orgs", _("各单位时限达标率"), [
        Column(_("单位")), Column(_("起算数"), INT), Column(_("按时"), INT), Column(_("超时"), INT),
        Column(_("达标率"), PCT)], chart=(0, 4))
    for org, (total, met, breached) in _roll_up(scope, {r["org"]: (r["n_total"], r["n_met"], r["n_breached"])
                                                       for r in rows}):
        table.add(org.name, total, met, breached, share(met, met + breached))
    return table


def _minutes(clocks):
    return sorted((c_stop - c_start).total_seconds() / 60 for c_start, c_stop in clocks)


def repair_times(scope, period):
    """Repair arrival (R-2) and restoration (R-1) times as distributions: count, median, p90, mean
    (minutes) and the share within the limit, per clock key (zone). Stopped clocks of the period."""
    rows = (clocks_in(scope, period).filter(stopped_at__isnull=False)
            .filter(Q(key__startswith="R-2/") | Q(key__startswith="R-1/"))
            .values_list("key", "started_at", "stopped_at", "met").order_by("key"))
    by_key = defaultdict(list)
    met = Counter()
    for key, started, stopped, ok in rows:
        by_key[key].append((started, stopped))
        met[key] += bool(ok)
    table = Table("repair_times", _("抢修到达与恢复时间（分钟）"), [
        Column(_("时限")), Column(_("件数"), INT), Column(_("中位数"), NUM), Column(_("90分位"), NUM),
        Column(_("平均"), NUM), Column(_("时限内"), INT), Column(_("时限内占比"), PCT)], chart=(0, 6),
        note=_("规则 R-2：城区45分钟、农村90分钟、边远地区2小时到达；R-1：恢复时限。中位数和90分位按最近秩计算。"))
    labels = _key_labels()
    for key in sorted(by_key):
        minutes = _minutes(by_key[key])
        table.add(f"{_rule_of(key)} {_clock_label(key, labels)}",
                  Cell(len(minutes), {"clock": key, "outcome": "stopped"}), percentile(minutes, 0.5),
                  percentile(minutes, 0.9), sum(minutes) / len(minutes),
                  Cell(met[key], {"clock": key, "outcome": "met"}), share(met[key], len(minutes)))
    return table


def complaint_handling(scope, period):
    """Complaint reply and return-visit coverage (rule C-12, target 100%) and satisfaction."""
    complaints = orders_in(scope, period).filter(order_type=OrderType.COMPLAINT)
    replied = Q(clocks__key="K-3/complaint", clocks__stopped_at__isnull=False)
    figures = complaints.aggregate(
        total=Count("id", distinct=True), replied=Count("id", filter=replied, distinct=True),
        replied_on_time=Count("id", filter=Q(clocks__key="K-3/complaint", clocks__met=True), distinct=True),
        visited=Count("id", filter=~Q(satisfaction=""), distinct=True),
        reached=Count("id", filter=~Q(satisfaction__in=["", Satisfaction.UNREACHABLE]), distinct=True),
        satisfied=Count("id", filter=Q(satisfaction__in=SATISFIED), distinct=True))
    table = Table("complaint_handling", _("投诉答复与回访（规则 C-12，目标100%）"), [
        Column(_("指标")), Column(_("件数"), INT), Column(_("比率"), PCT)])
    total = figures["total"]
    table.add(_("受理投诉"), Cell(total, {"type": "complaint"}), None)
    table.add(_("已答复"), Cell(figures["replied"], {"type": "complaint", "replied": "1"}),
              share(figures["replied"], total))
    table.add(_("按时答复"), Cell(figures["replied_on_time"], {"clock": "K-3/complaint", "outcome": "met"}),
              share(figures["replied_on_time"], total))
    table.add(_("已回访"), Cell(figures["visited"], {"type": "complaint", "visited": "1"}),
              share(figures["visited"], total))
    table.add(_("未回访"), Cell(total - figures["visited"], {"type": "complaint", "visited": "0"}),
              share(total - figures["visited"], total))
    table.add(_("满意（非常满意+满意，占回访接通）"),
              Cell(figures["satisfied"], {"type": "complaint", "satisfaction": "satisfied+"}),
              share(figures["satisfied"], figures["reached"]))
    return table


def satisfaction(scope, period):
    """Return-visit satisfaction of every order type visited, by answer."""
    rows = dict(orders_in(scope, period).exclude(satisfaction="").values("satisfaction")
                .order_by("satisfaction").annotate(n=Count("id")).values_list("satisfaction", "n"))
    total = sum(rows.values())
    table = Table("satisfaction", _("回访满意度"), [Column(_("满意度")), Column(_("件数"), INT),
                                                     Column(_("占比"), PCT)], chart=(0, 1))
    for value, label in Satisfaction.choices:
        table.add(str(label), Cell(rows.get(value, 0), {"satisfaction": value}), share(rows.get(value, 0), total))
    return table


def repeat_contacts(scope, period):
    """Repeat contacts (rule A-4): orders recorded as a repeat of an open matter of the same customer
    (主单/子单), calls per order, and repair orders per fault (orders under one outage event)."""
    orders = orders_in(scope, period)
    figures = orders.aggregate(total=Count("id"), repeats=Count("id", filter=Q(parent__isnull=False)),
                               calls=Coalesce(Sum("call_count"), 0))
    repairs = orders.filter(order_type=OrderType.REPAIR).aggregate(
        on_outage=Count("id", filter=Q(outage__isnull=False)), outages=Count("outage", distinct=True))
    table = Table("repeat", _("重复来电与一次解决（规则 A-4）"), [
        Column(_("指标")), Column(_("数值"), NUM), Column(_("比率"), PCT)])
    table.add(_("工单"), Cell(figures["total"], {}), None)
    table.add(_("重复来电工单（子单）"), Cell(figures["repeats"], {"repeat": "1"}),
              share(figures["repeats"], figures["total"]))
    table.add(_("来电次数合计"), figures["calls"], None)
    table.add(_("挂在停电下的报修工单"), Cell(repairs["on_outage"], {"type": "repair", "outage": "1"}), None)
    table.add(_("停电事件"), repairs["outages"], None)
    table.add(_("每次停电的报修工单"), share(repairs["on_outage"], repairs["outages"]), None)
    return table


def transfers(scope, period):
    """Transfers and bounce-backs per handling department (rule K-5)."""
    rows = (orders_in(scope, period).filter(handling_org__isnull=False).values("handling_org")
            .order_by("handling_org").annotate(n=Count("id"), transfers=Coalesce(Sum("transfer_count"), 0),
                                              bounces=Coalesce(Sum("bounce_count"), 0),
                                              bounced=Count("id", filter=Q(bounce_count__gt=0))))
    names = dict(Org.objects.filter(pk__in=[r["handling_org"] for r in rows]).values_list("pk", "name"))
    table = Table("transfers", _("转派与退单（规则 K-5）"), [
        Column(_("处理部门")), Column(_("工单"), INT), Column(_("转派次数"), INT), Column(_("退单次数"), INT),
        Column(_("被退单工单"), INT), Column(_("退单率"), PCT)], chart=(0, 2))
    for row in rows:
        org = row["handling_org"]
        table.add(names.get(org, str(org)), Cell(row["n"], {"handling_org": org}), row["transfers"],
                  row["bounces"], Cell(row["bounced"], {"handling_org": org, "bounced": "1"}),
                  share(row["bounced"], row["n"]))
    return table


# --------------------------------------------------------------------------- hotline (C-4)


def calls_in(scope, period):
    return CallRecord.objects.filter(org_id__in=scope.org_ids, offered_at__gte=period.start,
                                     offered_at__lt=period.end)


def _call_figures(limit):
    return {"offered": Count("id"), "answered": Count("id", filter=Q(answered_at__isnull=False)),
            "in_time": Count("id", filter=Q(answered_at__isnull=False, wait_seconds__lte=limit)),
            "abandoned": Count("id", filter=Q(answered_at__isnull=True)),
            "asa": Avg("wait_seconds", filter=Q(answered_at__isnull=False))}


def _call_row(table, label, f, *link):
    table.add(label, f["offered"], f["answered"], f["in_time"], share(f["in_time"], f["answered"]),
              f["abandoned"], share(f["abandoned"], f["offered"]), f["asa"], *link)


def _call_columns():
    return [Column(_("进线"), INT), Column(_("接通"), INT), Column(_("4声内接通"), INT),
            Column(_("4声接通率"), PCT), Column(_("放弃"), INT), Column(_("放弃率"), PCT),
            Column(_("平均应答秒数"), NUM)]


def hotline(scope, period):
    """Rule C-4: share answered within 4 rings (of the answered calls), abandon rate, average speed
    of answer: overall, per local hour of day and per agent (with the orders the agent took)."""
    limit = answer_limit_seconds()
    calls = calls_in(scope, period)
    overall = Table("hotline", _("热线服务水平（规则 C-4）"), [Column(_("范围")), *_call_columns()],
                    note=_("4声 = %(limit)d 秒（每声 %(ring)d 秒）；4声接通率以接通话务为分母。") % {
                        "limit": limit, "ring": limit // RINGS})
    _call_row(overall, _("合计"), calls.aggregate(**_call_figures(limit)))
    hours = {r["offered_hour"]: r for r in calls.values("offered_hour").order_by("offered_hour")
             .annotate(**_call_figures(limit))}
    by_hour = Table("hotline_hours", _("分时段服务水平"), [Column(_("时段")), *_call_columns()], chart=(0, 4))
    for hour in sorted(hours):
        _call_row(by_hour, f"{hour:02d}:00", hours[hour])
    agents = list(calls.exclude(agent_no="").values("agent_no").order_by("agent_no")
                  .annotate(**_call_figures(limit)))
    taken = dict(orders_in(scope, period).filter(agent_no__in=[a["agent_no"] for a in agents])
                 .values("agent_no").order_by("agent_no").annotate(n=Count("id")).values_list("agent_no", "n"))
    by_agent = Table("hotline_agents", _("座席服务水平"), [Column(_("工号")), *_call_columns(),
                                                         Column(_("受理工单"), INT)])
    for agent in agents:
        no = agent["agent_no"]
        _call_row(by_agent, no, agent, Cell(taken.get(no, 0), {"agent_no": no}))
    return [overall, by_hour, by_agent]


# --------------------------------------------------------------------------- halls (H-5)


def hall_limits(period):
    """{business: seconds} of rule H-5 from the default rule set in force at the period's end
    (H-5/payment, H-5/business), else 5 and 20 minutes."""
    from griddesk.rules.selectors import RulesLookupError, deadline_for, ruleset_in_force

    limits = dict(HALL_LIMITS)
    try:
        version = ruleset_in_force(at=period.end - timedelta(seconds=1))
        for business, key in HALL_KEYS.items():
            deadline = deadline_for(key, version=version)
            if deadline.unit in _UNIT_SECONDS:
                limits[business] = deadline.amount * _UNIT_SECONDS[deadline.unit]
    except RulesLookupError:
        pass
    return limits


def halls(scope, period):
    """Rule H-5: share of counter transactions within 5 minutes (resident payment) and 20 minutes
    (other business) per hall; the limits come from the rule set (`hall_limits`)."""
    limits = hall_limits(period)
    tickets = CounterTicket.objects.filter(hall__org_id__in=scope.org_ids, called_at__gte=period.start,
                                           called_at__lt=period.end)
    within = Q(business=CounterBusiness.PAYMENT, handling_seconds__lte=limits[CounterBusiness.PAYMENT]) | Q(
        business=CounterBusiness.OTHER, handling_seconds__lte=limits[CounterBusiness.OTHER])
    rows = (tickets.values("hall", "business").order_by("hall", "business")
            .annotate(n=Count("id"), within=Count("id", filter=within), avg=Avg("handling_seconds")))
    names = dict(Hall.objects.filter(pk__in={r["hall"] for r in rows}).values_list("pk", "name"))
    table = Table("halls", _("营业厅业务办理时限（规则 H-5）"), [
        Column(_("营业厅")), Column(_("业务")), Column(_("笔数"), INT), Column(_("时限内"), INT),
        Column(_("时限内占比"), PCT), Column(_("平均办理分钟"), NUM)],
        note=_("居民缴费每件不超过5分钟，其他用电业务每件不超过20分钟。"))
    labels = dict(CounterBusiness.choices)
    for row in rows:
        table.add(names.get(row["hall"], ""), str(labels[row["business"]]), row["n"], row["within"],
                  share(row["within"], row["n"]), (row["avg"] or 0) / 60)
    return table


# --------------------------------------------------------------------------- complaints


def complaints_in(scope, period):
    return orders_in(scope, period).filter(order_type=OrderType.COMPLAINT)


ROOT_CATEGORY = Coalesce("category__parent_id", "category_id")


def _category_names():
    return {c.pk: (c.scheme, str(c)) for c in Category.objects.filter(parent__isnull=True)}


def complaints_by_category(scope, period):
    """Complaints by class (rule A-1 branch, or the 2014 five classes): the root of the order's category."""
    rows = (complaints_in(scope, period).annotate(root=ROOT_CATEGORY).values("root").order_by("root")
            .annotate(n=Count("id")))
    names = _category_names()
    total = sum(r["n"] for r in rows)
    table = Table("complaint_classes", _("投诉分类（规则 A-1 五类 / 2014版五类）"), [
        Column(_("分类体系")), Column(_("分类")), Column(_("件数"), INT), Column(_("占比"), PCT)], chart=(1, 2))
    schemes = {"complaint": _("A-1"), "complaint_2014": _("2014版")}
    for row in sorted(rows, key=lambda r: -r["n"]):
        scheme, name = names.get(row["root"], ("", _("未分类")))
        link = {"type": "complaint", "category": row["root"] if row["root"] else "none"}
        table.add(str(schemes.get(scheme, scheme)), name, Cell(row["n"], link), share(row["n"], total))
    return table


def complaints_by_cause(scope, period):
    """Complaints by responsibility cause (责任原因, rule A-2); open complaints have none yet."""
    rows = dict(complaints_in(scope, period).values("cause").order_by("cause").annotate(n=Count("id"))
                .values_list("cause", "n"))
    total = sum(rows.values())
    table = Table("complaint_causes", _("投诉责任原因（规则 A-2）"), [
        Column(_("原因")), Column(_("件数"), INT), Column(_("占比"), PCT)], chart=(0, 1))
    for value, label in [*ComplaintCause.choices, ("", _("尚未认定"))]:
        table.add(str(label), Cell(rows.get(value, 0), {"type": "complaint", "cause": value or "none"}),
                  share(rows.get(value, 0), total))
    return table


def children_of(scope):
    """The direct children of the scope's org, with their subtree path (for roll-ups)."""
    return list(Org.objects.filter(parent=scope.org).order_by("path"))


def complaints_by_org(scope, period):
    """Complaints per unit directly under the scope's org (its own orders in a row of their own)."""
    rows = dict(complaints_in(scope, period).values("org").order_by("org").annotate(n=Count("id"))
                .values_list("org", "n"))
    paths = dict(Org.objects.filter(pk__in=rows).values_list("pk", "path"))
    children = children_of(scope)
    counts = Counter()
    for org_id, n in rows.items():
        path = paths[org_id]
        owner = next((c for c in children if path.startswith(c.path)), scope.org)
        counts[owner.pk] += n
    table = Table("complaint_orgs", _("各单位投诉"), [Column(_("单位")), Column(_("件数"), INT)], chart=(0, 1))
    for org in [scope.org, *children]:
        # the unit's own row and departments only when they have complaints; every other child always
        if counts[org.pk] or (org is not scope.org and org.kind != OrgKind.DEPARTMENT):
            link = {"type": "complaint", "org": org.code}
            if org is scope.org:
                link["own"] = "1"
            table.add(org.name, Cell(counts[org.pk], link))
    return table


TOP = 15


def complaints_by_transformer(scope, period, *, top=TOP):
    """The transformer areas (台区) of the complainants' accounts with the most complaints."""
    rows = (complaints_in(scope, period).filter(customer__isnull=False).values(
        "customer__transformer_id", "customer__transformer__device_id", "customer__transformer__name")
        .order_by().annotate(n=Count("id")).order_by("-n", "customer__transformer__device_id")[:top])
    table = Table("complaint_transformers", _("投诉最多的台区"), [
        Column(_("台区编号")), Column(_("台区")), Column(_("件数"), INT)], chart=(1, 2))
    for row in rows:
        table.add(row["customer__transformer__device_id"], row["customer__transformer__name"],
                  Cell(row["n"], {"type": "complaint", "transformer": row["customer__transformer_id"]}))
    return table


def _street_counts(complaints):
    return Counter(street_of(a) for a in complaints.filter(customer__isnull=False)
                   .values_list("customer__address", flat=True))


def complaints_by_street(scope, period, *, top=TOP):
    """Streets (derived from the customer's address: analytics/streets.py) with the most complaints."""
    counts = _street_counts(complaints_in(scope, period))
    table = Table("complaint_streets", _("投诉最多的街道"), [Column(_("街道")), Column(_("件数"), INT)],
                  chart=(0, 1))
    for street, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]:
        table.add(street, Cell(n, {"type": "complaint", "street": street}))
    return table


def complaints_trend(scope, period, *, months=12):
    """Complaints per period, this one and the previous ones, with the change on the one before
    (环比, month-on-month when the period is a month)."""
    periods = [period, *period.previous(months - 1)][::-1]
    base = WorkOrder.objects.filter(org_id__in=scope.org_ids, order_type=OrderType.COMPLAINT,
                                    accepted_at__gte=periods[0].start, accepted_at__lt=period.end)
    buckets = base.aggregate(**{f"p{i}": Count("id", filter=Q(accepted_at__gte=p.start, accepted_at__lt=p.end))
                                for i, p in enumerate(periods)})
    table = Table("complaint_trend", _("投诉趋势与环比"), [
        Column(_("期间")), Column(_("件数"), INT), Column(_("环比变化"), INT), Column(_("环比"), PCT)],
        chart=(0, 1))
    previous = None
    for i, p in enumerate(periods):
        n = buckets[f"p{i}"]
        link = {"type": "complaint", **p.params()}
        change = None if previous is None else n - previous
        table.add(p.label, Cell(n, link), change, None if previous is None else share(n - previous, previous))
        previous = n
    return table


def month_on_month(scope, period):
    """(this period's complaints, the previous period's, change as a fraction or None)."""
    prev = period.previous(1)[0]
    now_n, prev_n = complaints_in(scope, period).count(), complaints_in(scope, prev).count()
    return now_n, prev_n, share(now_n - prev_n, prev_n)


# --------------------------------------------------------------------------- rectification


def rectifications(scope, *, period=None):
    """Rectification items of the scope (created in the period, if given), newest first."""
    from griddesk.analytics.models import Rectification

    items = Rectification.objects.filter(org_id__in=scope.org_ids).select_related(
        "org", "owner", "category", "transformer")
    if period is not None:
        items = items.filter(created_at__gte=period.start, created_at__lt=period.end)
    return list(items.order_by("-created_at", "-id"))


def rectifications_table(scope, period, *, now=None):
    """Rule A-3: items created in the period, their deadline and effect (complaints before/after)."""
    now = now or timezone.now()
    table = Table("rectifications", _("整改措施（规则 A-3）"), [
        Column(_("编号")), Column(_("标题")), Column(_("责任单位")), Column(_("状态")), Column(_("整改期限")),
        Column(_("按期")), Column(_("整改前投诉"), INT), Column(_("整改后投诉"), INT)])
    for item in rectifications(scope, period=period):
        on_time = item.met if item.done_at else (False if item.due_at < now else None)
        table.add(item.number, item.title, item.org.name, item.get_state_display(),
                  timezone.localtime(item.due_at).strftime("%Y-%m-%d %H:%M"),
                  "" if on_time is None else (_("是") if on_time else _("否")),
                  item.complaints_before, item.complaints_after)
    return table
