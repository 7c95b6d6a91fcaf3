"""`griddesk report monthly --org CODE --month YYYY-MM [--out FILE]`: the monthly compliance report as
printable HTML (analytics/report.py); without --out it is written to standard output.

Each report is an entry of `REPORTS` (name -> (help, add_arguments, handle)); the quality app's
`report reliability` and `report voltage` join by adding theirs (one `report` command for all).
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from griddesk.analytics.periods import Period, Scope
from griddesk.analytics.report import monthly_report_html
from griddesk.orgs.models import Org
from griddesk.quality.reports import REPORTS as QUALITY_REPORTS


def _monthly_arguments(parser):
    parser.add_argument("--org", required=True, metavar="CODE", help=_("单位编码（含下级单位）"))
    parser.add_argument("--month", required=True, metavar="YYYY-MM", help=_("报告月份"))
    parser.add_argument("--out", metavar="FILE", help=_("写入该 HTML 文件（默认输出到标准输出）"))


def _monthly(command, *, org, month, out=None, **_options):
    unit = Org.objects.filter(code=org).first()
    if unit is None:
        raise CommandError(_("单位编码 \"%s\" 不存在") % org)
    try:
        period = Period.month(month)
    except ValidationError as error:
        raise CommandError("；".join(error.messages)) from None
    html = monthly_report_html(Scope.of(unit), period)
    if out:
        Path(out).write_text(html, encoding="utf-8")
        command.stdout.write(_("已写入 %(file)s（%(org)s %(month)s 月度服务质量报告）") % {
            "file": out, "org": unit.name, "month": period.label})
    else:
        command.stdout.write(html)


REPORTS = {
    "monthly": (gettext_noop("月度服务质量报告（服务时限、热线、营业厅、投诉、整改及各应用登记的章节）"),
                _monthly_arguments, _monthly),
    **QUALITY_REPORTS,  # report reliability, report voltage (docs/quality.md)
}


class Command(BaseCommand):
    help = "报表：griddesk report monthly --org CODE --month YYYY-MM [--out FILE]"

    def add_arguments(self, parser):
        reports = parser.add_subparsers(dest="report", required=True, metavar="REPORT")
        for name, (help_text, add_arguments, _handle) in REPORTS.items():
            sub = reports.add_parser(name, help=_(help_text), description=_(help_text))
            add_arguments(sub)

    def handle(self, *, report, **options):
        REPORTS[report][2](self, **options)
