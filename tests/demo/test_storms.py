"""The demo's open work at `now`, its storms and what the trouble-call analysis made of them.

One small province (2000 customers, seed 1: the `demo` fixture of conftest.py); the counts are
ranges, because what is open at the moment of the build depends a little on the time of day."""

import io
from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from griddesk.audit.models import AuditEvent
from griddesk.audit.services import stream_of
from griddesk.customers.models import Customer
from griddesk.demo import storms
from griddesk.demo.history import plan_backlog
from griddesk.demo.sizes import backlog_for, orders_for
from griddesk.notify.models import Message, NotifyChannel
from griddesk.orders.models import OPEN_STATES, ClockPause, OrderState, OrderType, WorkOrder
from griddesk.orders.reminders import CREW_HOLDS
from griddesk.orgs.models import Staff
from griddesk.outages.analyzer import Analyzer
from griddesk.outages.models import (
    AnalyzerMark,
    CallDecision,
    OutageEvent,
    OutageKind,
    OutageSource,
    OutageState,
    StormDeclaration,
    TroubleCall,
)
from griddesk.outages.replay import ReplayCall, replay

from .conftest import NOW, make_plan

pytestmark = pytest.mark.django_db

DEPARTMENT_STATES = {OrderState.FORWARDED, OrderState.CONTACTED, OrderState.INVESTIGATED}
VISIT_DUE_STATES = {OrderState.RESOLVED, OrderState.REPLIED}


def desk_of(order):
    """Who holds an open order now (the desks of console.selectors.desk_for and rule K-6)."""
    if order.crew_id and order.state in CREW_HOLDS:
        return "crew"
    if order.state in VISIT_DUE_STATES:
        return "visit"
    if order.order_type == OrderType.APPLICATION:
        return "back_office"
    if order.handling_org_id and order.state in DEPARTMENT_STATES:
        return "department"
    return "agent"


def deadline_of(order, now):
    """overdue / within the hour / on time, by the order's most urgent running clock."""
    due = [c.due_at for c in order.clocks.all() if c.stopped_at is None and c.paused_since is None and c.due_at]
    if not due:
        return "on_time"
    soonest = min(due)
    if soonest <= now:
        return "overdue"
    return "within_hour" if soonest - now <= timedelta(hours=1) else "on_time"


def test_hundreds_of_open_orders_scale_with_the_province():
    assert backlog_for(orders_for(20000)) == 360  # plus the history's and the storms' open orders
    assert backlog_for(orders_for(2000)) == 36
    assert backlog_for(0) == 0
    plan = make_plan(1)
    calls = plan_backlog(1, plan["layout"], count=360)
    assert len(calls) == 360
    assert set(Counter(c.order_type for c in calls)) == set(OrderType.values)


def test_open_orders_of_every_type_desk_and_deadline_status(demo):
    now = timezone.now()
    open_orders = list(WorkOrder.objects.filter(state__in=OPEN_STATES).prefetch_related("clocks"))
    assert demo["counts"]["open_orders"] == len(open_orders)
    assert 50 <= len(open_orders) <= 150
    assert {o.order_type for o in open_orders} == set(OrderType.values)
    states = Counter(o.state for o in open_orders)
    assert {OrderState.ACCEPTED, OrderState.CREW_ACCEPTED, OrderState.FORWARDED, OrderState.CONTACTED,
            OrderState.RESOLVED} <= set(states)
    desks = Counter(desk_of(o) for o in open_orders)
    assert set(desks) == {"agent", "department", "crew", "back_office", "visit"}
    assert desks["crew"] >= 15  # the feeder in progress alone brings a dozen and more
    deadlines = Counter(deadline_of(o, now) for o in open_orders)
    assert deadlines["overdue"] >= 1 and deadlines["within_hour"] >= 1
    assert deadlines["overdue"] < 0.25 * len(open_orders) and deadlines["on_time"] >= 10


