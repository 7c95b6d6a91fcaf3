"""Storms of the demo province (台风与正在发生的故障) and what the trouble-call analysis makes of them.

Two pure steps, like `history`:

1. `plan_storms` decides which devices fail and which of the customers below them call, from the
   seed alone: a typhoon (台风) some weeks ago that takes out feeders, switches and transformers of
   one city for hours (hundreds of repair calls, a storm declared, rule R-3), and a fault in
   progress now: a feeder tripped about 40 minutes ago (dozens of calls, confirmed by a dispatcher,
   one crew on the way) and a switch fault that the calls point at but nobody has confirmed yet.
   The planned outages around now (`demo.outages.plan_planned`) are chosen away from them.
2. `analyse` runs every repair call of the demo (history, backlog and storms), in acceptance order,
   through the very engine the live analyser runs (`outages.analysis.Engine`, over the network
   `outages.network.network_load` reads from the database), with what the dispatchers do fed to it
   as the live analyser feeds it (`human_place` when one confirms, `human_end` when an outage is
   restored). It records what the live analyser would have written: an outage per prediction (ended
   ones merged into the one above, or split), each call's decision and outage, the moment each
   order joined an outage (at intake, rule C-9, or when the analyser moved it, rule C-8: one crew
   per outage), and rewrites those orders' steps: the outage's crew arrives, repairs and restores
   them together, then they are visited and archived like any repair.
"""

import heapq
import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk.demo import texts
from griddesk.demo.history import HOUR, MINUTE, SATISFACTION, Call, Step, _target, _weighted
from griddesk.demo.people import between, pick
from griddesk.grid.models import DeviceKind, Zone
from griddesk.orders.models import Channel, FaultSide, OrderState, OrderType
from griddesk.orgs.models import RoleCode
from griddesk.outages.analysis import Engine, Params
from griddesk.outages.models import CallSignal, OutageKind, OutageSource, OutageState
from griddesk.outages.trouble_text import classify

TYPHOON_NAME = "白鹭"
TYPHOON_DAYS_AGO = 18  # "a few weeks ago": the landfall's day, counted back from today
TYPHOON_LANDFALL_HOUR = 15
TYPHOON_DEVICES = ((DeviceKind.FEEDER, 2), (DeviceKind.SWITCH, 3), (DeviceKind.TRANSFORMER, 4))
TYPHOON_CALL_SHARE = 0.45  # of the customers out who call (a typhoon: many, and many say the street is dark)
DEVICE_CALLS = 120  # at most about this many callers per failed device, however large the province
RESTORE_HOURS = {DeviceKind.FEEDER: (5, 9), DeviceKind.SWITCH: (4, 7), DeviceKind.FUSE: (3, 6),
                 DeviceKind.TRANSFORMER: (3, 6)}
LIVE_FEEDER_MINUTES = 40  # the feeder in progress tripped this long before now
LIVE_SWITCH_MINUTES = 25
LIVE_FEEDER_CALLS = 45  # callers expected on the tripped feeder in its first hour
LIVE_SWITCH_CALLS = 14
CONFIRM_MINUTES = 8  # the dispatcher confirms the tripped feeder (the substation's alarm) after this…
ANNOUNCE_MINUTES = 15  # …and announces it (发布: on every caller's page, rule C-9) after this
LIVE_RESTORE_HOURS = 3  # the restoration the dispatcher expects
MIN_CUSTOMERS = 3  # a device worth a storm has this many customers below it at least
ANALYSER_STEP = timedelta(seconds=2)  # the live analyser reads new orders this often (intake sees it then)
STORM_CHANNELS = [(Channel.HOTLINE, 92), (Channel.APP, 6), (Channel.WEBSITE, 2)]
TYPHOON_CAUSES = {
    DeviceKind.FEEDER: "台风“{name}”：10kV线路倒杆断线",
    DeviceKind.SWITCH: "台风“{name}”：柱上开关被刮落的树枝击穿",
    DeviceKind.TRANSFORMER: "台风“{name}”：配变台架受损",
}
LIVE_CAUSES = {
    DeviceKind.FEEDER: "10kV线路跳闸（变电站保护动作），正在巡线抢修",
}


class StormFault(NamedTuple):
    device: int  # DeviceRow key
    kind: str
    at: object  # aware datetime: when it failed
    restore: object  # when power came back (None: not by now)
    storm: str  # "typhoon" or "live"
    confirm: object = None  # when a dispatcher confirmed it (the live feeder), else None
    announce: object = None  # when the dispatcher announced it (the live feeder), else None
    expected: object = None  # the restoration expected (the live feeder), else None


