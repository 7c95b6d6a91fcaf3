"""Some months of service history (工单历史): who called when about what, and what was done.

Two pure steps, so a million customers never need to be in memory at once:

1. `plan_calls` decides, from the seed alone, each call's moment (seconds after the
   history starts), order type, channel and customer *index*. Repair calls partly
   come in bursts from the customers of one 台区: a fault (`Fault`), which is the
   hook for the outages stage (see docs/demo.md, "Outages").
2. `plan_orders` turns calls into orders with every workflow step (orders/workflows.py),
   given the rows of the customers who called. Steps that would lie after `now`
   have not happened yet, so recent orders are still open.

The content (who, what, which step after how long) depends only on the seed and
sizes; the dates are those offsets from `start`, today's midnight minus the
history length, so the history always ends today.
"""

import random
from datetime import timedelta
from typing import NamedTuple

from griddesk.demo import texts
from griddesk.demo.people import below, between, mobile, person_name, pick
from griddesk.demo.sizes import apportion
from griddesk.orders.models import (
    ApplicationKind,
    Channel,
    ComplaintCause,
    FaultSide,
    OrderState,
    OrderType,
    Satisfaction,
)
from griddesk.orders.workflows import WORKFLOWS
from griddesk.orgs.models import RoleCode

DAY = 86400

# Rough shares of a provincial 95598 centre's orders (rule C-1 types); every type occurs.
TYPE_WEIGHTS = [
    (OrderType.REPAIR, 460), (OrderType.CONSULTATION, 200), (OrderType.QUERY, 130),
    (OrderType.APPLICATION, 75), (OrderType.OPINION, 30), (OrderType.SUGGESTION, 30),
    (OrderType.COMPLAINT, 25), (OrderType.PRAISE, 25), (OrderType.REPORT, 5),
]
C = Channel
CHANNELS = {
    OrderType.REPAIR: [(C.HOTLINE, 90), (C.APP, 6), (C.WEBSITE, 3), (C.HALL, 1)],
    OrderType.COMPLAINT: [(C.HOTLINE, 75), (C.WEBSITE, 8), (C.APP, 5), (C.HALL, 4), (C.LETTER, 3),
                          (C.SUGGESTION_BOX, 2), (C.RECEPTION_DAY, 2), (C.OTHER, 1)],
    OrderType.REPORT: [(C.HOTLINE, 60), (C.WEBSITE, 15), (C.LETTER, 15), (C.SUGGESTION_BOX, 5),
                       (C.OTHER, 5)],
    OrderType.CONSULTATION: [(C.HOTLINE, 80), (C.APP, 10), (C.WEBSITE, 7), (C.HALL, 3)],
    OrderType.QUERY: [(C.HOTLINE, 80), (C.APP, 10), (C.WEBSITE, 7), (C.HALL, 3)],
    OrderType.APPLICATION: [(C.HALL, 50), (C.APP, 30), (C.WEBSITE, 15), (C.HOTLINE, 5)],
    OrderType.OPINION: [(C.HOTLINE, 55), (C.WEBSITE, 15), (C.APP, 10), (C.SUGGESTION_BOX, 10),
                        (C.LETTER, 5), (C.RECEPTION_DAY, 5)],
    OrderType.SUGGESTION: [(C.HOTLINE, 55), (C.WEBSITE, 15), (C.APP, 10), (C.SUGGESTION_BOX, 10),
                           (C.LETTER, 5), (C.RECEPTION_DAY, 5)],
    OrderType.PRAISE: [(C.HOTLINE, 70), (C.LETTER, 15), (C.WEBSITE, 10), (C.APP, 5)],
}
# Calls per hour of the day (local time): quiet at night, busy mornings and afternoons.
HOURLY = [10, 6, 4, 3, 3, 5, 15, 30, 50, 70, 75, 70, 50, 50, 65, 70, 70, 60, 50, 55, 50, 40, 30, 20]
BURST_SHARE = 0.35  # of repair calls that come with others from the same 台区 (a fault)
NO_CUSTOMER_SHARE = 0.1  # of consultations and queries: the caller is not a customer of record


