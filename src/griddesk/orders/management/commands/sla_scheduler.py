"""`griddesk sla_scheduler`: enqueue the SLA sweep every INTERVAL seconds (run by `serve`).

The sweep itself runs on the task workers; it is idempotent, so a second
scheduler, a retry or an overlap with a slow run costs nothing but a query.
"""

import time

from django.core.management.base import BaseCommand

from griddesk.orders.tasks import sla_sweep


class Command(BaseCommand):
    help = "Enqueue the SLA sweeper periodically."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=30.0)
        parser.add_argument("--once", action="store_true", help="enqueue one sweep and exit")

    def handle(self, *, interval, once, **options):
        while True:
            sla_sweep.enqueue()
            if once:
                return
            time.sleep(interval)