@dataclass
class StormPlan:
    calls: list = field(default_factory=list)  # Call(source="storm"), in time order
    faults: list = field(default_factory=list)  # StormFault
    city: int | None = None  # the typhoon's city (org key)
    declared: tuple | None = None  # (starts_at, ends_at) of the typhoon's storm mode (rule R-3)

    def customer_indexes(self):
        return {c.customer for c in self.calls}

    def feeders(self, network):
        """The feeders of the failed devices (the planned outages keep away from them)."""
        parent = {d.key: d.parent for d in network.devices}
        kind = {d.key: d.kind for d in network.devices}
        found = set()
        for fault in self.faults:
            key = fault.device
            while key is not None and kind[key] != DeviceKind.FEEDER:
                key = parent[key]
            if key is not None:
                found.add(key)
        return found


class _Topology:
    """Which transformers (positions in Network.transformers) lie below each device, its feeder, city."""

    def __init__(self, province, network, layout):
        self.devices = {d.key: d for d in network.devices}
        self.position = {t.key: i for i, t in enumerate(network.transformers)}
        self.under = {}
        self.feeder = {}
        for i, t in enumerate(network.transformers):
            key = t.key
            while key is not None:
                self.under.setdefault(key, []).append(i)
                key = self.devices[key].parent
        for d in network.devices:
            key = d.key
            while key is not None and self.devices[key].kind != DeviceKind.FEEDER:
                key = self.devices[key].parent
            self.feeder[d.key] = key
        city_of = {s.key: s.city for s in province.stations}
        city_of.update({c.key: c.city for c in province.counties})
        self.city = {d.key: city_of.get(d.org) for d in network.devices}
        self.layout = layout

    def customers(self, device):
        return sum(self.layout.counts[i] for i in self.under.get(device, ()))

    def customer_indexes(self, device):
        for i in self.under.get(device, ()):
            start = self.layout.starts[i]
            yield from range(start, start + self.layout.counts[i])


def plan_storms(seed, province, network, layout, *, start, now):
    """The typhoon of some weeks ago and the faults in progress (see the module docstring)."""
    rng = random.Random(f"{seed}:storms")
    plan = StormPlan()
    if layout.total == 0:
        return plan
    topo = _Topology(province, network, layout)
    used = set()  # feeders already failed: one failure per feeder, none below another
    days = max(0, (now - start).days)
    landfall_day = days - TYPHOON_DAYS_AGO if days > TYPHOON_DAYS_AGO + 1 else days // 2
    landfall = start + timedelta(days=landfall_day, hours=TYPHOON_LANDFALL_HOUR)
    if landfall + timedelta(hours=12) < now:
        _typhoon(rng, plan, topo, province, landfall, used)
    _live(rng, plan, topo, now, used)
    plan.calls = [_call(start, at, customer, storm) for at, customer, storm in sorted(plan.calls)]
    return plan


def _call(start, at, customer, storm):
    return Call(int((at - start).total_seconds()), OrderType.REPAIR, Channel.HOTLINE, customer, None, storm)


def _candidates(topo, kind, used, city=None):
    """Devices of `kind` with customers below, on feeders not used yet, most customers first."""
    rows = [(topo.customers(d.key), d.key) for d in topo.devices.values()
            if d.kind == kind and (city is None or topo.city[d.key] == city)
            and topo.feeder[d.key] not in used]
    return [key for n, key in sorted(rows, key=lambda r: (-r[0], r[1])) if n >= MIN_CUSTOMERS]


def _typhoon(rng, plan, topo, province, landfall, used):
    # the city whose network has the most customers on its largest feeders takes the landfall
    feeders_by_city = {}
    for key in _candidates(topo, DeviceKind.FEEDER, used):
        feeders_by_city.setdefault(topo.city[key], []).append(key)
    if not feeders_by_city:
        return
    city = max(feeders_by_city, key=lambda c: (sum(topo.customers(k) for k in feeders_by_city[c][:2]), -c))
    plan.city = city
    plan.declared = (landfall - timedelta(hours=2), landfall + timedelta(hours=16))
    for kind, count in TYPHOON_DEVICES:
        options = _candidates(topo, kind, used, city)
        if kind == DeviceKind.TRANSFORMER:  # a few 台区 here and there, not the largest ones
            options = rng.sample(options, len(options))
        for key in options[:count]:
            if topo.feeder[key] in used:
                continue
            used.add(topo.feeder[key])
            at = landfall + timedelta(seconds=between(rng, 0, 4 * HOUR))
            low, high = RESTORE_HOURS[kind]
            restore = at + timedelta(seconds=between(rng, low * HOUR, high * HOUR))
            plan.faults.append(StormFault(key, kind, at, restore, "typhoon"))
            _callers(rng, plan, topo, key, at, TYPHOON_CALL_SHARE, DEVICE_CALLS, mean=20 * MINUTE,
                     latest=restore - timedelta(minutes=20), storm="typhoon")