class Call(NamedTuple):
    t: int  # seconds after the history's start
    order_type: str
    channel: str
    customer: int | None  # customer index
    fault: int | None  # index into CallPlan.faults
    source: str = "history"  # history; backlog (open at `now`, see plan_backlog); typhoon, live (demo.storms)


class Fault(NamedTuple):
    """A fault on one 台区 that made several of its customers call (the outages hook)."""

    transformer: int  # position in Network.transformers
    t: int
    calls: int


class CallPlan(NamedTuple):
    calls: list
    faults: list

    def customer_indexes(self):
        return {c.customer for c in self.calls if c.customer is not None}


def _weighted(rng, pairs):
    total = sum(w for _v, w in pairs)
    roll = rng.random() * total
    for value, weight in pairs:
        roll -= weight
        if roll < 0:
            return value
    return pairs[-1][0]


def _moment(rng, days):
    """Seconds after the start: a uniform day, an hour by the daily profile, a uniform second."""
    hour = _weighted(rng, list(enumerate(HOURLY)))
    return below(rng, days + 1) * DAY + hour * 3600 + below(rng, 3600)


def plan_calls(seed, layout, *, orders, days):
    """Every call of the history, in time order (see the module docstring)."""
    rng = random.Random(f"{seed}:calls")
    customers = layout.total
    if customers == 0 or orders == 0:
        return CallPlan([], [])
    types = [t for t, _w in TYPE_WEIGHTS]
    counts = dict(zip(types, apportion(orders, [w for _t, w in TYPE_WEIGHTS],
                                       minimum=1 if orders >= len(types) else 0), strict=True))
    calls, faults = [], []
    # A burst needs a 台区 with two customers at least.
    burst_left = round(counts[OrderType.REPAIR] * BURST_SHARE) if max(layout.counts) >= 2 else 0
    counts[OrderType.REPAIR] -= burst_left
    while burst_left >= 2:
        position = below(rng, len(layout.counts))
        size = min(between(rng, 2, 8), burst_left, layout.counts[position])
        if size < 2:
            continue
        t = _moment(rng, days)
        first = layout.starts[position]
        members = rng.sample(range(first, first + layout.counts[position]), size)
        faults.append(Fault(position, t, size))
        for n, customer in enumerate(members):
            t += 0 if n == 0 else between(rng, 30, 600)
            calls.append(Call(t, OrderType.REPAIR, _weighted(rng, CHANNELS[OrderType.REPAIR]), customer,
                              len(faults) - 1))
        burst_left -= size
    counts[OrderType.REPAIR] += burst_left
    for order_type in types:
        for _ in range(counts[order_type]):
            if order_type == OrderType.REPORT:
                customer = None  # whistleblowers stay anonymous (rule K-7)
            elif order_type in (OrderType.CONSULTATION, OrderType.QUERY) and rng.random() < NO_CUSTOMER_SHARE:
                customer = None
            else:
                customer = below(rng, customers)
            calls.append(Call(_moment(rng, days), order_type, _weighted(rng, CHANNELS[order_type]),
                              customer, None))
    calls.sort(key=lambda c: c.t)  # stable: equal moments keep their planned order
    return CallPlan(calls, faults)


# ---------------------------------------------------------------- orders and their steps


class Step(NamedTuple):
    action: str  # workflow action; the audit event is "order.<action>"
    at: object  # aware datetime
    actor: int  # staff key
    payload: dict  # besides "from" and "to", which the builder adds as orders.services does


class OrderPlan(NamedTuple):
    call: Call
    order_type: str
    channel: str
    received_at: object
    accepted_at: object
    customer: int | None
    org: int
    owner: int
    category: str | None
    title: str
    description: str
    caller_name: str
    caller_phone: str
    fault_side: str
    application_kind: str
    anonymous: bool
    steps: tuple  # the steps taken by `now`
    states: tuple  # the state after each step
    handling_org: int | None
    crew: int | None
    cause: str
    satisfaction: str
    outage: int | None = None  # the demo.storms Track the order joined (rule C-9)

    @property
    def state(self):
        return self.states[-1] if self.states else OrderState.ACCEPTED

    @property
    def closed_at(self):
        return self.steps[-1].at if self.state == OrderState.ARCHIVED else None

    @property
    def updated_at(self):
        return self.steps[-1].at if self.steps else self.accepted_at