def test_open_clocks_are_consistent_with_the_states(demo):
    """A running clock belongs to an open order; an order that is archived has none (the sweeper)."""
    for order in WorkOrder.objects.filter(state=OrderState.ARCHIVED).prefetch_related("clocks")[:500]:
        assert all(c.stopped_at is not None for c in order.clocks.all())
    crews = WorkOrder.objects.filter(order_type=OrderType.REPAIR, state__in=[OrderState.DISPATCHED,
                                                                            OrderState.CREW_ACCEPTED])
    for order in crews.prefetch_related("clocks"):  # rule R-2: the crew has not arrived, its clock runs
        assert any(c.key.startswith("R-2/") and c.stopped_at is None for c in order.clocks.all())
    running = {  # state -> the clock that must be running in it
        (OrderType.CONSULTATION, OrderState.CALLBACK_OWED): "C-6/",  # the callback owed
        (OrderType.QUERY, OrderState.CALLBACK_OWED): "C-6/",
        (OrderType.COMPLAINT, OrderState.FORWARDED): "K-3/",  # the reply is due
        (OrderType.COMPLAINT, OrderState.CONTACTED): "K-3/",
        (OrderType.COMPLAINT, OrderState.INVESTIGATED): "K-3/",
    }
    checked = 0
    for order in WorkOrder.objects.filter(state__in=OPEN_STATES).prefetch_related("clocks"):
        if order.order_type == OrderType.REPAIR and order.state == OrderState.ON_SITE:  # arrived, stopped
            assert all(c.stopped_at is not None for c in order.clocks.all() if c.key.startswith("R-2/"))
        prefix = running.get((order.order_type, order.state))
        if prefix is not None:
            checked += 1
            assert any(c.key.startswith(prefix) and c.stopped_at is None for c in order.clocks.all()), (
                order.order_type, order.state, [(c.key, c.stopped_at) for c in order.clocks.all()])
        for clock in order.clocks.all():  # a stopped clock says whether it was met, a running one does not
            assert (clock.met is None) == (clock.stopped_at is None)
    assert checked >= 3


def _live_feeder():
    return OutageEvent.objects.get(kind=OutageKind.FAULT, state=OutageState.ACTIVE, device__kind="feeder")


def test_rule_C9_a_feeder_tripped_forty_minutes_ago_with_its_callers_on_one_crew(demo):
    now = timezone.now()
    outage = _live_feeder()
    assert outage.human and outage.restored_at is None and outage.crew_id is not None
    assert now - timedelta(minutes=41) < outage.starts_at < now - timedelta(minutes=30)  # the first call
    orders = WorkOrder.objects.filter(outage=outage)
    assert outage.calls == orders.count() >= 10
    assert set(orders.values_list("crew_id", flat=True)) == {outage.crew_id}  # one crew (rule C-8)
    assert set(orders.values_list("state", flat=True)) <= {OrderState.DISPATCHED, OrderState.CREW_ACCEPTED,
                                                           OrderState.ON_SITE}
    calls = TroubleCall.objects.filter(outage=outage)
    assert calls.count() == orders.count()
    assert set(calls.values_list("decision", flat=True)) == {CallDecision.PREDICTED}
    assert all(c.feeder_id == outage.device_id for c in calls)
    actions = list(AuditEvent.objects.filter(stream=stream_of(outage)).order_by("seq").values_list("action",
                                                                                                   flat=True))
    assert actions == ["outage.predicted", "outage.confirmed", "outage.announced"]
    assert outage.announced_at < now and outage.expected_restoration_at > now


def test_rule_C9_the_caller_page_of_a_customer_below_the_tripped_feeder_prompts_the_agent(demo, client):
    outage = _live_feeder()
    customer = Customer.objects.filter(transformer__path__startswith=outage.device.path).order_by("pk").first()
    client.force_login(Staff.objects.get(username="agent1"))
    response = client.get(reverse("console:caller", args=[customer.account_no]))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="outage-prompt"' in text and outage.cause in text
    assert response.context["card"].outages == [outage]
    assert outage.device.name in text


