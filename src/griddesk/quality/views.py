"""Console pages of supply quality (供电质量), under /console/quality/: reliability (rules Q-1, Q-2, Q-3)
and voltage (V-1..V-6), for supervisors and managers.

Thin views: the figures come from quality.selectors; griddesk.tables shapes them into tables (each
number a link to the outages or points behind it; `?export=csv|xlsx&table=NAME` downloads one)
and SVG charts drawn on the server.
"""

from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from griddesk.console.pickers import org_choices
from griddesk.grid.models import Zone
from griddesk.orgs.models import Org, RoleCode
from griddesk.orgs.selectors import orgs_visible_q
from griddesk.outages.models import OutageKind
from griddesk.quality import selectors
from griddesk.quality.charts import Bar, bar_chart
from griddesk.quality.models import PointClass
from griddesk.spreadsheets import CSV_TYPE, XLSX_TYPE
from griddesk.tables import (
    DEC2,
    DEC4,
    INT,
    PERCENT2,
    PERCENT4,
    Cell,
    Column,
    Table,
    prepare,
    table_csv,
    table_xlsx,
)

QUALITY_ROLES = (RoleCode.SUPERVISOR, RoleCode.MANAGER)
OUTAGE_LIST_LIMIT = 500
LIST_ROWS_SHOWN = 200  # the lists on the page; the exports carry every row


def _require(user):
    if not user.has_role(*QUALITY_ROLES):
        raise PermissionDenied(_("只有督办和管理人员可以查看供电质量报表。"))


def _filters(request):
    """(first, last, org, errors, params) from the query string: the period (default: this year up to
    today) and an org in the user's scope (default: the whole scope)."""
    user = request.user
    today = timezone.localdate()
    errors = []

    def day(name, default):
        text = request.GET.get(name, "").strip()
        if not text:
            return default
        try:
            return date.fromisoformat(text)
        except ValueError:
            errors.append(_("日期 %(name)s 无效：%(value)s（应为 YYYY-MM-DD）") % {"name": name, "value": text})
            return default

    first = day("from", today.replace(month=1, day=1))
    last = day("to", today)
    if last < first:
        errors.append(_("结束日期早于开始日期，已交换。"))
        first, last = last, first
    if (last - first).days > 366 * 5:
        errors.append(_("期间最长五年，已截短。"))
        first = last - timedelta(days=366 * 5)
    code = request.GET.get("org", "").strip()
    visible = Org.objects.filter(orgs_visible_q(user))
    org = None
    if code:
        org = visible.filter(code=code).first()
        if org is None:
            errors.append(_("找不到单位 %s，或它不在您的管辖范围内。") % code)
    if org is None and not user.is_superuser:
        org = visible.filter(path=user.scope_path).first() if user.scope_path else None
        if org is None:
            raise PermissionDenied(_("您的账号没有所属单位，无法查看报表。"))
    params = {"from": first.isoformat(), "to": last.isoformat()}
    if org is not None:
        params["org"] = org.code
    return first, last, org, errors, params


def _orgs(user):
    return org_choices(user, units_only=True)


def _url(name, params, **extra):
    query = {**params, **{k: v for k, v in extra.items() if v not in (None, "")}}
    return reverse(f"console:quality:{name}") + "?" + urlencode(query)


