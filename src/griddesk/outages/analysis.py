"""Trouble-call analysis (故障研判): which devices are out, from who calls and what they say.

Pure Python over an in-memory picture of the network, so that the live path (order intake, then
the analyser) and a replay of a calls file (`griddesk outages replay`) run the very same code and
reach the same predictions. docs/outages.md explains the rules and how the thresholds were chosen
(bench/storm.py measures them).

The rules, in the order a call meets them:

1. A call whose words point at the customer's own installation (trouble_text: 总开关跳闸, 只有我家没电)
   is no evidence of an outage: a single-customer call (rule C-8: guidance or a paid repair).
2. A call from a customer below a known outage (announced or active) or below a predicted one
   attaches to it: no crew of its own, and the caller is told the cause and the expected restoration.
3. Otherwise it is evidence on the customer's transformer (台区): the transformer is predicted out
   when `min_callers` different customers call within `window`, or one caller says the neighbours
   are dark too (a NETWORK call).
4. Evidence rolls up: a device (fuse, switch, feeder) is predicted out, taking over the predictions
   below it, when its children's evidence adds up to `min_children` and to `child_share` of its
   children (a child predicted out counts 1, a transformer with one caller `partial_weight`, any
   other device the mean of its own children), unless a transformer below it is silent (no caller, or one) where, were
   the device out, silence would have a chance under `silent_chance` (at the rate the others call):
   that transformer is not out, so neither is the device (faults side by side stay apart). The
   engine splits its own prediction the same way when such silence appears later.
5. One crew per predicted outage: the first call's crew goes to it; a call explained by it gets
   none. A lone call goes out at once (its own crew, rule C-8), unless another unexplained call came
   from the same feeder within `window`: then it waits up to `hold` for a group to form, and gets its
   own crew only if none explains it.
6. A human decision (confirm, reject, move, split, merge, restore) is never undone by the engine.
"""

import heapq
import math
from dataclasses import dataclass, field
from datetime import timedelta


@dataclass(frozen=True)
class Params:
    """The thresholds (per rule set in production; defaults measured with bench/storm.py)."""

    window: timedelta = timedelta(minutes=60)
    min_callers: int = 2  # different customers calling on one transformer…
    min_caller_share: float = 0.02  # …and at least this share of its customers (a big 台区 needs more)
    child_share: float = 0.5  # a device is out when its children's evidence is this share of them…
    min_children: float = 1.5  # …and adds up to this much (or all children, if fewer)
    partial_weight: float = 0.5  # a transformer with one caller (a device: its children's mean)
    # a transformer with no call at all says its device above is not out, when that silence would be
    # this unlikely were the device out (for the device's transformers together: Bonferroni)
    silent_chance: float = 0.01
    hold: timedelta = timedelta(minutes=15)
    # a lone call whose crew went out this long ago is forgotten: a dispatcher's outage placed later
    # does not take in a single call of last week (the live analyser warms up from as many hours)
    lone_memory: timedelta = timedelta(hours=6)


# "Silent" is no caller or one: a transformer whose customers call at a third of the others' rate
# is not dark-and-lucky but varies (bench/storm.py: with `heard < expected / 2` instead, one storm in
# twenty split a feeder into 17 predictions on such a transformer and sent 1.9 crews per fault).
SILENT_MAX = 1
SPLIT_LEVEL = 0.99  # the highest level of a device that is not out, however its children look


def poisson_at_most(k, mean):
    """P(X <= k) for X ~ Poisson(mean)."""
    term = total = math.exp(-mean)
    for i in range(1, k + 1):
        term *= mean / i
        total += term
    return total


