"""Calls without an order (rule C-10): wrong numbers, harassment to the shift leaders' queue."""

from griddesk.api.models import CallOutcome
from griddesk.api.services import call_outcome_record
from griddesk.audit.models import AuditEvent

URL = "/api/v1/calls/outcomes"


def test_rule_C10_wrong_number_is_recorded_with_the_agent_number(api_as, people):
    response = api_as("agent").post(URL, {"outcome": "wrong_number", "caller_phone": "13700000000"})
    assert response.status_code == 201
    data = response.json()
    assert (data["outcome"], data["agent_no"], data["org"]) == ("wrong_number", "95598001", "P")
    assert AuditEvent.objects.filter(action="call.wrong_number").count() == 1


def test_rule_C10_harassment_goes_to_the_shift_leaders_queue(api_as):
    made = api_as("agent").post(URL, {"outcome": "harassment", "caller_phone": "13700000001",
                                      "note": "辱骂坐席"}).json()
    api_as("agent").post(URL, {"outcome": "wrong_number"})
    leader = api_as("leader")
    queue = leader.get(URL).json()
    assert [row["id"] for row in queue] == [made["id"]]
    handled = leader.post(f"{URL}/{made['id']}/handle", {"note": "已列入黑名单"})
    assert handled.status_code == 200 and handled.json()["handled_at"] is not None
    assert leader.get(URL).json() == []
    assert len(leader.get(URL, {"pending": "false"}).json()) == 1
    again = leader.post(f"{URL}/{made['id']}/handle", {})
    assert again.status_code == 400


def test_rule_C10_harassment_needs_the_phone(api_as):
    response = api_as("agent").post(URL, {"outcome": "harassment"})
    assert response.status_code == 400
    assert response.json()["details"] == {"caller_phone": "恶意骚扰须记录来电号码，以便值长处理（规则 C-10）。"}
    assert not CallOutcome.objects.exists()


def test_call_outcome_roles(api_as):
    assert api_as("lineman").post(URL, {"outcome": "wrong_number"}).status_code == 403
    assert api_as("agent").get(URL).status_code == 403
    assert api_as("agent").post(URL, {"outcome": "silence"}).status_code == 422


def test_queue_is_scoped_and_the_service_is_shared_with_the_console(api_as, people, make_staff, province):
    outcome = call_outcome_record(outcome="harassment", caller_phone="13700000002", note="",
                                  actor=people["agent"])
    far_leader = make_staff("yunling_leader", province["other_city"], "shift_leader")
    assert api_as(far_leader).get(URL).json() == []
    assert api_as(far_leader).post(f"{URL}/{outcome.pk}/handle", {}).status_code == 404
