"""`griddesk sla_scheduler`: enqueue the periodic tasks every INTERVAL seconds (run by `serve`): the SLA
sweep, the reminders sweep (K-6 escalation and 通报) and the outbox delivery (docs/notify.md).

They run on the task workers; each is idempotent, so a second scheduler, a retry or an overlap with a
slow run costs nothing but a few queries.

Once an hour it also prunes the task results the sweeps leave (2,880 a day at the default
interval): successful ones after a day, failed ones after 30 days, so that an operator has a
month to look at a failure; and the public site's expired rate-limit and challenge marks
(griddesk.abuse).
"""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand

from griddesk.abuse.services import marks_purge
from griddesk.notify.tasks import outbox_deliver
from griddesk.orders.tasks import reminders_sweep, sla_sweep

PRUNE_EVERY_SECONDS = 3600


class Command(BaseCommand):
    help = "Enqueue the SLA, reminders and outbox sweeps periodically and prune old task results."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=30.0)
        parser.add_argument("--once", action="store_true", help="enqueue one sweep, prune, and exit")

    def handle(self, *, interval, once, **options):
        pruned_at = None
        while True:
            sla_sweep.enqueue()
            reminders_sweep.enqueue()
            outbox_deliver.enqueue()
            if pruned_at is None or time.monotonic() - pruned_at >= PRUNE_EVERY_SECONDS:
                call_command("prune_db_task_results", queue_name="*", min_age_days=1, failed_min_age_days=30,
                             verbosity=0)
                marks_purge()
                pruned_at = time.monotonic()
            if once:
                return
            time.sleep(interval)