def _live(rng, plan, topo, now, used):
    feeders = _candidates(topo, DeviceKind.FEEDER, used)
    if not feeders:
        return
    feeder = feeders[0]
    used.add(feeder)
    at = now - timedelta(minutes=LIVE_FEEDER_MINUTES)
    expected = (at + timedelta(hours=LIVE_RESTORE_HOURS)).replace(second=0, microsecond=0)
    plan.faults.append(StormFault(feeder, DeviceKind.FEEDER, at, None, "live",
                                  confirm=at + timedelta(minutes=CONFIRM_MINUTES),
                                  announce=at + timedelta(minutes=ANNOUNCE_MINUTES), expected=expected))
    _callers(rng, plan, topo, feeder, at, 0.5, LIVE_FEEDER_CALLS, mean=12 * MINUTE, latest=now, storm="live")
    # a switch with two transformers below at least, on another feeder
    switches = [k for k in _candidates(topo, DeviceKind.SWITCH, used) if len(topo.under.get(k, ())) >= 2]
    if switches:
        switch = switches[0]
        used.add(topo.feeder[switch])
        at = now - timedelta(minutes=LIVE_SWITCH_MINUTES)
        plan.faults.append(StormFault(switch, DeviceKind.SWITCH, at, None, "live"))
        _callers(rng, plan, topo, switch, at, 0.5, LIVE_SWITCH_CALLS, mean=8 * MINUTE, latest=now, storm="live")


def _callers(rng, plan, topo, device, at, share, most, *, mean, latest, storm):
    """Each customer below `device` calls with chance `share` (fewer in a large area: about `most` in
    all), after a long-tailed delay (exponential, `mean` seconds), no later than `latest`."""
    customers = topo.customers(device)
    chance = min(share, most / customers) if customers else 0
    for customer in topo.customer_indexes(device):
        if rng.random() >= chance:
            continue
        delay = timedelta(seconds=max(30, int(rng.expovariate(1 / mean))))
        moment = at + delay
        if moment <= latest:
            plan.calls.append((moment, customer, storm))


# ---------------------------------------------------------------- the analysis


@dataclass(eq=False)
class Track:
    """One outage as the live analyser would keep it: an OutageEvent's life, from the engine's
    prediction (or a planned outage the engine knows of) to its restoration or its end."""

    index: int
    node: int  # engine device index
    device: int  # Device pk
    born: object
    prediction: object = None  # the engine's Prediction (None: a planned outage)
    kind: str = OutageKind.FAULT
    source: str = OutageSource.ANALYSIS
    first_call: object = None
    crew: int | None = None  # crew key
    arrive: object = None  # when its crew gets there
    restore: object = None  # when power comes back (None: not by now)
    restored: object = None
    confirmed: object = None
    announced: object = None
    expected: object = None  # the restoration a dispatcher announced
    ended: object = None
    merged_into: object = None  # Track
    storm: str = ""  # typhoon, live, or "" for a fault of the history
    fault_kind: str = ""  # the kind of the device that really failed (storm faults)
    planned: object = None  # the OutageRow of a planned outage
    calls_at_birth: int = 0

    @property
    def state(self):
        if self.planned is not None:
            return self.planned.state
        if self.ended is not None:
            return OutageState.CANCELLED
        if self.restored is not None:
            return OutageState.RESTORED
        if self.announced is not None:
            return OutageState.ACTIVE
        if self.confirmed is not None:
            return OutageState.CONFIRMED
        return OutageState.PREDICTED


class Joined(NamedTuple):
    at: object
    track: Track
    intake: bool  # joined when the order was taken (rule C-9), not moved there by the analyser


@dataclass
class Analysis:
    tracks: list
    decisions: dict  # plan index -> (signal, decision kind)
    joined: dict  # plan index -> [Joined], in time order
    analysed: list  # plan indexes analysed, in order

    def final(self, i):
        entries = self.joined.get(i)
        return entries[-1].track if entries else None


