"""The public progress of an order (业务进度查询), rule C-2: what its customer may read after a
one-time code (portal.codes) and nothing more.

Steps come from the order's audit events (K-8), but only as the state each step led to and when: no
payload is ever shown, so no staff name, no agent number, no department, no note, and never who made
a report (K-7, K-9). Deadlines show their label, due time and status: due, met, overdue or paused.
"""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from griddesk.audit.models import AuditEvent
from griddesk.audit.services import stream_of
from griddesk.orders.models import OrderState, SlaClock, WorkOrder

# Steps shown besides state changes, in public words; a state change by these is not shown (a
# department handing a complaint back is internal work, not progress).
EXTRA_STEPS = {
    "order.outage_attached": _("已并入停电抢修（同一停电统一抢修）"),
    "order.visit_invited": _("已发送服务评价短信"),
}
INTERNAL = {"order.bounce"}


class DeadlineStatus:
    DUE = "due"
    MET = "met"
    OVERDUE = "overdue"
    PAUSED = "paused"


STATUS_LABELS = {
    DeadlineStatus.DUE: _("进行中，未到期"),
    DeadlineStatus.MET: _("已按时完成"),
    DeadlineStatus.OVERDUE: _("已超时"),
    DeadlineStatus.PAUSED: _("已暂停"),
}


@dataclass(frozen=True)
class Step:
    at: datetime
    label: str


@dataclass(frozen=True)
class Deadline:
    label: str
    rule: str
    due_at: datetime
    status: str

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class Progress:
    number: str
    type_label: str
    state_label: str
    accepted_at: datetime
    steps: list
    deadlines: list


def deadline_status(clock, now):
    """due, met, overdue or paused: a clock stopped in time is met, stopped late or past due overdue."""
    if clock.stopped_at:
        return DeadlineStatus.OVERDUE if clock.met is False else DeadlineStatus.MET
    if clock.paused_since:
        return DeadlineStatus.PAUSED
    if clock.breached_at or clock.due_at <= now:
        return DeadlineStatus.OVERDUE
    return DeadlineStatus.DUE


def progress_of(number, *, now=None):
    """The public progress of order `number`, or None. Three queries (order, events, clocks)."""
    order = WorkOrder.objects.filter(number=number).only(
        "pk", "number", "order_type", "state", "accepted_at").first()
    if order is None:
        return None
    now = now or timezone.now()
    events = AuditEvent.objects.filter(stream=stream_of(order)).order_by("seq").values_list("action", "at", "payload")
    clocks = SlaClock.objects.filter(order=order).order_by("started_at", "pk")
    return Progress(
        number=order.number, type_label=order.get_order_type_display(), state_label=order.get_state_display(),
        accepted_at=order.accepted_at, steps=public_steps(events),
        deadlines=[Deadline(gettext(clock.label), clock.rule, clock.due_at, deadline_status(clock, now))
                   for clock in clocks],
    )


def public_steps(events):
    """(action, at, payload) events → the steps the public sees: accepted, each state reached, and a
    few named events; labels only, never anything of the payload but the state it led to."""
    steps = []
    for action, at, payload in events:
        if action == "order.created":
            steps.append(Step(at, str(OrderState.ACCEPTED.label)))
        elif action in EXTRA_STEPS:
            steps.append(Step(at, str(EXTRA_STEPS[action])))
        elif action not in INTERNAL and isinstance(payload, dict):
            to = payload.get("to")
            if to in OrderState.values and to != payload.get("from"):
                steps.append(Step(at, str(OrderState(to).label)))
    return steps
