"""受理写入 (order intake): the write half of accepting orders, for one order or a batch.

`services.order_draft` does the reads, the validation and the deadline plan, and writes
nothing; `intake_write` then writes whole drafts in one transaction: the day's numbers
(one counter update), the orders, their audit streams, sealed identities, clocks and
pauses, and whatever rows the channel adds (the API's idempotency record), one INSERT
per table whatever the number of drafts (up to a few dozen rows a statement). The
statements are prepared text (griddesk.fastsql): at the national peak the ORM's compile
cost is the bottleneck.

The counter row (gapless numbers, rule K-8) is locked from its update to the commit,
so nothing but these few inserts happens in between.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from griddesk import fastsql
from griddesk.audit.models import AuditEvent, AuditHead
from griddesk.audit.services import audit_new_stream_rows, stream_of
from griddesk.notify.models import Message
from griddesk.notify.services import message_rows
from griddesk.orders.handover import intake_crew_members, intake_dispatch_items
from griddesk.orders.models import (
    Accusation,
    ClockPause,
    FaultSide,
    OrderNumberCounter,
    OrderState,
    OrderType,
    SealedIdentity,
    SlaClock,
    WorkOrder,
)


@dataclass(eq=False)
class IntakeDraft:
    """An order ready to write (受理草稿): validated, its crew found, its clocks planned.

    `extra(order)` returns more unsaved rows to write in the same transaction, after the
    order has its number and primary key (the API's idempotency record).
    """

    order: WorkOrder
    actor: object
    plan: object = None  # clocks.ClockPlan; None for a repeat contact (no clocks)
    identity: dict | None = None
    parent: WorkOrder | None = None  # rule A-4: the open matter this call repeats
    extra: object = None
    result: list = field(default_factory=list)  # the rows `extra` made, once written
    accused: list = field(default_factory=list)  # rule K-9: the units the matter is about (Orgs)

    def reset(self):
        """Back to unwritten, after a failed transaction, so that it can be written again."""
        self.order.pk, self.order.number, self.result = None, "", []
        self.order._state.adding = True
        for clock, _pauses in self.plan.clocks if self.plan else ():
            clock.pk = None


@fastsql.statement
def _counter_sql():
    table, last, day = (fastsql.qn(name) for name in (OrderNumberCounter._meta.db_table, "last", "day"))
    return f"UPDATE {table} SET {last} = {last} + %s WHERE {day} = %s RETURNING {last}"


def order_numbers_take(*, day, count=1):
    """`count` consecutive order numbers of `day` (province + date + gapless sequence,
    e.g. GD20261127000042), in the caller's transaction.

    A rolled-back order gives its number back: no gaps for an auditor to ask about
    (rule K-8). One statement (UPDATE … RETURNING) except for the day's first order.
    """
    with fastsql.cursor() as cursor:
        cursor.execute(_counter_sql(), [count, day])
        row = cursor.fetchone()
    if row is None:
        try:
            with transaction.atomic():
                OrderNumberCounter.objects.create(day=day, last=count)
            last = count
        except IntegrityError:  # another order took the day's first number meanwhile
            return order_numbers_take(day=day, count=count)
    else:
        last = row[0]
    prefix = f"{settings.GRIDDESK_PROVINCE_CODE}{day:%Y%m%d}"
    return [f"{prefix}{n:06d}" for n in range(last - count + 1, last + 1)]


def created_payload(order, accused=()):
    return {
        "number": order.number, "type": order.order_type, "channel": order.channel,
        "received_at": order.received_at.isoformat(), "org": order.org.code,
        "customer": order.customer.account_no if order.customer else None,
        "category": order.category.code if order.category else None, "agent_no": order.agent_no,
        "title": order.title, "description": order.description, "fault_side": order.fault_side,
        "parent": order.parent.number if order.parent else None, "anonymous": order.anonymous,
        **({"accused": [org.code for org in accused]} if accused else {}),
    }


def _events(order, accused):
    events = [("order.created", created_payload(order, accused))]
    if order.parent_id:
        return events
    if order.outage_id:  # rule C-9: joins the outage on its path, with the outage's crew if it has one
        events.append(("order.outage_attached", {"outage": order.outage.code, "crew": order.crew_id}))
        return events
    if order.crew_id:
        events.append(("order.dispatch", {"from": OrderState.ACCEPTED, "to": OrderState.DISPATCHED,
                                          "crew": order.crew.code}))
    elif order.order_type == OrderType.REPAIR and order.fault_side != FaultSide.CUSTOMER_INTERNAL:
        events.append(("order.dispatch_pending", {"reason": "no crew covers the transformer"}))
    return events


def intake_write(drafts):
    """Write `drafts` (all or none) in one transaction; their orders get numbers and keys."""
    members = intake_crew_members(drafts)  # a read: before the counter row is locked
    with transaction.atomic():
        by_day = defaultdict(list)
        for draft in drafts:
            by_day[timezone.localdate(draft.order.accepted_at)].append(draft)
        for day, group in sorted(by_day.items()):
            for draft, number in zip(group, order_numbers_take(day=day, count=len(group)), strict=True):
                draft.order.number = number
        orders = fastsql.insert(WorkOrder, [draft.order for draft in drafts])
        events, heads = [], []
        for draft in drafts:
            rows, head = audit_new_stream_rows(stream=stream_of(draft.order),
                                               events=_events(draft.order, draft.accused),
                                               actor=draft.actor, at=draft.order.accepted_at)
            events += rows
            heads.append(head)
        fastsql.insert(AuditEvent, events)
        fastsql.insert(AuditHead, heads)
        fastsql.insert(SealedIdentity, [SealedIdentity(order=draft.order, **draft.identity)
                                        for draft in drafts if draft.identity])
        fastsql.insert(Accusation, [Accusation(order=draft.order, org=org, recorded_by=draft.actor,
                                               recorded_at=draft.order.accepted_at, note="intake")
                                    for draft in drafts for org in draft.accused])
        _clocks_write(drafts)
        _pages_write(drafts, members)
        _extra_write(drafts)
    return orders


def _pages_write(drafts, members):
    """The crews of the repairs dispatched at once are paged (SMS and console, docs/notify.md)."""
    items = intake_dispatch_items(drafts, members)
    if items:
        fastsql.insert(Message, message_rows(items, at=items[0]["order"].accepted_at))


def _clocks_write(drafts):
    planned = [(draft.order, clock, pauses) for draft in drafts if draft.plan for clock, pauses in draft.plan.clocks]
    for order, clock, _pauses in planned:
        clock.order = order
    fastsql.insert(SlaClock, [clock for _order, clock, _pauses in planned])
    fastsql.insert(ClockPause, [
        ClockPause(clock=clock, reason=storm.reason, storm=storm, started_at=start, ended_at=end)
        for _order, clock, pauses in planned for start, end, storm in pauses
    ])


def _extra_write(drafts):
    by_model = defaultdict(list)
    for draft in drafts:
        if draft.extra:
            draft.result = draft.extra(draft.order)
            for row in draft.result:
                by_model[type(row)].append(row)
    for model, rows in by_model.items():
        fastsql.insert(model, rows)