def test_rule_C9_later_callers_join_at_intake_earlier_ones_are_moved_by_the_analyser(demo):
    outage = _live_feeder()
    # the outages the analyser took into this one (a transformer first, then the whole feeder)
    codes = {outage.code, *outage.merged.values_list("code", flat=True)}
    joined, moved = 0, 0
    for order in WorkOrder.objects.filter(outage=outage):
        events = list(AuditEvent.objects.filter(stream=stream_of(order)).order_by("seq"))
        assert events[0].action == "order.created"
        attached = [e for e in events if e.action == "order.outage_attached"]
        if events[1].action == "order.outage_attached":  # joined when taken: no dispatch of its own
            joined += 1
            assert set(events[1].payload) == {"outage", "crew"} and events[1].payload["outage"] in codes
            attached = attached[1:]
        else:
            moved += 1
            assert events[1].action == "order.dispatch"
        for event in attached:  # moved by the analyser (the system), a version each
            assert event.actor_id is None and event.payload["outage"] in codes and event.payload["version"] >= 2
        assert (attached[-1].payload if attached else events[1].payload)["outage"] == outage.code
        assert order.version == max([e.payload.get("version", 1) for e in events])
    assert joined >= 5 and moved >= 1


def test_a_replay_of_the_last_hour_predicts_the_same_outages(demo):
    """`griddesk outages replay` over the demo's calls of the last 45 minutes reaches the feeder and the
    fault the demo's analysis predicted: the same engine, the same network."""
    since = timezone.now() - timedelta(minutes=45)
    rows = TroubleCall.objects.filter(at__gte=since).select_related("customer").order_by("at", "id")
    calls = [ReplayCall(c.call_id, c.at, c.customer.account_no, c.customer_id, c.transformer_id, c.description)
             for c in rows]
    predicted = {p["device_id"] for p in replay(calls).as_json()["predicted_outages"]}
    live = OutageEvent.objects.filter(first_call_at__gte=since, calls__gte=5).exclude(source=OutageSource.PLAN)
    assert live.count() == 2
    assert {o.device.device_id for o in live} <= predicted


def test_a_fault_predicted_from_calls_and_not_yet_confirmed(demo):
    now = timezone.now()
    predicted = OutageEvent.objects.filter(state=OutageState.PREDICTED, source=OutageSource.ANALYSIS,
                                           first_call_at__gte=now - timedelta(minutes=LIVE_SWITCH_SPAN))
    outage = predicted.order_by("-calls").first()
    assert outage is not None and not outage.human and outage.calls >= 5
    assert outage.device.kind in ("switch", "feeder")
    assert WorkOrder.objects.filter(outage=outage).count() == outage.calls


LIVE_SWITCH_SPAN = storms.LIVE_SWITCH_MINUTES + 1


def test_rule_Q3_a_planned_maintenance_announced_for_tomorrow(demo):
    today = timezone.localdate()
    planned = OutageEvent.objects.filter(kind=OutageKind.PLANNED, state=OutageState.ANNOUNCED,
                                         source=OutageSource.PLAN)
    tomorrow = [o for o in planned if timezone.localdate(o.starts_at) == today + timedelta(days=1)]
    assert len(tomorrow) == 1
    assert tomorrow[0].announced_at <= tomorrow[0].starts_at - timedelta(days=7)  # a week ahead
    assert OutageEvent.objects.filter(kind=OutageKind.PLANNED, state=OutageState.ACTIVE).count() == 1


