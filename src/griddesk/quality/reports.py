"""The quality app's reports for `griddesk report KIND …` (docs/quality.md).

- `report reliability --from D --to D [--zone Z] [--org CODE] [--momentary-minutes M] [--exclude-med] [--json]`
  (rule Q-1; with Q-2 and Q-3 in the text form and under "q2"/"q3" in JSON);
- `report voltage --from D --to D [--org CODE] [--json]` (rules V-1..V-6).

Dates are local days (Asia/Shanghai), both inclusive. `REPORTS` has one entry per report in the shape
of the analytics app's `report` command registry: name -> (help, add_arguments(parser),
handle(command, **options)); quality/management/commands/report.py serves them on their own.
"""

import json
from datetime import date

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from griddesk.grid.models import Zone
from griddesk.orgs.models import Org
from griddesk.outages.models import OutageKind
from griddesk.quality import selectors


def _day(text):
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(_("日期 \"%s\" 无效，应为 YYYY-MM-DD") % text) from None


def _period(options):
    first, last = _day(options["from"]), _day(options["to"])
    if last < first:
        raise CommandError(_("--to %(to)s 早于 --from %(first)s") % {"to": last, "first": first})
    return first, last


def _org(options):
    code = options.get("org")
    if not code:
        return None
    org = Org.objects.filter(code=code).first()
    if org is None:
        raise CommandError(_("单位编码 \"%(code)s\" 不存在") % {"code": code})
    return org


def _pct(value):
    return "—" if value is None else f"{value:.4f}%"


def reliability(command, **options):
    first, last = _period(options)
    zone = options.get("zone")
    if zone and zone not in Zone.values:
        raise CommandError(_("区域 \"%(zone)s\" 无效，应为 %(allowed)s 之一") % {
            "zone": zone, "allowed": "、".join(Zone.values)})
    minutes = options.get("momentary_minutes")
    if minutes is None or minutes < 0:
        raise CommandError(_("--momentary-minutes 不能为负数"))
    org = _org(options)
    report = selectors.reliability_report(first=first, last=last, zone=zone, org=org, momentary_minutes=minutes,
                                          exclude_med=options.get("exclude_med", False))
    q2 = selectors.planned_outage_counts(year=last.year, org=org)
    q3 = selectors.notice_timeliness(first=first, last=last, org=org)
    if options.get("json"):
        report["q2"] = {**q2}
        report["q3"] = {**{k: v for k, v in q3.items() if k != "late"},
                        "late": [{"code": o.code, "kind": o.kind, "starts_at": o.starts_at.isoformat(),
                                  "notice_due_at": o.notice_due_at.isoformat(),
                                  "announced_at": o.announced_at.isoformat() if o.announced_at else None,
                                  "late_reason": o.late_reason} for o in q3["late"]]}
        report["med"] = _json_med(report["med"])
        command.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        return
    out = command.stdout
    out.write(_("供电可靠性（规则 Q-1）%(first)s 至 %(last)s，%(hours).0f 小时；短时停电阈值 %(m)s 分钟") % {
        "first": first, "last": last, "hours": report["hours"], "m": minutes})
    head = f"{'':<12}{'NT':>10}{'ΣNi':>12}{'Σri·Ni (h)':>14}{'SAIFI':>10}{'SAIDI':>10}{'CAIDI':>10}{'ASAI':>12}"
    out.write(head)

    def line(label, e, target=None):
        extra = "" if target is None else "  " + _("目标 %s") % _pct(target)
        out.write(f"{label:<12}{e['customers_served']:>10,}{e['customer_interruptions']:>12,}"
                  f"{e['customer_hours']:>14,.2f}{e['saifi']:>10.4f}{e['saidi']:>10.4f}{e['caidi']:>10.4f}"
                  f"{_pct(e['asai_percent']):>12}{extra}")

    line(_("合计"), report["total"])
    for z, e in report["zones"].items():
        line(str(Zone(z).label), e, e.get("target_percent"))
    for k, e in report["kinds"].items():
        line(str(OutageKind(k).label), e)
    out.write(_("短时停电 %(n)d 次，%(ci)s 户次（不计入 SAIFI、SAIDI）") % {
        "n": report["total"]["momentary_outages"], "ci": f"{report['total']['momentary_interruptions']:,}"})
    med = report["med"]
    if med is not None:
        if med["applied"]:
            out.write(_("重大事件日（2.5β 法，阈值 %(t).2f 分钟/户）：%(days)s") % {
                "t": med["threshold_minutes"], "days": ", ".join(str(d) for d in med["days"]) or "—"})
        else:
            out.write(_("历史数据不足，未剔除重大事件日"))
    out.write(_("规则 Q-2：%(year)d 年计划停电超限客户 %(n)d 户（检查 %(checked)d 户）") % {
        "year": q2["year"], "n": len(q2["over_limit"]), "checked": q2["customers_checked"]})
    for row in q2["over_limit"]:
        out.write(f"  {row['account_no']} {row['name']} {row['supply_voltage']} "
                  f"{row['planned_outages']}/{row['limit']}")
    out.write(_("规则 Q-3：按时发布 %(in_time)d / %(n)d（%(pct)s）") % {
        "in_time": q3["in_time"], "n": q3["outages"], "pct": _pct(q3["in_time_percent"])})
    for outage in q3["late"]:
        out.write(f"  {outage.code} {outage.get_kind_display()} {outage.late_reason or _('（未发布）')}")