def _download(request, tables, prefix):
    kind = request.GET.get("export")
    if kind not in ("csv", "xlsx"):
        return None
    name = request.GET.get("table", "")
    table = next((t for t in tables if t.name == name), None)
    if table is None:
        raise Http404(_("没有这个表：%s") % name)
    if kind == "csv":
        response = HttpResponse(table_csv(table), content_type=CSV_TYPE)
    else:
        response = HttpResponse(table_xlsx([table]), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{prefix}-{name}.{kind}"'
    return response


# ---------------------------------------------------------------------- reliability


def _reliability_columns(first_title, target=False):
    columns = [Column(first_title), Column(_("用户总数 NT"), INT), Column(_("停电次数"), INT),
               Column(_("停电户次 ΣNi"), INT), Column(_("停电时户数 Σri·Ni"), DEC2), Column("SAIFI", DEC4),
               Column(_("SAIDI（小时）"), DEC4),
               Column(_("CAIDI（小时）"), DEC4), Column(_("供电可靠率 RS-1"), PERCENT4), Column(_("短时停电户次"), INT)]
    if target:
        columns += [Column(_("目标（规则 Q-1）"), PERCENT2), Column(_("是否达标"))]
    return columns


def _reliability_row(table, label, e, link, *, target=False):
    cells = [Cell(label), Cell(e["customers_served"]), Cell(e["outages"], link),
             Cell(e["customer_interruptions"], link), Cell(e["customer_hours"], link), Cell(e["saifi"], link),
             Cell(e["saidi"], link), Cell(e["caidi"], link), Cell(e["asai_percent"], link),
             Cell(e["momentary_interruptions"], link + "&momentary=1" if link else "")]
    if target:
        cells += [Cell(e.get("target_percent")), Cell(e.get("meets_target"))]
    table.add(*cells)


# The reliability page's tables by what they are made from: an export of one table computes only that.
INDEX_TABLES, Q2_TABLES, Q3_TABLES = ("total", "zones", "kinds", "orgs"), ("q2",), ("q3", "late")


def reliability_tables(report, q2, q3, params):
    """The page's tables from the parts given (None: a part not computed, its tables left out)."""
    return ((_index_tables(report, params) if report is not None else [])
            + (_q2_tables(q2) if q2 is not None else []) + (_q3_tables(q3) if q3 is not None else []))


def _index_tables(report, params):
    total = Table("total", _("合计"), _reliability_columns(_("范围")))
    _reliability_row(total, _("合计"), report["total"], _url("outages", params))
    zones = Table("zones", _("按区域"), _reliability_columns(_("区域"), target=True))
    for z, e in report["zones"].items():
        _reliability_row(zones, str(Zone(z).label), e, _url("outages", params, zone=z), target=True)
    kinds = Table("kinds", _("按停电类型"), _reliability_columns(_("停电类型")))
    for k, e in report["kinds"].items():
        _reliability_row(kinds, str(OutageKind(k).label), e, _url("outages", params, kind=k))
    orgs = Table("orgs", _("按单位"), _reliability_columns(_("单位")))
    names = dict(Org.objects.filter(code__in=list(report["orgs"])).values_list("code", "name"))
    for code, e in report["orgs"].items():
        link = _url("outages", {**params, "org": code}) if code else ""
        _reliability_row(orgs, names.get(code, code or _("（未分配单位）")), e, link)
    return [total, zones, kinds, orgs]


def _q2_tables(q2):
    limits = Table("q2", _("规则 Q-2：计划停电超过年度次数限制的客户"),
                   [Column(_("户号")), Column(_("户名")), Column(_("供电电压")), Column(_("供电单位")),
                    Column(_("计划停电次数"), INT), Column(_("年度限制"), INT)], limit=LIST_ROWS_SHOWN)
    for i, row in enumerate(q2["over_limit"]):  # links for the rows the page shows; the exports need none
        link = reverse("console:caller", args=[row["account_no"]]) if i < LIST_ROWS_SHOWN else ""
        limits.add(Cell(row["account_no"], link), row["name"],
                   row["supply_voltage"], row["org"], row["planned_outages"], row["limit"])
    return [limits]


def _q3_tables(q3):
    notice = Table("q3", _("规则 Q-3：计划和临时停电的发布时间"),
                   [Column(_("停电类型")), Column(_("停电事件"), INT), Column(_("按时发布"), INT),
                    Column(_("按时发布率"), PERCENT2)])
    for k, e in q3["kinds"].items():
        notice.add(str(OutageKind(k).label), e["outages"], e["in_time"], e["in_time_percent"])
    notice.add(_("合计"), q3["outages"], q3["in_time"], q3["in_time_percent"])
    late = Table("late", _("规则 Q-3：延迟发布的停电"),
                 [Column(_("停电编号")), Column(_("停电类型")), Column(_("停电设备")), Column(_("停电开始")),
                  Column(_("最迟发布时间")), Column(_("发布时间")), Column(_("延迟发布原因"))],
                 limit=LIST_ROWS_SHOWN)
    for i, o in enumerate(q3["late"]):
        link = reverse("console:outages:outage", args=[o.code]) if i < LIST_ROWS_SHOWN else ""
        late.add(Cell(o.code, link), o.get_kind_display(),
                 o.device.name, _local(o.starts_at), _local(o.notice_due_at), _local(o.announced_at),
                 o.late_reason or _("（未发布）"))
    return [notice, late]


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


@login_required
def reliability(request):
    _require(request.user)
    first, last, org, errors, params = _filters(request)
    exclude_med = request.GET.get("med") == "1"
    wanted = request.GET.get("table") if request.GET.get("export") in ("csv", "xlsx") else None

    def needed(names):
        return wanted is None or wanted in names

    report = (selectors.reliability_report(first=first, last=last, org=org, exclude_med=exclude_med)
              if needed(INDEX_TABLES) else None)
    q2 = selectors.planned_outage_counts(year=last.year, org=org) if needed(Q2_TABLES) else None
    q3 = selectors.notice_timeliness(first=first, last=last, org=org) if needed(Q3_TABLES) else None
    tables = reliability_tables(report, q2, q3, params)
    download = _download(request, tables, f"reliability-{first}-{last}")
    if download is not None:
        return download
    zone_bars = [Bar(str(Zone(z).label), e["asai_percent"] if e["customers_served"] else None,
                     link=_url("outages", params, zone=z), good=e.get("meets_target"))
                 for z, e in report["zones"].items()]
    values = [b.value for b in zone_bars if b.value is not None]
    low = min([*values, 99.0]) if values else 99.0
    charts = [
        {"title": _("供电可靠率 RS-1（%）与目标"), "chart": bar_chart(zone_bars, low=max(0.0, low - 0.1), high=100.0,
                                                              fmt="{:.3f}")},
        {"title": _("SAIDI（小时）按停电类型"), "chart": bar_chart(
            [Bar(str(OutageKind(k).label), e["saidi"], link=_url("outages", params, kind=k))
             for k, e in report["kinds"].items()], fmt="{:.3f}")},
    ]
    context = {"tables": [prepare(t) for t in tables], "charts": charts, "errors": errors, "params": params,
               "report": report,
               "orgs": _orgs(request.user), "org": org, "first": first, "last": last, "med": report["med"],
               "exclude_med": exclude_med, "q2_year": q2["year"], "query": urlencode(params)}
    return render(request, "quality/reliability.html", context)


@login_required
def outages(request):
    """The counted outages behind a reliability figure (zone, kind, org, momentary)."""
    _require(request.user)
    first, last, org, errors, params = _filters(request)
    zone = request.GET.get("zone", "")
    kind = request.GET.get("kind", "")
    zone = zone if zone in Zone.values else None
    kind = kind if kind in OutageKind.values else None
    momentary = request.GET.get("momentary") == "1"
    rows = selectors.outages_behind(first=first, last=last, zone=zone, org=org, kind=kind, momentary=momentary)
    table = Table("outages", _("停电事件"), [
        Column(_("停电编号")), Column(_("停电类型")), Column(_("停电设备")), Column(_("停电开始")),
        Column(_("实际恢复")), Column(_("期间内小时数 ri"), DEC4), Column(_("停电户数 Ni"), INT),
        Column(_("停电时户数"), DEC2)])
    shown = rows[:OUTAGE_LIST_LIMIT] if not request.GET.get("export") else rows
    described = selectors.outages_described(row["pk"] for row in shown)
    for row in shown:
        o = described[row["pk"]]
        table.add(Cell(o.code, reverse("console:outages:outage", args=[o.code])), o.get_kind_display(),
                  o.device.name, _local(o.starts_at), _local(o.restored_at), row["hours"], row["customers"],
                  row["customer_hours"])
    download = _download(request, [table], f"outages-{first}-{last}")
    if download is not None:
        return download
    context = {"table": prepare(table), "total": len(rows), "limit": OUTAGE_LIST_LIMIT, "errors": errors,
               "params": params, "zone": Zone(zone).label if zone else "",
               "kind": OutageKind(kind).label if kind else "",
               "momentary": momentary, "org": org, "first": first, "last": last, "orgs": _orgs(request.user),
               "keep": [(k, v) for k, v in (("zone", zone), ("kind", kind), ("momentary", "1" if momentary else ""))
                        if v],
               "customer_hours": sum(r["customer_hours"] for r in rows),
               "interruptions": sum(r["customers"] for r in rows),
               "query": urlencode({**params, **{k: v for k, v in (("zone", zone), ("kind", kind)) if v},
                                   **({"momentary": "1"} if momentary else {})})}
    return render(request, "quality/outages.html", context)


# ---------------------------------------------------------------------- voltage


def _voltage_columns(first_title, target=False):
    columns = [Column(first_title), Column(_("监测点数"), INT), Column(_("监测时间（分钟）"), INT),
               Column(_("超上限（分钟）"), INT), Column(_("超下限（分钟）"), INT), Column(_("电压合格率"), PERCENT4)]
    if target:
        columns += [Column(_("目标（规则 V-6）"), PERCENT2), Column(_("是否达标"))]
    return columns


def _voltage_row(table, label, e, link, *, target=False):
    cells = [Cell(label), Cell(e["points"], link), Cell(e["monitored_minutes"], link),
             Cell(e["over_upper_minutes"], link), Cell(e["under_lower_minutes"], link), Cell(e["rate_percent"], link)]
    if target:
        cells += [Cell(e.get("target_percent")), Cell(e.get("meets_target"))]
    table.add(*cells)


def voltage_tables(report, params):
    classes = Table("classes", _("按监测点类别"), _voltage_columns(_("类别")))
    for c, e in report["classes"].items():
        _voltage_row(classes, str(PointClass(c).label), e, _url("points", params, **{"class": c}))
    classes.add(_("综合电压合格率 = 0.5 × A + 0.5 × (B、C、D 均值)"), None, None, None, None,
                report["comprehensive_percent"])
    zones = Table("zones", _("按区域"), _voltage_columns(_("区域"), target=True))
    for z, e in report["zones"].items():
        _voltage_row(zones, str(Zone(z).label), e, _url("points", params, zone=z), target=True)
    orgs = Table("orgs", _("按单位"), _voltage_columns(_("单位")))
    for code, e in report["orgs"].items():
        _voltage_row(orgs, e["name"] or _("（未分配单位）"), e, _url("points", {**params, "org": code}) if code else "")
    return [classes, zones, orgs]


@login_required
def voltage(request):
    _require(request.user)
    first, last, org, errors, params = _filters(request)
    report = selectors.voltage_report(first=first, last=last, org=org)
    tables = voltage_tables(report, params)
    download = _download(request, tables, f"voltage-{first}-{last}")
    if download is not None:
        return download
    rates = [e["rate_percent"] for e in list(report["classes"].values()) + list(report["zones"].values())
             if e["rate_percent"] is not None]
    low = max(0.0, min([*rates, 90.0]) - 1)
    charts = [
        {"title": _("各类监测点电压合格率（%）"), "chart": bar_chart(
            [Bar(c, e["rate_percent"], link=_url("points", params, **{"class": c}))
             for c, e in report["classes"].items()], low=low, high=100.0, fmt="{:.2f}")},
        {"title": _("各区域电压合格率（%）与目标（规则 V-6）"), "chart": bar_chart(
            [Bar(str(Zone(z).label), e["rate_percent"], link=_url("points", params, zone=z), good=e["meets_target"])
             for z, e in report["zones"].items()], low=low, high=100.0, fmt="{:.2f}")},
    ]
    context = {"tables": [prepare(t) for t in tables], "charts": charts, "errors": errors, "params": params,
               "report": report,
               "orgs": _orgs(request.user), "org": org, "first": first, "last": last, "query": urlencode(params)}
    return render(request, "quality/voltage.html", context)


@login_required
def points(request):
    _require(request.user)
    first, last, org, errors, params = _filters(request)
    point_class = request.GET.get("class", "")
    point_class = point_class if point_class in PointClass.values else None
    zone = request.GET.get("zone", "")
    zone = zone if zone in Zone.values else None
    rows = selectors.voltage_points(first=first, last=last, org=org, zone=zone, point_class=point_class)
    table = Table("points", _("监测点"), [
        Column(_("监测点编号")), Column(_("类别")), Column(_("区域")), Column(_("供电电压")),
        Column(_("供电单位")), Column(_("天数"), INT), Column(_("监测时间（分钟）"), INT),
        Column(_("超上限（分钟）"), INT),
        Column(_("超下限（分钟）"), INT), Column(_("电压合格率"), PERCENT4)])
    for r in rows:
        link = reverse("console:quality:point", args=[r["point_id"]]) + "?" + urlencode(
            {"from": first.isoformat(), "to": last.isoformat()})
        table.add(Cell(r["point_id"], link), r["point_class"], str(Zone(r["zone"]).label), r["supply_voltage"],
                  r["org"], r["days"], r["monitored_minutes"], r["over_upper_minutes"], r["under_lower_minutes"],
                  Cell(r["rate_percent"], link))
    download = _download(request, [table], f"points-{first}-{last}")
    if download is not None:
        return download
    query = urlencode({**params, **{k: v for k, v in (("class", point_class), ("zone", zone)) if v}})
    context = {"table": prepare(table), "errors": errors, "params": params, "org": org, "first": first, "last": last,
               "point_class": point_class, "zone": Zone(zone).label if zone else "", "query": query,
               "orgs": _orgs(request.user), "keep": [(k, v) for k, v in (("class", point_class), ("zone", zone)) if v]}
    return render(request, "quality/points.html", context)


@login_required
def point(request, point_id):
    _require(request.user)
    first, last, _org, errors, params = _filters(request)
    found = selectors.point_page(point_id=point_id, first=first, last=last)
    if found is None:
        raise Http404(_("没有监测点 %s") % point_id)
    the_point = found["point"]
    if not request.user.is_superuser and (the_point.org is None
                                          or not the_point.org.path.startswith(request.user.scope_path or "-")):
        raise PermissionDenied(_("监测点 %s 不在您的管辖范围内。") % point_id)
    table = Table("days", _("日统计"), [
        Column(_("日期")), Column(_("监测时间（分钟）"), INT), Column(_("超上限（分钟）"), INT),
        Column(_("超下限（分钟）"), INT),
        Column(_("电压合格率"), PERCENT4)])
    for d in found["days"]:
        table.add(d.date.isoformat(), d.monitored_minutes, d.over_upper_minutes, d.under_lower_minutes,
                  d.rate_percent)
    download = _download(request, [table], f"point-{point_id}-{first}-{last}")
    if download is not None:
        return download
    recent = found["days"][-60:]
    rates = [d.rate_percent for d in recent if d.rate_percent is not None]
    chart = bar_chart([Bar(d.date.strftime("%m-%d"), d.rate_percent) for d in recent],
                      low=max(0.0, min([*rates, 95.0]) - 1), high=100.0, fmt="{:.1f}", width=720)
    params = {"from": first.isoformat(), "to": last.isoformat()}
    context = {"point": the_point, "limits": found["limits"], "abnormal": found["abnormal"], "table": prepare(table),
               "total": found["total"], "chart": chart, "errors": errors, "params": params, "first": first,
               "last": last, "query": urlencode(params)}
    return render(request, "quality/point.html", context)
