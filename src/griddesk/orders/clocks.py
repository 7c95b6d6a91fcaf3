"""SLA clocks on work orders (服务时限): which deadlines an order gets, starting, stopping, pausing.

Only order services call these (never views). The deadline arithmetic itself
lives once, in `griddesk.rules`; here we decide which keys apply to an order
and keep each clock's row right:

- accepted: repair R-2/<zone> (not for customer-internal faults until consented);
  complaint K-3/complaint (+ K-3/complaint-contact where the rule set has it);
  report K-3/report; application T-1/<class> and, for residents, T-3/resident.
- later stages start and stop their own clocks (table `ACTION_CLOCKS`).
- storm mode (R-3) and waiting on the customer add pauses; paused time does not count.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from griddesk.orders.models import (
    ApplicationKind,
    ClockPause,
    FaultSide,
    OrderType,
    SlaClock,
)
from griddesk.outages.selectors import storms_covering
from griddesk.rules.selectors import DeadlineNotFound, compute_due, deadline_for, ruleset_in_force

WARN_FRACTION = 0.8
# A rule set that carries this key wants every repair visited after restoration (rule C-12).
REPAIR_VISIT_KEY = "C-12/repair-visit"
COMPLAINT_VISIT_KEY = "C-12/complaint-visit"

T1_KEYS = {
    ApplicationKind.RESIDENT: "T-1/lv",
    ApplicationKind.LV_NONRESIDENT: "T-1/lv",
    ApplicationKind.HV_SINGLE: "T-1/hv-single",
    ApplicationKind.HV_DUAL: "T-1/hv-dual",
}
T2_KEYS = {
    ApplicationKind.RESIDENT: "T-2/lv",
    ApplicationKind.LV_NONRESIDENT: "T-2/lv",
    ApplicationKind.HV_SINGLE: "T-2/hv",
    ApplicationKind.HV_DUAL: "T-2/hv",
}
# Whole-process connection deadline after contract signing (T-3 "others"); the
# ten-commitments set has class-specific keys, which win where present.
T3_OTHER_KEYS = {
    ApplicationKind.LV_NONRESIDENT: ("T-3/lv-nonresident", "T-3/other"),
    ApplicationKind.HV_SINGLE: ("T-3/hv-single", "T-3/other"),
    ApplicationKind.HV_DUAL: ("T-3/hv-dual", "T-3/other"),
}


def _accept_keys(order):
    zone = order.zone or "urban"
    if order.order_type == OrderType.REPAIR:
        return [] if order.fault_side == FaultSide.CUSTOMER_INTERNAL else [f"R-2/{zone}"]
    if order.order_type == OrderType.COMPLAINT:
        return ["K-3/complaint", "K-3/complaint-contact"]
    if order.order_type == OrderType.REPORT:
        return ["K-3/report"]
    if order.order_type == OrderType.APPLICATION and order.application_kind:
        keys = [T1_KEYS[order.application_kind]]
        if order.application_kind == ApplicationKind.RESIDENT:
            keys.append("T-3/resident")  # rule T-3: residents, from the accepted application
        return keys
    return []


def _start_keys(order, action):
    """Clocks an action starts: (keys, first-match-only)."""
    zone = order.zone or "urban"
    if order.order_type == OrderType.REPAIR and action == "arrive":
        return [f"R-1/restore-{zone}"], False
    if order.order_type == OrderType.REPAIR and action in ("restore", "outage_restore"):
        return [REPAIR_VISIT_KEY], False  # only where the rule set has it (rule C-12)
    if order.order_type == OrderType.REPAIR and action == "consent":
        return [f"R-2/{zone}"], False  # a paid repair's crew clock runs from the consent
    if order.order_type == OrderType.COMPLAINT and action == "reply":
        return [COMPLAINT_VISIT_KEY], False  # rule C-12: the return visit is tracked from the reply
    if order.order_type == OrderType.REPAIR and action == "request_visit":
        return [REPAIR_VISIT_KEY], False
    if order.order_type in (OrderType.CONSULTATION, OrderType.QUERY) and action == "owe_callback":
        return ["C-6/callback"], False
    if order.order_type == OrderType.APPLICATION and order.application_kind:
        if action == "submit_design" and order.application_kind != ApplicationKind.RESIDENT:
            return [T2_KEYS[order.application_kind]], False  # rule T-2: from the customer's submission
        if action == "sign_contract" and order.application_kind in T3_OTHER_KEYS:
            return list(T3_OTHER_KEYS[order.application_kind]), True
    return [], False


# action -> key prefixes of the clocks it stops (met if stopped by the due time)
STOP_PREFIXES = {
    # an outage restored (rule C-12) ends its calls' arrival and restoration clocks alike
    OrderType.REPAIR: {"arrive": ("R-2/",), "restore": ("R-1/",), "outage_restore": ("R-2/", "R-1/"),
                       "visit": ("C-12/",)},
    OrderType.COMPLAINT: {"contact": ("K-3/complaint-contact",), "reply": ("K-3/",), "visit": ("C-12/",)},
    OrderType.REPORT: {"reply": ("K-3/",)},
    OrderType.CONSULTATION: {"answer": ("C-6/",)},
    OrderType.QUERY: {"answer": ("C-6/",)},
    OrderType.APPLICATION: {
        # energising ends the application: a resident's T-1 (no supply-plan stage) ends with it
        "reply_plan": ("T-1/",), "review_design": ("T-2/",), "energise": ("T-",),
    },
}
ARCHIVE_STOPS_ALL = ("",)  # an archived order has no clock running, whatever its path


@dataclass
class ClockPlan:
    """Clocks worked out before the order is written (reads first, then the short write)."""

    version: object
    clocks: list = field(default_factory=list)  # [(SlaClock without order, [(from, to, storm)])]


def accept_plan(*, order, at):
    """The rule-set version in force at acceptance and the clocks it starts (order not saved yet).

    Rule K-2: letters, boxes and reception days count from when the customer handed them in.
    """
    version = ruleset_in_force(at=at)
    return ClockPlan(version=version, clocks=_plan(order=order, keys=_accept_keys(order),
                                                   start=order.received_at, version=version))


def accept_plan_apply(*, plan, order):
    _save(order, plan.clocks)


def clocks_on_transition(*, order, action, at):
    """Stop the clocks this action meets, then start the ones it opens; returns those started."""
    prefixes = STOP_PREFIXES.get(order.order_type, {}).get(action, ())
    if action == "archive":
        prefixes = ARCHIVE_STOPS_ALL
    if prefixes:
        running = SlaClock.objects.filter(order=order, stopped_at__isnull=True)
        for clock in running:
            if clock.key.startswith(prefixes):
                _stop(clock, at)
    keys, first_only = _start_keys(order, action)
    if keys:
        version = order.ruleset_version or ruleset_in_force(at=order.accepted_at)
        planned = _plan(order=order, keys=keys, start=at, version=version, first_only=first_only)
        return _save(order, planned)
    return []


def _plan(*, order, keys, start, version, first_only=False):
    planned, storms = [], None
    for key in keys:
        try:
            deadline = deadline_for(key, version=version)
        except DeadlineNotFound:
            continue  # this rule set has no such deadline (e.g. K-3/complaint-contact in service-code)
        clock = SlaClock(key=key, rule=deadline.rule, label=deadline.label, ruleset_version=version,
                         org=order.org, owner=order.owner, started_at=start)
        pauses = []
        if key.startswith("R-2/"):  # rule R-3: storm mode pauses the arrival clock
            if storms is None:
                storms = storms_covering(org=order.org, at=start)
            pauses = [(max(storm.starts_at, start), storm.ends_at, storm) for storm in storms]
        _set_due(clock, [(a, b) for a, b, _s in pauses])
        planned.append((clock, pauses))
        if first_only:
            break
    return planned


def _save(order, planned):
    for clock, _pauses in planned:
        clock.order = order
    SlaClock.objects.bulk_create([clock for clock, _p in planned])
    pauses = [ClockPause(clock=clock, reason=storm.reason, storm=storm, started_at=a, ended_at=b)
              for clock, pauses in planned for a, b, storm in pauses]
    if pauses:
        ClockPause.objects.bulk_create(pauses)
    return [clock for clock, _p in planned]


def _set_due(clock, pauses):
    result = compute_due(clock.key, start=clock.started_at, ruleset_version=clock.ruleset_version,
                         pauses=pauses)
    clock.due_at = result.due
    span = clock.due_at - clock.started_at
    clock.warn_at = clock.started_at + timedelta(seconds=span.total_seconds() * WARN_FRACTION)
    clock.basis = result.basis
    return clock


def _stop(clock, at):
    if clock.paused_since is not None:
        # A stage done while waiting on the customer ends the wait first: the time waited
        # moves the due time, and only then is the clock judged (met or late).
        clock_resume(clock=clock, at=at)
    clock.stopped_at = at
    clock.met = at <= clock.due_at
    SlaClock.objects.filter(pk=clock.pk).update(stopped_at=at, met=clock.met)


def late_clocks_stopped_by(*, order, action, at):
    """Running clocks that `action` would stop, already past due (they need a delay reason)."""
    prefixes = STOP_PREFIXES.get(order.order_type, {}).get(action, ())
    if not prefixes:
        return []
    # A paused clock is late only if it already was when the pause began (`remaining`).
    return [c for c in SlaClock.objects.filter(order=order, stopped_at__isnull=True, due_at__lt=at)
            if c.key.startswith(prefixes) and remaining(c, at) < timedelta(0)]


def clocks_record_delay_reason(*, clocks, reason):
    SlaClock.objects.filter(pk__in=[c.pk for c in clocks]).update(delay_reason=reason[:200])


def clock_recompute(clock):
    pauses = [(p.started_at, p.ended_at or p.started_at) for p in clock.pauses.all()]
    _set_due(clock, pauses)
    SlaClock.objects.filter(pk=clock.pk).update(due_at=clock.due_at, warn_at=clock.warn_at,
                                                basis=clock.basis)


def clock_pause(*, clock, reason, at, until=None, storm=None):
    """Pause a running clock from `at` (to `until` when known, else until `clock_resume`)."""
    with transaction.atomic():
        ClockPause.objects.create(clock=clock, reason=reason, storm=storm, started_at=at, ended_at=until)
        if until is None:
            SlaClock.objects.filter(pk=clock.pk).update(paused_since=at, pause_reason=reason)
            clock.paused_since, clock.pause_reason = at, reason
        else:
            clock_recompute(clock)
    return clock


def clock_resume(*, clock, at):
    with transaction.atomic():
        ClockPause.objects.filter(clock=clock, ended_at__isnull=True).update(ended_at=at)
        clock.paused_since, clock.pause_reason = None, ""
        SlaClock.objects.filter(pk=clock.pk).update(paused_since=None, pause_reason="")
        clock_recompute(clock)
    return clock


def remaining(clock, now=None):
    """Time left (negative when breached); frozen while paused."""
    now = now or timezone.now()
    reference = clock.paused_since or clock.stopped_at or now
    return clock.due_at - reference


def repair_visit_required(order):
    """A repair must be visited before archiving when it was a paid service (rule P-4), was sampled
    or asked for a visit (rule C-12), or its rule-set version carries a repair-visit deadline."""
    if order.order_type != OrderType.REPAIR:
        return False
    if order.fault_side == FaultSide.CUSTOMER_INTERNAL and hasattr(order, "paid_service"):
        return True
    if order.visit_wanted:  # sampled at restoration, or asked for (rule C-12)
        return True
    if order.ruleset_version_id is None:
        return False
    try:
        deadline_for(REPAIR_VISIT_KEY, version=order.ruleset_version)
    except DeadlineNotFound:
        return False
    return True
