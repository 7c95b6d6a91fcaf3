"""Issue 8, item 7: every target of an API write lies in the user's scope (the console limits its
pickers; the services refuse whatever reaches them, so the API does too)."""

from griddesk.orgs.models import Crew, Org
from tests.api.conftest import repair_body


def test_api_writes_refuse_targets_outside_the_users_scope(api_as, people, province, make_staff):
    other_city = province["other_city"]
    Org.objects.create(code="P02-MKT", name="云岭营销部", kind="department", parent=other_city)
    Crew.objects.create(code="C9", name="云岭抢修班", org=other_city)
    make_staff("far_agent", other_city, "agent")
    county = make_staff("county_desk", province["county"], "back_office", "dispatcher", "shift_leader")
    api, agent = api_as(county), api_as("agent")
    complaint = agent.post("/api/v1/orders", {"order_type": "complaint", "channel": "hotline",
                                              "customer": "1000000002", "title": "x"}).json()
    repair = agent.post("/api/v1/orders", repair_body(customer="1000000003", fault_side="customer_internal")).json()
    attempts = [
        (f"/api/v1/orders/{complaint['number']}/actions/forward",
         {"expected_version": complaint["version"], "department": "P02-MKT"}, "department"),
        (f"/api/v1/orders/{repair['number']}/actions/dispatch",
         {"expected_version": repair["version"], "crew": "C9"}, "crew"),
        (f"/api/v1/orders/{complaint['number']}/reminders", {"reason": "催", "to_org": "P02"}, "to_org"),
        (f"/api/v1/orders/{complaint['number']}/reminders", {"reason": "催", "to_user": "far_agent"}, "to_user"),
    ]
    answers = [api.post(url, body) for url, body, _field in attempts]
    assert [a.status_code for a in answers] == [400] * 4
    assert [list(a.json()["details"]) for a in answers] == [[field] for _u, _b, field in attempts]
    assert all("不在您的管辖范围内" in a.json()["message"] for a in answers)
    assert api.get(f"/api/v1/orders/{complaint['number']}").json()["version"] == complaint["version"]
    inside = api.post(f"/api/v1/orders/{complaint['number']}/actions/forward",
                      {"expected_version": complaint["version"], "department": "P0101-MKT"})
    assert inside.status_code == 200
