"""POST /api/v1/orders: create any order type (rule C-1), idempotently (issue 4)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from griddesk.api.models import IdempotencyRecord
from griddesk.audit.models import AuditEvent
from griddesk.orders.models import OrderNumberCounter, SealedIdentity, SlaClock, WorkOrder
from tests.api.conftest import repair_body

URL = "/api/v1/orders"
# rule K-2: a letter handed in ten days ago, at 09:00 Beijing time
HANDED_IN = (timezone.localtime() - timedelta(days=10)).replace(hour=9, minute=0, second=0, microsecond=0)


def test_rule_C8_H4_C4_repair_is_created_and_dispatched_at_once(api_as, people):
    response = api_as("agent").post(URL, repair_body())
    assert response.status_code == 201
    data = response.json()
    order = WorkOrder.objects.get(number=data["number"])
    assert (data["state"], data["crew"]["code"], data["version"]) == ("dispatched", "C1", 1)
    assert order.owner == people["agent"] and order.agent_no == data["agent_no"] == "95598001"  # H-4, C-4
    assert [c["key"] for c in data["clocks"]] == ["R-2/urban"]
    clock = data["clocks"][0]
    assert clock["rule"] == "R-2" and clock["met"] is None and clock["breached"] is False
    assert 44 * 60 < clock["remaining_seconds"] <= 45 * 60
    assert data["customer"] == "1000000001" and data["identity_sealed"] is False
    assert [a["action"] for a in data["actions"]] == ["request_visit", "transfer_to_leader"]  # the agent's options now


@pytest.mark.parametrize("body", [
    {"order_type": "complaint", "channel": "hotline", "customer": "1000000001", "title": "态度差"},
    {"order_type": "consultation", "channel": "app", "customer": "1000000002", "title": "电价"},
    {"order_type": "query", "channel": "website", "customer": "1000000002", "title": "电费"},
    {"order_type": "application", "channel": "hall", "customer": "1000000003", "title": "增容"},
    {"order_type": "opinion", "channel": "letter", "org": "P0101", "title": "建议多设营业厅",
     "received_at": HANDED_IN.isoformat()},
    {"order_type": "suggestion", "channel": "suggestion_box", "org": "P0101", "title": "建议"},
    {"order_type": "praise", "channel": "reception_day", "org": "P0101", "title": "表扬抢修班"},
    {"order_type": "report", "channel": "website", "org": "P0101", "title": "举报", "anonymous": True},
    {"order_type": "repair", "channel": "hotline", "customer": "1000000003",
     "fault_side": "customer_internal", "category": "F-CI-BRK"},
])
def test_rule_C1_every_order_type_can_be_created(api_as, body):
    response = api_as("agent").post(URL, body)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["order_type"] == body["order_type"] and data["channel"] == body["channel"]
    if "received_at" in body:  # rule K-2: the clock runs from the hand-in date
        assert data["received_at"] == HANDED_IN.isoformat()


def test_idempotent_retry_returns_the_original_order(api_as):
    api = api_as("agent")
    first = api.post(URL, repair_body(), headers={"Idempotency-Key": "ivr-call-0001"})
    again = api.post(URL, repair_body(), headers={"Idempotency-Key": "ivr-call-0001"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["number"] == first.json()["number"]
    assert again["Idempotent-Replay"] == "true" and "Idempotent-Replay" not in first
    assert WorkOrder.objects.count() == 1
    assert IdempotencyRecord.objects.get().order.number == first.json()["number"]


def test_idempotency_key_reused_with_another_body_is_422(api_as):
    api = api_as("agent")
    api.post(URL, repair_body(), headers={"Idempotency-Key": "k1"})
    response = api.post(URL, repair_body(title="另一件事"), headers={"Idempotency-Key": "k1"})
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_mismatch"
    assert "幂等键“k1”已用于另一份不同内容的请求" in response.json()["message"]
    assert WorkOrder.objects.count() == 1


def test_idempotency_keys_are_per_user(api_as):
    api_as("agent").post(URL, repair_body(), headers={"Idempotency-Key": "same"})
    response = api_as("leader").post(URL, repair_body(customer="1000000002"),
                                     headers={"Idempotency-Key": "same"})
    assert response.status_code == 201
    assert WorkOrder.objects.count() == 2


def test_a_failed_create_stores_no_key_so_a_corrected_retry_works(api_as):
    api = api_as("agent")
    bad = api.post(URL, repair_body(customer="9999999999"), headers={"Idempotency-Key": "k2"})
    assert bad.status_code == 400
    good = api.post(URL, repair_body(), headers={"Idempotency-Key": "k2"})
    assert good.status_code == 201


def test_unknown_customer_is_400_naming_the_field_and_changes_nothing(api_as):
    response = api_as("agent").post(URL, repair_body(customer="9999999999", category="NOPE"))
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "invalid"
    assert error["details"] == {"customer": "找不到户号 9999999999，或该客户不在您的管辖范围内。",
                                "category": "找不到启用的分类：NOPE"}
    assert not WorkOrder.objects.exists() and not OrderNumberCounter.objects.exists()


def test_domain_validation_is_400(api_as):
    response = api_as("agent").post(URL, {"order_type": "repair", "channel": "hotline", "org": "P0101"})
    assert response.status_code == 400
    assert response.json()["details"] == {
        "customer": "故障报修必须关联客户（用于确定供电路径、区域和抢修班组）。"}


def test_future_received_at_is_422_naming_the_field(api_as):
    response = api_as("agent").post(URL, repair_body(received_at="2999-01-01T00:00:00+08:00"))
    assert response.status_code == 422
    assert response.json()["details"] == {"received_at": "客户提交时间不能晚于当前时间。"}


@pytest.mark.parametrize(("body", "field", "phrase"), [
    ({"channel": "hotline"}, "order_type", "缺少必填字段"),
    (repair_body(order_type="outage"), "order_type", "取值必须是以下之一"),
    (repair_body(channel=5), "channel", "取值必须是以下之一"),
    (repair_body(received_at="yesterday"), "received_at", "ISO 8601"),
    (repair_body(received_at="2026-01-05T09:00:00"), "received_at", "时间必须带时区"),
    (repair_body(titel="typo"), "titel", "不认识的字段"),
    (repair_body(title="长" * 201), "title", "长度不能超过 200 个字符"),
    (repair_body(anonymous="maybe"), "anonymous", "true 或 false"),
    (repair_body(identity="张三"), "identity", "JSON 对象"),
    (repair_body(identity={"phone": "1" * 21}), "identity.phone", "长度不能超过 20"),
])
def test_schema_errors_are_422_in_chinese_naming_the_field(api_as, body, field, phrase):
    response = api_as("agent").post(URL, body)
    assert response.status_code == 422
    error = response.json()
    assert error["code"] == "validation_error"
    assert field in error["details"] and phrase in error["details"][field]
    assert f"字段“{field}”" in error["message"] or len(error["details"]) > 1
    assert not WorkOrder.objects.exists()


def test_malformed_json_is_400(api_as):
    response = api_as("agent").post(URL, raw="{not json")
    assert response.status_code == 400
    assert response.json() == {"code": "malformed", "message": "请求体不是合法的 JSON。", "details": {}}


def test_idempotency_key_too_long_is_422(api_as):
    response = api_as("agent").post(URL, repair_body(), headers={"Idempotency-Key": "k" * 101})
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["details"]


def test_role_not_allowed_to_create_is_403(api_as):
    response = api_as("lineman").post(URL, repair_body())
    assert response.status_code == 403
    assert response.json() == {"code": "forbidden", "message": "您的角色不能受理工单。", "details": {}}


def test_customer_of_another_city_is_out_of_scope(api_as, make_staff, province):
    outsider = make_staff("yunling_agent", province["other_city"], "agent")
    response = api_as(outsider).post(URL, repair_body())
    assert response.status_code == 400
    assert response.json()["details"]["customer"].startswith("找不到户号 1000000001")


def test_rule_A4_repeat_call_returns_the_child_and_names_the_parent(api_as):
    api = api_as("agent")
    first = api.post(URL, repair_body()).json()
    second = api.post(URL, repair_body()).json()
    assert second["parent"] == first["number"] and second["state"] == "archived"
    assert WorkOrder.objects.get(number=first["number"]).call_count == 2


def test_rule_K7_report_caller_details_are_sealed_not_left_on_the_order(api_as):
    response = api_as("agent").post(URL, {
        "order_type": "report", "channel": "hotline", "org": "P0101", "title": "抄表员收受好处",
        "caller_name": "赵六", "caller_phone": "13900002222", "anonymous": True})
    data = response.json()
    assert (data["caller_name"], data["caller_phone"], data["identity_sealed"]) == (None, None, True)
    order = WorkOrder.objects.get(number=data["number"])
    assert (order.caller_name, order.caller_phone) == ("", "")
    sealed = SealedIdentity.objects.get(order=order)
    assert (sealed.name, sealed.phone) == ("赵六", "13900002222")


# ---------------------------------------------------------------- query counts (issue 4 performance)


def test_create_repair_dispatched_at_once_query_count(api_as, django_assert_max_num_queries):
    """Reads first (token, idempotency, customer, open matter, storms, crew), then one short
    transaction: number, order (already dispatched), audit, clock, idempotency record."""
    api = api_as("agent")
    api.get("/api/v1/orders/none")  # the token's last_used_at write happens here, not below
    api.post(URL, repair_body(customer="1000000002"))  # warm the rule-set caches of the process
    #  1 token + user + org + role codes   2 idempotency look-up   3 customer + transformer + org
    #  4 open matter of the customer  5 storms covering 6 outage on the path (C-9)
    #  7 crew covering (C-8)                8 the crew's members (its page)  9 order number counter
    # 10 INSERT order  11-12 audit events + head  13 INSERT clock R-2  14 INSERT the crew's page (SMS, console)
    # 15 INSERT idempotency record
    # (+ savepoint statements: the test's transaction makes the API's atomic block a savepoint)
    with django_assert_max_num_queries(19) as captured:
        response = api.post(URL, repair_body(), headers={"Idempotency-Key": "count-me"})
    assert response.status_code == 201
    statements = [q["sql"] for q in captured.captured_queries]
    real = [s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert len(real) == 15, "\n".join(real)
    first_write = next(i for i, sql in enumerate(real) if not sql.startswith("SELECT"))
    assert first_write == 8 and "ordernumbercounter" in real[first_write]
    assert SlaClock.objects.filter(order__number=response.json()["number"]).count() == 1
    assert AuditEvent.objects.filter(action="order.created").count() == 2


def test_idempotent_replay_query_count(api_as, django_assert_max_num_queries):
    api = api_as("agent")
    api.post(URL, repair_body(), headers={"Idempotency-Key": "replay"})
    with django_assert_max_num_queries(3):  # token, roles, the stored record
        response = api.post(URL, repair_body(), headers={"Idempotency-Key": "replay"})
    assert response.status_code == 200