class Context(NamedTuple):
    """What `plan_orders` needs besides the calls; built once by the builder or a test."""

    province: object
    staffing: object
    network: object
    layout: object
    customers: dict  # customer index -> CustomerRow, for every customer who called
    categories: dict  # order type -> [(code, scheme)] of the leaf categories that apply
    org_codes: dict  # org key -> code
    crew_codes: dict  # crew key -> code


def plan_orders(seed, calls, ctx, *, start, now, backlog=(), storms=()):
    """Orders for the calls accepted by `now`, each with the steps taken by `now`; then the `backlog`
    calls (plan_backlog), each placed so that it is still open at `now`, and the storms' calls
    (demo.storms, whose analysis rewrites the steps of those that join an outage). In acceptance order."""
    rng = random.Random(f"{seed}:orders")
    stations = {s.key: s for s in ctx.province.stations}
    plans = []
    for call in calls:
        # Draw the whole plan even for a call after `now`, so that the orders before it
        # are the same whatever the time of day the demo is built.
        plan = _plan_order(rng, call, ctx, stations, start, now)
        if plan is not None:
            plans.append(plan)
    if backlog:
        plans += _plan_backlog_orders(seed, backlog, ctx, stations, start, now)
    storm_rng = random.Random(f"{seed}:storm-orders")  # their own stream: the history stays as it was
    for call in storms:
        plan = _plan_order(storm_rng, call, ctx, stations, start, now)
        if plan is not None:
            plans.append(plan)
    if backlog or storms:
        plans.sort(key=lambda p: p.accepted_at)  # stable: order numbers follow acceptance (K-8)
    return plans


# ---------------------------------------------------------------- the open work at `now` (backlog)

# What is open at a given moment is weighted by how long each type stays open: applications and
# complaints take days to weeks, consultations minutes. Every type occurs.
BACKLOG_WEIGHTS = [
    (OrderType.REPAIR, 30), (OrderType.APPLICATION, 24), (OrderType.COMPLAINT, 14), (OrderType.CONSULTATION, 6),
    (OrderType.QUERY, 4), (OrderType.OPINION, 6), (OrderType.SUGGESTION, 5), (OrderType.PRAISE, 5),
    (OrderType.REPORT, 6),
]
BACKLOG_LATE = 0.2  # of backlog repairs and complaints whose next step comes late (overdue now, rule K-6)
BACKLOG_ANY_STAGE = 0.3  # of backlog orders placed at a stage drawn alike, not by how long it lasts
BACKLOG_STALLED = 0.25  # of backlog orders stuck where they are for 1.5 - 4 times as long as usual
FAR_FUTURE_DAYS = 3650


def plan_backlog(seed, layout, *, count):
    """`count` calls of every type that are still being worked on at `now` (their moments are set by
    plan_orders, which knows how long each one's workflow takes)."""
    rng = random.Random(f"{seed}:backlog")
    if layout.total == 0 or count == 0:
        return []
    types = [t for t, _w in BACKLOG_WEIGHTS]
    counts = apportion(count, [w for _t, w in BACKLOG_WEIGHTS], minimum=1 if count >= len(types) else 0)
    calls = []
    for order_type, n in zip(types, counts, strict=True):
        for _ in range(n):
            if order_type == OrderType.REPORT:
                customer = None  # rule K-7
            elif order_type in (OrderType.CONSULTATION, OrderType.QUERY) and rng.random() < NO_CUSTOMER_SHARE:
                customer = None
            else:
                customer = below(rng, layout.total)
            calls.append(Call(0, order_type, _weighted(rng, CHANNELS[order_type]), customer, None, "backlog"))
    return calls


def _offset(plan, k):
    """Seconds from acceptance to the order's step `k`."""
    return int((plan.steps[k].at - plan.accepted_at).total_seconds())


