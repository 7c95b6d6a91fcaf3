"""POST /api/v1/orders/{number}/actions/{action}: every workflow action (issue 4)."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from griddesk.api.routers.actions import ACTION_NAMES
from griddesk.audit.services import audit_verify
from griddesk.orders.models import ClockPause, PaidService, Reminder, SlaClock, WorkOrder
from griddesk.orders.workflows import WORKFLOWS, transitions_of
from tests.api.conftest import repair_body


def _act(api, number, action, version, **body):
    return api.post(f"/api/v1/orders/{number}/actions/{action}", {"expected_version": version, **body})


def _ok(response):
    assert response.status_code == 200, response.json()
    return response.json()


def test_every_workflow_action_has_an_endpoint_in_the_schema(anonymous_api):
    workflow_actions = {t.action for ts in WORKFLOWS.values() for t in ts if t.offered} | {
        t.action for t in transitions_of("repair") if t.offered}
    assert workflow_actions == set(ACTION_NAMES)
    paths = anonymous_api.get("/api/v1/openapi.json").json()["paths"]
    for action in ACTION_NAMES:
        operation = paths[f"/api/v1/orders/{{number}}/actions/{action}"]["post"]
        assert "expected_version" in str(operation["requestBody"]) or operation["requestBody"]


def test_rule_R2_repair_walked_by_the_crew_through_the_api(api_as):
    agent, crew = api_as("agent"), api_as("lineman")
    order = agent.post("/api/v1/orders", repair_body()).json()
    number, version = order["number"], order["version"]
    order = _ok(_act(crew, number, "crew_accept", version))
    order = _ok(_act(crew, number, "arrive", order["version"], at=order["accepted_at"]))
    arrival = next(c for c in order["clocks"] if c["key"] == "R-2/urban")
    assert arrival["met"] is True and arrival["stopped_at"] is not None  # rule R-2 stopped
    order = _ok(_act(crew, number, "survey", order["version"], note="低压线断"))
    order = _ok(_act(crew, number, "repair", order["version"]))
    order = _ok(_act(crew, number, "restore", order["version"]))
    assert order["state"] == "resolved"
    order = _ok(_act(agent, number, "archive", order["version"]))
    assert (order["state"], order["version"]) == ("archived", 7)
    assert audit_verify()[1] == []


def test_rule_P3_paid_repair_quote_consent_invoice(api_as):
    agent, crew = api_as("agent"), api_as("lineman")
    order = agent.post("/api/v1/orders", repair_body(fault_side="customer_internal")).json()
    number = order["number"]
    order = _ok(_act(agent, number, "quote", order["version"], lines=[
        {"item": "更换漏电保护器", "material": "DZ47LE-63", "quantity": "1", "unit_price": "85.00"},
        {"item": "人工费", "quantity": 1, "unit_price": 50}]))
    assert PaidService.objects.get(order__number=number).total == 135
    refused = _act(agent, number, "dispatch", order["version"])
    assert refused.status_code == 409 and refused.json()["code"] == "conflict"
    order = _ok(_act(agent, number, "consent", order["version"], consent_by="张伟", method="电话录音确认"))
    order = _ok(_act(agent, number, "dispatch", order["version"], crew="C1"))
    for step in ("arrive", "repair", "restore"):
        order = _ok(_act(crew, number, step, order["version"]))
    early = _act(crew, number, "invoice", order["version"], invoice_no="No.0012345")
    assert early.status_code == 409 and "须先登记收费" in early.json()["message"]  # rule P-3
    order = _ok(_act(crew, number, "pay", order["version"], method="bank", reference="B-7"))
    order = _ok(_act(crew, number, "invoice", order["version"], invoice_no="No.0012345"))
    assert PaidService.objects.get(order__number=number).invoice_no == "No.0012345"


def test_rule_C8_guidance_for_a_customer_internal_fault(api_as):
    agent = api_as("agent")
    order = agent.post("/api/v1/orders", repair_body(fault_side="customer_internal")).json()
    order = _ok(_act(agent, order["number"], "guide", order["version"], guidance="请检查家中总闸"))
    assert order["state"] == "resolved"


def test_rule_K3_complaint_from_intake_to_archive_with_bounce_counted(api_as):
    agent, handler, visitor = api_as("agent"), api_as("handler"), api_as("visitor")
    order = agent.post("/api/v1/orders", {"order_type": "complaint", "channel": "hotline",
                                          "customer": "1000000001", "title": "营业员态度差"}).json()
    number = order["number"]
    order = _ok(_act(agent, number, "forward", order["version"], department="P0101-MKT"))
    assert order["handling_org"]["code"] == "P0101-MKT" and order["transfer_count"] == 1
    order = _ok(_act(handler, number, "bounce", order["version"], reason="不属于本部门"))
    assert order["bounce_count"] == 1 and order["handling_org"] is None  # rule K-5
    order = _ok(_act(agent, number, "forward", order["version"], department="P0101-MKT"))
    order = _ok(_act(handler, number, "contact", order["version"], note="已电话联系客户"))
    order = _ok(_act(handler, number, "findings", order["version"], findings="属实，已批评教育",
                     cause="attitude"))
    order = _ok(_act(handler, number, "reply", order["version"], reply="已处理并致歉"))
    reply_clock = next(c for c in order["clocks"] if c["key"] == "K-3/complaint")
    assert reply_clock["met"] is True
    early = _act(visitor, number, "archive", order["version"])
    assert early.status_code == 409  # rule C-12: no archive before the return visit
    order = _ok(_act(visitor, number, "visit", order["version"], satisfaction="satisfied"))
    order = _ok(_act(visitor, number, "archive", order["version"]))
    assert (order["state"], order["cause"], order["satisfaction"]) == ("archived", "attitude", "satisfied")


def test_rule_C6_consultation_callback_then_answer(api_as):
    agent = api_as("agent")
    order = agent.post("/api/v1/orders", {"order_type": "consultation", "channel": "hotline",
                                          "customer": "1000000001", "title": "峰谷电价"}).json()
    order = _ok(_act(agent, order["number"], "owe_callback", order["version"], phone="13800000001"))
    assert [c["key"] for c in order["clocks"]] == ["C-6/callback"]
    order = _ok(_act(agent, order["number"], "answer", order["version"], answer="可到营业厅办理"))
    assert order["clocks"][0]["met"] is True
    order = _ok(_act(agent, order["number"], "archive", order["version"]))
    assert order["state"] == "archived"


def test_rule_T1_application_stages(api_as, people):
    office, agent = api_as("station_handler"), api_as("agent")
    order = agent.post("/api/v1/orders", {"order_type": "application", "channel": "hall",
                                          "customer": "1000000003", "title": "新装"}).json()
    number = order["number"]
    for stage in ("reply_plan", "submit_design", "review_design", "inspect_fail", "inspect", "sign_contract",
                  "energise"):
        order = _ok(_act(office, number, stage, order["version"], note=stage))
    assert order["state"] == "energised"
    order = _ok(_act(office, number, "archive", order["version"]))
    assert order["state"] == "archived"


def test_rule_T1_late_stage_without_delay_reason_is_400(api_as):
    office, agent = api_as("station_handler"), api_as("agent")
    order = agent.post("/api/v1/orders", {"order_type": "application", "channel": "hall",
                                          "customer": "1000000003", "title": "新装"}).json()
    from datetime import timedelta

    from django.utils import timezone
    SlaClock.objects.filter(order__number=order["number"]).update(due_at=timezone.now() - timedelta(days=1))
    response = _act(office, order["number"], "reply_plan", order["version"])
    assert response.status_code == 400 and "delay_reason" in response.json()["details"]
    order = _ok(_act(office, order["number"], "reply_plan", order["version"], delay_reason="客户资料不全"))
    assert order["state"] == "plan_replied"


def test_feedback_forward_and_answer(api_as):
    agent = api_as("agent")
    order = agent.post("/api/v1/orders", {"order_type": "praise", "channel": "hotline", "org": "P0101",
                                          "title": "表扬"}).json()
    order = _ok(_act(agent, order["number"], "forward", order["version"], department="P0101-MKT"))
    order = _ok(_act(agent, order["number"], "answer", order["version"], answer="已转达"))
    assert order["state"] == "answered"


def test_rule_C11_transfer_to_leader_reminds_the_leaders(api_as):
    agent = api_as("agent")
    order = agent.post("/api/v1/orders", repair_body()).json()
    order = _ok(_act(agent, order["number"], "transfer_to_leader", order["version"], note="客户情绪激动"))
    assert order["state"] == "dispatched" and order["version"] == 2
    assert Reminder.objects.get(order__number=order["number"]).reason == "坐席转值长：客户情绪激动"


def test_stale_version_is_409_and_changes_nothing(api_as):
    agent, crew = api_as("agent"), api_as("lineman")
    order = agent.post("/api/v1/orders", repair_body()).json()
    _ok(_act(crew, order["number"], "crew_accept", order["version"]))
    response = _act(crew, order["number"], "arrive", order["version"])  # read before the accept
    assert response.status_code == 409
    error = response.json()
    assert error["code"] == "stale_version"
    assert error["message"] == (f"工单 {order['number']} 已被他人修改（当前版本 2，您提交的版本 1），请刷新后重试。")
    assert WorkOrder.objects.get(number=order["number"]).state == "crew_accepted"


def test_stale_version_for_transfer_to_leader_too(api_as):
    agent = api_as("agent")
    order = agent.post("/api/v1/orders", repair_body()).json()
    _ok(_act(agent, order["number"], "transfer_to_leader", order["version"], note="第一次"))
    response = _act(agent, order["number"], "transfer_to_leader", order["version"])  # stale now
    assert response.status_code == 409 and response.json()["code"] == "stale_version"
    assert Reminder.objects.count() == 1


def test_invalid_transition_is_409_with_the_workflow_message(api_as):
    agent, crew = api_as("agent"), api_as("lineman")
    order = agent.post("/api/v1/orders", repair_body()).json()
    response = _act(crew, order["number"], "restore", order["version"])
    assert response.status_code == 409
    assert "当前状态为“已派工”，不能执行“恢复送电”" in response.json()["message"]


def test_action_of_another_workflow_is_409(api_as):
    agent = api_as("agent")
    order = agent.post("/api/v1/orders", repair_body()).json()
    response = _act(agent, order["number"], "reply", order["version"], reply="x")
    assert response.status_code == 409
    assert response.json()["message"] == "“故障报修”工单没有“答复客户”操作。"


def test_role_not_allowed_is_403(api_as):
    agent = api_as("agent")
    order = agent.post("/api/v1/orders", repair_body()).json()
    response = _act(agent, order["number"], "arrive", order["version"])
    assert response.status_code == 403
    assert response.json()["message"] == "您的角色不能执行“到达现场”。"


def test_unknown_action_is_404_listing_the_actions(api_as):
    agent = api_as("agent")
    order = agent.post("/api/v1/orders", repair_body()).json()
    response = _act(agent, order["number"], "teleport", order["version"])
    assert response.status_code == 404
    assert response.json()["message"].startswith("没有“teleport”操作。可用操作：dispatch、guide")


def test_action_on_an_order_outside_the_scope_is_404(api_as, make_staff, province):
    order = api_as("agent").post("/api/v1/orders", repair_body()).json()
    outsider = make_staff("yunling_crew", province["other_city"], "repair_crew")
    response = _act(api_as(outsider), order["number"], "arrive", order["version"])
    assert response.status_code == 404


@pytest.mark.parametrize(("action", "body", "field"), [
    ("arrive", {}, "expected_version"),
    ("arrive", {"expected_version": 0}, "expected_version"),
    ("arrive", {"expected_version": "two"}, "expected_version"),
    ("survey", {"expected_version": 2, "note": "x", "at": "soon"}, "at"),
    ("visit", {"expected_version": 2, "satisfaction": "happy"}, "satisfaction"),
    ("quote", {"expected_version": 2, "lines": [{"item": "x", "quantity": "lots", "unit_price": 1}]},
     "lines.0.quantity"),
    ("forward", {"expected_version": 2}, "department"),
])
def test_bad_action_bodies_are_422_naming_the_field(api_as, action, body, field):
    order = api_as("agent").post("/api/v1/orders", repair_body()).json()
    response = api_as("lineman").post(f"/api/v1/orders/{order['number']}/actions/{action}", body)
    assert response.status_code == 422
    assert field in response.json()["details"], response.json()


def test_service_validation_in_an_action_is_400(api_as):
    agent, crew = api_as("agent"), api_as("lineman")
    order = agent.post("/api/v1/orders", repair_body()).json()
    order = _ok(_act(crew, order["number"], "arrive", order["version"]))
    response = _act(crew, order["number"], "survey", order["version"], note="  ")
    assert response.status_code == 400
    assert response.json()["details"] == {"note": "请填写勘查情况。"}
    unknown = _act(agent, order["number"], "dispatch", order["version"], crew="NOPE")
    assert unknown.status_code == 400 and unknown.json()["details"] == {"crew": "找不到在岗的抢修班组：NOPE"}


def test_action_query_count(api_as, django_assert_max_num_queries):
    agent, crew = api_as("agent"), api_as("lineman")
    order = agent.post("/api/v1/orders", repair_body()).json()
    crew.get("/api/v1/orders/none")
    # token, order, update, audit head + event + head update, clocks stopped (select + update),
    # clocks started (rule set, storms, insert), clocks for the answer; savepoints on top
    with django_assert_max_num_queries(20):
        _ok(_act(crew, order["number"], "arrive", order["version"]))


# ---------------------------------------------------------------- waiting on the customer (issue 3)


def _application(api_as, **fields):
    order = api_as("agent").post("/api/v1/orders", {"order_type": "application", "channel": "hall",
                                                    "customer": "1000000001", "title": "居民新装", **fields})
    assert order.status_code == 201, order.json()
    return order.json()


def _actions(order):
    return [a["action"] for a in order["actions"]]


def _backdate_wait(number, days):
    """As if the customer had been waited on for `days` days (the clocks must have started before)."""
    ClockPause.objects.filter(clock__order__number=number, ended_at__isnull=True).update(
        started_at=F("started_at") - timedelta(days=days))
    SlaClock.objects.filter(order__number=number, paused_since__isnull=False).update(
        paused_since=F("paused_since") - timedelta(days=days))


def test_issue3_rule_T1_wait_customer_pauses_and_customer_back_moves_the_due_later(api_as):
    office = api_as("station_handler")
    handed_in = timezone.now() - timedelta(days=5)  # rule K-2: the hall's application, entered later
    number = _application(api_as, received_at=handed_in.isoformat())["number"]
    order = _ok(office.get(f"/api/v1/orders/{number}"))
    assert "wait_customer" in _actions(order) and "customer_back" not in _actions(order)
    due_before = {c["key"]: c["due_at"] for c in order["clocks"]}
    assert set(due_before) == {"T-1/lv", "T-3/resident"}

    order = _ok(_act(office, number, "wait_customer", order["version"], reason="缺房产证明"))
    assert (order["state"], order["version"]) == ("accepted", 2)  # no state change, a new version
    assert all(c["paused"] for c in order["clocks"])
    assert "customer_back" in _actions(order) and "wait_customer" not in _actions(order)
    assert set(SlaClock.objects.filter(order__number=number).values_list("pause_reason", flat=True)) == {
        "缺房产证明"}

    _backdate_wait(number, days=3)
    frozen = {c["key"]: c["remaining_seconds"] for c in _ok(office.get(f"/api/v1/orders/{number}"))["clocks"]}
    order = _ok(_act(office, number, "customer_back", order["version"], note="已补齐"))
    assert order["version"] == 3 and not any(c["paused"] for c in order["clocks"])
    assert "wait_customer" in _actions(order) and "customer_back" not in _actions(order)
    t1 = SlaClock.objects.get(order__number=number, key="T-1/lv")
    moved = t1.due_at - t1.started_at - timedelta(days=10)  # T-1/lv: 10 days, plus the time waited
    assert timedelta(days=3) <= moved < timedelta(days=3, minutes=1)
    after = {c["key"]: c for c in order["clocks"]}
    assert after["T-1/lv"]["due_at"] > due_before["T-1/lv"]
    assert abs(after["T-1/lv"]["remaining_seconds"] - frozen["T-1/lv"]) < 60  # the wait did not count
    assert ClockPause.objects.filter(clock__order__number=number, ended_at__isnull=True).count() == 0
    assert audit_verify()[1] == []


def test_issue3_wait_customer_by_an_agent_is_403_and_not_offered(api_as):
    agent = api_as("agent")
    order = _application(api_as)
    assert "wait_customer" not in _actions(_ok(agent.get(f"/api/v1/orders/{order['number']}")))
    response = _act(agent, order["number"], "wait_customer", order["version"], reason="缺资料")
    assert response.status_code == 403
    assert response.json()["message"] == "您的角色不能执行“等待客户（暂停时限）”。"
    crew = _act(api_as("lineman"), order["number"], "customer_back", order["version"])
    assert crew.status_code == 403  # the station's crew sees the application, may not touch its clocks
    assert not SlaClock.objects.filter(order__number=order["number"], paused_since__isnull=False).exists()


def test_issue3_wait_customer_with_a_stale_version_is_409_and_pauses_nothing(api_as):
    office = api_as("station_handler")
    order = _application(api_as)
    _ok(_act(api_as("agent"), order["number"], "transfer_to_leader", order["version"], note="客户着急"))
    response = _act(office, order["number"], "wait_customer", order["version"], reason="缺资料")
    assert response.status_code == 409 and response.json()["code"] == "stale_version"
    assert not SlaClock.objects.filter(order__number=order["number"], paused_since__isnull=False).exists()


def test_issue3_waiting_twice_or_back_without_waiting_is_409(api_as):
    office = api_as("station_handler")
    order = _application(api_as)
    back = _act(office, order["number"], "customer_back", order["version"])
    assert back.status_code == 409 and back.json()["code"] == "conflict"
    assert back.json()["message"] == f"工单 {order['number']} 没有在等待客户（没有暂停中的时限）。"
    order = _ok(_act(office, order["number"], "wait_customer", order["version"], reason="缺资料"))
    again = _act(office, order["number"], "wait_customer", order["version"], reason="还缺")
    assert again.status_code == 409
    assert again.json()["message"] == f"工单 {order['number']} 已在等待客户，请先办理“客户已补齐资料”。"
    assert WorkOrder.objects.get(number=order["number"]).version == order["version"]


def test_issue3_wait_customer_on_a_repair_or_an_archived_application_is_409(api_as):
    office = api_as("station_handler")
    repair = api_as("agent").post("/api/v1/orders", repair_body()).json()
    response = _act(office, repair["number"], "wait_customer", repair["version"], reason="缺资料")
    assert response.status_code == 409
    assert response.json()["message"] == "只有业务受理工单可以因客户原因暂停时限。"
    order = _application(api_as)
    for stage in ("energise", "archive"):
        order = _ok(_act(office, order["number"], stage, order["version"]))
    for action, body in (("wait_customer", {"reason": "缺资料"}), ("customer_back", {})):
        response = _act(office, order["number"], action, order["version"], **body)
        assert response.status_code == 409 and response.json()["code"] == "conflict"
        assert "当前状态为“已归档”" in response.json()["message"]


@pytest.mark.parametrize(("body", "status", "field"), [
    ({}, 422, "reason"),
    ({"reason": None}, 422, "reason"),
    ({"reason": "x" * 201}, 422, "reason"),
    ({"reason": "   "}, 400, "reason"),
    ({"reason": "缺资料", "note": "x"}, 422, "note"),
])
def test_issue3_wait_customer_bad_reason_is_4xx_naming_it(api_as, body, status, field):
    order = _application(api_as)
    response = _act(api_as("station_handler"), order["number"], "wait_customer", order["version"], **body)
    assert response.status_code == status, response.json()
    assert field in response.json()["details"]
    assert not SlaClock.objects.filter(order__number=order["number"], paused_since__isnull=False).exists()


def test_issue3_wait_actions_in_the_openapi_schema(anonymous_api):
    schema = anonymous_api.get("/api/v1/openapi.json").json()
    for action, body in (("wait_customer", "WaitCustomerIn"), ("customer_back", "CustomerBackIn")):
        operation = schema["paths"][f"/api/v1/orders/{{number}}/actions/{action}"]["post"]
        assert body in str(operation["requestBody"])
        assert {"200", "403", "409", "422"} <= set(operation["responses"])
    wait = schema["components"]["schemas"]["WaitCustomerIn"]
    assert set(wait["required"]) == {"expected_version", "reason"}
    assert wait["properties"]["reason"]["maxLength"] == 200


def test_issue3_wait_customer_query_count(api_as, django_assert_max_num_queries):
    office = api_as("station_handler")
    order = _application(api_as)
    office.get("/api/v1/orders/none")
    # token, order, its running clocks, version update, audit head + event + head update, per clock a pause
    # and its update (two clocks), the answer's clocks and the clocks the offered actions depend on;
    # savepoints on top
    with django_assert_max_num_queries(20):
        _ok(_act(office, order["number"], "wait_customer", order["version"], reason="缺资料"))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # seeded roles and rule sets
def test_issue3_racing_waits_pause_once(api_as):
    """Four handlers press "wait" on the same version at once: one wins, the others get 409."""
    import threading

    from django.db import connection

    order = _application(api_as)
    clients = [api_as("station_handler") for _slot in range(4)]
    barrier, results = threading.Barrier(len(clients)), []

    def wait(client):
        try:
            barrier.wait(timeout=10)
            response = _act(client, order["number"], "wait_customer", order["version"], reason="缺资料")
            results.append((response.status_code, response.json().get("code")))
        finally:
            connection.close()

    threads = [threading.Thread(target=wait, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(status for status, _code in results) == [200, 409, 409, 409], results
    assert {code for status, code in results if status == 409} <= {"stale_version", "conflict"}
    assert ClockPause.objects.filter(clock__order__number=order["number"]).count() == 2  # two clocks, once
    assert WorkOrder.objects.get(number=order["number"]).version == 2
    assert audit_verify()[1] == []
