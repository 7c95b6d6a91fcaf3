"""Issue 9's rule defects, each named after its rule: the tests that failed before the fixes."""

import pytest

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
