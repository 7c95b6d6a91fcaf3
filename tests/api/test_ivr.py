"""IVR pre-routing (issue 10): the outage announcement for a caller and registering the call as a
child order of the outage (rules C-9, C-12), and a customer's outages including the announced ones."""

from datetime import timedelta

from django.utils import timezone

from griddesk.api.models import IdempotencyRecord
from griddesk.audit.models import AuditEvent
from griddesk.audit.services import stream_of
from griddesk.orders.models import WorkOrder
from griddesk.outages.models import OutageEvent

PHONE = "13800000001"  # 张伟, account 1000000001, on T1 below switch SW1 and feeder F1


def _outage(province, device="feeder", state="confirmed", code="OUT-IVR", kind="fault", **fields):
    values = {"cause": "10kV线路故障跳闸", "starts_at": timezone.now() - timedelta(minutes=30),
              "expected_restoration_at": timezone.now() + timedelta(hours=2)}
    values.update(fields)
    return OutageEvent.objects.create(code=code, kind=kind, device=province[device], org=province["county"],
                                      state=state, **values)


def test_rule_C9_announcement_names_cause_restoration_and_apologises(api_as, province, people):
    outage = _outage(province, crew=people["crew"])
    answer = api_as("agent").get(f"/api/v1/callers/{PHONE}/announcement")
    assert answer.status_code == 200
    body = answer.json()
    assert body["outage"]["code"] == "OUT-IVR" and body["outage"]["device"]["device_id"] == "F1"
    assert body["customer"]["account_no"] == "1000000001"
    restore = timezone.localtime(outage.expected_restoration_at)
    assert "因10kV线路故障跳闸停电" in body["text"]
    assert f"预计{restore.month}月{restore.day}日{restore.hour}时{restore.minute:02d}分恢复供电" in body["text"]
    assert "深表歉意" in body["text"]


def test_announcement_in_chinese_whatever_the_request_language(api_as, province):
    _outage(province, expected_restoration_at=None)
    body = api_as("agent").get(f"/api/v1/callers/{PHONE}/announcement",
                               headers={"Accept-Language": "en"}).json()
    assert "恢复时间待定" in body["text"] and "深表歉意" in body["text"]


def test_predicted_outages_are_announced_restored_and_future_ones_are_not(api_as, province):
    api = api_as("agent")
    _outage(province, state="restored", code="OLD")
    _outage(province, state="announced", kind="planned", code="TOMORROW",
            starts_at=timezone.now() + timedelta(days=1))
    assert api.get(f"/api/v1/callers/{PHONE}/announcement").json() == {
        "phone": PHONE, "customer": api.get("/api/v1/customers/1000000001").json()["customer"],
        "outage": None, "text": None}
    _outage(province, device="switch", state="predicted", code="PRED")
    assert api.get(f"/api/v1/callers/{PHONE}/announcement").json()["outage"]["code"] == "PRED"


def test_unknown_invalid_or_out_of_scope_phone_is_404(api_as, province, make_staff):
    _outage(province)
    api = api_as("agent")
    unknown = api.get("/api/v1/callers/13999999999/announcement")
    assert unknown.status_code == 404
    assert unknown.json()["message"] == "找不到来电号码 13999999999 对应的客户，或该客户不在您的管辖范围内。"
    assert api.get("/api/v1/callers/12345/announcement").json()["message"] == "来电号码 12345 不是有效的电话号码。"
    outsider = make_staff("yunling_ivr", province["other_city"], "agent")
    assert api_as(outsider).get(f"/api/v1/callers/{PHONE}/announcement").status_code == 404
    assert api_as(outsider).post(f"/api/v1/callers/{PHONE}/outage-call", {}).status_code == 404
    assert not WorkOrder.objects.exists()


def test_register_makes_an_audited_ivr_child_order_of_the_outage(api_as, province, people):
    outage = _outage(province, crew=people["crew"])
    answer = api_as("agent").post(f"/api/v1/callers/{PHONE}/outage-call", {})
    assert answer.status_code == 201
    body = answer.json()
    order = WorkOrder.objects.get(number=body["number"])
    assert (order.channel, order.order_type, order.outage_id, order.crew_id) == (
        "ivr", "repair", outage.pk, people["crew"].pk)
    assert (order.customer.account_no, order.caller_phone) == ("1000000001", PHONE)
    assert body["outage"] == "OUT-IVR" and body["already_registered"] is False and body["callback_phone"] == PHONE
    actions = list(AuditEvent.objects.filter(stream=stream_of(order)).values_list("action", flat=True))
    assert actions[0] == "order.created"
    again = api_as("agent").post(f"/api/v1/callers/{PHONE}/outage-call", {})
    assert again.status_code == 200
    assert again.json()["number"] == order.number and again.json()["already_registered"] is True
    assert WorkOrder.objects.count() == 1