class _LiveCall(NamedTuple):
    id: int  # plan index
    time: object
    customer: int  # customer index: what counts as one caller


def analyse(seed, plans, ctx, net, *, device_base, storms, planned, now):
    """Every repair call of `plans` (acceptance order) through the analysis engine; see the module
    docstring. `net`: outages.network.network_load(); `planned`: demo.outages OutageRows."""
    rng = random.Random(f"{seed}:analysis")
    state = _State(rng, ctx, net, device_base, storms, planned, now)
    for i, plan in enumerate(plans):
        if plan.order_type != OrderType.REPAIR or plan.customer is None:
            continue
        state.events_until(plan.accepted_at)
        state.call(i, plan)
    state.events_until(now)
    return Analysis(state.tracks, state.decisions, state.joined, state.analysed)


class _State:
    def __init__(self, rng, ctx, net, device_base, storms, planned, now):
        self.rng, self.ctx, self.net, self.base, self.now = rng, ctx, net, device_base, now
        self.tracks, self.decisions, self.joined, self.analysed = [], {}, {}, []
        self.of_prediction = {}  # id(Prediction) -> Track
        self.alive = []  # tracks of the engine's current predictions
        self.timed = []  # heap of (at, sequence, what, data): restorations and confirmations
        self.sequence = 0
        self.faults = [(net.index[device_base + f.device], f) for f in storms.faults]
        self.ctx_devices = {d.key: d for d in ctx.network.devices}
        self.known = {}  # engine node -> Track of a planned outage
        spans = []
        for row in planned:
            if row.state not in (OutageState.ANNOUNCED, OutageState.ACTIVE):
                continue
            node = net.index[device_base + row.device]
            track = self._track(node, row.starts_at, None, kind=row.kind, source=OutageSource.PLAN)
            track.planned, track.crew = row, self._device_crew(row.device)
            track.restore = row.expected_restoration_at
            track.arrive = row.starts_at
            self.known[node] = track
            spans.append((device_base + row.device, row.starts_at, row.restored_at))
        self.engine = Engine(net, Params(), known=spans)
        for node, fault in self.faults:
            if fault.confirm is not None:
                self._at(fault.confirm, "confirm", node)
            if fault.announce is not None and fault.announce <= now:
                self._at(fault.announce, "announce", (node, fault.expected))

    # ------------------------------------------------------------------ time

    def _at(self, at, what, data):
        self.sequence += 1
        heapq.heappush(self.timed, (at, self.sequence, what, data))

    def events_until(self, at):
        while self.timed and self.timed[0][0] <= at:
            moment, _seq, what, data = heapq.heappop(self.timed)
            if what == "restore":
                track = data
                if track.ended is None and track.restored is None and self.engine.top.get(track.node) is \
                        track.prediction:
                    track.restored = moment
                    self.alive.remove(track)
                    self.engine.human_end(track.device, moment)  # a dispatcher restored it (rule 7)
                    self._sync(moment)
            elif what == "confirm":
                prediction = self.engine.human_place(self.net.key[data], moment)
                self._sync(moment, human=True)
                self.of_prediction[id(prediction)].confirmed = moment
            elif what == "announce":
                node, expected = data
                track = self.of_prediction.get(id(self.engine.top.get(node)))
                if track is not None:
                    track.announced, track.expected = moment, expected

    # ------------------------------------------------------------------ calls

    def call(self, i, plan):
        at = plan.accepted_at
        customer = self.ctx.customers[plan.customer]
        transformer = self.base + self.ctx.network.transformers[self.ctx.layout.transformer_position(
            plan.customer)].key
        t = self.net.index[transformer]
        internal = plan.fault_side == FaultSide.CUSTOMER_INTERNAL
        signal = CallSignal.INTERNAL if internal else classify(f"{plan.title} {plan.description}")
        if not internal:
            # rule C-9 at intake: below an open outage the intake already knows of, the call joins it
            above = self.engine._prediction_above(t)
            track = self.of_prediction.get(id(above)) if above is not None else None
            if track is not None and track.born + ANALYSER_STEP <= at:
                self.joined[i] = [Joined(at, track, True)]
            else:
                known = self._known_track(t, at)
                if known is not None:
                    self.joined[i] = [Joined(at, known, True)]
        decision = self.engine.call(_LiveCall(i, at, customer.index), transformer, signal)
        self.decisions[i] = (str(signal), decision.kind)
        self.analysed.append(i)
        self._sync(at + ANALYSER_STEP)

    def _known_track(self, t, at):
        for node in self.net.ancestors(t):
            track = self.known.get(node)
            if track is not None and track.planned.starts_at <= at and (
                    track.planned.restored_at is None or at < track.planned.restored_at):
                return track
        return None

    def _sync(self, at, human=False):
        """What the live analyser writes after a step: new predictions as outages, ended ones merged or
        split, and every call of a prediction attached to its outage."""
        top = self.engine.top
        for node, prediction in top.items():
            if id(prediction) not in self.of_prediction:
                track = self._track(node, at, prediction, source=OutageSource.DISPATCHER if human and
                                    prediction.human else OutageSource.ANALYSIS)
                self.alive.append(track)
        for track in list(self.alive):
            if top.get(track.node) is not track.prediction:
                track.ended = at
                above = self.engine._prediction_above(track.node)
                track.merged_into = self.of_prediction.get(id(above)) if above is not None else None
                self.alive.remove(track)
        for track in self.alive:
            for call, _t in track.prediction.calls:
                entries = self.joined.setdefault(call.id, [])
                if not entries or entries[-1].track is not track:
                    entries.append(Joined(max(at, call.time), track, False))

    def _track(self, node, at, prediction, *, kind=OutageKind.FAULT, source=OutageSource.ANALYSIS):
        track = Track(len(self.tracks), node, self.net.key[node], at, prediction, kind=kind, source=source)
        self.tracks.append(track)
        if prediction is None:
            return track
        self.of_prediction[id(prediction)] = track
        track.first_call = prediction.first_call
        track.calls_at_birth = len(prediction.calls)
        first = self.ctx.customers[prediction.first_call.customer] if prediction.first_call else None
        if first is not None:
            track.crew = self.ctx.staffing.crews_of_station[first.org][0]  # the first call's crew goes to it
        else:
            track.crew = self._device_crew_below(node)
        fault = self._fault_over(node, at)
        rng = self.rng
        if fault is not None:
            track.storm, track.fault_kind = fault.storm, fault.kind
            restore = fault.restore
            arrive = (60, 180) if fault.storm == "typhoon" else (25, 50)
        else:
            restore = at + timedelta(seconds=between(rng, HOUR, 4 * HOUR))
            arrive = {Zone.URBAN: (15, 40), Zone.RURAL: (25, 70)}.get(first.zone if first else "", (30, 90))
        track.arrive = at + timedelta(seconds=between(rng, arrive[0] * MINUTE, arrive[1] * MINUTE))
        track.restore = restore
        if restore is not None and restore <= self.now:
            self._at(restore, "restore", track)
        return track

    def _fault_over(self, node, at):
        """The storm fault this prediction is about: at, above or below its device, while it lasts."""
        for fault_node, fault in self.faults:
            if not fault.at <= at <= (fault.restore or self.now + timedelta(days=1)):
                continue
            if self.net.is_below(node, fault_node) or self.net.is_below(fault_node, node):
                return fault
        return None

    def _device_crew(self, device):
        org = self.ctx_devices[device].org
        crews = self.ctx.staffing.crews_of_station.get(org)
        return crews[0] if crews else None

    def _device_crew_below(self, node):
        """The crew of the first transformer below `node` (a dispatcher's outage with no call yet)."""
        for t in self.engine._below(node):
            if self.net.children[t] == 0:
                return self.ctx_devices[self.net.key[t] - self.base].crew
        return None