def test_the_typhoon_weeks_ago_restored_with_every_caller_messaged(demo):
    storm = StormDeclaration.objects.get()
    assert storms.TYPHOON_NAME in storm.reason
    assert timezone.now() - storm.starts_at > timedelta(days=14)  # weeks ago
    typhoon = OutageEvent.objects.filter(starts_at__range=(storm.starts_at, storm.ends_at),
                                         state=OutageState.RESTORED, calls__gt=0)
    assert typhoon.count() >= 3
    assert sum(typhoon.values_list("calls", flat=True)) >= 40  # hundreds at 20,000 customers
    assert typhoon.filter(device__kind="feeder").exists()
    for outage in typhoon:
        assert outage.starts_at < outage.restored_at and outage.human
        orders = WorkOrder.objects.filter(outage=outage)
        assert orders.count() == outage.calls
        assert set(orders.values_list("crew_id", flat=True)) == {outage.crew_id}
        assert set(orders.values_list("state", flat=True)) <= {OrderState.ARCHIVED, OrderState.VISITED,
                                                               OrderState.RESOLVED}
        for order in orders:
            sms = Message.objects.get(order=order, channel=NotifyChannel.SMS)
            assert sms.address == order.caller_phone and sms.created_at == outage.restored_at
            assert outage.device.name in sms.body
            restore = AuditEvent.objects.get(stream=stream_of(order), action="order.restore")
            assert restore.at >= outage.restored_at - timedelta(minutes=1)
        actions = list(AuditEvent.objects.filter(stream=stream_of(outage)).order_by("seq")
                       .values_list("action", flat=True))
        assert actions == ["outage.predicted", "outage.restored"]
    # rule R-3: the crews' arrival deadlines of the typhoon's calls were paused by the storm
    assert ClockPause.objects.filter(storm=storm).count() >= 10


def test_every_repair_call_went_through_the_analysis(demo):
    repairs = WorkOrder.objects.filter(order_type=OrderType.REPAIR, customer__isnull=False, parent__isnull=True)
    assert TroubleCall.objects.count() == repairs.count() == demo["counts"]["trouble_calls"]
    assert not TroubleCall.objects.exclude(call_id__in=repairs.values("number")).exists()
    assert WorkOrder.objects.filter(outage__isnull=False).count() == TroubleCall.objects.filter(
        outage__isnull=False).count()
    merged = OutageEvent.objects.filter(state=OutageState.CANCELLED, merged_into__isnull=False)
    for outage in merged:  # the analyser took a prediction into the one above it
        assert outage.device.path.startswith(outage.merged_into.device.path)
    assert AnalyzerMark.objects.get(name="live").last_order_id == WorkOrder.objects.order_by("-pk").first().pk


def test_the_live_analyser_goes_on_from_the_demo(demo):
    """`griddesk outages analyse` after `make run`: nothing of the demo read again, the open predictions
    rebuilt from the last hours' trouble calls as the demo left them."""
    analyzer = Analyzer()
    assert analyzer.run() == 0
    open_outages = OutageEvent.objects.filter(source=OutageSource.ANALYSIS, human=False,
                                              state=OutageState.PREDICTED, first_call_at__gte=timezone.now()
                                              - timedelta(hours=5))
    assert set(analyzer.outage_of.values()) >= set(open_outages)
    feeder = _live_feeder()  # the dispatcher's decision, taken over by the engine (never undone)
    assert analyzer.engine.top[analyzer.engine.net.index[feeder.device_id]].human
    before = set(OutageEvent.objects.values_list("pk", "state"))
    assert analyzer.run() == 0 and set(OutageEvent.objects.values_list("pk", "state")) == before


def test_rule_K8_audit_verify_passes_with_the_storms(demo):
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert "OK" in out.getvalue()


def test_storms_are_the_same_for_a_seed():
    plan = make_plan(1)
    args = (1, plan["province"], plan["network"], plan["layout"])
    first = storms.plan_storms(*args, start=plan["start"], now=NOW)
    again = storms.plan_storms(*args, start=plan["start"], now=NOW)
    assert first.calls == again.calls and first.faults == again.faults
    typhoon = [f for f in first.faults if f.storm == "typhoon"]
    live = [f for f in first.faults if f.storm == "live"]
    assert typhoon and all(NOW - f.at > timedelta(days=storms.TYPHOON_DAYS_AGO - 2) for f in typhoon)
    assert [f.kind for f in live] == ["feeder", "switch"] and live[0].confirm is not None
    feeders = first.feeders(plan["network"])
    assert len(feeders) == len(first.faults)  # one failure per feeder, none below another
    other = storms.plan_storms(2, *args[1:], start=plan["start"], now=NOW)
    assert other.calls != first.calls
