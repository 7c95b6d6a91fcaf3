"""Sealed identities (rules K-7, K-9): in no response but the identity endpoint, for named roles."""

from datetime import timedelta

from django.utils import timezone

from griddesk.audit.models import AuditEvent
from griddesk.audit.services import stream_of
from griddesk.orders.models import WorkOrder

NAME, PHONE, CONTACT = "举报人钱七", "13911112222", "微信 qq7777"


def _report(api):
    response = api.post("/api/v1/orders", {
        "order_type": "report", "channel": "hotline", "customer": "1000000001", "title": "抄表员收受好处",
        "anonymous": True, "identity": {"name": NAME, "phone": PHONE, "contact": CONTACT},
        "caller_name": NAME, "caller_phone": PHONE})
    assert response.status_code == 201, response.json()
    return response


def _leaks(response):
    text = response.content.decode()
    return [s for s in (NAME, PHONE, CONTACT) if s in text]


def test_rule_K7_identity_never_in_any_response_but_the_identity_endpoint(api_as):
    agent, handler = api_as("agent"), api_as("handler")
    created = _report(agent)
    number, version = created.json()["number"], created.json()["version"]
    forwarded = agent.post(f"/api/v1/orders/{number}/actions/forward",
                           {"expected_version": version, "department": "P0101-MKT"})
    responses = [
        created, forwarded,
        agent.get(f"/api/v1/orders/{number}"), handler.get(f"/api/v1/orders/{number}"),
        agent.get("/api/v1/orders"), handler.get("/api/v1/orders", {"scope": "handling"}),
        agent.get("/api/v1/customers/1000000001"), agent.get("/api/v1/callers", {"q": "13800000001"}),
        handler.post(f"/api/v1/orders/{number}/actions/contact",
                     {"expected_version": forwarded.json()["version"], "note": "已核实"}),
        agent.post(f"/api/v1/orders/{number}/reminders", {"reason": "请尽快处理"}),
    ]
    assert [r.status_code for r in responses] == [201, 200, 200, 200, 200, 200, 200, 200, 200, 201]
    assert [_leaks(r) for r in responses] == [[]] * len(responses)
    detail = responses[2].json()
    assert (detail["customer"], detail["caller_name"], detail["identity_sealed"]) == (None, None, True)


def test_rule_K9_accused_department_cannot_open_the_identity(api_as, people):
    agent = api_as("agent")
    number = agent.post("/api/v1/orders", {
        "order_type": "report", "channel": "hotline", "customer": "1000000001", "title": "抄表员收受好处",
        "anonymous": True, "identity": {"name": NAME, "phone": PHONE, "contact": CONTACT},
        "accused": ["P0101-MKT"]}).json()["number"]
    version = agent.get(f"/api/v1/orders/{number}").json()["version"]
    to_accused = agent.post(f"/api/v1/orders/{number}/actions/forward", {"expected_version": version,
                                                                         "department": "P0101-MKT"})
    assert to_accused.status_code == 400  # a report is never handed to the unit it is about
    assert to_accused.json()["details"] == {"department": "举报不能转派给被举报单位 临河县营销部（规则 K-9）。"}
    agent.post(f"/api/v1/orders/{number}/actions/forward", {"expected_version": version,
                                                            "department": "P010101"})
    people["handler"].roles.add(*people["supervisor"].roles.all())  # even with a sealed-reading role
    refused = api_as("handler").post(f"/api/v1/orders/{number}/identity", {"purpose": "想知道是谁"})
    assert refused.status_code == 404 and _leaks(refused) == []  # the accused cannot even read the report
    also_refused = agent.post(f"/api/v1/orders/{number}/identity", {"purpose": "核实"})
    assert also_refused.status_code == 403
    opened = api_as("supervisor").post(f"/api/v1/orders/{number}/identity", {"purpose": "核实举报线索"})
    assert opened.status_code == 200
    assert opened.json() == {"order": number, "name": NAME, "phone": PHONE, "contact": CONTACT,
                             "account_no": "1000000001"}
    order = WorkOrder.objects.get(number=number)
    actions = list(AuditEvent.objects.filter(stream=stream_of(order)).order_by("seq").values_list("action", flat=True))
    assert actions.count("identity.refused") == 1 and actions.count("identity.opened") == 1  # K-7 audit


