"""The live analysis (outages.analyzer) over repair orders, and its agreement with a replay."""

import csv

from griddesk.audit.models import AuditEvent
from griddesk.audit.services import stream_of
from griddesk.orders import services
from griddesk.orders.models import OrderState, WorkOrder
from griddesk.outages.analyzer import Analyzer
from griddesk.outages.models import OutageEvent, OutageSource, OutageState, TroubleCall
from griddesk.outages.replay import calls_read, replay


def _call(people, customer, text="家里停电了"):
    return services.order_create(order_type="repair", channel="hotline", actor=people["agent"], customer=customer,
                                 title=text, detect_repeat=False)


def _storm(people, grid):
    """Two callers on each of A1 and B1 (switch 1), one on C2 (switch 2)."""
    c = grid["customers"]
    return [_call(people, customer) for customer in (c["A1"][0], c["A1"][1], c["B1"][0], c["B1"][1], c["C2"][0])]


def test_live_analysis_predicts_the_switch_with_one_crew(people, grid):
    orders = _storm(people, grid)
    assert Analyzer().run() == 5
    outage = OutageEvent.objects.get(state=OutageState.PREDICTED)
    assert (outage.device.device_id, outage.source, outage.calls) == ("S91", OutageSource.ANALYSIS, 4)
    assert outage.customers_affected == 30 and outage.first_call_at == orders[0].accepted_at
    below = WorkOrder.objects.filter(outage=outage)
    assert below.count() == 4 and {o.crew_id for o in below} == {grid["crew"].pk}  # one crew (C-8)
    assert TroubleCall.objects.count() == 5
    assert TroubleCall.objects.get(order=orders[4]).decision in ("single", "held")


def test_live_and_replay_reach_the_same_predictions(people, grid, tmp_path):
    orders = _storm(people, grid)
    Analyzer().run()
    live = sorted(OutageEvent.objects.filter(state=OutageState.PREDICTED).values_list("device__device_id", flat=True))
    path = tmp_path / "calls.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["call_id", "time", "account_no", "description"])
        for order in orders:
            writer.writerow([f"R{order.number}", order.accepted_at.isoformat(), order.customer.account_no, order.title])
    calls, _sha = calls_read(path)
    replayed = sorted(row["device_id"] for row in replay(calls).as_json()["predicted_outages"])
    assert live == replayed == ["S91"]


def test_rule_C9_a_call_below_a_predicted_outage_joins_it_at_intake(people, grid):
    _storm(people, grid)
    Analyzer().run()
    outage = OutageEvent.objects.get(state=OutageState.PREDICTED)
    later = _call(people, grid["customers"]["C1"][5])
    later.refresh_from_db()
    assert (later.outage_id, later.crew_id, later.state) == (outage.pk, grid["crew"].pk, OrderState.DISPATCHED)
    actions = list(AuditEvent.objects.filter(stream=stream_of(later)).order_by("seq").values_list("action", flat=True))
    assert actions == ["order.created", "order.outage_attached"]  # no dispatch of its own


def test_the_analyser_resumes_where_it_stopped(people, grid):
    _storm(people, grid)
    first = Analyzer()
    assert first.run() == 5
    _call(people, grid["customers"]["A2"][0])
    assert Analyzer().run() == 1  # a new process: rebuilt from the trouble calls, reads only the new order
    assert OutageEvent.objects.filter(state=OutageState.PREDICTED).count() == 1


def _decide(outage, **fields):
    """As a dispatcher's service would: the outage changed, marked human, its time moved on."""
    from django.utils import timezone

    OutageEvent.objects.filter(pk=outage.pk).update(human=True, updated_at=timezone.now(), **fields)


def test_a_rejected_prediction_stays_rejected(people, grid):
    _storm(people, grid)
    analyzer = Analyzer()
    analyzer.run()
    outage = OutageEvent.objects.get(state=OutageState.PREDICTED)
    _decide(outage, state=OutageState.CANCELLED)
    c = grid["customers"]
    for customer in (c["A1"][2], c["B1"][2], c["A1"][3]):  # more calls there: still no outage
        _call(people, customer)
    analyzer.run()
    assert not OutageEvent.objects.filter(state=OutageState.PREDICTED, device__device_id="S91").exists()


def test_a_prediction_moved_by_a_dispatcher_is_kept_where_it_was_put(people, grid):
    _storm(people, grid)
    analyzer = Analyzer()
    analyzer.run()
    outage = OutageEvent.objects.get(state=OutageState.PREDICTED)
    _decide(outage, device=grid["feeder"], state=OutageState.CONFIRMED)
    _call(people, grid["customers"]["A1"][4])
    analyzer.run()
    assert list(OutageEvent.objects.exclude(state=OutageState.CANCELLED).values_list("device__device_id", "state")) \
        == [("F9", OutageState.CONFIRMED)]
    fresh = Analyzer()  # a restart rebuilds the engine with the dispatcher's decision in it
    _call(people, grid["customers"]["B2"][4])
    fresh.run()
    assert OutageEvent.objects.exclude(state=OutageState.CANCELLED).count() == 1


def test_a_step_over_calls_joined_at_intake_costs_the_same_queries_for_any_number(people, grid):
    """The analyser's hot path: calls intake already joined to the prediction (rule C-9) are read,
    analysed and recorded in a fixed number of statements, not one per call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _storm(people, grid)
    analyzer = Analyzer()
    analyzer.run()
    outage = OutageEvent.objects.get(state=OutageState.PREDICTED)
    counts = []
    for accounts in (grid["customers"]["A1"][2:4], grid["customers"]["C1"][:6]):
        for customer in accounts:
            _call(people, customer)
        with CaptureQueriesContext(connection) as captured:
            assert analyzer.step() == len(accounts)
        counts.append(len(captured))
        outage.refresh_from_db()
        assert TroubleCall.objects.filter(outage=outage).count() == outage.calls
    assert counts[0] == counts[1] <= 12, counts
    assert outage.calls == 4 + 2 + 6
    assert set(TroubleCall.objects.filter(outage=outage).values_list("decision", flat=True)) <= {"predicted",
                                                                                                 "attached"}


def test_a_call_from_a_transformer_added_after_the_start_is_analysed(people, grid):
    """The network grew under a running analyser (an import): it loads it again instead of failing."""
    from griddesk.customers.models import Customer
    from griddesk.grid.models import Device

    analyzer = Analyzer()
    _storm(people, grid)
    assert analyzer.run() == 5
    tx = Device.objects.create(device_id="T9D2", kind="transformer", parent=grid["switches"][1], name="东风D2台区",
                               zone="urban", org=grid["feeder"].org)
    newcomer = Customer.objects.create(account_no="7729999", name="新客户", phone="13909999999", address="东风路新1号",
                                       transformer=tx, supply_voltage="220V", zone="urban", org=grid["feeder"].org)
    order = _call(people, newcomer)
    assert analyzer.run() == 1
    call = TroubleCall.objects.get(order=order)
    assert (call.transformer_id, call.feeder_id) == (tx.pk, grid["feeder"].pk)
    # the prediction made before the reload is still the one the engine keeps
    assert OutageEvent.objects.filter(state=OutageState.PREDICTED).count() == 1
