"""`griddesk audit verify`: checks every hash chain and names the first broken event."""

from django.core.management.base import BaseCommand, CommandError

from griddesk.audit.selectors import streams_missing_for_orders
from griddesk.audit.services import audit_verify


class Command(BaseCommand):
    help = "Audit history tools (rule K-8)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="check the hash chains; exit 1 naming the first broken event")

    def handle(self, *, action, **options):
        checked, breaks = audit_verify()
        for order_stream in streams_missing_for_orders():
            breaks.append(f"{order_stream}: work order has no history (its events were deleted)")
        if breaks:
            for item in breaks:
                self.stderr.write(f"BROKEN {item}")
            raise CommandError(f"audit verify: {len(breaks)} broken chain(s) in {checked} events; "
                               f"first: {breaks[0]}")
        self.stdout.write(f"audit verify: OK, {checked} events in intact chains")