def test_identity_endpoint_needs_a_purpose_and_an_identity(api_as):
    agent = api_as("agent")
    number = _report(agent).json()["number"]
    missing = api_as("supervisor").post(f"/api/v1/orders/{number}/identity", {})
    assert missing.status_code == 422 and "purpose" in missing.json()["details"]
    plain = agent.post("/api/v1/orders", {"order_type": "complaint", "channel": "hotline",
                                          "customer": "1000000002", "title": "x"}).json()
    none = api_as("supervisor").post(f"/api/v1/orders/{plain['number']}/identity", {"purpose": "核实"})
    assert none.status_code == 404
    assert none.json()["message"] == f"工单 {plain['number']} 没有封存的身份信息。"


def test_rule_K6_supervision_needs_a_supervisor_and_a_future_deadline(api_as):
    agent = api_as("agent")
    number = agent.post("/api/v1/orders", {"order_type": "complaint", "channel": "hotline",
                                           "customer": "1000000002", "title": "x"}).json()["number"]
    denied = agent.post(f"/api/v1/orders/{number}/reminders", {"kind": "supervise", "reason": "督办"})
    assert denied.status_code == 403
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    late = api_as("supervisor").post(f"/api/v1/orders/{number}/reminders",
                                     {"kind": "supervise", "reason": "督办", "due_at": past})
    assert late.status_code == 400 and late.json()["details"] == {"due_at": "办理期限必须晚于当前时间。"}
    due = (timezone.now() + timedelta(days=2)).isoformat()
    made = api_as("supervisor").post(f"/api/v1/orders/{number}/reminders",
                                     {"kind": "supervise", "reason": "督办", "due_at": due,
                                      "to_org": "P0101-MKT"})
    assert made.status_code == 201
    assert (made.json()["kind"], made.json()["to_org"]) == ("supervise", "P0101-MKT")
    default = agent.post(f"/api/v1/orders/{number}/reminders", {"reason": "客户催促"})
    assert (default.status_code, default.json()["to_user"]) == (201, "agent")  # the owner (H-4)
    blank = agent.post(f"/api/v1/orders/{number}/reminders", {"reason": "  "})
    assert blank.status_code == 400


def test_rule_K6_api_reminders_are_routed_by_the_service(api_as, people):
    agent = api_as("agent")
    complaint = agent.post("/api/v1/orders", {"order_type": "complaint", "channel": "hotline",
                                              "customer": "1000000002", "title": "x"}).json()
    forward = agent.post(f"/api/v1/orders/{complaint['number']}/actions/forward",
                         {"expected_version": complaint["version"], "department": "P0101-MKT"})
    assert forward.status_code == 200, forward.json()
    to_desk = agent.post(f"/api/v1/orders/{complaint['number']}/reminders", {"reason": "客户催促"}).json()
    assert (to_desk["to_user"], to_desk["to_org"], to_desk["to_crew"]) == (None, "P0101-MKT", None)
    supervised = api_as("supervisor").post(f"/api/v1/orders/{complaint['number']}/reminders",
                                           {"kind": "supervise", "reason": "督办"}).json()
    assert (supervised["to_user"], supervised["to_org"]) == ("county_supervisor", "P0101-MKT")
    assert supervised["due_at"] is not None  # its own deadline, by default
    repair = agent.post("/api/v1/orders", {"order_type": "repair", "channel": "hotline", "customer": "1000000001",
                                           "fault_side": "utility", "title": "停电"}).json()
    to_crew = agent.post(f"/api/v1/orders/{repair['number']}/reminders", {"reason": "请尽快到达"}).json()
    assert (to_crew["to_user"], to_crew["to_crew"]) == (None, "C1")
