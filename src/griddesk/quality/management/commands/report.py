"""`griddesk report reliability|voltage …` (quality.reports, docs/quality.md).

Each report is an entry of `quality.reports.REPORTS` (name -> (help, add_arguments, handle)), the shape
of the analytics app's `report` command: where both apps are installed, that one command serves all
(register these entries there and drop this module).
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from griddesk.quality.reports import REPORTS


class Command(BaseCommand):
    help = "报表：griddesk report reliability|voltage --from D --to D [--json]"

    def add_arguments(self, parser):
        reports = parser.add_subparsers(dest="report", required=True, metavar="REPORT")
        for name, (help_text, add_arguments, _handle) in REPORTS.items():
            sub = reports.add_parser(name, help=_(help_text), description=_(help_text))
            add_arguments(sub)

    def handle(self, *, report, **options):
        REPORTS[report][2](self, **options)