def _json_med(med):
    if med is None:
        return None
    return {**med, "days": [d.isoformat() for d in med["days"]]}


def voltage(command, **options):
    first, last = _period(options)
    report = selectors.voltage_report(first=first, last=last, org=_org(options))
    if options.get("json"):
        command.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        return
    out = command.stdout
    out.write(_("电压合格率（规则 V-6）%(first)s 至 %(last)s") % {"first": first, "last": last})
    for c, e in report["classes"].items():
        out.write(f"  {c}  {_pct(e['rate_percent']):>12}  " + _("%(points)d 个监测点，监测 %(m)s 分钟") % {
            "points": e["points"], "m": f"{e['monitored_minutes']:,}"})
    for z, e in report["zones"].items():
        out.write(f"  {Zone(z).label}  {_pct(e['rate_percent']):>12}  " + _("目标 %s") % _pct(e["target_percent"]))
    out.write(_("综合电压合格率：%s") % _pct(report["comprehensive_percent"]))


def _period_arguments(parser):
    parser.add_argument("--from", dest="from", required=True, metavar="YYYY-MM-DD", help=_("首日（含），当地日期"))
    parser.add_argument("--to", dest="to", required=True, metavar="YYYY-MM-DD", help=_("末日（含），当地日期"))
    parser.add_argument("--org", metavar="CODE", help=_("只统计该单位及其下级"))
    parser.add_argument("--json", action="store_true", help=_("输出 JSON"))


def _reliability_arguments(parser):
    _period_arguments(parser)
    parser.add_argument("--zone", choices=Zone.values, help=_("只统计该区域的客户"))
    parser.add_argument("--momentary-minutes", type=float, default=5,
                        help=_("短于该分钟数的停电为短时停电，不计入 SAIFI、SAIDI（默认 5）"))
    parser.add_argument("--exclude-med", action="store_true",
                        help=_("按 IEEE 1366 的 2.5β 法剔除重大事件日（历史数据足够时）"))


REPORTS = {
    "reliability": (gettext_noop("供电可靠性：SAIFI、SAIDI、CAIDI、ASAI（RS-1，规则 Q-1、Q-2、Q-3）"),
                    _reliability_arguments, reliability),
    "voltage": (gettext_noop("电压合格率：按类别、区域和单位（规则 V-1～V-6）"), _period_arguments, voltage),
}
