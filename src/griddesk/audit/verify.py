"""`griddesk audit verify`: the whole history checked at once, in one consistent snapshot (rule K-8).

Besides every chain and head (services.chains_walk, heads_check) it reconciles the work orders
with their history: every order has a stream that starts with its `order.created` event, carries
the version its newest workflow event recorded, and the order numbers of every day run 1..last
without a gap. With a checkpoint (checkpoints.py) it also checks that everything the checkpoint
saw is still there, unchanged. docs/audit.md says what this catches and what it cannot.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction

from griddesk.audit.services import ORDER_STREAM_PREFIX, chains_walk, heads_check

NUMBER_TAIL = 14  # YYYYMMDD + 6-digit sequence, after the province code (orders.intake)


@dataclass
class Problem:
    """A break found outside the chains themselves: `subject` names the order, day or checkpoint."""

    subject: str
    reason: str

    def __str__(self):
        return f"{self.subject}: {self.reason}"


@dataclass
class VerifyReport:
    events: int
    streams: int
    breaks: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.breaks


@contextmanager
def history_snapshot():
    """Everything read inside sees the database at one moment, so writes going on meanwhile raise
    no false alarm (a head moved after its chain was read). Writers are not blocked: PostgreSQL
    reads a REPEATABLE READ snapshot, SQLite a deferred read transaction (WAL)."""
    if connection.in_atomic_block:  # the caller's transaction (tests) is the snapshot
        yield
    elif connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    elif connection.vendor == "sqlite":
        # Django's atomic() would BEGIN IMMEDIATE (settings: transaction_mode) and stop every writer.
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
    else:
        yield


def history_verify(*, checkpoints=(), batch_size=5000, progress=None):
    """Check the whole history; a VerifyReport lists the first break of each problem found.

    `checkpoints`: statements of `checkpoint_make` kept elsewhere (checkpoints.checkpoint_load):
    everything each of them saw must still be there, unchanged. `progress`: called with the number
    of events checked so far, batch by batch (the auditor screen's background run, audit.auditing).
    """
    from griddesk.audit.checkpoints import checkpoint_breaks, checkpoints_marks

    with history_snapshot():
        walk = chains_walk(marks=checkpoints_marks(checkpoints), batch_size=batch_size, progress=progress)
        breaks = walk.breaks + heads_check(walk)
        counters, (taken, odd_numbers) = order_counters(), order_numbers()
        breaks += orders_reconcile(walk) + odd_numbers + order_number_gaps(counters, taken)
        for statement in checkpoints:
            breaks += checkpoint_breaks(statement, walk, counters, taken)
    return VerifyReport(events=walk.checked, streams=len(walk.ends), breaks=breaks)


def order_counters():
    """{"YYYY-MM-DD": last number taken} of the order-number counters."""
    from griddesk.orders.models import OrderNumberCounter

    return {day.isoformat(): last for day, last in OrderNumberCounter.objects.values_list("day", "last")}


def orders_reconcile(walk):
    """Every order has its history, and is at the version its newest event recorded (rule K-8).

    An order changed without its event (a workflow action bypassed), or one whose newest
    events were deleted with its head rewound, is at a version its history never recorded.
    """
    from griddesk.orders.models import WorkOrder

    problems = []
    rows = WorkOrder.objects.order_by("pk").values_list("pk", "number", "version")
    for pk, number, version in rows.iterator(chunk_size=10000):
        stream = f"{ORDER_STREAM_PREFIX}{pk}"
        if stream in walk.broken:
            continue  # its chain break is reported already
        problem = _order_problem(walk.orders.get(stream), number, version)
        if problem:
            problems.append(Problem(f"{stream} (order {number})", problem))
    return problems


def _order_problem(trail, number, version):
    if trail is None:
        return "work order has no history (its events were deleted)"
    where = f"#{trail.seq}"
    if trail.first_action != "order.created":
        return f"history starts with {trail.first_action!r}, not 'order.created'"
    if trail.number != number:
        return f"its order.created event recorded number {trail.number!r}: the order was renumbered"
    if version > trail.version:
        return (f"order is at version {version} but its history (up to {where}) records version "
                f"{trail.version}: changed without its event, or its newest events deleted")
    if version < trail.version:
        return (f"order is at version {version} but its history (up to {where}) records version "
                f"{trail.version}: the order was rolled back behind its history")
    return None


def order_numbers():
    """({"YYYY-MM-DD": {serial, …}} of the orders' numbers, [Problem] for numbers of no known form)."""
    from griddesk.orders.models import WorkOrder

    taken, problems = {}, []
    for number in WorkOrder.objects.values_list("number", flat=True).iterator(chunk_size=10000):
        day, serial = _number_parts(number)
        if day is None:
            problems.append(Problem(f"order {number}", "number does not end in YYYYMMDD + 6 digits"))
            continue
        taken.setdefault(day, set()).add(serial)
    return taken, problems


def order_number_gaps(counters, taken):
    """Every day's numbers 1..last (the counter) exist as orders, and none lies beyond it (K-8).

    A whole order deleted with its history leaves its number missing; one per day is named,
    the lowest.
    """
    problems = []
    for day in sorted(counters.keys() | taken.keys()):
        problems += _day_problems(day, counters.get(day), taken.get(day, set()))
    return problems


def _number_parts(number):
    tail = number[-NUMBER_TAIL:]
    if len(number) <= NUMBER_TAIL or not tail.isdigit():
        return None, None
    return f"{tail[:4]}-{tail[4:6]}-{tail[6:8]}", int(tail[8:])


def _day_problems(day, last, serials):
    subject = f"order numbers of {day}"
    if last is None:
        return [Problem(subject, f"{len(serials)} order(s) but no number counter for the day (counter deleted)")]
    problems = []
    within = sum(1 for n in serials if n <= last)
    if within < last:
        missing = next(n for n in range(1, last + 1) if n not in serials)
        problems.append(Problem(subject, f"number {_number(day, missing)} is missing: the counter says {last} "
                                         f"were taken, {within} of them exist (an order deleted?)"))
    beyond = sorted(n for n in serials if n > last)
    if beyond:
        problems.append(Problem(subject, f"number {_number(day, beyond[0])} lies beyond the counter's {last} "
                                         "(counter rewound?)"))
    return problems


def _number(day, serial):
    return f"{settings.GRIDDESK_PROVINCE_CODE}{day.replace('-', '')}{serial:06d}"
