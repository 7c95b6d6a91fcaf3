"""Issue 9's rule defects, each named after its rule: the tests that failed before the fixes."""

import pytest
from django.core.exceptions import ValidationError

from griddesk.orders import services
from griddesk.orders.models import OrderState
from griddesk.orders.workflows import TransitionRefused, available_transitions


def _repair(people, province, **kwargs):
    return services.order_create(order_type="repair", channel="hotline", actor=people["agent"],
                                 customer=province["customers"][0], title="家里没电", **kwargs)


def _offered(order, user):
    return {t.action for t in available_transitions(order, user)}


def test_rule_C8_customer_internal_fault_is_not_dispatched_without_consent(people, province):
    order = _repair(people, province, fault_side="customer_internal")
    assert order.crew_id is None and order.state == OrderState.ACCEPTED
    assert "dispatch" not in _offered(order, people["dispatcher"])  # free work on the customer's side
    with pytest.raises(TransitionRefused, match="须先报价并经客户确认"):
        services.order_dispatch(order=order, actor=people["dispatcher"])
    order = services.order_quote(order=order, actor=people["agent"],
                                 lines=[{"item": "更换漏电开关", "quantity": "1", "unit_price": "60"}])
    assert "dispatch" not in _offered(order, people["dispatcher"])
    order = services.order_consent(order=order, actor=people["agent"], consent_by="张伟", method="电话录音")
    assert "dispatch" in _offered(order, people["dispatcher"])
    assert services.order_dispatch(order=order, actor=people["dispatcher"]).state == OrderState.DISPATCHED


def test_rule_C8_customer_declining_the_quote_gets_guidance_only(people, province):
    order = _repair(people, province, fault_side="customer_internal")
    order = services.order_quote(order=order, actor=people["agent"],
                                 lines=[{"item": "上门检修", "quantity": "1", "unit_price": "50"}])
    order = services.order_guide(order=order, actor=people["agent"], guidance="客户不需上门，已指导复位总开关")
    assert order.state == OrderState.RESOLVED and order.crew_id is None


def test_rule_P1_utility_side_repair_is_free_no_quote_pay_or_invoice(people, province):
    order = _repair(people, province, fault_side="unknown")
    order.state = OrderState.ACCEPTED  # as if no crew covered it: still never quoted
    with pytest.raises(TransitionRefused, match="规则 P-1"):
        services.order_quote(order=order, actor=people["agent"], lines=[{"item": "x", "quantity": "1",
                                                                        "unit_price": "1"}])
    order.state = OrderState.DISPATCHED
    for step in ("arrive", "repair", "restore"):
        order = services.order_crew_step(order=order, actor=people["lineman"], step=step)
    assert not {"pay", "invoice"} & _offered(order, people["lineman"])  # never offered, then refused
    with pytest.raises(TransitionRefused, match="规则 P-3"):
        services.order_invoice(order=order, actor=people["lineman"], invoice_no="No.1")
    with pytest.raises(TransitionRefused, match="规则 P-3"):
        services.order_pay(order=order, actor=people["lineman"], method="cash")


def _application(people, customer, **kwargs):
    return services.order_create(order_type="application", channel="hall", actor=people["agent"],
                                 customer=customer, title="新装", **kwargs)


def _stage(order, people, stage, **kwargs):
    return services.order_application_stage(order=order, actor=people["station_handler"], stage=stage, **kwargs)


def test_rule_T2_design_review_clock_starts_when_the_customer_submits(people, province):
    from griddesk.orders.models import SlaClock

    order = _stage(_application(people, province["customers"][2]), people, "reply_plan")
    assert not SlaClock.objects.filter(order=order, key__startswith="T-2").exists()  # the customer's own time
    order = _stage(order, people, "submit_design")
    clock = SlaClock.objects.get(order=order, key="T-2/lv")
    assert clock.started_at == order.updated_at and clock.stopped_at is None
    with pytest.raises(ValidationError, match="书面审查意见"):
        _stage(order, people, "review_design")
    order = _stage(order, people, "review_design", note="接地方式需修改为TN-S，其余同意")
    clock.refresh_from_db()
    assert clock.stopped_at == order.updated_at and clock.met is True


def test_rule_M2_failed_inspection_loops_to_reinspection_until_passed(people, province):
    order = _stage(_application(people, province["customers"][2]), people, "reply_plan")
    with pytest.raises(ValidationError, match="书面整改意见"):
        _stage(order, people, "inspect_fail")
    order = _stage(order, people, "inspect_fail", note="配电箱未做接地，限期整改")
    assert order.state == OrderState.RECTIFYING
    assert "sign_contract" not in _offered(order, people["station_handler"])
    order = _stage(order, people, "inspect_fail", note="接地电阻仍超标")
    order = _stage(order, people, "inspect", note="复验合格")
    assert order.state == OrderState.INSPECTED
    from griddesk.audit.models import AuditEvent
    from griddesk.audit.services import stream_of

    fails = AuditEvent.objects.filter(stream=stream_of(order), action="order.inspect_fail")
    assert [e.payload["note"] for e in fails.order_by("seq")] == ["配电箱未做接地，限期整改", "接地电阻仍超标"]