class Network:
    """The network as arrays over device positions: parent, kind, children count, feeder, customers.

    `devices`: (key, parent key or None, kind, device id, customers supplied through it), parents
    listed before their children (materialised-path order does that).
    """

    def __init__(self, devices):
        self.index, self.key, self.parent, self.kind, self.device_id, self.customers = {}, [], [], [], [], []
        for key, parent, kind, device_id, customers in devices:
            self.index[key] = len(self.key)
            self.key.append(key)
            self.parent.append(self.index[parent] if parent is not None else -1)
            self.kind.append(kind)
            self.device_id.append(device_id)
            self.customers.append(customers)
        self.children = [0] * len(self.key)
        self.child_list = [[] for _key in self.key]
        # the feeder a device hangs on (a substation is its own): what "nearby" means for lone calls
        self.feeder = list(range(len(self.key)))
        for i, p in enumerate(self.parent):
            if p >= 0:
                self.children[p] += 1
                self.child_list[p].append(i)
                if self.kind[i] != "feeder" and self.kind[p] != "substation":
                    self.feeder[i] = self.feeder[p]

    def ancestors(self, i):
        """`i` and the devices above it, nearest first."""
        while i >= 0:
            yield i
            i = self.parent[i]

    def is_below(self, i, node):
        """`i` is `node` or lies below it."""
        while i >= 0:
            if i == node:
                return True
            i = self.parent[i]
        return False


@dataclass(eq=False)
class Prediction:
    """A device the engine (or a dispatcher) believes is out (研判停电)."""

    node: int
    first_call: object
    crew: int | None = None  # None while its dispatch is held
    hold_until: object = None
    calls: list = field(default_factory=list)  # (call, transformer), in arrival order
    state: str = "predicted"  # predicted; confirmed, rejected… once a dispatcher decides
    human: bool = False  # a dispatcher's decision stands: never moved, absorbed or split by the engine
    next_check: int = 4  # callers below at which the engine checks its own prediction again
    last_call: object = None  # when the latest call below it came in
    quiet_pending: bool = False  # an entry of it waits in the engine's heap of predictions growing old
    stale: bool = False  # no call for a window: its evidence counts as partial above (it stays predicted)

    @property
    def call_ids(self):
        return [call.id for call, _t in self.calls]


@dataclass(eq=False)
class Lone:
    """A call no prediction explains (yet): its crew, or the time its hold runs out."""

    call: object
    node: int  # its transformer
    crew: int | None = None
    hold_until: object = None


@dataclass(frozen=True)
class Decision:
    """What the engine made of one call."""

    kind: str  # internal, attached (known outage), predicted (explained by a prediction), single, held
    call: object
    node: int = -1  # the device it is attached to or predicted on; the transformer for singles
    crew: int | None = None  # the crew the call's order goes with (None: held, or internal)
    new_crew: bool = False  # a crew dispatched because of this call