def test_register_is_idempotent_with_the_idempotency_key(api_as, province):
    _outage(province)
    api = api_as("agent")
    first = api.post(f"/api/v1/callers/{PHONE}/outage-call", {}, headers={"Idempotency-Key": "ivr-call-1"})
    retry = api.post(f"/api/v1/callers/{PHONE}/outage-call", {}, headers={"Idempotency-Key": "ivr-call-1"})
    assert first.status_code == 201 and retry.status_code == 200
    assert retry["Idempotent-Replay"] == "true" and retry.json() == first.json()
    assert WorkOrder.objects.count() == 1 and IdempotencyRecord.objects.count() == 1
    other = api.post(f"/api/v1/callers/{PHONE}/outage-call", {"customer": "1000000001"},
                     headers={"Idempotency-Key": "ivr-call-1"})
    assert other.status_code == 422 and WorkOrder.objects.count() == 1


def test_register_without_an_outage_is_refused_and_changes_nothing(api_as, province):
    answer = api_as("agent").post(f"/api/v1/callers/{PHONE}/outage-call", {})
    assert answer.status_code == 409
    assert answer.json()["message"] == f"来电号码 {PHONE} 的客户供电线路上没有已知停电：请转人工受理。"
    assert not WorkOrder.objects.exists()


def test_register_needs_an_intake_role(api_as, province):
    _outage(province)
    answer = api_as("visitor").post(f"/api/v1/callers/{PHONE}/outage-call", {})
    assert answer.status_code == 403 and not WorkOrder.objects.exists()


def test_announced_maintenance_tomorrow_is_in_the_card_and_the_outages_api(api_as, province):
    """Item 4: tomorrow's announced planned outage on the caller's line, and today's active one."""
    _outage(province, state="active", code="NOW")
    _outage(province, device="switch", state="announced", kind="planned", code="TOMORROW",
            cause="线路检修", starts_at=timezone.now() + timedelta(days=1))
    _outage(province, device="switch", state="announced", kind="planned", code="NEXT-MONTH",
            starts_at=timezone.now() + timedelta(days=30))
    _outage(province, device="tx2", state="announced", kind="planned", code="OTHER-LINE",
            starts_at=timezone.now() + timedelta(days=1))
    api = api_as("agent")
    card = api.get("/api/v1/customers/1000000001").json()
    assert [o["code"] for o in card["outages"]] == ["NOW"]
    assert [o["code"] for o in card["upcoming_outages"]] == ["TOMORROW"]
    assert card["upcoming_outages"][0]["cause"] == "线路检修"
    listed = api.get("/api/v1/outages", {"customer": "1000000001"}).json()
    assert [o["code"] for o in listed] == ["NOW", "TOMORROW", "NEXT-MONTH"]
    assert [o["state"] for o in listed] == ["active", "announced", "announced"]
    assert api.get("/api/v1/outages", {"customer": "9999999999"}).status_code == 404


def test_ivr_endpoints_are_in_the_openapi_schema(api_as):
    paths = api_as("agent").get("/api/v1/openapi.json").json()["paths"]
    assert "get" in paths["/api/v1/callers/{phone}/announcement"]
    assert "post" in paths["/api/v1/callers/{phone}/outage-call"]
    assert "get" in paths["/api/v1/outages"]


def test_register_for_one_of_the_phones_customers(api_as, province):
    """A phone shared by two customers (王强 lists 张伟's phone as a contact): the caller names the account."""
    from griddesk.customers.models import Contact

    Contact.objects.create(customer=province["customers"][2], name="张伟", phone=PHONE)  # 王强, on T2
    _outage(province, device="tx2", code="T2-OUT")
    api = api_as("agent")
    assert api.get(f"/api/v1/callers/{PHONE}/announcement").json()["outage"]["code"] == "T2-OUT"
    wrong = api.post(f"/api/v1/callers/{PHONE}/outage-call", {"customer": "1000000002"})
    assert wrong.status_code == 404
    assert wrong.json()["message"] == f"来电号码 {PHONE} 没有户号为 1000000002 的客户。"
    off = api.post(f"/api/v1/callers/{PHONE}/outage-call", {"customer": "1000000001"})
    assert off.status_code == 409  # 张伟's own line is not out
    answer = api.post(f"/api/v1/callers/{PHONE}/outage-call", {"customer": "1000000003"})
    assert answer.status_code == 201 and answer.json()["outage"] == "T2-OUT"
    assert WorkOrder.objects.get().customer.account_no == "1000000003"


def test_rule_C12_the_ivr_caller_is_told_when_the_outage_is_restored(api_as, province, people):
    from griddesk.notify.models import Message
    from griddesk.outages.services import outage_restore

    outage = _outage(province, crew=people["crew"])
    number = api_as("agent").post(f"/api/v1/callers/{PHONE}/outage-call", {}).json()["number"]
    outage_restore(outage=outage, actor=people["dispatcher"])
    told = Message.objects.get(order__number=number, subject="恢复供电通知")
    assert told.address == PHONE and number in told.body
    assert WorkOrder.objects.get(number=number).state == "resolved"