def test_rule_T1_dual_source_is_derived_from_the_application(people, province):
    from griddesk.customers.models import Customer
    from griddesk.orders.models import SlaClock

    factory = Customer.objects.create(account_no="2000000001", name="临河机械厂", phone="05310000001",
                                      address="临河县工业园1号", transformer=province["tx1"],
                                      supply_voltage="10kV", zone="urban", org=province["station"])
    single = _application(people, factory)
    dual = _application(people, factory, dual_source=True, detect_repeat=False)
    assert (single.application_kind, dual.application_kind) == ("hv_single", "hv_dual")
    assert SlaClock.objects.get(order=dual, key__startswith="T-1").key == "T-1/hv-dual"


def test_rule_K5_order_without_an_actor_still_has_an_owner_who_stays(people, province):
    letter = services.order_create(order_type="complaint", channel="letter", actor=None,
                                   customer=province["customers"][0], title="来信反映抄表不准")
    assert letter.owner == people["leader"]  # the nearest shift leader up the station's tree
    letter = services.order_forward(order=letter, actor=people["agent"], department=people["marketing"])
    letter = services.order_bounce(order=letter, actor=people["handler"], reason="非本部门职责")
    letter.refresh_from_db()
    assert (letter.owner, letter.handling_org) == (people["leader"], None)  # H-4: the owner stays


def test_rule_K5_no_owner_at_all_is_refused_with_a_message(province):
    with pytest.raises(ValidationError, match="无法确定首问责任人"):
        services.order_create(order_type="complaint", channel="letter", actor=None,
                              customer=province["customers"][0], title="来信")


def test_rule_C12_complaint_return_visit_clock_starts_at_the_reply(people, province):
    from griddesk.orders.models import SlaClock

    order = services.order_create(order_type="complaint", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0], title="态度差")
    order = services.order_forward(order=order, actor=people["agent"], department=people["marketing"])
    order = services.order_findings(order=order, actor=people["handler"], findings="属实", cause="attitude")
    assert not SlaClock.objects.filter(order=order, key="C-12/complaint-visit").exists()
    order = services.order_reply(order=order, actor=people["handler"], reply="已致歉并整改")
    clock = SlaClock.objects.get(order=order, key="C-12/complaint-visit")
    assert clock.started_at == order.updated_at and clock.stopped_at is None
    order = services.order_visit(order=order, actor=people["visitor"], satisfaction="satisfied")
    clock.refresh_from_db()
    assert clock.stopped_at == order.updated_at and clock.met is True


def test_rule_C12_repair_visits_are_sampled_at_the_configured_share(people, province, settings):
    settings.GRIDDESK_REPAIR_VISIT_SHARE = 1.0
    order = _repair(people, province, fault_side="utility")
    for step in ("arrive", "repair", "restore"):
        order = services.order_crew_step(order=order, actor=people["lineman"], step=step)
    assert order.visit_wanted
    with pytest.raises(TransitionRefused, match="需先回访"):
        services.order_archive(order=order, actor=people["agent"])
    settings.GRIDDESK_REPAIR_VISIT_SHARE = 0.0
    other = services.order_create(order_type="repair", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][1], title="停电", fault_side="utility")
    for step in ("arrive", "repair", "restore"):
        other = services.order_crew_step(order=other, actor=people["lineman"], step=step)
    assert not other.visit_wanted


def test_rule_C12_share_draws_about_that_share_of_numbers():
    from types import SimpleNamespace

    from django.test import override_settings

    with override_settings(GRIDDESK_REPAIR_VISIT_SHARE=0.25):
        drawn = sum(services.repair_visit_sampled(SimpleNamespace(number=f"GD20261203{n:06d}")) for n in range(4000))
    assert 900 <= drawn <= 1100


def test_rule_C12_a_repair_visit_on_demand(people, province, settings):
    settings.GRIDDESK_REPAIR_VISIT_SHARE = 0.0
    order = _repair(people, province, fault_side="utility")
    order = services.order_request_visit(order=order, actor=people["leader"], reason="客户情绪激动，须回访")
    assert order.visit_wanted and "request_visit" not in _offered(order, people["leader"])
    for step in ("arrive", "repair", "restore"):
        order = services.order_crew_step(order=order, actor=people["lineman"], step=step)
    with pytest.raises(TransitionRefused, match="需先回访"):
        services.order_archive(order=order, actor=people["agent"])
    order = services.order_visit(order=order, actor=people["visitor"], satisfaction="satisfied")
    assert services.order_archive(order=order, actor=people["agent"]).state == OrderState.ARCHIVED
