"""Work-order workflows: each an explicit state machine (issue 4), rules C-8, R-2, K-3..K-9, C-6, T-1."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from griddesk.audit.models import AuditEvent
from griddesk.audit.services import audit_verify, stream_of
from griddesk.notify.models import Message
from griddesk.orders import services
from griddesk.orders.models import OrderState, PaidService, Reminder, SlaClock, WorkOrder
from griddesk.orders.workflows import TransitionRefused


def _repair(people, province, **kwargs):
    return services.order_create(order_type="repair", channel="hotline", actor=people["agent"],
                                 customer=province["customers"][0], title="家里停电", **kwargs)


def test_rule_C8_R1_utility_fault_dispatched_at_once_to_covering_crew(people, province):
    order = _repair(people, province, fault_side="utility")
    order.refresh_from_db()
    assert order.state == OrderState.DISPATCHED
    assert order.crew == people["crew"]
    assert order.owner == people["agent"]  # rule H-4
    assert order.agent_no == "95598001"  # rule C-4
    actions = list(AuditEvent.objects.filter(stream=stream_of(order)).order_by("seq").values_list("action", flat=True))
    assert actions == ["order.created", "order.dispatch"]


def test_rule_C8_unknown_side_is_dispatched_too(people, province):
    order = _repair(people, province)
    assert order.fault_side == "unknown"
    assert WorkOrder.objects.get(pk=order.pk).state == OrderState.DISPATCHED


def test_rule_R2_urban_arrival_clock_and_crew_steps(people, province):
    order = _repair(people, province, fault_side="utility")
    clock = SlaClock.objects.get(order=order)
    assert clock.key == "R-2/urban"
    assert clock.due_at - clock.started_at == timedelta(minutes=45)
    assert clock.warn_at - clock.started_at == timedelta(minutes=36)
    for step in ("crew_accept", "arrive"):
        order = services.order_crew_step(order=order, actor=people["lineman"], step=step)
    clock.refresh_from_db()
    assert clock.stopped_at is not None and clock.met is True
    order = services.order_crew_step(order=order, actor=people["lineman"], step="survey", note="低压线断")
    order = services.order_crew_step(order=order, actor=people["lineman"], step="repair")
    order = services.order_crew_step(order=order, actor=people["lineman"], step="restore")
    assert order.state == OrderState.RESOLVED
    order = services.order_archive(order=order, actor=people["agent"])
    assert WorkOrder.objects.get(pk=order.pk).state == OrderState.ARCHIVED
    assert audit_verify()[1] == []


def test_rule_R2_rural_customer_gets_90_minutes(people, province):
    order = services.order_create(order_type="repair", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][2])
    clock = SlaClock.objects.get(order=order)
    assert (clock.key, clock.due_at - clock.started_at) == ("R-2/rural", timedelta(minutes=90))


def test_invalid_transition_is_refused_with_a_clear_message(people, province):
    order = _repair(people, province, fault_side="utility")
    with pytest.raises(TransitionRefused, match="当前状态为“已派工”，不能执行“恢复送电”"):
        services.order_crew_step(order=order, actor=people["lineman"], step="restore")
    assert WorkOrder.objects.get(pk=order.pk).state == OrderState.DISPATCHED


def test_crew_of_another_org_cannot_act(people, province, make_staff):
    outsider = make_staff("outsider", province["other_city"], "repair_crew")
    order = _repair(people, province, fault_side="utility")
    with pytest.raises(PermissionDenied):
        services.order_crew_step(order=order, actor=outsider, step="arrive")


def test_rule_P3_paid_service_needs_consent_before_work(people, province):
    order = _repair(people, province, fault_side="customer_internal")
    assert order.state == OrderState.ACCEPTED
    assert not SlaClock.objects.filter(order=order).exists()
    order = services.order_quote(order=order, actor=people["agent"], lines=[
        {"item": "更换漏电保护器", "material": "DZ47LE-63", "quantity": "1", "unit_price": "85.00"},
        {"item": "人工费", "quantity": "1", "unit_price": "50"},
    ])
    assert PaidService.objects.get(order=order).total == 135
    with pytest.raises(TransitionRefused):
        services.order_dispatch(order=order, actor=people["agent"])  # no consent yet
    order = services.order_consent(order=order, actor=people["agent"], consent_by="张伟",
                                   method="电话录音确认")
    order = services.order_dispatch(order=order, actor=people["agent"])
    assert order.state == OrderState.DISPATCHED
    assert SlaClock.objects.get(order=order).key == "R-2/urban"
    for step in ("arrive", "repair", "restore"):
        order = services.order_crew_step(order=order, actor=people["lineman"], step=step)
    with pytest.raises(TransitionRefused, match="须先登记收费"):  # rule P-3: the invoice follows payment
        services.order_invoice(order=order, actor=people["lineman"], invoice_no="No.0012345")
    order = services.order_pay(order=order, actor=people["lineman"], method="qr", reference="WX20261203")
    order = services.order_invoice(order=order, actor=people["lineman"], invoice_no="No.0012345")
    paid = PaidService.objects.get(order=order)
    assert (paid.invoice_no, paid.pay_method, paid.pay_reference) == ("No.0012345", "qr", "WX20261203")
    assert paid.paid_at is not None and paid.paid_at < order.updated_at  # paid first, its own step


def test_rule_P3_quote_lines_are_validated(people, province):
    order = _repair(people, province, fault_side="customer_internal")
    with pytest.raises(ValidationError, match="第 1 行的数量或单价不是数字"):
        services.order_quote(order=order, actor=people["agent"],
                             lines=[{"item": "换表", "quantity": "一", "unit_price": "5"}])
    assert WorkOrder.objects.get(pk=order.pk).state == OrderState.ACCEPTED


def test_rule_C8_customer_internal_guidance(people, province):
    order = _repair(people, province, fault_side="customer_internal")
    order = services.order_guide(order=order, actor=people["agent"], guidance="请检查家中总闸")
    assert order.state == OrderState.RESOLVED


def test_rule_K3_A2_complaint_from_intake_to_archive(people, province):
    order = services.order_create(order_type="complaint", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0], title="营业员态度差")
    clock = SlaClock.objects.get(order=order)
    assert clock.key == "K-3/complaint"
    assert clock.due_at - clock.started_at == timedelta(days=5)
    order = services.order_forward(order=order, actor=people["agent"], department=people["marketing"])
    with pytest.raises(TransitionRefused):
        services.order_archive(order=order, actor=people["supervisor"])  # rule C-12: not yet
    order = services.order_contact(order=order, actor=people["handler"], note="已电话联系客户")
    order = services.order_findings(order=order, actor=people["handler"], findings="属实，已批评教育",
                                    cause="attitude")
    order = services.order_reply(order=order, actor=people["handler"], reply="已核实并整改，向您致歉")
    clock.refresh_from_db()
    assert clock.met is True
    with pytest.raises(TransitionRefused):
        services.order_archive(order=order, actor=people["supervisor"])  # no return visit yet
    order = services.order_visit(order=order, actor=people["visitor"], satisfaction="satisfied")
    order = services.order_archive(order=order, actor=people["visitor"])
    order.refresh_from_db()
    assert (order.state, order.cause, order.satisfaction) == ("archived", "attitude", "satisfied")
    assert order.transfer_count == 1


def test_rule_K5_transfers_and_bounce_backs_are_counted(people, province):
    order = services.order_create(order_type="complaint", channel="website", actor=people["agent"],
                                  customer=province["customers"][0])
    order = services.order_forward(order=order, actor=people["agent"], department=people["marketing"])
    order = services.order_bounce(order=order, actor=people["handler"], reason="不属于营销部职责")
    assert order.handling_org is None and order.state == OrderState.ACCEPTED
    order = services.order_forward(order=order, actor=people["agent"], department=province["station"])
    order.refresh_from_db()
    assert (order.transfer_count, order.bounce_count) == (2, 1)


def test_optimistic_concurrency_refuses_a_stale_write(people, province):
    order = services.order_create(order_type="complaint", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0])
    stale = WorkOrder.objects.get(pk=order.pk)
    services.order_forward(order=order, actor=people["agent"], department=people["marketing"])
    with pytest.raises(services.ConcurrentUpdate, match="已被他人修改"):
        services.order_forward(order=stale, actor=people["agent"], department=province["station"])
    assert WorkOrder.objects.get(pk=order.pk).handling_org == people["marketing"]


def test_rule_A4_repeat_report_becomes_a_child_and_reminds_whoever_holds_it(people, province):
    first = _repair(people, province, fault_side="utility")
    second = _repair(people, province, fault_side="utility")
    first.refresh_from_db()
    assert second.parent == first
    assert second.state == OrderState.ARCHIVED and second.crew is None  # no second dispatch
    assert first.call_count == 2
    reminder = Reminder.objects.get(order=first)  # rule K-6: the crew has the repair; the owner is copied
    assert (reminder.kind, reminder.to_crew, reminder.to_user) == ("remind", people["crew"], None)
    assert not SlaClock.objects.filter(order=second).exists()


def test_rule_K7_sealed_identity_hidden_from_the_accused_department(people, province):
    order = services.order_create(order_type="report", channel="website", actor=people["agent"],
                                  org=province["county"], anonymous=True, title="抄表员收受好处",
                                  identity={"name": "匿名群众", "phone": "13900001111"},
                                  accused=[people["marketing"]])
    order = services.order_forward(order=order, actor=people["agent"], department=province["station"])
    people["handler"].roles.add(*people["supervisor"].roles.all())  # even with a sealed-reading role
    with pytest.raises(PermissionDenied):
        services.identity_open(order=order, actor=people["handler"], purpose="想知道是谁")
    with pytest.raises(PermissionDenied):
        services.identity_open(order=order, actor=people["agent"], purpose="核实")
    identity = services.identity_open(order=order, actor=people["supervisor"], purpose="核实举报线索")
    assert identity.phone == "13900001111"
    actions = list(AuditEvent.objects.filter(stream=stream_of(order)).order_by("seq").values_list("action", flat=True))
    assert actions.count("identity.refused") == 2 and actions.count("identity.opened") == 1
    assert SlaClock.objects.get(order=order).key == "K-3/report"


def test_rule_C6_callback_owed_has_its_clock(people, province):
    order = services.order_create(order_type="consultation", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0], title="峰谷电价如何申请")
    order = services.order_owe_callback(order=order, actor=people["agent"], phone="13800000001")
    clock = SlaClock.objects.get(order=order)
    assert clock.key == "C-6/callback" and clock.stopped_at is None
    order = services.order_answer(order=order, actor=people["office"], answer="可到营业厅办理")
    clock.refresh_from_db()
    assert clock.met is True


def test_rule_T1_late_stage_needs_a_delay_reason(people, province):
    customer = province["customers"][2]  # 380V: low-voltage non-resident
    order = services.order_create(order_type="application", channel="hall", actor=people["agent"],
                                  customer=customer, title="新装")
    assert order.application_kind == "lv_nonresident"
    clock = SlaClock.objects.get(order=order, key="T-1/lv")
    SlaClock.objects.filter(pk=clock.pk).update(due_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(ValidationError, match="请填写延期原因"):
        services.order_application_stage(order=order, actor=people["station_handler"], stage="reply_plan")
    order = services.order_application_stage(order=order, actor=people["station_handler"],
                                             stage="reply_plan", delay_reason="客户资料不全")
    clock.refresh_from_db()
    assert (clock.met, clock.delay_reason) == (False, "客户资料不全")
    assert not SlaClock.objects.filter(order=order, key="T-2/lv").exists()  # T-2 waits for the design
    told = Message.objects.get(order=order, channel="sms")  # rule T-1: the customer hears why
    assert told.address == customer.phone and "客户资料不全" in told.body and order.number in told.body


def test_rule_C8_repair_with_no_covering_crew_is_accepted_for_the_dispatcher(people, province):
    customer = province["customers"][2]  # on T2: no crew on its path, none in its org chain
    people["crew"].active = False
    people["crew"].save()
    order = services.order_create(order_type="repair", channel="hotline", actor=people["agent"],
                                  customer=customer)
    order.refresh_from_db()
    assert (order.state, order.crew) == (OrderState.ACCEPTED, None)
    actions = list(AuditEvent.objects.filter(stream=stream_of(order)).order_by("seq").values_list("action", flat=True))
    assert actions == ["order.created", "order.dispatch_pending"]
    assert SlaClock.objects.get(order=order).key == "R-2/rural"  # the arrival clock runs regardless


def test_rule_P4_paid_repair_needs_a_return_visit_before_archive(people, province):
    order = _repair(people, province, fault_side="customer_internal")
    order = services.order_quote(order=order, actor=people["agent"],
                                 lines=[{"item": "更换插座", "quantity": "1", "unit_price": "30"}])
    order = services.order_consent(order=order, actor=people["agent"], consent_by="张伟", method="电话录音")
    order = services.order_dispatch(order=order, actor=people["agent"])
    for step in ("arrive", "repair", "restore"):
        order = services.order_crew_step(order=order, actor=people["lineman"], step=step)
    with pytest.raises(TransitionRefused, match="需先回访"):
        services.order_archive(order=order, actor=people["agent"])
    order = services.order_visit(order=order, actor=people["visitor"], satisfaction="very_satisfied")
    with pytest.raises(TransitionRefused, match="须登记收费并开具发票"):  # rule P-3
        services.order_archive(order=order, actor=people["agent"])
    order = services.order_pay(order=order, actor=people["lineman"], method="cash")
    order = services.order_invoice(order=order, actor=people["lineman"], invoice_no="No.7")
    assert services.order_archive(order=order, actor=people["agent"]).state == OrderState.ARCHIVED


def test_rule_C12_rule_set_with_a_repair_visit_deadline_starts_its_clock(people, province, request):
    from griddesk.rules.models import Deadline
    from griddesk.rules.selectors import rules_cache_clear, ruleset_in_force

    version = ruleset_in_force()
    # as an administrator would in a new version; written straight in to keep the test short
    Deadline.objects.create(version=version, key="C-12/repair-visit", rule="C-12", amount=3, unit="days",
                            label="抢修后3天内回访")
    rules_cache_clear()
    request.addfinalizer(rules_cache_clear)  # the rollback removes the row; the cache must forget it too
    order = _repair(people, province, fault_side="utility")
    for step in ("arrive", "repair", "restore"):
        order = services.order_crew_step(order=order, actor=people["lineman"], step=step)
    clock = SlaClock.objects.get(order=order, key="C-12/repair-visit")
    assert clock.due_at - clock.started_at == timedelta(days=3) and clock.stopped_at is None
    with pytest.raises(TransitionRefused, match="需先回访"):
        services.order_archive(order=order, actor=people["agent"])
    order = services.order_visit(order=order, actor=people["visitor"], satisfaction="satisfied")
    clock.refresh_from_db()
    assert clock.met is True
