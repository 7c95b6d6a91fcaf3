"""The monthly compliance report (月度服务质量报告): service levels, hotline, halls, complaints,
rectification, and whatever other apps add.

Extension point: `SECTION_PROVIDERS`, a list of `Section`s in report order. An app adds its own
sections with `register_section(...)` from its AppConfig.ready(), e.g. the quality app's reliability
and voltage sections:

    from griddesk.analytics.report import register_section
    register_section("reliability", gettext_lazy("供电可靠性"), build=reliability_tables, order=60)

`build(scope, period)` returns a list of griddesk.tables.Table for the scope (analytics.periods.Scope:
an org and its subtree's ids) and the period (analytics.periods.Period). The report is printable HTML
(print CSS) from `griddesk report monthly --org CODE --month YYYY-MM [--out FILE]` and the console's
report page (one click).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from griddesk.analytics.charts import bar_chart
from griddesk.grid.models import Zone
from griddesk.tables import INT, NUM, Column, Table, prepare


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    build: Callable
    order: int = 100


SECTION_PROVIDERS: list[Section] = []


def register_section(key, title, *, build, order=100):
    """Add (or replace, by key) a section of the monthly report; sections print by `order`."""
    SECTION_PROVIDERS[:] = [s for s in SECTION_PROVIDERS if s.key != key]
    SECTION_PROVIDERS.append(Section(key, title, build, order))
    SECTION_PROVIDERS.sort(key=lambda s: (s.order, s.key))


def _service_levels(scope, period):
    from griddesk.analytics import selectors as s

    return [s.sla_compliance(scope, period), s.sla_by_org(scope, period), s.repair_times(scope, period),
            s.complaint_handling(scope, period),
            s.satisfaction(scope, period), s.repeat_contacts(scope, period), s.transfers(scope, period)]


def _hotline(scope, period):
    from griddesk.analytics import selectors as s

    return [*s.hotline(scope, period), s.halls(scope, period)]


def _complaints(scope, period):
    from griddesk.analytics import hotspots
    from griddesk.analytics import selectors as s

    return [s.complaints_trend(scope, period, months=6), s.complaints_by_category(scope, period),
            s.complaints_by_cause(scope, period), s.complaints_by_org(scope, period),
            hotspots.hot_spots_table(scope, period)[0]]


def _rectification(scope, period):
    from griddesk.analytics import selectors as s

    return [s.rectifications_table(scope, period)]


def _reliability(scope, period):
    """Rule Q-1 from the quality app: the indices of the month by zone (against the targets) and kind."""
    from griddesk.outages.models import OutageKind
    from griddesk.quality.selectors import reliability_report

    report = reliability_report(first=period.first, last=period.last, org=scope.org)
    table = Table("reliability", _("供电可靠性（规则 Q-1）"), [
        Column(_("范围")), Column(_("用户数"), INT), Column(_("停电户次"), INT), Column(_("停电时户数"), NUM),
        Column(_("SAIFI（次/户）")), Column(_("SAIDI（小时/户）")), Column(_("供电可靠率 RS-1")),
        Column(_("目标"))])
    labels = dict(Zone.choices) | dict(OutageKind.choices)
    for label, entry in [(_("合计"), report["total"]), *((labels[z], e) for z, e in report["zones"].items()),
                         *((labels[k], e) for k, e in report["kinds"].items())]:
        target = entry.get("target_percent")
        table.add(label, entry["customers_served"], entry["customer_interruptions"], entry["customer_hours"],
                  f"{entry['saifi']:.4f}", f"{entry['saidi']:.4f}", f"{entry['asai_percent']:.4f}%",
                  f"≥ {target}%" if target else "—")
    return [table]


def _voltage(scope, period):
    """Rules V-1..V-6 from the quality app: qualification rates of the month by class and zone."""
    from griddesk.quality.models import PointClass
    from griddesk.quality.selectors import voltage_report

    report = voltage_report(first=period.first, last=period.last, org=scope.org)
    table = Table("voltage", _("电压合格率（规则 V-6）"), [
        Column(_("类别 / 区域")), Column(_("监测点"), INT), Column(_("监测分钟"), INT), Column(_("越上限分钟"), INT),
        Column(_("越下限分钟"), INT), Column(_("合格率")), Column(_("目标"))])
    labels = dict(PointClass.choices) | dict(Zone.choices)
    rows = [*report["classes"].items(), *report["zones"].items()]
    for key, entry in rows:
        rate, target = entry["rate_percent"], entry.get("target_percent")
        table.add(labels[key], entry["points"], entry["monitored_minutes"], entry["over_upper_minutes"],
                  entry["under_lower_minutes"], "—" if rate is None else f"{rate:.3f}%",
                  f"≥ {target}%" if target else "—")
    comprehensive = report["comprehensive_percent"]
    table.note = _("综合电压合格率：%s") % ("—" if comprehensive is None else f"{comprehensive:.3f}%")
    return [table]


def register_builtin_sections():
    register_section("service", _("服务时限与质量"), build=_service_levels, order=10)
    register_section("hotline", _("热线与营业厅"), build=_hotline, order=20)
    register_section("complaints", _("投诉分析"), build=_complaints, order=30)
    register_section("rectification", _("整改措施"), build=_rectification, order=40)
    register_section("reliability", _("供电可靠性"), build=_reliability, order=50)
    register_section("voltage", _("电压质量"), build=_voltage, order=60)


def monthly_report(scope, period):
    """[(section, [table with its chart])] for every registered section."""
    built = []
    for section in SECTION_PROVIDERS:
        tables = section.build(scope, period)
        for table in tables:
            prepare(table)
            table.svg = bar_chart(table)
        built.append((section, tables))
    return built


def monthly_report_html(scope, period, *, request=None):
    """The whole report as a standalone printable HTML page."""
    return render_to_string("analytics/report_monthly.html", {
        "scope": scope, "period": period, "sections": monthly_report(scope, period),
        "generated": timezone.localtime(), "standalone": request is None,
    }, request=request)