def _plan_backlog_orders(seed, calls, ctx, stations, start, now):
    """Each backlog order accepted a random part of its whole workflow's length before `now`, so it
    stands in each of its states about as often as an order spends time there."""
    rng = random.Random(f"{seed}:backlog-orders")
    ages = random.Random(f"{seed}:backlog-ages")
    far = now + timedelta(days=FAR_FUTURE_DAYS)
    now_offset = int((now - start).total_seconds())
    plans = []
    for call in calls:
        state = rng.getstate()
        whole = _plan_order(rng, call._replace(t=now_offset), ctx, stations, start, far)
        length = int((whole.steps[-1].at - whole.accepted_at).total_seconds()) if whole.steps else 0
        age = int(ages.random() ** 2 * length)  # younger rather than older: new work keeps coming
        if whole.steps and ages.random() < BACKLOG_ANY_STAGE:
            # some stand at any stage alike, so that the short ones (on site, inspected…) are there too
            k = below(ages, len(whole.steps))
            low = _offset(whole, k - 1) if k else 0
            age = low + int(ages.random() * (_offset(whole, k) - low))
        limit = None
        if ages.random() < BACKLOG_STALLED and len(whole.steps) > 1:
            # stuck before its step `limit`, for longer than that step usually takes: overdue where a
            # deadline runs (the sweeper's and supervisors' work, rule K-6)
            limit = below(ages, len(whole.steps) - 1)
            usual = int((whole.steps[limit].at - whole.accepted_at).total_seconds())
            age = int(usual * (1.5 + 2.5 * ages.random())) + HOUR
        age = min(age, now_offset)  # never before the history starts
        rng.setstate(state)  # the same draws again, now placed `age` seconds before `now`
        plan = _plan_order(rng, call._replace(t=now_offset - age), ctx, stations, start, now, limit=limit)
        if plan is not None and plan.state != OrderState.ARCHIVED:
            plans.append(plan)
    return plans


def _plan_order(rng, call, ctx, stations, start, now, limit=None):
    accepted = start + timedelta(seconds=call.t)
    customer = ctx.customers[call.customer] if call.customer is not None else None
    station = stations[customer.org] if customer else None
    staff = ctx.staffing
    owner = pick(rng, staff.by_role[RoleCode.AGENT])
    received = _received(rng, call.order_type, call.channel, accepted)
    category = _category(rng, call.order_type, ctx.categories)
    fault_side = _fault_side(rng, category) if call.order_type == OrderType.REPAIR else ""
    place = ctx.network.transformers[ctx.layout.transformer_position(call.customer)].place if customer else ""
    title, description = _text(rng, call.order_type, category, place)
    if call.source in ("typhoon", "live"):  # demo.storms: about the network, often "the street is dark"
        options = [code for code, _s in ctx.categories.get(OrderType.REPAIR, []) if code in texts.STORM_CATEGORIES]
        category = pick(rng, options) if options else category
        fault_side = FaultSide.UTILITY
        title, description = pick(rng, texts.LIVE_TEXTS if call.source == "live" else texts.STORM_TEXTS)
        description = description.format(place=place or "客户所在地")
    caller_name, caller_phone = _caller(rng, call.order_type, customer)
    application_kind = _application_kind(customer) if call.order_type == OrderType.APPLICATION else ""
    builder = _Steps(rng, call.order_type, accepted, now, limit)
    route = _Route(rng, ctx, station, customer, owner, category, call, caller_phone)
    route.walk(builder, fault_side, application_kind)
    if accepted > now:
        return None
    return OrderPlan(
        call, call.order_type, call.channel, received, accepted, call.customer,
        customer.org if customer else ctx.province.departments["KF"], owner, category, title, description,
        caller_name, caller_phone, fault_side, application_kind,
        call.order_type == OrderType.REPORT, tuple(builder.steps), tuple(builder.states),
        builder.value("handling_org"), builder.value("crew"), builder.value("cause") or "",
        builder.value("satisfaction") or "",
    )


def _received(rng, order_type, channel, accepted):
    """When the customer handed it in (rule K-2): letters and boxes days before the order is keyed in."""
    if channel in (Channel.LETTER, Channel.SUGGESTION_BOX, Channel.RECEPTION_DAY):
        return accepted - timedelta(seconds=between(rng, DAY, 3 * DAY))
    if channel in (Channel.WEBSITE, Channel.APP):
        # Online repair reports are taken within minutes (the R-2 clock runs from submission).
        longest = 600 if order_type == OrderType.REPAIR else 5400
        return accepted - timedelta(seconds=between(rng, 60, longest))
    return accepted


