"""The live trouble-call analysis (实时来电研判): the engine of outages.analysis over the repair orders
as they are accepted, one installation-wide process (`griddesk outages analyse`, started by `serve`).

Each step reads the repair orders accepted since the last one, in acceptance order, feeds them to
the engine exactly as a replay of the same calls would (so both reach the same predictions), and
writes what changed in one transaction: a TroubleCall per order, the predicted outages (created,
taken into one above, split back), each order's outage and crew, the mark it has read up to.

Intake already attaches a call below a known outage and dispatches a lone one at once (rule C-8);
the analyser moves the orders of an outage to its one crew ("the first call's dispatch moves to the
outage"), so that one fault ends with one crew, and the moves are in each order's history.
The engine's state is rebuilt on start from the calls of the last hours and the open outages;
decisions taken by dispatchers (confirm, reject, move, split, merge) are fed to it as human
decisions, which it never undoes.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk import fastsql
from griddesk.audit.services import audit_append, stream_of
from griddesk.grid.models import Device
from griddesk.orders.models import FaultSide, OrderType, WorkOrder
from griddesk.orders.services import orders_outage_attach
from griddesk.orgs.models import Crew
from griddesk.outages.analysis import Engine, Params
from griddesk.outages.models import (
    AnalyzerMark,
    CallDecision,
    OutageEvent,
    OutageKind,
    OutageSource,
    OutageState,
    TroubleCall,
)
from griddesk.outages.network import network_load
from griddesk.outages.replay import known_outages
from griddesk.outages.trouble_text import CallSignal, classify
from griddesk.paths import path_ids

MARK = "live"
STEP = 500  # orders per step
WARM_HOURS = 6  # how far back the engine's state is rebuilt from on start


@dataclass(frozen=True)
class LiveCall:
    id: str
    time: object
    customer: str


@dataclass(slots=True)
class NewCall:
    """A repair order as the analyser reads it: the fields it needs, no model instance (a step reads
    hundreds; building orders and customers was a fifth of the analyser's CPU)."""

    id: int
    number: str
    accepted_at: object
    title: str
    description: str
    fault_side: str
    customer_id: int
    account_no: str
    transformer_id: int
    outage_id: int | None
    crew_id: int | None
    call_outage_id: int | None = None  # the outage its TroubleCall names


def _calls_after(last_order_id):
    """The next repair orders from a customer (not repeat contacts), in acceptance order."""
    rows = (WorkOrder.objects.filter(pk__gt=last_order_id, order_type=OrderType.REPAIR,
                                     customer__transformer__isnull=False, parent__isnull=True)
            .order_by("pk").values_list("pk", "number", "accepted_at", "title", "description", "fault_side",
                                        "customer_id", "customer__account_no", "customer__transformer_id",
                                        "outage_id", "crew_id")[:STEP])
    return [NewCall(*row) for row in rows]


class Analyzer:
    """One live analyser: `step()` until there is nothing new (tests call it directly)."""

    def __init__(self, params=None):
        self.params = params or Params()
        self.engine = None
        self.outage_of = {}  # engine device index -> OutageEvent of the prediction there
        self.crew_of = {}  # engine crew number -> Crew pk
        self.seen = 0  # engine events handled
        self.synced_at = None  # dispatchers' decisions taken over up to here
        self.followed = {}  # engine device index -> (outage pk, crew pk, call ids known to point at it)
        self.written = {}  # call id -> NewCall, of the step being written

    # ------------------------------------------------------------------ start

    def start(self, now=None):
        """The engine rebuilt from the calls of the last hours, in order; the open analysis outages
        matched to its predictions; dispatchers' decisions fed back as human ones."""
        now = now or timezone.now()
        self.outage_of, self.crew_of, self.followed = {}, {}, {}
        network = network_load()
        since = now - timedelta(hours=WARM_HOURS)
        self.engine = Engine(network, self.params, known=known_outages(since, now + timedelta(days=1)))
        calls = (TroubleCall.objects.filter(at__gte=since).select_related("customer").order_by("at", "id"))
        for call in calls:
            signal = call.signal
            self.engine.call(LiveCall(call.call_id, call.at, call.customer.account_no), call.transformer_id, signal)
        open_outages = OutageEvent.objects.filter(source=OutageSource.ANALYSIS, human=False, state__in=[
            OutageState.PREDICTED, OutageState.CONFIRMED])
        by_device = {o.device_id: o for o in open_outages}
        for node, prediction in self.engine.top.items():
            outage = by_device.get(network.key[node])
            if outage is not None:
                self.outage_of[node] = outage
                if outage.crew_id and prediction.crew is not None:
                    self.crew_of[prediction.crew] = outage.crew_id
        self._sync_human(now)
        self.seen = len(self.engine.events)

    # ------------------------------------------------------------------ steps

    def step(self, now=None):
        """Analyse the repair orders accepted since the last step; returns how many."""
        if self.engine is None:
            self.start(now)
        with transaction.atomic():
            self._sync_human(now or timezone.now())
            mark, _created = AnalyzerMark.objects.select_for_update().get_or_create(name=MARK)
            read = _calls_after(mark.last_order_id)
            if not read:
                return 0
            if any(order.transformer_id not in self.engine.net.index for order in read):
                self.start(now)  # the network grew since the start (an import): load it again
            orders = [order for order in read if order.transformer_id in self.engine.net.index]
            decided = []
            for order in orders:
                call = LiveCall(order.number, order.accepted_at, order.account_no)
                signal = self._signal(order)
                decision = self.engine.call(call, order.transformer_id, signal)
                decided.append((order, signal, decision))
            self._apply(decided, now or timezone.now())
            AnalyzerMark.objects.filter(name=MARK).update(last_order_id=read[-1].id)
        return len(read)

    def run(self, now=None):
        """Steps until nothing is left; the number of orders analysed."""
        total = 0
        while n := self.step(now):
            total += n
        return total

    def _sync_human(self, now):
        """Dispatchers' decisions since the last step, taken over by the engine (which never undoes
        them): an outage confirmed, moved, split or merged is a human prediction at its device; one
        restored, cancelled or merged away ends there (a rejected one is never predicted again)."""
        changed = OutageEvent.objects.filter(human=True).exclude(source=OutageSource.PLAN)
        if self.synced_at is not None:
            changed = changed.filter(updated_at__gt=self.synced_at)
        open_states = (OutageState.PREDICTED, OutageState.CONFIRMED, OutageState.ANNOUNCED, OutageState.ACTIVE)
        net = self.engine.net
        for outage in changed.order_by("updated_at", "pk"):
            old = next((n for n, o in self.outage_of.items() if o.pk == outage.pk), None)
            if old is not None:
                del self.outage_of[old]
            if outage.device_id not in net.index:
                continue
            if outage.state in open_states and outage.merged_into_id is None:
                if old is not None and net.key[old] != outage.device_id:
                    self.engine.human_end(net.key[old], now)  # moved: the engine's place there ends
                calls = [(LiveCall(c.call_id, c.at, c.customer.account_no), c.transformer_id)
                         for c in outage.trouble_calls.select_related("customer").order_by("at", "id")]
                prediction = self.engine.human_place(outage.device_id, now, calls=calls)
                self.outage_of[net.index[outage.device_id]] = outage
                if outage.crew_id and prediction.crew is not None:
                    self.crew_of[prediction.crew] = outage.crew_id
            else:
                vetoed = outage.state == OutageState.CANCELLED and outage.merged_into_id is None
                end = net.key[old] if old is not None else outage.device_id
                self.engine.human_end(end, now, vetoed=vetoed)
        self.synced_at = now

    @staticmethod
    def _signal(order):
        if order.fault_side == FaultSide.CUSTOMER_INTERNAL:
            return CallSignal.INTERNAL  # the agent placed it on the customer's side (rule C-8)
        return classify(f"{order.title} {order.description}")

    # ------------------------------------------------------------------ writing what changed

    def _apply(self, decided, now):
        net = self.engine.net
        self.written = {order.number: order for order, _signal, _decision in decided}
        self._outages_follow(now)
        calls = []
        for order, signal, decision in decided:
            outage = self.outage_of.get(decision.node) if decision.kind == "predicted" else None
            outage_id = order.outage_id if decision.kind == "attached" else outage and outage.pk
            order.call_outage_id = outage_id
            calls.append(TroubleCall(
                call_id=order.number, order_id=order.id, at=order.accepted_at, customer_id=order.customer_id,
                transformer_id=order.transformer_id,
                feeder_id=net.key[net.feeder[net.index[order.transformer_id]]],
                description=f"{order.title} {order.description}".strip()[:400], signal=signal,
                decision=CallDecision(decision.kind), outage_id=outage_id,
            ))
            if decision.kind in ("single", "held") and decision.crew is not None and order.crew_id:
                self.crew_of.setdefault(decision.crew, order.crew_id)
        fastsql.insert(TroubleCall, calls)
        self._orders_follow(now)

    def _outages_follow(self, now):
        """The engine's predictions since the last step as OutageEvents: new ones created, those taken
        into one above or split back ended (merged_into the one that took their calls)."""
        engine = self.engine
        events, self.seen = engine.events[self.seen:], len(engine.events)
        for kind, data in events:
            if kind == "moved":
                call_id, crew = data
                order = self.written.get(call_id)
                order_crew = order.crew_id if order is not None else (
                    WorkOrder.objects.filter(number=call_id).values_list("crew_id", flat=True).first())
                if order_crew:
                    self.crew_of.setdefault(crew, order_crew)
        for node, prediction in engine.top.items():
            outage = self.outage_of.get(node)
            if outage is None:
                self.outage_of[node] = self._outage_create(node, prediction, now)
        for node, outage in list(self.outage_of.items()):
            if node in engine.top:
                continue
            above = engine._prediction_above(node)
            merged = self.outage_of.get(above.node) if above is not None else None
            self._outage_end(outage, merged, now)
            del self.outage_of[node]

    def _outage_create(self, node, prediction, now):
        net = self.engine.net
        device = Device.objects.select_related("org").get(pk=net.key[node])
        first = prediction.first_call.time
        outage = OutageEvent.objects.create(
            code=_outage_code(first, device), kind=OutageKind.FAULT, device=device, org=device.org,
            cause=_("来电研判：%s 以下多户报修") % device.name, starts_at=first, state=OutageState.PREDICTED,
            source=OutageSource.ANALYSIS, calls=len(prediction.calls), customers_affected=net.customers[node],
            first_call_at=first,
        )
        audit_append(stream=stream_of(outage), action="outage.predicted", at=now, new_stream=True,
                     payload={"device": device.device_id, "calls": outage.calls,
                              "customers_affected": outage.customers_affected})
        return outage

    def _outage_end(self, outage, merged, now):
        fields = {"state": OutageState.CANCELLED, "merged_into": merged}
        OutageEvent.objects.filter(pk=outage.pk).update(**fields)
        audit_append(stream=stream_of(outage), action="outage.merged" if merged else "outage.split", at=now,
                     payload={"into": merged.code if merged else None})

    def _orders_follow(self, now):
        """Each prediction's orders point at its outage and go with its one crew (rule C-8: the
        first call's crew; a dispatch moved is an event in the order's history).

        Only what changed since the last step is written: a prediction whose outage, crew and calls
        are as they were costs nothing, and of the others only the calls not yet known to point at
        the outage are looked up (a storm's prediction holds hundreds of calls; every step re-reading
        them all took a fifth of the create throughput in bench/bench_api.py --analyser)."""
        engine = self.engine
        for node, prediction in engine.top.items():
            outage = self.outage_of[node]
            crew = self._crew(prediction, outage)
            was_outage, was_crew, known = self.followed.get(node, (None, None, set()))
            if (was_outage, was_crew) != (outage.pk, crew):
                known = set()
            numbers = [call.id for call, _t in prediction.calls]
            fresh = [number for number in numbers if number not in known]
            if not fresh and known:
                continue
            if outage.calls != len(numbers) or (crew and outage.crew_id != crew):
                OutageEvent.objects.filter(pk=outage.pk).update(calls=len(numbers), crew=crew or F("crew"))
                outage.calls, outage.crew_id = len(numbers), crew or outage.crew_id
            # calls of this step already on the outage (intake joined them, rule C-9) cost no query
            unsettled = [number for number in fresh if not self._settled(number, outage.pk)]
            if unsettled:
                stale = list(WorkOrder.objects.filter(number__in=unsettled).exclude(outage=outage)
                             .only("pk", "number", "crew_id", "state", "version"))
                orders_outage_attach(orders=stale, outage=outage, crew_id=crew, at=now)
                TroubleCall.objects.filter(call_id__in=unsettled).exclude(outage=outage).update(
                    outage=outage, decision=CallDecision.PREDICTED)
            known.update(fresh)
            self.followed[node] = (outage.pk, crew, known)
        for node in set(self.followed) - set(engine.top):
            del self.followed[node]

    def _settled(self, number, outage_id):
        """A call read in this step whose order and TroubleCall both point at the outage already."""
        order = self.written.get(number)
        return order is not None and order.outage_id == outage_id and order.call_outage_id == outage_id

    def _crew(self, prediction, outage):
        """The real crew of a prediction: the crew its engine crew stands for, else the outage's own,
        else the crew covering its device (the engine sent one without a call's crew to take)."""
        if prediction.crew is None:
            return outage.crew_id
        crew = self.crew_of.get(prediction.crew)
        if crew is None:
            crew = outage.crew_id or crew_for_device(outage.device)
            if crew is not None:
                self.crew_of[prediction.crew] = crew
        return crew


def crew_for_device(device):
    """The crew of a device or the nearest one above it, else an active crew of its org's chain."""
    ids = path_ids(device.path)
    crews = dict(Device.objects.filter(pk__in=ids, crew__active=True).values_list("pk", "crew_id"))
    for pk in reversed(ids):
        if crews.get(pk):
            return crews[pk]
    if device.org_id is None:
        return None
    org_ids = path_ids(device.org.path) if device.org.path else [device.org_id]
    for org_id in reversed(org_ids):
        crew = Crew.objects.filter(org_id=org_id, active=True).order_by("pk").values_list("pk", flat=True).first()
        if crew:
            return crew
    return None


def _outage_code(first, device):
    return f"YP{timezone.localtime(first):%Y%m%d%H%M%S}{device.pk:06d}"