class Engine:
    """Feed calls in time order with `call`; `finish` releases what is still held.

    Crews (rule 5 of the module): the first crew sent into a feeder within `window` goes at once; any
    further one for that feeder waits `hold`, so that the calls of one outage, arriving from many
    transformers before the evidence rolls up, bring one crew and not one per transformer. Whatever
    is still unexplained when its hold runs out gets its own crew.

    The engine revises its own predictions as calls come in: a prediction below which a transformer
    stays silent where, at the rate the others call, several calls were to be expected is split back
    into the predictions of its children (two faults side by side, not one above them).
    """

    def __init__(self, network, params=Params(), known=()):
        """`known`: outages already known, as device keys (out from now on) or (device key, start, end)
        spans (end None: not restored)."""
        self.net, self.params = network, params
        n = len(network.key)
        self.score = [0.0] * n  # a device's evidence level, 0 … 1 (1: out)
        self.child_sum = [0.0] * n
        self.callers_below = [0] * n  # different customers calling below a device (within the window)
        self.callers = {}  # transformer -> {customer: time of their latest call}
        self.network_call = set()  # transformers a NETWORK call came from (window-bound like callers)
        self.expiry = []  # heap of (time the evidence of a transformer may lapse, transformer)
        self.expiry_pending = set()  # transformers with an entry in that heap
        self.holds = []  # heap of (time a held dispatch runs out, sequence, Prediction or Lone)
        self.quiet = []  # heap of (time a prediction's evidence grows old, sequence, Prediction)
        self.known = {}  # device -> [(start, end)]: announced or active outages, from the outset
        for entry in known:
            key, start, end = entry if isinstance(entry, tuple) else (entry, None, None)
            if key in network.index:
                self.known.setdefault(network.index[key], []).append((start, end))
        self.top = {}  # predicted device -> Prediction
        self.tops_of_feeder = {}  # feeder -> {predicted devices}
        self.lone = {}  # feeder -> {call id: Lone}
        self.forgotten_at = None
        self.last_crew = {}  # feeder -> when its latest crew was sent
        self.leaves = {}  # device -> its transformers (cache)
        self.silent_cache = {}  # device -> (callers below when asked, whether a transformer below is silent)
        self.crews = 0
        self.recalled = 0
        self.sequence = 0
        self.vetoed = set()  # devices a dispatcher said are not out: never predicted again
        self.events = []  # (kind, data) for the live path: predicted, absorbed, split, dispatched, moved, released

    # ------------------------------------------------------------------ calls

    def call(self, call, transformer, signal="unknown", at=None):
        """One trouble call: `call` has `.id`, `.time`, `.customer`; `transformer` is a device key."""
        at = at or call.time
        self._lapse(at)
        self._current = call
        t = self.net.index[transformer]
        if signal == "internal":
            return Decision("internal", call, t)
        known = self._known_above(t, at)
        if known is not None:
            return Decision("attached", call, known)
        crews_before = self.crews
        self._evidence(t, call, at, network=signal == "network")
        prediction = self._prediction_above(t)
        recheck = prediction is not None and not prediction.human
        if recheck and self.callers_below[prediction.node] >= prediction.next_check:
            prediction.next_check *= 2
            if self._silent_leaf(prediction.node):
                self._split(prediction, at)
                prediction = self._prediction_above(t)
        if prediction is not None:
            prediction.calls.append((call, t))
            self._heard(prediction, at)
            return Decision("predicted", call, prediction.node, prediction.crew, new_crew=self.crews > crews_before)
        item = Lone(call, t)
        self.lone.setdefault(self.net.feeder[t], {})[call.id] = item
        sent = self._send(item, "single", t, at)
        return Decision("single" if sent else "held", call, t, item.crew, new_crew=sent)

    def finish(self, at=None):
        """Let holds run out: those due by `at`, or every one (the end of a replay)."""
        if at is not None:
            self._lapse(at)
            return
        while self.holds:
            _due, _seq, item = heapq.heappop(self.holds)
            self._release(item, item.hold_until)

    def _heard(self, prediction, at):
        """A call below `prediction`: fresh evidence again (a stale one counts fully once more above)."""
        prediction.last_call = at
        if not prediction.quiet_pending:  # one entry in the heap at a time; it looks again when due
            prediction.quiet_pending = True
            self.sequence += 1
            heapq.heappush(self.quiet, (at + self.params.window, self.sequence, prediction))
        if prediction.stale:
            prediction.stale = False
            self._set_score(prediction.node, 1.0)
            if self.net.parent[prediction.node] >= 0:
                self._rescore(self.net.parent[prediction.node], at)

    def _grown_old(self, prediction, at):
        """No call below a prediction for a window: above, it counts as partial evidence, so that an
        old outage and a fresh single call next to it do not add up to one outage above both."""
        prediction.quiet_pending = False
        if self.top.get(prediction.node) is not prediction or prediction.stale:
            return
        if prediction.last_call is not None and at - prediction.last_call < self.params.window:
            prediction.quiet_pending = True  # heard since: look again a window after its latest call
            self.sequence += 1
            heapq.heappush(self.quiet, (prediction.last_call + self.params.window, self.sequence, prediction))
            return
        prediction.stale = True
        self._set_score(prediction.node, self.params.partial_weight)
        if self.net.parent[prediction.node] >= 0:
            self._rescore(self.net.parent[prediction.node], at)

    # ------------------------------------------------------------------ crews

    def _send(self, item, why, node, at):
        """A crew for `item` now if its feeder has none on the way, else a hold. True if sent."""
        feeder = self.net.feeder[node]
        last = self.last_crew.get(feeder)
        if last is not None and at - last < self.params.window:
            self._hold(item, at)
            return False
        item.crew = self._dispatch(why, node, at)
        return True

    def _hold(self, item, at):
        item.hold_until = at + self.params.hold
        self.sequence += 1
        heapq.heappush(self.holds, (item.hold_until, self.sequence, item))

    def _dispatch(self, why, node, at):
        self.crews += 1
        self.last_crew[self.net.feeder[node]] = at
        self.events.append(("dispatched", (why, node, self.crews)))
        return self.crews

    def _release(self, item, at):
        """A hold ran out: a crew of its own if it still needs one (not absorbed, not given one)."""
        if item.crew is not None:
            return
        if isinstance(item, Prediction):
            if self.top.get(item.node) is not item:
                return  # absorbed by a prediction above meanwhile
            item.crew = self._dispatch("prediction", item.node, at)
            return
        if self.lone.get(self.net.feeder[item.node], {}).get(item.call.id) is not item:
            return  # explained by a prediction meanwhile
        item.crew = self._dispatch("released", item.node, at)
        self.events.append(("released", (item.call.id, item.crew)))

    # ------------------------------------------------------------------ evidence and roll-up

    def _evidence(self, t, call, at, *, network):
        callers = self.callers.setdefault(t, {})
        if not callers:  # a silent transformer calls: the silent tests above it must be asked again
            for i in self.net.ancestors(t):
                self.silent_cache.pop(i, None)
        if call.customer not in callers:
            for i in self.net.ancestors(t):
                self.callers_below[i] += 1
        callers[call.customer] = at
        if network:
            self.network_call.add(t)
        if t not in self.expiry_pending:  # one entry in the heap per transformer; it looks again when due
            self.expiry_pending.add(t)
            heapq.heappush(self.expiry, (at + self.params.window, t))
        self._rescore(t, at)

    def _transformer_score(self, t):
        callers = self.callers.get(t)
        if not callers:
            return 0.0
        needed = max(self.params.min_callers, math.ceil(self.net.customers[t] * self.params.min_caller_share))
        if len(callers) >= needed or t in self.network_call:
            return 1.0
        return self.params.partial_weight

    def _level(self, i):
        """The evidence level device `i` has from its own calls or its children's levels."""
        net, params = self.net, self.params
        if net.children[i] == 0:
            return self._transformer_score(i)
        total, children = self.child_sum[i], net.children[i]
        out = (total >= min(params.min_children, children) and total >= params.child_share * children
               and net.kind[i] != "substation"  # a whole substation out is a dispatcher's call
               and not self._silent_leaf(i))
        return 1.0 if out else min(total / children, SPLIT_LEVEL)  # not out: below 1 whatever the mean

    def _rescore(self, i, at):
        """Recompute device `i`'s evidence and carry the change up the tree; predict where it adds up.

        A predicted device stays at level 1 and the walk goes on above it: a device above may become
        out (a silent transformer below it has just called) and take the prediction in. Below a
        prediction levels change but nothing is predicted: the calls there are the prediction's."""
        net = self.net
        while i >= 0:
            if i in self.top:
                i = net.parent[i]
                continue
            new, old = self._level(i), self.score[i]
            if new == old:
                return
            refused = new == 1.0 and (self._prediction_above(i) is not None or i in self.vetoed
                                      or not self._predict(i, at))
            if refused and net.children[i] and self._prediction_above(i) is None:
                new = min(self.child_sum[i] / net.children[i], SPLIT_LEVEL)  # a dispatcher's decision below
            if new == old:
                return
            self._set_score(i, new)
            i = net.parent[i]

    def _set_score(self, i, new):
        parent = self.net.parent[i]
        if parent >= 0:
            self.child_sum[parent] += new - self.score[i]
        self.score[i] = new

    def _silent_leaf(self, node):
        """A transformer below `node` calling far less than it would were `node` out: so few callers
        (none or one, SILENT_MAX) would have a chance under `silent_chance` shared by the device's transformers
        (Poisson, the callers below spread over all its customers). Then it is not out, so `node` is
        not. Cached: a True holds until a quiet transformer calls; a False is asked again once the
        callers below have grown by a quarter."""
        callers = self.callers_below[node]
        cached = self.silent_cache.get(node)
        if cached is not None and (cached[1] or callers < 1.25 * cached[0]):
            return cached[1]
        net = self.net
        leaves = self.leaves.get(node)
        if leaves is None:
            leaves = self.leaves[node] = [i for i in self._below(node) if net.children[i] == 0]
        rate = callers / max(net.customers[node], 1)
        chance = self.params.silent_chance / len(leaves)
        silent = False
        for t in leaves:
            expected = rate * net.customers[t]
            heard = len(self.callers.get(t, ()))
            if heard <= SILENT_MAX and poisson_at_most(heard, expected) < chance:
                silent = True
                break
        self.silent_cache[node] = (max(callers, 1), silent)
        return silent

    def _below(self, node):
        stack, found = [node], []
        while stack:
            i = stack.pop()
            found.append(i)
            stack.extend(self.net.child_list[i])
        return found

    def _predict(self, node, at):
        """`node` is out: a prediction there, taking over the predictions and lone calls below it.
        False if a dispatcher's decision lies below (the engine never moves a human decision)."""
        net, feeder = self.net, self.net.feeder[node]
        tops = self.tops_of_feeder.setdefault(feeder, set())
        below = [self.top[n] for n in tops if n != node and net.is_below(n, node)]
        if any(p.human for p in below):
            return False
        lone = self.lone.get(feeder, {})
        taken = [(cid, item) for cid, item in lone.items() if net.is_below(item.node, node)]
        calls = [p.first_call for p in below] + [item.call for _cid, item in taken] + [self._current]
        first = min(calls, key=lambda c: (c.time, c.id))  # the call being taken is below: it tipped the scale
        prediction = Prediction(node=node, first_call=first, next_check=max(4, 2 * self.callers_below[node]))
        holding = sorted([(p.first_call.time, p.crew) for p in below if p.crew is not None]
                         + [(item.call.time, item.crew) for _cid, item in taken if item.crew is not None])
        if holding:
            prediction.crew = holding[0][1]  # the first call's crew goes to the outage
            self.recalled += len({c for _t, c in holding[1:]})
        else:
            prediction.crew = self._crew_nearby(lone, taken, at)
            if prediction.crew is None:
                self._send(prediction, "prediction", node, at)
        for p in below:
            prediction.calls.extend(p.calls)
            del self.top[p.node]
            tops.discard(p.node)
            self.events.append(("absorbed", (p.node, node)))
        for cid, item in taken:
            prediction.calls.append((item.call, item.node))
            del lone[cid]
        prediction.calls.sort(key=lambda pair: (pair[0].time, pair[0].id))
        self.top[node] = prediction
        tops.add(node)
        self._heard(prediction, at)
        self.events.append(("predicted", (node, prediction.crew)))
        return True

    def _split(self, prediction, at):
        """The engine's own prediction at a device turns out wrong (a silent transformer below): it goes
        back to the predictions its children's evidence supports, the calls and the crew going with them."""
        node, net = prediction.node, self.net
        del self.top[node]
        self.tops_of_feeder[net.feeder[node]].discard(node)
        self.events.append(("split", (node,)))
        crew, calls = prediction.crew, prediction.calls
        self._set_score(node, min(self.child_sum[node] / net.children[node], SPLIT_LEVEL))
        new = []
        for child in net.child_list[node]:
            mine = [(c, t) for c, t in calls if net.is_below(t, child)]
            if self.score[child] == 1.0:
                new.append((child, mine))
        made = []
        for child, mine in new:
            if not mine:
                continue
            first = min((c for c, _t in mine), key=lambda c: (c.time, c.id))
            mine.sort(key=lambda pair: (pair[0].time, pair[0].id))
            p = Prediction(node=child, first_call=first, calls=mine, next_check=max(4, 2 * self.callers_below[child]))
            self.top[child] = p
            self.tops_of_feeder[net.feeder[child]].add(child)
            self._heard(p, max(c.time for c, _t in mine))
            made.append(p)
            self.events.append(("predicted", (child, None)))
        explained = {id(c) for p in made for c, _t in p.calls}
        made.sort(key=lambda p: (p.first_call.time, p.first_call.id))
        if made:
            made[0].crew = crew  # the crew stays with the first call's outage
            for p in made[1:]:
                self._send(p, "prediction", p.node, at)
        for c, t in calls:  # calls below a child that is not out wait as lone calls
            if id(c) not in explained:
                item = Lone(c, t)
                self.lone.setdefault(net.feeder[t], {})[c.id] = item
                if not made and crew is not None:
                    item.crew, crew = crew, None
                else:
                    self._hold(item, at)
        for p in made:
            if net.children[p.node] and self._silent_leaf(p.node):
                self._split(p, at)
        if net.parent[node] >= 0:
            self._rescore(net.parent[node], at)

    def _crew_nearby(self, lone, taken, at):
        """The crew of the feeder's first lone call still on its way (within the window): it goes to the
        outage instead of a second crew; its call waits `hold` again, and gets a crew of its own only if
        nothing explains it by then (the crew was sent for the first call of what now looks bigger)."""
        taken_ids = {cid for cid, _item in taken}
        candidates = [(item.call.time, cid, item) for cid, item in lone.items()
                      if cid not in taken_ids and item.crew is not None and at - item.call.time <= self.params.window]
        if not candidates:
            return None
        _time, cid, item = min(candidates, key=lambda c: (c[0], c[1]))
        crew, item.crew = item.crew, None
        self._hold(item, at)
        self.events.append(("moved", (cid, crew)))
        return crew

    def _prediction_above(self, t):
        for i in self.net.ancestors(t):
            prediction = self.top.get(i)
            if prediction is not None:
                return prediction
        return None

    def _known_above(self, t, at):
        if not self.known:
            return None
        for i in self.net.ancestors(t):
            for start, end in self.known.get(i, ()):
                if (start is None or start <= at) and (end is None or at < end):
                    return i
        return None

    # ------------------------------------------------------------------ time passing

    def _lapse(self, at):
        """Evidence older than the window lapses (not below a prediction: an outage does not end because
        people stop calling); holds run out."""
        window = self.params.window
        while self.expiry and self.expiry[0][0] <= at:
            _due, t = heapq.heappop(self.expiry)
            self.expiry_pending.discard(t)
            callers = self.callers.get(t)
            if not callers or self._prediction_above(t) is not None:
                continue
            for customer, time in list(callers.items()):
                if at - time >= window:
                    del callers[customer]
                    for i in self.net.ancestors(t):
                        self.callers_below[i] -= 1
            if callers:  # the others lapse a window after their calls
                self.expiry_pending.add(t)
                heapq.heappush(self.expiry, (min(callers.values()) + window, t))
            else:
                self.network_call.discard(t)
            self._rescore(t, at)
        while self.quiet and self.quiet[0][0] <= at:
            _due, _seq, prediction = heapq.heappop(self.quiet)
            self._grown_old(prediction, at)
        while self.holds and self.holds[0][0] <= at:
            _due, _seq, item = heapq.heappop(self.holds)
            self._release(item, item.hold_until)
        self._forget_lone(at)

    def _forget_lone(self, at):
        """Lone calls sent a crew longer than `lone_memory` ago are forgotten; looked at hourly."""
        if self.forgotten_at is not None and at - self.forgotten_at < timedelta(hours=1):
            return
        self.forgotten_at = at
        cutoff = at - self.params.lone_memory
        for items in self.lone.values():
            for call_id in [cid for cid, item in items.items() if item.call.time < cutoff and item.crew is not None]:
                del items[call_id]

    # ------------------------------------------------------------------ dispatchers' decisions (rule 6)

    def human_place(self, key, at, *, calls=()):
        """A dispatcher says device `key` is out (confirmed, moved there, split or merged to it): a
        human prediction there, taking the engine's own predictions and lone calls below it (and
        `calls`, (call, transformer key) pairs it is known to hold). Returns the Prediction."""
        node = self.net.index[key]
        self.vetoed.discard(node)
        prediction = self.top.get(node)
        if prediction is None:
            above = self._prediction_above(node)
            if above is not None and not above.human:
                self._drop(above)  # the dispatcher placed it lower: the engine's one above goes
            self._current = calls[0][0] if calls else None
            feeder = self.net.feeder[node]
            below = [self.top[n] for n in self.tops_of_feeder.get(feeder, ()) if self.net.is_below(n, node)]
            lone = self.lone.get(feeder, {})
            taken = [(cid, item) for cid, item in lone.items() if self.net.is_below(item.node, node)]
            firsts = [p.first_call for p in below] + [item.call for _cid, item in taken] + [c for c, _t in calls]
            first = min(firsts, key=lambda c: (c.time, c.id)) if firsts else None
            prediction = Prediction(node=node, first_call=first)
            for p in below:
                prediction.calls.extend(p.calls)
                prediction.crew = prediction.crew or p.crew
                del self.top[p.node]
                self.tops_of_feeder[feeder].discard(p.node)
            for cid, item in taken:
                prediction.calls.append((item.call, item.node))
                prediction.crew = prediction.crew or item.crew
                del lone[cid]
            known = {c.id for c, _t in prediction.calls}
            prediction.calls.extend((c, self.net.index[t]) for c, t in calls if c.id not in known)
            prediction.calls.sort(key=lambda pair: (pair[0].time, pair[0].id))
            self.top[node] = prediction
            self.tops_of_feeder.setdefault(feeder, set()).add(node)
            self._set_score(node, 1.0)
            self._heard(prediction, at)
        prediction.human = True
        return prediction

    def human_end(self, key, at, *, vetoed=False):
        """The outage at device `key` is over (restored, cancelled) or was never there (`vetoed`: a
        dispatcher rejected it, and the engine will not predict it again). Evidence below is cleared:
        a call from there from now on is about something new."""
        node = self.net.index[key]
        prediction = self.top.get(node)
        if prediction is not None:
            self._drop(prediction)
        if vetoed:
            self.vetoed.add(node)
        for t in self._below(node):
            callers = self.callers.pop(t, None)
            self.network_call.discard(t)
            if callers:
                for i in self.net.ancestors(t):
                    self.callers_below[i] -= len(callers)
            if self.net.children[t] == 0 and self.score[t]:
                self._set_score(t, 0.0)
        for i in self._below(node):
            if self.net.children[i]:
                self._set_score(i, 0.0)
                self.child_sum[i] = 0.0
            self.silent_cache.pop(i, None)
        if self.net.parent[node] >= 0:
            self._rescore(self.net.parent[node], at)

    def _drop(self, prediction):
        del self.top[prediction.node]
        self.tops_of_feeder[self.net.feeder[prediction.node]].discard(prediction.node)
        self._set_score(prediction.node, min(self.child_sum[prediction.node] / self.net.children[prediction.node],
                                             SPLIT_LEVEL) if self.net.children[prediction.node] else 0.0)

    # ------------------------------------------------------------------ results

    def predicted(self):
        """The predicted outages: one per device believed out, oldest first."""
        return sorted(self.top.values(), key=lambda p: (p.first_call.time, p.first_call.id))

    def singles(self):
        """Calls no prediction explains, with their crews, in arrival order."""
        items = [item for lone in self.lone.values() for item in lone.values()]
        return sorted(items, key=lambda item: (item.call.time, item.call.id))
