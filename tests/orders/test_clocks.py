"""SLA clocks on orders (issue 3 items 5-6): which clocks, pauses, storm mode (rule R-3)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from griddesk.orders import services
from griddesk.orders.clocks import remaining
from griddesk.orders.models import ClockPause, SlaClock
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