def _category(rng, order_type, categories):
    options = categories.get(order_type, [])
    if order_type in (OrderType.COMPLAINT, OrderType.REPORT):
        options = [o for o in options if o[1] == "complaint"] or options  # the A-1 tree
    if order_type == OrderType.REPAIR:
        # Most repair calls are about the utility's network; customer-internal faults are rarer.
        utility = [o for o in options if not o[0].startswith(CUSTOMER_SIDE)]
        options = utility if utility and rng.random() < 0.88 else options
    return pick(rng, options)[0] if options else None


CUSTOMER_SIDE = ("F-CI", "F-NP")  # customer-internal and non-power faults: guided by phone (C-8)


def _fault_side(rng, category):
    if (category or "").startswith(CUSTOMER_SIDE):
        return FaultSide.CUSTOMER_INTERNAL
    return FaultSide.UTILITY if rng.random() < 0.7 else FaultSide.UNKNOWN


def _text(rng, order_type, category, place):
    options = texts.BY_CATEGORY.get(category) or texts.BY_TYPE.get(order_type) or texts.REPAIR_FALLBACK
    title, description = pick(rng, options)
    return title, description.format(place=place or "客户所在地")


def _caller(rng, order_type, customer):
    if order_type == OrderType.REPORT:
        return "", ""  # anonymous (rule K-7)
    if customer is None:
        return person_name(rng), mobile(rng)
    if customer.supply_voltage == "220V":
        return customer.name, customer.phone  # a household calls about its own account
    if customer.contact:
        return customer.contact[0], customer.contact[1]
    return person_name(rng), customer.phone


def _application_kind(customer):
    """As orders.services does: residents at 220V, other low voltage, high voltage."""
    if customer is None:
        return ""
    if customer.supply_voltage == "220V":
        return ApplicationKind.RESIDENT
    if customer.supply_voltage == "380V":
        return ApplicationKind.LV_NONRESIDENT
    return ApplicationKind.HV_SINGLE


class _Steps:
    """The steps of one order, checked against its workflow; those after `now` are dropped."""

    def __init__(self, rng, order_type, accepted, now, limit=None):
        self.rng, self.order_type, self.now, self.limit = rng, order_type, now, limit
        self.t = accepted
        self.state = OrderState.ACCEPTED  # as planned, whether or not the step has happened yet
        self.steps, self.states = [], []
        self.values = {}
        self.stopped = accepted > now

    def take(self, action, actor, wait, payload=None, **values):
        """Wait `wait` = (min, max) seconds, then take `action` (drawing the same whatever `now` is)."""
        self.t = self.t + timedelta(seconds=between(self.rng, *wait))
        target = _target(self.order_type, self.state, action)
        if target is not None:
            self.state = target
        if self.stopped or self.t > self.now or (self.limit is not None and len(self.steps) >= self.limit):
            self.stopped = True
            return
        self.steps.append(Step(action, self.t, actor, payload or {}))
        self.states.append(self.state)
        self.values.update(values)

    def value(self, name):
        return self.values.get(name)


def _target(order_type, state, action):
    """The state `action` leads to from `state` (None: unchanged); a demo step the workflow refuses
    is a bug in this module, so it fails loudly."""
    for transition in WORKFLOWS[order_type]:
        if transition.action == action and transition.allows(state):
            return transition.target
    raise ValueError(f"demo history: {order_type} cannot '{action}' from '{state}'")


SATISFACTION = [(Satisfaction.VERY_SATISFIED, 45), (Satisfaction.SATISFIED, 40), (Satisfaction.NEUTRAL, 8),
                (Satisfaction.DISSATISFIED, 5), (Satisfaction.UNREACHABLE, 2)]
