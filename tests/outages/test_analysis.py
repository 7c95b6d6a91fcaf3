"""The trouble-call analysis engine (griddesk.outages.analysis), rule by rule, on small networks."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from griddesk.outages.analysis import Engine, Network, Params, poisson_at_most
from griddesk.outages.trouble_text import CallSignal, classify

T0 = datetime(2026, 7, 20, 14, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@dataclass(frozen=True)
class Call:
    id: str
    time: datetime
    customer: str


def network(spec):
    """spec: [(key, parent, kind, customers)] parents first; customers counted for transformers."""
    below = {}
    for key, parent, _kind, customers in reversed(spec):
        below[key] = below.get(key, 0) + customers
        if parent is not None:
            below[parent] = below.get(parent, 0) + below[key]
    return Network((key, parent, kind, key, below[key]) for key, parent, kind, _c in spec)


# feeder F: switch S1 (transformers A, B, C: 100 customers each), switch S2 (D, E: 100 each), transformer G (40)
FEEDER = [("SUB", None, "substation", 0), ("F", "SUB", "feeder", 0), ("S1", "F", "switch", 0),
          ("A", "S1", "transformer", 100), ("B", "S1", "transformer", 100), ("C", "S1", "transformer", 100),
          ("S2", "F", "switch", 0), ("D", "S2", "transformer", 100), ("E", "S2", "transformer", 100),
          ("G", "F", "transformer", 40)]


class Feed:
    def __init__(self, spec=FEEDER, **params):
        self.engine = Engine(network(spec), Params(**params))
        self.n = 0

    def __call__(self, transformer, minutes, customer=None, signal="unknown"):
        self.n += 1
        call = Call(f"C{self.n}", T0 + timedelta(minutes=minutes), customer or f"{transformer}-{self.n}")
        return self.engine.call(call, transformer, signal)

    def predicted(self):
        return [self.engine.net.key[p.node] for p in self.engine.predicted()]


def test_one_call_is_a_single_customer_call_with_its_own_crew():
    feed = Feed()
    decision = feed("A", 0)
    assert (decision.kind, decision.crew, decision.new_crew) == ("single", 1, True)
    assert feed.predicted() == []


def test_two_different_customers_on_a_transformer_predict_it_out():
    feed = Feed()
    feed("A", 0)
    decision = feed("A", 3)
    assert feed.predicted() == ["A"]
    assert (decision.kind, decision.crew) == ("predicted", 1)  # the first call's crew goes to the outage


def test_the_same_customer_calling_twice_is_one_caller():
    feed = Feed()
    feed("A", 0, customer="X")
    feed("A", 5, customer="X")
    assert feed.predicted() == []


def test_a_network_call_alone_predicts_its_transformer():
    feed = Feed()
    feed("D", 0, signal=CallSignal.NETWORK)
    assert feed.predicted() == ["D"]


def test_a_customer_internal_call_is_no_evidence():
    feed = Feed()
    first = feed("A", 0, signal=CallSignal.INTERNAL)
    feed("A", 1, signal=CallSignal.INTERNAL)
    assert first.kind == "internal" and feed.predicted() == [] and feed.engine.crews == 0


def test_a_big_transformer_needs_more_callers():
    spec = [("SUB", None, "substation", 0), ("F", "SUB", "feeder", 0), ("BIG", "F", "transformer", 400),
            ("SMALL", "F", "transformer", 30)]
    feed = Feed(spec)
    feed("BIG", 0)
    feed("BIG", 1)
    assert feed.predicted() == []  # 2 of 400: two neighbours' own faults, as likely as an outage
    for minute in range(2, 8):  # 2% of 400: 8 callers
        feed("BIG", minute)
    assert feed.predicted() == ["BIG"]


def test_a_device_whose_only_child_is_out_is_out():
    """A feeder with one transformer is out exactly when the transformer is: the highest one is named."""
    spec = [("SUB", None, "substation", 0), ("F", "SUB", "feeder", 0), ("T", "F", "transformer", 50)]
    feed = Feed(spec)
    feed("T", 0), feed("T", 1)
    assert feed.predicted() == ["F"]  # never the substation: a whole substation out is a dispatcher's call


def test_evidence_rolls_up_to_the_switch_when_its_transformers_call():
    feed = Feed()
    feed("A", 0), feed("A", 1), feed("B", 2), feed("B", 3)
    assert feed.predicted() == ["S1"]  # A and B out, C unheard so far: 2 of 3 children
    assert feed.engine.crews == 1


def test_roll_up_continues_to_the_feeder():
    feed = Feed()
    for minute, t in enumerate(["A", "A", "B", "B", "D", "D", "E", "E", "C", "C", "G", "G"]):
        feed(t, minute)
    assert feed.predicted() == ["F"]
    assert feed.engine.crews == 1 and feed.engine.recalled == 0


def test_one_transformer_out_does_not_roll_up():
    feed = Feed()
    for minute in range(6):
        feed("A", minute)
    assert feed.predicted() == ["A"]


def test_a_silent_transformer_keeps_its_neighbours_apart():
    """A and B out, C with 100 customers silent while A and B have 30 callers each: not S1."""
    feed = Feed()
    for minute in range(30):
        feed("A", minute)
        feed("B", minute)
    assert sorted(feed.predicted()) == ["A", "B"]


def test_the_engine_splits_its_own_prediction_when_silence_appears():
    feed = Feed()
    feed("A", 0), feed("A", 1), feed("B", 2), feed("B", 3)
    assert feed.predicted() == ["S1"]
    for minute in range(4, 30):
        feed("A", minute)
        feed("B", minute)
    assert sorted(feed.predicted()) == ["A", "B"]  # C never called: two faults, not the switch
    assert feed.engine.crews == 2  # the first outage keeps the crew, the second gets its own (held first)


def test_evidence_lapses_after_the_window():
    feed = Feed()
    feed("A", 0)
    feed("A", 90)  # the first caller is over an hour ago
    assert feed.predicted() == []


def test_a_prediction_does_not_lapse():
    feed = Feed()
    feed("A", 0), feed("A", 1)
    feed("B", 300)
    assert "A" in feed.predicted()


def test_calls_below_a_prediction_attach_without_a_crew():
    feed = Feed()
    feed("A", 0), feed("A", 1)
    decision = feed("A", 2)
    assert (decision.kind, decision.node, decision.new_crew) == ("predicted", feed.engine.net.index["A"], False)
    assert feed.engine.crews == 1


def test_calls_below_a_known_outage_attach_to_it():
    engine = Engine(network(FEEDER), known=["S2"])
    decision = engine.call(Call("C1", T0, "x"), "D")
    assert (decision.kind, engine.net.key[decision.node], decision.crew) == ("attached", "S2", None)
    assert engine.crews == 0


def test_a_second_lone_call_in_a_busy_feeder_waits_for_a_group():
    feed = Feed()
    first, second = feed("A", 0), feed("D", 1)
    assert (first.kind, second.kind, second.crew) == ("single", "held", None)
    feed.engine.finish(T0 + timedelta(minutes=20))  # the hold (15 minutes) ran out unexplained
    assert feed.engine.crews == 2


def test_a_held_call_explained_in_time_needs_no_crew():
    feed = Feed()
    feed("A", 0)
    feed("D", 1)
    feed("D", 5)  # D predicted: the first crew, on its way for A, goes to D's outage
    assert feed.predicted() == ["D"]
    feed.engine.finish()
    assert feed.engine.crews == 2  # A's call waited and then got its own crew: it is another fault


def test_a_human_decision_is_never_absorbed():
    feed = Feed()
    feed("A", 0), feed("A", 1)
    prediction = feed.engine.top[feed.engine.net.index["A"]]
    prediction.human = True  # a dispatcher confirmed A
    feed("B", 2), feed("B", 3), feed("C", 4), feed("C", 5)
    assert "A" in feed.predicted() and "S1" not in feed.predicted()


@pytest.mark.parametrize("text, signal", [
    ("家里停电了", CallSignal.UNKNOWN), ("总开关跳闸了", CallSignal.INTERNAL), ("漏保跳了合不上", CallSignal.INTERNAL),
    ("只有我家没电，邻居有电", CallSignal.INTERNAL), ("整个小区都停电了", CallSignal.NETWORK),
    ("邻居家也没电", CallSignal.NETWORK), ("路灯也灭了", CallSignal.NETWORK),
    ("家里跳闸，邻居也停了", CallSignal.NETWORK), ("变压器那边有爆炸声", CallSignal.NETWORK), ("", CallSignal.UNKNOWN),
])
def test_text_classification(text, signal):
    assert classify(text) == signal


def test_poisson_at_most():
    assert poisson_at_most(0, 3.0) == pytest.approx(0.0497870684)
    assert poisson_at_most(2, 1.0) == pytest.approx(0.9196986)


def test_a_dispatcher_places_an_outage_the_engine_keeps():
    feed = Feed()
    feed("A", 0), feed("A", 1)
    feed.engine.human_place("S1", T0 + timedelta(minutes=2))  # moved up the tree by a dispatcher
    assert feed.predicted() == ["S1"] and feed.engine.top[feed.engine.net.index["S1"]].human
    for minute in range(3, 40):  # B out, C silent: the engine would split its own, never this one
        feed("B", minute)
    assert feed.predicted() == ["S1"]


def test_a_rejected_device_is_not_predicted_again():
    feed = Feed()
    feed("A", 0), feed("A", 1)
    feed.engine.human_end("A", T0 + timedelta(minutes=2), vetoed=True)
    assert feed.predicted() == []
    feed("A", 3), feed("A", 4)
    assert feed.predicted() == []


def test_a_restored_outage_leaves_fresh_ground_for_new_calls():
    feed = Feed()
    feed("A", 0), feed("A", 1)
    feed.engine.human_end("A", T0 + timedelta(minutes=30))
    assert feed.predicted() == []
    first = feed("A", 31)
    assert first.kind in ("single", "held")  # one new caller: no outage yet
    feed("A", 32)
    assert feed.predicted() == ["A"]


def test_a_lone_call_is_forgotten_after_lone_memory():
    """A crew went to a lone call hours ago: a dispatcher's outage placed above it later does not take
    it in (`Params.lone_memory`), while a recent lone call is taken in."""
    feed = Feed()
    old = feed("D", 0)  # a single-customer call, its own crew
    assert old.kind == "single" and old.crew is not None
    feed("G", 7 * 60)  # seven hours later, elsewhere on the feeder: the engine looks back
    recent = feed("E", 7 * 60 + 1)
    prediction = feed.engine.human_place("F", T0 + timedelta(hours=7, minutes=2))
    taken = {call.id for call, _t in prediction.calls}
    assert old.call.id not in taken and recent.call.id in taken