# ---------------------------------------------------------------- orders of an outage


def outage_plans(seed, plans, analysis, ctx, *, now):
    """`plans` with the orders that joined an outage rewritten: the outage's crew, its restoration."""
    rng = random.Random(f"{seed}:outage-orders")
    visitors = ctx.staffing.by_role[RoleCode.RETURN_VISIT]
    out = list(plans)
    for i in sorted(analysis.joined):
        out[i] = _outage_order(rng, plans[i], analysis.joined[i], ctx, visitors, now)
    return out


def _outage_order(rng, plan, joined, ctx, visitors, now):
    staffing = ctx.staffing
    accepted = plan.accepted_at
    final = joined[-1].track
    own_crew = staffing.crews_of_station[ctx.customers[plan.customer].org][0]
    entries = []  # (at, rank, action, payload); rank keeps same-moment steps in workflow order
    if joined[0].intake:
        entries.append((accepted, 0, "outage_attached", {"outage": joined[0].track.index, "crew": joined[0].track.crew,
                                                        "intake": True}))
        later = joined[1:]
    else:
        entries.append((accepted, 0, "dispatch", {"crew": own_crew}))
        later = joined
    for entry in later:
        entries.append((entry.at, 1, "outage_attached", {"outage": entry.track.index, "crew": entry.track.crew}))
    crew_accept = accepted + timedelta(seconds=between(rng, MINUTE, 5 * MINUTE))
    arrive = max(final.arrive or accepted, crew_accept) + timedelta(seconds=between(rng, 30, 5 * MINUTE))
    survey = arrive + timedelta(seconds=between(rng, 3 * MINUTE, 10 * MINUTE))
    restore = final.restored or final.restore or final.ended
    if restore is None:
        restore = now + timedelta(days=1)  # not by now: the steps from here on have not happened
    elif final.ended is not None and final.restored is None:  # split, nothing above: its own repair
        restore = final.ended + timedelta(seconds=between(rng, HOUR, 3 * HOUR))
    repair = max(survey + timedelta(minutes=2), restore - timedelta(seconds=between(rng, 2 * MINUTE, 10 * MINUTE)))
    restore = max(restore, repair + timedelta(minutes=1))
    entries += [
        (crew_accept, 2, "crew_accept", {"note": ""}),
        (arrive, 3, "arrive", {"note": ""}),
        (survey, 4, "survey", {"note": pick(rng, texts.SURVEY_NOTES)}),
        (repair, 5, "repair", {"note": pick(rng, texts.REPAIR_NOTES)}),
        (restore, 6, "restore", {"note": "已恢复送电"}),
    ]
    visitor = pick(rng, visitors)
    archive_from = restore
    satisfaction = ""
    if rng.random() < 0.35:  # rule C-12
        visit = restore + timedelta(seconds=between(rng, 2 * HOUR, 30 * HOUR))
        satisfaction = _weighted(rng, SATISFACTION)
        entries.append((visit, 7, "visit", {"satisfaction": satisfaction, "note": ""}))
        archive_from = visit
    entries.append((archive_from + timedelta(seconds=between(rng, HOUR, 48 * HOUR)), 8, "archive", {}))
    entries.sort(key=lambda e: (e[0], e[1]))
    steps, states = [], []
    state, crew, lineman, outage, visited = OrderState.ACCEPTED, None, None, None, ""
    for at, _rank, action, payload in entries:
        if at > now:
            break
        if action == "outage_attached":
            payload = dict(payload, crew_from=crew)
            if crew is None and payload["crew"] is not None and state == OrderState.ACCEPTED:
                state = OrderState.DISPATCHED
            if payload["crew"] is not None:
                crew = payload["crew"]
            outage = payload["outage"]
            actor = plan.owner if payload.get("intake") else None  # the analyser acts as the system
        elif action == "dispatch":
            crew = payload["crew"]
            state, actor = _target(OrderType.REPAIR, state, action), plan.owner
        else:
            target = _target(OrderType.REPAIR, state, action)
            state = target or state
            if action in ("visit", "archive"):
                actor = visitor
            else:
                lineman = pick(rng, staffing.crews[crew].members) if lineman is None or \
                    lineman not in staffing.crews[crew].members else lineman
                actor = lineman
            if action == "visit":
                visited = payload["satisfaction"]
        steps.append(Step(action, at, actor, payload))
        states.append(state)
    return plan._replace(steps=tuple(steps), states=tuple(states), crew=crew, satisfaction=visited,
                         outage=outage, handling_org=None)


# ---------------------------------------------------------------- what the outages stage writes


def outage_code(track, device_id):
    """The analyser's code for a predicted outage (outages.analyzer._outage_code), by its first call."""
    first = track.first_call.time if track.first_call is not None else track.born
    return f"YP{timezone.localtime(first):%Y%m%d%H%M%S}{track.device:06d}"


def outage_cause(track, device):
    if track.storm == "typhoon":
        kind = track.fault_kind if track.fault_kind in TYPHOON_CAUSES else DeviceKind.FEEDER
        return TYPHOON_CAUSES[kind].format(name=TYPHOON_NAME)
    if track.storm == "live" and track.confirmed is not None:
        return LIVE_CAUSES[DeviceKind.FEEDER]
    return _("来电研判：%s 以下多户报修") % device.name


def restoration_text(track, device, at):
    local = timezone.localtime(at)
    return _("【95598】尊敬的客户：您报修的停电（%(area)s）已于%(time)s恢复供电，给您带来不便，敬请谅解。"
             "如仍无电请致电95598。") % {"area": device.name, "time": f"{local:%m-%d %H:%M}"}