CAUSES = {
    "A1-ATT": [(ComplaintCause.ATTITUDE, 70), (ComplaintCause.SKILL, 20),
               (ComplaintCause.CUSTOMER_TEMPER, 10)],
    "A1-SQ": [(ComplaintCause.SUPPLY, 90), (ComplaintCause.CUSTOMER_UNAWARE, 10)],
    "A1-SAFE": [(ComplaintCause.SUPPLY, 60), (ComplaintCause.SKILL, 40)],
    "A1-BE": [(ComplaintCause.SKILL, 50), (ComplaintCause.CUSTOMER_UNAWARE, 50)],
    "A1-BILL": [(ComplaintCause.CUSTOMER_UNAWARE, 60), (ComplaintCause.SKILL, 30),
                (ComplaintCause.ATTITUDE, 10)],
}
# Which unit handles a complaint of each A-1 class (rule K-3): department suffix, or None for the county.
HANDLER = {"A1-ATT": None, "A1-SQ": "YJ", "A1-SAFE": "AJ", "A1-BE": "YX", "A1-BILL": "YX"}
ARRIVAL_MINUTES = {"urban": (10, 35), "rural": (20, 75), "remote": (30, 100)}  # within R-2 mostly
MINUTE, HOUR = 60, 3600


class _Route:
    """Who does which step of one order, and how long each takes."""

    def __init__(self, rng, ctx, station, customer, owner, category, call, caller_phone):
        self.rng, self.ctx, self.station, self.customer = rng, ctx, station, customer
        self.owner, self.category, self.call, self.caller_phone = owner, category, call, caller_phone
        staff = ctx.staffing
        self.visitor = pick(rng, staff.by_role[RoleCode.RETURN_VISIT])
        if station is not None:
            city = next(c for c in ctx.province.cities if c.key == station.city)
            self.city = city
            self.county_office = pick(rng, staff.by_org_role[(station.county, RoleCode.BACK_OFFICE)])
        else:
            # No customer: the province's 95598 centre keeps the order (see plan_orders).
            self.city, self.county_office = None, owner

    def late(self, share):
        """The share of steps that come late: more in the backlog, where the overdue work is."""
        return BACKLOG_LATE if self.call.source == "backlog" else share

    def walk(self, steps, fault_side, application_kind):
        order_type = self.call.order_type
        if order_type == OrderType.REPAIR:
            self._repair(steps, fault_side)
        elif order_type in (OrderType.COMPLAINT, OrderType.REPORT):
            self._complaint(steps, order_type)
        elif order_type in (OrderType.CONSULTATION, OrderType.QUERY):
            self._consultation(steps)
        elif order_type == OrderType.APPLICATION:
            self._application(steps, application_kind)
        else:
            self._feedback(steps)

    def _repair(self, steps, fault_side):
        rng, ctx = self.rng, self.ctx
        if fault_side == FaultSide.CUSTOMER_INTERNAL:  # rule C-8: guidance by phone
            steps.take("guide", self.owner, (3 * MINUTE, 15 * MINUTE),
                       {"guidance": pick(rng, texts.GUIDANCE)})
            steps.take("archive", self.owner, (HOUR, 24 * HOUR))
            return
        crew = ctx.staffing.crews_of_station[self.station.key][0]
        lineman = pick(rng, ctx.staffing.crews[crew].members)
        # rule C-8: dispatched at once, in the same insert as the order (orders.services.order_create)
        steps.take("dispatch", self.owner, (0, 0), {"crew": ctx.crew_codes[crew]}, crew=crew)
        steps.take("crew_accept", lineman, (MINUTE, 6 * MINUTE), {"note": ""})
        low, high = ARRIVAL_MINUTES[self.customer.zone]
        if rng.random() < 0.05:
            low, high = high + 5, high + 45  # late: the R-2 clock is breached
        steps.take("arrive", lineman, (low * MINUTE, high * MINUTE), {"note": ""})
        steps.take("survey", lineman, (5 * MINUTE, 20 * MINUTE), {"note": pick(rng, texts.SURVEY_NOTES)})
        steps.take("repair", lineman, (20 * MINUTE, 180 * MINUTE), {"note": pick(rng, texts.REPAIR_NOTES)})
        steps.take("restore", lineman, (MINUTE, 10 * MINUTE), {"note": "已恢复送电"})
        if rng.random() < 0.35:  # rule C-12: repairs get a return visit where needed
            self._visit(steps, (2 * HOUR, 30 * HOUR))
        steps.take("archive", self.visitor, (HOUR, 48 * HOUR))

    def _visit(self, steps, wait):
        satisfaction = _weighted(self.rng, SATISFACTION)
        steps.take("visit", self.visitor, wait, {"satisfaction": satisfaction, "note": ""},
                   satisfaction=satisfaction)

    def _complaint(self, steps, order_type):
        rng, ctx = self.rng, self.ctx
        city = self.city or pick(rng, ctx.province.cities)
        suffix = HANDLER.get(self.category, "YX")
        if suffix is None and self.station is not None:
            department = self.station.county
        else:
            department = city.departments[suffix or "YX"]
        handler = pick(rng, ctx.staffing.by_org_role[(department, RoleCode.BACK_OFFICE)])
        steps.take("forward", self.owner, (5 * MINUTE, HOUR),
                   {"department": ctx.org_codes[department], "note": ""}, handling_org=department)
        steps.take("contact", handler, (HOUR, 20 * HOUR), {"note": pick(rng, texts.CONTACT_NOTES)})
        cause = _weighted(rng, CAUSES.get(self.category, CAUSES["A1-BILL"]))
        steps.take("findings", handler, (DAY, 3 * DAY),
                   {"findings": pick(rng, texts.FINDINGS), "cause": cause, "responsibility": ""}, cause=cause)
        late = rng.random() < self.late(0.06)  # rule K-3: a few replies miss the 5 (10) days, to supervise (K-6)
        limit = 3 * DAY if order_type == OrderType.COMPLAINT else 8 * DAY
        wait = (limit, limit + 10 * DAY) if late else (HOUR, DAY)
        steps.take("reply", handler, wait, {"reply": pick(rng, texts.REPLIES)})
        self._visit(steps, (4 * HOUR, 48 * HOUR))  # rule C-12: every complaint gets its visit
        steps.take("archive", self.visitor, (HOUR, 24 * HOUR))

    def _consultation(self, steps):
        rng = self.rng
        if rng.random() < 0.15:  # rule C-6: a callback owed
            steps.take("owe_callback", self.owner, (2 * MINUTE, 8 * MINUTE),
                       {"phone": self.caller_phone, "note": "需查询后回电"})
            steps.take("answer", self.owner, (HOUR, 30 * HOUR), {"answer": pick(rng, texts.ANSWERS)})  # C-6
            steps.take("archive", self.owner, (5 * MINUTE, HOUR))
            return
        steps.take("answer", self.owner, (MINUTE, 8 * MINUTE), {"answer": pick(rng, texts.ANSWERS)})
        steps.take("archive", self.owner, (MINUTE, 20 * MINUTE))

    def _application(self, steps, kind):
        office = self.county_office

        def stage(action, wait):
            steps.take(action, office, wait, {"note": texts.STAGE_NOTES[action], "delay_reason": ""})

        if kind == ApplicationKind.RESIDENT:  # rule T-3: power on within 5 working days
            stage("energise", (DAY, 4 * DAY))
        else:
            high = kind in (ApplicationKind.HV_SINGLE, ApplicationKind.HV_DUAL)
            stage("reply_plan", (5 * DAY, 25 * DAY) if high else (2 * DAY, 9 * DAY))  # rule T-1
            stage("submit_design", (3 * DAY, 20 * DAY))  # the customer's own time: no clock runs (T-2)
            stage("review_design", (7 * DAY, 25 * DAY) if high else (2 * DAY, 8 * DAY))  # rule T-2
            if self.rng.random() < 0.2:  # rule M-2: failed, rectified, inspected again
                stage("inspect_fail", (5 * DAY, 20 * DAY))
                stage("inspect", (3 * DAY, 10 * DAY))
            else:
                stage("inspect", (5 * DAY, 20 * DAY))
            stage("sign_contract", (DAY, 3 * DAY))
            stage("energise", (DAY, 4 * DAY))
        steps.take("archive", office, (DAY, 3 * DAY))

    def _feedback(self, steps):
        rng, ctx = self.rng, self.ctx
        department = self.station.county if self.station else ctx.province.departments["KF"]
        handler = self.county_office if self.station else self.owner
        steps.take("forward", self.owner, (10 * MINUTE, 2 * HOUR),
                   {"department": ctx.org_codes[department], "note": ""}, handling_org=department)
        steps.take("answer", handler, (DAY, 5 * DAY), {"answer": pick(rng, texts.FEEDBACK_ANSWERS)})
        steps.take("archive", self.owner, (HOUR, 24 * HOUR))
