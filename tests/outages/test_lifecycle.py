"""The outage lifecycle (outages.services): dispatchers' decisions, restoration (rule C-12), expected
restoration, planning and publication (rules Q-2, Q-3). The network is tests/outages/conftest.py's:
feeder F9 > switches S91, S92 > transformers A1, B1, C1 (S91) and A2, B2, C2 (S92), ten customers each."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from griddesk.audit.models import AuditEvent
from griddesk.audit.services import audit_verify, chains_walk, stream_of
from griddesk.audit.verify import orders_reconcile
from griddesk.console.selectors import order_for, order_page
from griddesk.notify.models import Message, NotifyChannel
from griddesk.orders import services as order_services
from griddesk.orders.models import OrderState, SlaClock, WorkOrder
from griddesk.orgs.models import Crew
from griddesk.outages import services
from griddesk.outages.analyzer import Analyzer
from griddesk.outages.models import OutageEvent, OutageKind, OutageSource, OutageState, TroubleCall


def _call(people, customer, text="家里停电了"):
    return order_services.order_create(order_type="repair", channel="hotline", actor=people["agent"],
                                       customer=customer, title=text, detect_repeat=False)


def _predicted(people, grid):
    """Two callers on each of A1 and B1: the analysis predicts switch S91 (four calls)."""
    c = grid["customers"]
    orders = [_call(people, customer) for customer in (c["A1"][0], c["A1"][1], c["B1"][0], c["B1"][1])]
    analyzer = Analyzer()
    analyzer.run()
    outage = OutageEvent.objects.get(state=OutageState.PREDICTED)
    assert outage.device.device_id == "S91" and outage.calls == 4
    return outage, orders, analyzer


def _actions(obj):
    return list(AuditEvent.objects.filter(stream=stream_of(obj)).order_by("seq").values_list("action", flat=True))


def _last(obj):
    return AuditEvent.objects.filter(stream=stream_of(obj)).order_by("-seq").first()


# ---------------------------------------------------------------------- decisions


def test_confirm_sets_the_rule_set_restoration_without_history_and_is_human(people, grid):
    outage, _orders, _a = _predicted(people, grid)
    outage = services.outage_confirm(outage=outage, actor=people["dispatcher"], at=outage.starts_at)
    outage.refresh_from_db()
    assert (outage.state, outage.human) == (OutageState.CONFIRMED, True)
    # no restored faults on switches yet: R-1/restore-urban (3 hours, ten-commitments set) from the start
    assert outage.expected_restoration_at == outage.starts_at + timedelta(hours=3)
    event = _last(outage)
    assert (event.action, event.actor_id, event.payload["default"]) == ("outage.confirmed",
                                                                        people["dispatcher"].pk, True)


def test_restoration_default_is_the_median_of_restored_faults_on_the_same_kind(people, grid):
    outage, _orders, _a = _predicted(people, grid)
    start = outage.starts_at - timedelta(days=30)
    for n, minutes in enumerate((60, 70, 100, 300, 400)):  # median 100 minutes
        OutageEvent.objects.create(code=f"H{n}", kind=OutageKind.FAULT, device=grid["switches"][1], cause="历史",
                                   starts_at=start, restored_at=start + timedelta(minutes=minutes),
                                   state=OutageState.RESTORED)
    OutageEvent.objects.create(code="HT", kind=OutageKind.FAULT, device=grid["transformers"]["A2"], cause="台区",
                               starts_at=start, restored_at=start + timedelta(minutes=5), state=OutageState.RESTORED)
    assert services.restoration_default(outage=outage, now=outage.starts_at) == \
        outage.starts_at + timedelta(minutes=100)
    later = outage.starts_at + timedelta(hours=5)  # the median from the start has passed: from now
    assert services.restoration_default(outage=outage, now=later) == later + timedelta(minutes=100)
    confirmed = services.outage_confirm(outage=outage, actor=people["dispatcher"], at=outage.starts_at)
    assert confirmed.expected_restoration_at == outage.starts_at + timedelta(minutes=100)


def test_a_rejection_is_audited_human_and_not_undone_by_the_analysis(people, grid):
    outage, orders, analyzer = _predicted(people, grid)
    outage = services.outage_reject(outage=outage, actor=people["dispatcher"], reason="用户内部故障")
    outage.refresh_from_db()
    assert (outage.state, outage.human, outage.merged_into_id) == (OutageState.CANCELLED, True, None)
    assert _last(outage).action == "outage.rejected"
    for order in orders:
        order.refresh_from_db()
        assert order.outage_id is None and order.crew_id == grid["crew"].pk  # left it, crew kept
        assert _actions(order)[-1] == "order.outage_detached"
    c = grid["customers"]
    for customer in (c["A1"][2], c["B1"][2], c["A1"][3], c["C1"][0]):
        _call(people, customer)
    analyzer.run()
    assert not OutageEvent.objects.filter(state=OutageState.PREDICTED, device__device_id="S91").exists()
    assert orders_reconcile(chains_walk()) == []


def test_a_move_is_audited_human_and_kept_by_the_analysis(people, grid):
    outage, _orders, analyzer = _predicted(people, grid)
    services.outage_confirm(outage=outage, actor=people["dispatcher"])
    moved = services.outage_move(outage=outage, device=grid["feeder"], actor=people["dispatcher"])
    moved.refresh_from_db()
    assert (moved.device_id, moved.human, moved.customers_affected) == (grid["feeder"].pk, True, 60)
    event = _last(moved)
    assert (event.action, event.payload["from"], event.payload["to"]) == ("outage.moved", "S91", "F9")
    _call(people, grid["customers"]["A1"][4])
    _call(people, grid["customers"]["B2"][4])
    analyzer.run()
    assert list(OutageEvent.objects.exclude(state=OutageState.CANCELLED).values_list("device__device_id", "state")) \
        == [("F9", OutageState.CONFIRMED)]
    Analyzer().run()  # a restart keeps it too
    assert OutageEvent.objects.exclude(state=OutageState.CANCELLED).count() == 1


def test_a_move_down_leaves_the_calls_no_longer_below_it(people, grid):
    outage, orders, _a = _predicted(people, grid)
    moved = services.outage_move(outage=outage, device=grid["transformers"]["A1"], actor=people["dispatcher"])
    assert set(WorkOrder.objects.filter(outage=moved).values_list("pk", flat=True)) == {orders[0].pk, orders[1].pk}
    assert TroubleCall.objects.filter(outage=moved).count() == 2
    moved.refresh_from_db()
    assert (moved.calls, moved.customers_affected) == (2, 10)
    assert _last(moved).payload["orders_left"] == [orders[2].number, orders[3].number]


def test_a_move_off_the_supply_path_is_refused_and_changes_nothing(people, grid):
    outage, _orders, _a = _predicted(people, grid)
    with pytest.raises(ValidationError) as refused:
        services.outage_move(outage=outage, device=grid["transformers"]["C2"], actor=people["dispatcher"])
    assert "device" in refused.value.message_dict and "T9C2" in refused.value.message_dict["device"][0]
    outage.refresh_from_db()
    assert (outage.device.device_id, outage.human) == ("S91", False)


def test_only_dispatchers_of_the_scope_decide(people, grid, make_staff, province):
    outage, _orders, _a = _predicted(people, grid)
    with pytest.raises(PermissionDenied):
        services.outage_confirm(outage=outage, actor=people["agent"])
    elsewhere = make_staff("far_dispatcher", province["other_city"], "dispatcher")
    with pytest.raises(PermissionDenied):
        services.outage_reject(outage=outage, actor=elsewhere)
    outage.refresh_from_db()
    assert (outage.state, outage.human) == (OutageState.PREDICTED, False)


def test_a_split_gives_one_outage_per_device_and_the_calls_follow_their_supply_path(people, grid):
    outage, orders, analyzer = _predicted(people, grid)
    t = grid["transformers"]
    parts = services.outage_split(outage=outage, devices=[t["A1"], t["B1"]], actor=people["dispatcher"])
    outage.refresh_from_db()
    assert (outage.state, outage.human) == (OutageState.CANCELLED, True)
    assert [p.device.device_id for p in parts] == ["T9A1", "T9B1"]
    for part, expected in zip(parts, (orders[:2], orders[2:]), strict=True):
        part.refresh_from_db()
        assert (part.state, part.human, part.calls, part.customers_affected) == (OutageState.PREDICTED, True, 2, 10)
        assert set(WorkOrder.objects.filter(outage=part).values_list("pk", flat=True)) == {o.pk for o in expected}
        assert _actions(part) == ["outage.split_from"]
    assert "outage.split" in _actions(outage)
    assert _actions(orders[3])[-1] == "order.outage_attached"
    analyzer.run()  # the analysis takes the split over: nothing new, the parts stand
    assert sorted(OutageEvent.objects.filter(state=OutageState.PREDICTED).values_list("device__device_id", flat=True)) \
        == ["T9A1", "T9B1"]


def test_a_split_to_a_device_not_below_is_refused(people, grid):
    outage, _orders, _a = _predicted(people, grid)
    with pytest.raises(ValidationError) as refused:
        services.outage_split(outage=outage, devices=[grid["transformers"]["A1"], grid["switches"][1]],
                              actor=people["dispatcher"])
    assert "S92" in refused.value.message_dict["devices"][0]
    with pytest.raises(ValidationError):
        services.outage_split(outage=outage, devices=[grid["switches"][0], grid["transformers"]["A1"]],
                              actor=people["dispatcher"])
    assert OutageEvent.objects.count() == 1 and WorkOrder.objects.filter(outage=outage).count() == 4


def test_a_merge_cancels_the_others_into_one_with_their_calls(people, grid):
    outage, _orders, _a = _predicted(people, grid)
    lone = _call(people, grid["customers"]["C1"][0])  # joins S91 at intake (rule C-9); give it its own outage
    other = OutageEvent.objects.create(code="YP-C1", kind=OutageKind.FAULT, device=grid["transformers"]["C1"],
                                       org=grid["feeder"].org, cause="台区故障", starts_at=lone.accepted_at,
                                       state=OutageState.PREDICTED, source=OutageSource.ANALYSIS)
    order_services.order_outage_attach(order=lone, outage=other, crew_id=None)
    into = services.outage_merge(outages=[other], into=outage, actor=people["dispatcher"])
    other.refresh_from_db()
    assert (other.state, other.merged_into_id, other.human) == (OutageState.CANCELLED, outage.pk, True)
    assert _last(other).action == "outage.merged"
    assert (into.human, _last(into).action) == (True, "outage.merged_in")
    assert WorkOrder.objects.filter(outage=outage).count() == 5
    with pytest.raises(ValidationError):  # S92 is not below S91
        stray = OutageEvent.objects.create(code="YP-S92", kind=OutageKind.FAULT, device=grid["switches"][1],
                                           cause="x", starts_at=lone.accepted_at, state=OutageState.PREDICTED)
        services.outage_merge(outages=[stray], into=outage, actor=people["dispatcher"])


def test_dispatch_sends_the_one_crew_and_moves_the_open_calls_to_it(people, grid, province):
    outage, orders, _a = _predicted(people, grid)
    second = Crew.objects.create(code="C9B", name="东风抢修二班", org=province["station"], phone="0531-1234")
    second.members.add(people["lineman"])
    outage = services.outage_dispatch(outage=outage, crew=second, actor=people["dispatcher"])
    outage.refresh_from_db()
    assert (outage.crew_id, outage.human, _last(outage).action) == (second.pk, True, "outage.dispatched")
    for order in orders:
        order.refresh_from_db()
        assert (order.crew_id, order.state) == (second.pk, OrderState.DISPATCHED)
        assert _last(order).payload["crew"] == second.pk
    assert Message.objects.filter(address="0531-1234", channel=NotifyChannel.SMS).count() == 1
    assert Message.objects.filter(recipient=people["lineman"], subject="停电抢修派工").count() == 1
    far = Crew.objects.create(code="FAR", name="云岭抢修班", org=province["other_city"])
    with pytest.raises(ValidationError) as refused:
        services.outage_dispatch(outage=outage, crew=far, actor=people["dispatcher"])
    assert "crew" in refused.value.message_dict


def test_the_crew_confirms_from_the_phone(people, grid):
    outage, orders, _a = _predicted(people, grid)
    with pytest.raises(PermissionDenied):  # lineman is not in the outage's crew (C9)
        services.outage_crew_confirm(outage=outage, actor=people["lineman"])
    grid["crew"].members.add(people["lineman"])
    outage = services.outage_crew_confirm(outage=outage, actor=people["lineman"])
    assert _last(outage).action == "outage.crew_confirmed" and outage.human
    for order in orders:
        order.refresh_from_db()
        assert order.state == OrderState.CREW_ACCEPTED
        assert _last(order).action == "order.crew_accept"


# ---------------------------------------------------------------------- restoration (C-12)


def test_rule_C12_restoration_tells_every_caller_stops_clocks_and_resolves_the_calls(people, grid):
    outage, orders, _a = _predicted(people, grid)
    outage = services.outage_confirm(outage=outage, actor=people["dispatcher"])
    grid["crew"].members.add(people["lineman"])
    first = orders[0]
    first.refresh_from_db()
    for step in ("arrive", "repair", "restore"):  # one caller's order already worked to the end by the crew
        first = order_services.order_crew_step(order=first, actor=people["lineman"], step=step)
    at = timezone.now()
    outage = services.outage_restore(outage=outage, actor=people["dispatcher"], at=at)
    outage.refresh_from_db()
    assert (outage.state, outage.restored_at, outage.human) == (OutageState.RESTORED, at, True)
    event = _last(outage)
    assert event.action == "outage.restored" and event.payload["customers_told"] == 4
    assert event.payload["orders_resolved"] == [o.number for o in orders[1:]]
    for order in orders:
        order.refresh_from_db()
        assert order.state == OrderState.RESOLVED
        sms = Message.objects.get(order=order, channel=NotifyChannel.SMS, subject="恢复供电通知")
        assert sms.address == order.customer.phone and order.number in sms.body
        assert _actions(order)[-1] == "order.restoration_notified"
        assert not SlaClock.objects.filter(order=order, stopped_at__isnull=True, key__startswith="R-").exists()
    page = order_page(order=order_for(user=people["dispatcher"], number=orders[1].number), user=people["dispatcher"])
    shown = [(e["label"], dict(e["details"]).get("停电事件")) for e in page["events"]]
    assert ("短信通知客户已恢复供电（C-12）", outage.code) in shown and ("停电恢复送电", outage.code) in shown
    for order in orders[1:]:
        assert "order.outage_restore" in _actions(order)
        clock = SlaClock.objects.get(order=order, key="R-2/urban")
        assert (clock.stopped_at, clock.met) == (at, True)
        assert _last(order).payload["outage"] == outage.code


def test_the_outage_crew_restores_it_from_the_phone(people, grid):
    outage, orders, _a = _predicted(people, grid)
    grid["crew"].members.add(people["lineman"])
    outage = services.outage_restore(outage=outage, actor=people["lineman"])
    assert (outage.state, _last(outage).actor_id) == (OutageState.RESTORED, people["lineman"].pk)
    assert set(WorkOrder.objects.filter(pk__in=[o.pk for o in orders]).values_list("state", flat=True)) == {
        OrderState.RESOLVED}


def test_restoration_by_someone_else_is_refused_and_changes_nothing(people, grid):
    outage, orders, _a = _predicted(people, grid)
    with pytest.raises(PermissionDenied):
        services.outage_restore(outage=outage, actor=people["agent"])
    with pytest.raises(ValidationError):  # before the outage began
        services.outage_restore(outage=outage, actor=people["dispatcher"], at=outage.starts_at - timedelta(hours=1))
    outage.refresh_from_db()
    assert outage.state == OutageState.PREDICTED and not Message.objects.filter(subject="恢复供电通知").exists()
    assert {o.state for o in WorkOrder.objects.filter(pk__in=[o.pk for o in orders])} == {OrderState.DISPATCHED}


def test_partial_restoration_splits_the_restored_part_from_the_rest(people, grid):
    c = grid["customers"]
    outage, orders, analyzer = _predicted(people, grid)
    outage = services.outage_move(outage=outage, device=grid["feeder"], actor=people["dispatcher"])
    late = _call(people, c["C2"][0])  # below S92: joins the feeder outage at intake (C-9)
    assert late.outage_id == outage.pk
    analyzer.run()
    restored, rest = services.outage_restore_part(outage=outage, device=grid["switches"][0],
                                                  actor=people["dispatcher"])
    outage.refresh_from_db()
    assert outage.state == OutageState.CANCELLED
    assert (restored.device.device_id, restored.state) == ("S91", OutageState.RESTORED)
    assert [(p.device.device_id, p.state) for p in rest] == [("S92", OutageState.PREDICTED)]
    for order in orders:
        order.refresh_from_db()
        assert (order.outage_id, order.state) == (restored.pk, OrderState.RESOLVED)
        assert Message.objects.filter(order=order, subject="恢复供电通知").count() == 1
    late.refresh_from_db()
    assert (late.outage_id, late.state) == (rest[0].pk, OrderState.DISPATCHED)
    assert not Message.objects.filter(order=late, subject="恢复供电通知").exists()
    rest[0].refresh_from_db()
    assert (rest[0].customers_affected, rest[0].calls) == (30, 1)
    # a new call below S91 no longer joins anything still out; one below S92 joins the remainder
    assert _call(people, c["A1"][9]).outage_id is None
    assert _call(people, c["B2"][9]).outage_id == rest[0].pk
    # rule K-8: every order at the version its history records, every chain intact
    assert orders_reconcile(chains_walk()) == [] and audit_verify()[1] == []


def test_partial_restoration_of_everything_restores_the_outage(people, grid):
    outage, _orders, _a = _predicted(people, grid)
    only = OutageEvent.objects.create(code="T-A1", kind=OutageKind.FAULT, device=grid["switches"][0], cause="x",
                                      starts_at=outage.starts_at, state=OutageState.ACTIVE)
    with pytest.raises(ValidationError):
        services.outage_restore_part(outage=only, device=grid["switches"][1], actor=people["dispatcher"])
    restored, rest = services.outage_restore_part(outage=outage, device=grid["transformers"]["A1"],
                                                  actor=people["dispatcher"])
    assert [p.device.device_id for p in rest] == ["T9B1", "T9C1"]
    assert restored.state == OutageState.RESTORED


# ---------------------------------------------------------------------- expected restoration


def test_a_new_restoration_time_is_announced_to_every_open_call(people, grid):
    outage, orders, _a = _predicted(people, grid)
    at = outage.starts_at + timedelta(hours=5)
    outage = services.outage_set_restoration(outage=outage, at=at, actor=people["dispatcher"], reason="需更换配变")
    assert (outage.expected_restoration_at, outage.human) == (at, True)
    event = _last(outage)
    assert (event.action, event.payload["customers_told"], event.payload["reason"]) == (
        "outage.restoration_set", 4, "需更换配变")
    for order in orders:
        sms = Message.objects.get(order=order, subject="预计恢复时间调整")
        assert "需更换配变" in sms.body and sms.address == order.customer.phone
        assert _actions(order)[-1] == "order.restoration_time_changed"
    with pytest.raises(ValidationError) as refused:
        services.outage_set_restoration(outage=outage, at=outage.starts_at, actor=people["dispatcher"])
    assert "at" in refused.value.message_dict


# ---------------------------------------------------------------------- planning and publication


def _plan(people, device, starts_at, kind=OutageKind.PLANNED, hours=4):
    return services.outage_plan(kind=kind, device=device, starts_at=starts_at,
                                ends_at=starts_at + timedelta(hours=hours), cause="计划检修：更换开关",
                                area="东风路", actor=people["dispatcher"])


def _important(grid):
    vip = grid["customers"]["A1"][0]
    vip.important = True
    vip.save()
    return vip


def test_rule_Q3_planned_outage_published_on_time_tells_important_customers(people, grid):
    vip = _important(grid)
    starts = timezone.now().replace(microsecond=0) + timedelta(days=10)
    outage = _plan(people, grid["switches"][0], starts)
    assert (outage.state, outage.source, outage.customers_affected) == (OutageState.CONFIRMED, OutageSource.PLAN, 30)
    assert outage.notice_due_at == starts - timedelta(days=7)  # Q-3/planned of the rule set in force
    assert _actions(outage) == ["outage.planned"]
    at = timezone.now()
    outage = services.outage_publish(outage=outage, actor=people["dispatcher"], at=at)
    outage.refresh_from_db()
    assert (outage.state, outage.announced_at, outage.late_reason) == (OutageState.ANNOUNCED, at, "")
    sms = Message.objects.get(channel=NotifyChannel.SMS, subject="停电通知")
    assert sms.address == vip.phone and outage.code in sms.body and "东风路" in sms.body
    event = _last(outage)
    assert (event.action, event.payload["late"], event.payload["important_customers"]) == (
        "outage.published", False, [vip.account_no])


def test_rule_Q3_late_publication_without_reason_is_refused_and_changes_nothing(people, grid):
    _important(grid)
    outage = _plan(people, grid["switches"][0], timezone.now() + timedelta(days=3))
    with pytest.raises(ValidationError) as refused:
        services.outage_publish(outage=outage, actor=people["dispatcher"], late_reason="  ")
    assert "late_reason" in refused.value.message_dict and "Q-3" in refused.value.message_dict["late_reason"][0]
    outage.refresh_from_db()
    assert (outage.state, outage.announced_at) == (OutageState.CONFIRMED, None)
    assert not Message.objects.exists() and _actions(outage) == ["outage.planned"]


def test_rule_Q3_late_publication_with_reason_keeps_it(people, grid):
    outage = _plan(people, grid["switches"][0], timezone.now() + timedelta(days=3))
    reason = "设备缺陷危及安全，需尽快检修"
    outage = services.outage_publish(outage=outage, actor=people["dispatcher"], late_reason=reason)
    outage.refresh_from_db()
    assert (outage.state, outage.late_reason) == (OutageState.ANNOUNCED, reason)
    assert _last(outage).payload["late"] is True


def test_rule_Q3_temporary_outage_needs_24_hours(people, grid):
    starts = timezone.now().replace(microsecond=0) + timedelta(hours=30)
    on_time = _plan(people, grid["switches"][0], starts, kind=OutageKind.TEMPORARY)
    assert on_time.notice_due_at == starts - timedelta(hours=24)
    services.outage_publish(outage=on_time, actor=people["dispatcher"])
    soon = _plan(people, grid["switches"][1], timezone.now() + timedelta(hours=12), kind=OutageKind.TEMPORARY)
    with pytest.raises(ValidationError):
        services.outage_publish(outage=soon, actor=people["dispatcher"])


def test_plan_refuses_bad_input_naming_the_field(people, grid):
    starts = timezone.now() + timedelta(days=9)
    for kwargs, field in (({"kind": OutageKind.FAULT}, "kind"), ({"ends_at": starts - timedelta(hours=1)}, "ends_at"),
                          ({"cause": " "}, "cause"), ({"starts_at": timezone.now() - timedelta(hours=1)}, "starts_at")):
        args = {"kind": OutageKind.PLANNED, "device": grid["switches"][0], "starts_at": starts,
                "ends_at": starts + timedelta(hours=2), "cause": "检修", "actor": people["dispatcher"], **kwargs}
        with pytest.raises(ValidationError) as refused:
            services.outage_plan(**args)
        assert field in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        services.outage_plan(kind=OutageKind.PLANNED, device=grid["switches"][0], starts_at=starts,
                             ends_at=starts + timedelta(hours=2), cause="检修", actor=people["agent"])
    assert not OutageEvent.objects.exists()


def _year(offset, month, day=1):
    from datetime import datetime

    return timezone.make_aware(datetime(timezone.localtime().year + offset, month, day, 9, 0))


def test_rule_Q2_second_planned_outage_at_35kV_warns_naming_the_customer(people, grid):
    c = grid["customers"]
    hv = c["A1"][0]
    hv.supply_voltage = "35kV"
    hv.save()
    first = _plan(people, grid["switches"][0], _year(1, 3))
    assert first.limit_warning == []
    _plan(people, grid["switches"][1], _year(1, 4))  # S92: not on the customer's supply path
    _plan(people, grid["switches"][0], _year(2, 1))  # another year
    _plan(people, grid["switches"][0], _year(1, 5), kind=OutageKind.TEMPORARY)  # temporary: not counted
    second = _plan(people, grid["feeder"], _year(1, 6))  # F9 supplies it too: its second this year
    assert second.limit_warning == [{"account_no": hv.account_no, "name": hv.name, "supply_voltage": "35kV",
                                     "count": 2, "limit": 1, "year": _year(1, 6).year}]
    assert second.state == OutageState.CONFIRMED  # warned, not refused
    assert _actions(second) == ["outage.planned"] and _last(second).payload["limit_warning"] == [hv.account_no]


def test_rule_Q2_fourth_planned_outage_at_10kV_warns_and_cancelled_ones_do_not_count(people, grid):
    c = grid["customers"]
    mv, low = c["B1"][0], c["B1"][1]
    mv.supply_voltage = "10kV"
    mv.save()
    plans = [_plan(people, grid["switches"][0], _year(1, month)) for month in (2, 3, 4)]
    assert all(p.limit_warning == [] for p in plans)
    services.outage_cancel(outage=plans[0], actor=people["dispatcher"], reason="天气原因改期")
    assert _plan(people, grid["transformers"]["B1"], _year(1, 5)).limit_warning == []  # the cancelled one is off
    fourth = _plan(people, grid["feeder"], _year(1, 7))
    assert [w["account_no"] for w in fourth.limit_warning] == [mv.account_no]  # not the 220V customer
    assert fourth.limit_warning[0]["count"] == 4 and fourth.limit_warning[0]["limit"] == 3
    assert low.account_no not in str(fourth.limit_warning)


def test_start_and_cancel_are_audited(people, grid):
    outage = _plan(people, grid["switches"][0], timezone.now() + timedelta(days=10))
    services.outage_publish(outage=outage, actor=people["dispatcher"])
    started = services.outage_start(outage=outage, actor=people["dispatcher"])
    assert started.state == OutageState.ACTIVE and _last(started).action == "outage.started"
    with pytest.raises(ValidationError):  # begun: restored, not cancelled
        services.outage_cancel(outage=started, actor=people["dispatcher"], reason="x")
    other = _plan(people, grid["switches"][1], timezone.now() + timedelta(days=10))
    with pytest.raises(ValidationError) as refused:
        services.outage_cancel(outage=other, actor=people["dispatcher"], reason="")
    assert "reason" in refused.value.message_dict
    cancelled = services.outage_cancel(outage=other, actor=people["dispatcher"], reason="改期")
    assert (cancelled.state, _last(cancelled).payload["reason"]) == (OutageState.CANCELLED, "改期")


def test_restoration_costs_a_fixed_number_of_queries_per_call(people, grid, django_assert_max_num_queries):
    outage, orders, _a = _predicted(people, grid)
    c = grid["customers"]
    orders += [_call(people, customer) for customer in (c["A1"][5], c["B1"][5], c["C1"][5], c["C1"][6])]
    assert WorkOrder.objects.filter(outage=outage).count() == 8
    # 7 for the outage (actor, lock, device, calls, its update and event) and 14 per call: its step
    # (update, event, clocks, reminders) and its message (outbox row, event)
    with django_assert_max_num_queries(7 + 14 * 8):
        services.outage_restore(outage=outage, actor=people["dispatcher"])
    assert Message.objects.filter(subject="恢复供电通知").count() == 8
