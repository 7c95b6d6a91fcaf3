"""Caller look-up, the caller card and outages (rules C-9, A-4, R-3)."""

from datetime import timedelta

from django.db import connection
from django.utils import timezone

from griddesk.outages.models import OutageEvent
from tests.api.conftest import repair_body


def _outage(province, device="feeder", state="active", code="OUT-1"):
    return OutageEvent.objects.create(
        code=code, kind="fault", device=province[device], org=province["county"], cause="10kV线路故障跳闸",
        starts_at=timezone.now() - timedelta(minutes=30), state=state,
        expected_restoration_at=timezone.now() + timedelta(hours=2))


def test_lookup_by_phone_account_and_address(api_as):
    api = api_as("agent")
    by_phone = api.get("/api/v1/callers", {"q": "138 0000 0001"}).json()
    assert by_phone["kind"] == "number"
    assert [c["account_no"] for c in by_phone["customers"]] == ["1000000001"]
    by_account = api.get("/api/v1/callers", {"q": "1000000003"}).json()
    assert [c["name"] for c in by_account["customers"]] == ["王强"]
    by_address = api.get("/api/v1/callers", {"q": "幸福路"}).json()
    assert sorted(c["account_no"] for c in by_address["customers"]) == ["1000000001", "1000000002"]


def test_lookup_is_scoped_to_the_token_users_org(api_as, make_staff, province):
    outsider = make_staff("yunling_agent", province["other_city"], "agent")
    assert api_as(outsider).get("/api/v1/callers", {"q": "13800000001"}).json()["customers"] == []


def test_lookup_needs_a_query(api_as):
    response = api_as("agent").get("/api/v1/callers")
    assert response.status_code == 422 and response.json()["details"] == {"q": "缺少必填字段"}


def test_rule_C9_Q4_card_shows_outages_on_the_path_with_an_apology_prompt(api_as, province):
    _outage(province)
    _outage(province, device="tx2", code="OUT-ELSEWHERE")  # not on customer 1's path
    api = api_as("agent")
    api.post("/api/v1/orders", repair_body())
    card = api.get("/api/v1/customers/1000000001").json()
    assert [d["device_id"] for d in card["supply_path"]] == ["SUB1", "F1", "SW1", "T1"]
    assert [o["code"] for o in card["outages"]] == ["OUT-1"]
    assert card["outages"][0]["cause"] == "10kV线路故障跳闸"
    assert "致歉（规则 C-9）" in card["apology_prompt"]
    assert [o["order_type"] for o in card["open_orders"]] == ["repair"]
    assert card["repeat_contact"] is False


def test_rule_A4_card_flags_a_repeat_contact(api_as):
    api = api_as("agent")
    api.post("/api/v1/orders", repair_body())
    api.post("/api/v1/orders", repair_body())
    card = api.get("/api/v1/customers/1000000001").json()
    assert card["repeat_contact"] is True and len(card["recent_contacts"]) == 2


def test_card_without_outages_has_no_prompt(api_as):
    card = api_as("agent").get("/api/v1/customers/1000000003").json()
    assert (card["outages"], card["apology_prompt"], card["important"]) == ([], None, False)


def test_customer_outages_and_outages_by_customer(api_as, province):
    _outage(province)
    _outage(province, state="restored", code="OUT-OLD")
    api = api_as("agent")
    assert [o["code"] for o in api.get("/api/v1/customers/1000000002/outages").json()] == ["OUT-1"]
    assert [o["code"] for o in api.get("/api/v1/outages", {"customer": "1000000002"}).json()] == ["OUT-1"]
    assert api.get("/api/v1/outages").status_code == 422


def test_unknown_or_out_of_scope_customer_is_404(api_as, make_staff, province):
    assert api_as("agent").get("/api/v1/customers/9999999999").status_code == 404
    outsider = make_staff("yunling_agent", province["other_city"], "agent")
    response = api_as(outsider).get("/api/v1/customers/1000000001")
    assert response.status_code == 404
    assert response.json()["message"] == "找不到户号 1000000001，或该客户不在您的管辖范围内。"
    assert api_as(outsider).get("/api/v1/outages", {"customer": "1000000001"}).status_code == 404


def test_lookup_and_card_query_counts(api_as, province, django_assert_num_queries, django_assert_max_num_queries):
    _outage(province)
    api = api_as("agent")
    for _i in range(3):
        api.post("/api/v1/orders", repair_body())
    api.get("/api/v1/callers", {"q": "13800000001"})  # the token's last use is recorded (once a minute)
    for query in ("13800000001", "1000000001", "幸福路"):
        with django_assert_num_queries(2):  # token (+user, org, roles), the customers (+orgs)
            assert api.get("/api/v1/callers", {"q": query}).json()["customers"][0]["org"]["code"] == "P010101"
    # 1-2 characters, PostgreSQL: + the time budget and back (in the test's transaction: + a savepoint)
    with django_assert_max_num_queries(2 if connection.vendor == "sqlite" else 6):
        assert api.get("/api/v1/callers", {"q": "幸福"}).json()["customers"][0]["org"]["code"] == "P010101"
    # token, customer (+org, transformer), path (+outages, storm flag), orders (+categories)
    with django_assert_num_queries(4):
        card = api.get("/api/v1/customers/1000000001").json()
    assert [o["code"] for o in card["outages"]] == ["OUT-1"] and card["apology_prompt"]
    assert len(card["open_orders"]) == 1 and len(card["recent_contacts"]) == 3 and card["repeat_contact"]


def test_rule_R3_card_shows_the_storms_in_force_with_their_org(api_as, people, province,
                                                               django_assert_num_queries):
    from griddesk.outages.services import storm_declare

    now = timezone.now()
    storm_declare(org=province["county"], starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=3),
                  reason="台风过境", actor=people["dispatcher"])
    api = api_as("agent")
    api.get("/api/v1/callers", {"q": "13800000001"})
    with django_assert_num_queries(5):  # one more than without a storm: the storms and their orgs
        card = api.get("/api/v1/customers/1000000001").json()
    assert [(s["reason"], s["org"]["code"]) for s in card["storms"]] == [("台风过境", "P0101")]
