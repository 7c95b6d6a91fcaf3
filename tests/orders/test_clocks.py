"""SLA clocks on orders (issue 3 items 5-6): which clocks, pauses, storm mode (rule R-3)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone

from griddesk.audit.models import AuditEvent
from griddesk.audit.services import audit_verify, stream_of
from griddesk.orders import services
from griddesk.orders.clocks import remaining
from griddesk.orders.models import ClockPause, OrderState, SlaClock, WorkOrder
from griddesk.orders.workflows import available_transitions
from griddesk.outages.services import storm_declare, storm_lift


def _repair(people, customer):
    return services.order_create(order_type="repair", channel="hotline", actor=people["agent"],
                                 customer=customer, fault_side="utility")


def test_rule_K2_letter_clock_starts_when_the_customer_handed_it_in(people, province):
    handed_in = timezone.now() - timedelta(days=2)
    order = services.order_create(order_type="complaint", channel="letter", actor=people["agent"],
                                  customer=province["customers"][0], received_at=handed_in)
    clock = SlaClock.objects.get(order=order)
    assert clock.started_at == handed_in
    assert clock.due_at == handed_in + timedelta(days=5)


def test_order_keeps_the_rule_set_version_in_force_when_accepted(people, province):
    order = _repair(people, province["customers"][0])
    clock = SlaClock.objects.get(order=order)
    order.refresh_from_db()
    assert order.ruleset_version is not None
    assert clock.ruleset_version == order.ruleset_version
    assert order.ruleset_version.ruleset.name == "service-code"


def test_rule_R3_storm_declared_later_pauses_running_repair_clocks(people, province):
    order = _repair(people, province["customers"][0])
    clock = SlaClock.objects.get(order=order)
    before = clock.due_at
    start = clock.started_at + timedelta(minutes=10)
    storm = storm_declare(org=province["county"], starts_at=start, ends_at=start + timedelta(hours=2),
                          reason="强雷暴大风，故障集中", actor=people["dispatcher"])
    clock.refresh_from_db()
    assert clock.due_at - before == timedelta(hours=2)  # the whole span lies inside the clock
    assert ClockPause.objects.get(clock=clock).storm == storm
    storm_lift(storm=storm, actor=people["dispatcher"], at=start + timedelta(minutes=30))
    clock.refresh_from_db()
    assert clock.due_at - before == timedelta(minutes=30)


def test_rule_R3_clock_started_inside_a_storm_is_paused_for_its_rest(people, province):
    now = timezone.now()
    storm_declare(org=province["root"], starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=3),
                  reason="台风", actor=people["dispatcher"])
    order = _repair(people, province["customers"][2])  # rural: 90 minutes
    clock = SlaClock.objects.get(order=order)
    paused = (now + timedelta(hours=3)) - clock.started_at
    assert clock.due_at - clock.started_at == timedelta(minutes=90) + paused
    assert ClockPause.objects.get(clock=clock).reason == "台风"


def test_storm_elsewhere_does_not_touch_the_clock(people, province):
    now = timezone.now()
    storm_declare(org=province["other_city"], starts_at=now - timedelta(hours=1),
                  ends_at=now + timedelta(hours=3), reason="暴雨", actor=people["dispatcher"])
    order = _repair(people, province["customers"][0])
    clock = SlaClock.objects.get(order=order)
    assert clock.due_at - clock.started_at == timedelta(minutes=45)


def test_waiting_on_the_customer_pauses_application_clocks(people, province):
    order = services.order_create(order_type="application", channel="hall", actor=people["agent"],
                                  customer=province["customers"][0], title="居民新装")
    keys = set(SlaClock.objects.filter(order=order).values_list("key", flat=True))
    assert keys == {"T-1/lv", "T-3/resident"}
    services.order_wait_customer(order=order, actor=people["station_handler"], reason="缺房产证明")
    clock = SlaClock.objects.get(order=order, key="T-1/lv")
    assert clock.paused_since is not None
    frozen = remaining(clock, now=timezone.now() + timedelta(days=3))
    assert frozen == remaining(clock, now=timezone.now())  # paused time does not count
    due_before = clock.due_at
    services.order_customer_back(order=order, actor=people["station_handler"], note="资料已补齐")
    clock.refresh_from_db()
    assert clock.paused_since is None
    assert clock.due_at >= due_before


def _application(people, province):
    return services.order_create(order_type="application", channel="hall", actor=people["agent"],
                                 customer=province["customers"][0], title="居民新装")


def _offered(order, user):
    return {t.action for t in available_transitions(order, user)} & {"wait_customer", "customer_back"}


def test_issue3_wait_and_back_bump_the_version_keep_the_state_and_are_audited(people, province):
    handler = people["station_handler"]
    order = _application(people, province)
    assert _offered(order, handler) == {"wait_customer"}
    order = services.order_wait_customer(order=order, actor=handler, reason="  缺房产证明 ", expected_version=1)
    stored = WorkOrder.objects.get(pk=order.pk)
    assert (stored.state, stored.version, stored.updated_at) == (OrderState.ACCEPTED, 2, order.updated_at)
    assert set(SlaClock.objects.filter(order=order).values_list("paused_since", "pause_reason")) == {
        (order.updated_at, "缺房产证明")}
    assert _offered(order, handler) == {"customer_back"}
    assert _offered(order, people["agent"]) == set()  # rule T-1: the handling back office's action
    order = services.order_customer_back(order=order, actor=handler, note="资料已补齐", expected_version=2)
    assert WorkOrder.objects.get(pk=order.pk).version == 3
    assert not ClockPause.objects.filter(clock__order=order, ended_at__isnull=True).exists()
    assert _offered(order, handler) == {"wait_customer"}
    events = list(AuditEvent.objects.filter(stream=stream_of(order)).order_by("seq"))
    assert [e.action for e in events] == ["order.created", "order.wait_customer", "order.customer_back"]
    assert events[1].payload["reason"] == "缺房产证明" and events[2].payload["note"] == "资料已补齐"
    assert sorted(events[1].payload["clocks"]) == ["T-1/lv", "T-3/resident"]
    assert audit_verify()[1] == []


def test_issue3_waiting_twice_and_back_without_waiting_are_refused(people, province):
    handler = people["station_handler"]
    order = _application(people, province)
    with pytest.raises(services.TransitionRefused, match="没有在等待客户"):
        services.order_customer_back(order=order, actor=handler)
    order = services.order_wait_customer(order=order, actor=handler, reason="缺资料")
    with pytest.raises(services.TransitionRefused, match="已在等待客户"):
        services.order_wait_customer(order=order, actor=handler, reason="还缺")
    assert WorkOrder.objects.get(pk=order.pk).version == 2
    assert ClockPause.objects.filter(clock__order=order).count() == 2  # one per clock, once


def test_issue3_only_the_back_office_in_scope_may_wait_on_the_customer(people, province, make_staff):
    order = _application(people, province)
    outsider = make_staff("far_office", province["other_city"], "back_office")
    for actor in (people["agent"], people["lineman"], people["supervisor"], outsider):
        with pytest.raises(PermissionDenied):
            services.order_wait_customer(order=order, actor=actor, reason="缺资料")
    assert not SlaClock.objects.filter(order=order, paused_since__isnull=False).exists()


def test_issue3_stale_version_pauses_nothing(people, province):
    order = _application(people, province)
    with pytest.raises(services.ConcurrentUpdate):
        services.order_wait_customer(order=order, actor=people["station_handler"], reason="缺资料",
                                     expected_version=7)
    assert not SlaClock.objects.filter(order=order, paused_since__isnull=False).exists()
    assert WorkOrder.objects.get(pk=order.pk).version == 1


def test_issue3_archived_application_cannot_wait(people, province):
    handler = people["station_handler"]
    order = _application(people, province)
    order = services.order_application_stage(order=order, actor=handler, stage="energise")
    assert _offered(order, handler) == set()  # energising stopped every T- clock
    order = services.order_archive(order=order, actor=handler)
    with pytest.raises(services.TransitionRefused, match="已归档"):
        services.order_wait_customer(order=order, actor=handler, reason="缺资料")
    with pytest.raises(services.TransitionRefused, match="已归档"):
        services.order_customer_back(order=order, actor=handler)


@pytest.mark.parametrize(("reason", "message"), [("", "请填写等待原因。"), ("  ", "请填写等待原因。"),
                                                 ("长" * 201, "等待原因不能超过 200 个字。")])
def test_issue3_wait_needs_a_reason_of_at_most_200_characters(people, province, reason, message):
    order = _application(people, province)
    with pytest.raises(ValidationError) as refused:
        services.order_wait_customer(order=order, actor=people["station_handler"], reason=reason)
    assert refused.value.message_dict == {"reason": [message]}


def test_issue3_offered_actions_read_the_clocks_once_or_not_at_all(people, province,
                                                                  django_assert_num_queries):
    order = _application(people, province)
    handler = people["station_handler"]
    handler.role_codes()
    clocks = list(SlaClock.objects.filter(order=order))
    with django_assert_num_queries(0):
        assert {t.action for t in available_transitions(order, handler, clocks=clocks)} >= {"wait_customer"}
    with django_assert_num_queries(1):
        assert "wait_customer" in {t.action for t in available_transitions(order, handler)}
    people["agent"].role_codes()
    with django_assert_num_queries(0):  # no transition of the agent's depends on the clocks
        available_transitions(order, people["agent"])


def test_pause_refused_for_a_repair(people, province):
    order = _repair(people, province["customers"][0])
    with pytest.raises(services.TransitionRefused):
        services.order_wait_customer(order=order, actor=people["agent"], reason="x")


def test_archiving_stops_every_running_clock(people, province):
    """Queues sort and filter on running clocks alone: a running clock must mean an open order."""
    order = services.order_create(order_type="consultation", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0])
    order = services.order_owe_callback(order=order, actor=people["agent"], phone="13800000001")
    order = services.order_answer(order=order, actor=people["office"], answer="已答复")
    SlaClock.objects.filter(order=order).update(stopped_at=None, met=None)  # as if one were left running
    services.order_archive(order=order, actor=people["office"])
    assert not SlaClock.objects.filter(order=order, stopped_at__isnull=True).exists()


def test_issue3_rule_T1_a_stage_done_while_waiting_ends_the_wait_and_is_judged_without_it(people, province):
    handler = people["station_handler"]
    order = services.order_create(order_type="application", channel="hall", actor=people["agent"],
                                  customer=province["customers"][0], title="居民新装",
                                  received_at=timezone.now() - timedelta(days=12))
    clock = SlaClock.objects.get(order=order, key="T-1/lv")
    first_due = clock.due_at
    assert first_due < timezone.now()  # 10 days from the hand-in: past, were the wait not counted
    services.order_wait_customer(order=order, actor=handler, reason="缺房产证明")
    # the wait began 7 days after the hand-in, 5 days ago
    ClockPause.objects.filter(clock__order=order).update(started_at=F("started_at") - timedelta(days=5))
    SlaClock.objects.filter(order=order).update(paused_since=F("paused_since") - timedelta(days=5))
    order.refresh_from_db()
    # no delay reason asked: 7 of the 10 days were used when the customer was waited on
    services.order_application_stage(order=order, actor=handler, stage="reply_plan",
                                     expected_version=order.version)
    clock.refresh_from_db()
    assert clock.stopped_at is not None and clock.paused_since is None and clock.met is True
    assert timedelta(days=5) <= clock.due_at - first_due < timedelta(days=5, minutes=1)
    assert not ClockPause.objects.filter(clock=clock, ended_at__isnull=True).exists()
