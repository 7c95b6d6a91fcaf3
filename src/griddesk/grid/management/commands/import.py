"""`griddesk import KIND FILE [--dry-run]`: CSV import, all-or-nothing (docs/formats.md).

Each kind is an entry of `IMPORTERS`; outages, voltage and calls join by adding one.
An importer is called as `run(path=..., dry_run=..., actor=None, **its own options)` and
returns a `griddesk.csvimport.ImportResult` or raises `ImportFailed`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from griddesk.analytics.importers import counter_import, cti_import
from griddesk.billing.importers import bills_import
from griddesk.csvimport import ImportFailed
from griddesk.customers.importers import customers_import
from griddesk.grid.importers import topology_import
from griddesk.orgs.models import Org
from griddesk.outages.importers import outages_import
from griddesk.outages.replay import calls_import
from griddesk.quality.importers import readings_import, voltage_import


@dataclass(frozen=True)
class Option:
    flags: tuple
    kwargs: dict


@dataclass(frozen=True)
class Importer:
    run: Callable
    help: str
    options: tuple = field(default_factory=tuple)
    # Turns the parsed command-line options into the importer's own keyword arguments.
    prepare: Callable | None = None


def _root_org(options):
    code = options.get("org")
    if not code:
        return {"root_org": None}
    org = Org.objects.filter(code=code).first()
    if org is None:
        raise CommandError(_("单位编码 \"%(code)s\" 不存在") % {"code": code})
    return {"root_org": org}


IMPORTERS = {
    "topology": Importer(
        run=topology_import,
        help=gettext_lazy("device_id,kind,parent_id,name,zone — 电网拓扑（变电站、馈线、开关、熔断器、台区）"),
        options=(Option(("--org",), {
            "metavar": "CODE", "help": gettext_lazy("新建的变电站归属的单位编码；其他新设备继承上级设备的单位"),
        }),),
        prepare=_root_org,
    ),
    "customers": Importer(
        run=customers_import,
        help=gettext_lazy(
            "account_no,name,phone,address,transformer_id,supply_voltage,zone,important — 客户档案"
        ),
    ),
    "outages": Importer(
        run=outages_import,
        help=gettext_lazy(
            "outage_id,kind,device_id,start,end,cause — 停电事件（计划、临时、故障），"
            "按停电编号更新；结束时间已过为历史停电"
        ),
    ),
    "voltage": Importer(
        run=voltage_import,
        help=gettext_lazy(
            "point_id,point_class,zone,supply_voltage,date,monitored_minutes,over_upper_minutes,"
            "under_lower_minutes — 电压监测点日统计（A/B/C/D 类），按监测点和日期更新"
        ),
        options=(Option(("--org",), {
            "metavar": "CODE", "help": gettext_lazy("新建的监测点归属的单位编码；缺省时取同编号客户或设备的单位"),
        }),),
        prepare=_root_org,
    ),
    "readings": Importer(
        run=readings_import,
        help=gettext_lazy("point_id,time,volts — 电压原始读数，按限值（规则 V-1～V-5）折算为监测点日统计"),
    ),
    "calls": Importer(
        run=calls_import,
        help=gettext_lazy(
            "call_id,time,account_no,description — 故障来电，按时间顺序研判并保存（同 outages replay --commit）"
        ),
    ),
    "bills": Importer(
        run=bills_import,
        help=gettext_lazy(
            "account_no,month,kwh,amount,estimated,paid_at,pay_channel — 电费账单（B-1 估抄标记），"
            "按户号和账期更新；paid_at 为空表示欠费"
        ),
    ),
    "cti": Importer(
        run=cti_import,
        help=gettext_lazy(
            "call_id,phone,agent_no,offered_at,answered_at,ended_at — 热线话单（规则 C-4），按话单编号更新；"
            "应答时间为空为放弃呼叫"
        ),
        options=(Option(("--org",), {
            "metavar": "CODE", "help": gettext_lazy("工号找不到座席时话单归属的单位编码（默认省公司）"),
        }),),
        prepare=_root_org,
    ),
    "counter": Importer(
        run=counter_import,
        help=gettext_lazy(
            "ticket_id,hall_code,business,called_at,finished_at — 营业厅柜台业务（规则 H-5），按票号更新；"
            "business 为 payment（居民缴费）或其他业务编码"
        ),
    ),
}


class Command(BaseCommand):
    help = "CSV 导入（全部成功或全部不导入）：griddesk import KIND FILE [--dry-run]"

    def add_arguments(self, parser):
        kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
        for kind, importer in IMPORTERS.items():
            # argparse needs real strings, not lazy ones: translated here, at run time.
            sub = kinds.add_parser(kind, help=str(importer.help), description=str(importer.help))
            sub.add_argument("file", metavar="FILE", help=_("UTF-8 CSV 文件，首行为表头"))
            sub.add_argument("--dry-run", action="store_true", help=_("只检查并报告将发生的变化，不写入"))
            for option in importer.options:
                sub.add_argument(*option.flags, **{
                    key: str(value) if key == "help" else value for key, value in option.kwargs.items()
                })

    def handle(self, *, kind, file, dry_run=False, **options):
        importer = IMPORTERS[kind]
        extra = importer.prepare(options) if importer.prepare else {}
        try:
            result = importer.run(path=file, dry_run=dry_run, actor=None, **extra)
        except ImportFailed as failure:
            for line in failure.errors.lines():
                self.stderr.write(line)
            raise CommandError(str(failure)) from None
        self.stdout.write(result.summary())
