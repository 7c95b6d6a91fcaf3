"""GET /api/v1/orders/{number} and GET /api/v1/orders (the queue), org-scoped (issue 4)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from griddesk.orders import services
from griddesk.orders.models import SlaClock
from tests.api.conftest import repair_body


def _create(api, **overrides):
    response = api.post("/api/v1/orders", repair_body(**overrides))
    assert response.status_code == 201, response.json()
    return response.json()


def test_read_shows_clocks_actions_and_version(api_as):
    created = _create(api_as("agent"))
    data = api_as("lineman").get(f"/api/v1/orders/{created['number']}").json()
    assert data["number"] == created["number"] and data["version"] == 1
    assert [a["action"] for a in data["actions"]] == ["crew_accept", "arrive"]  # R-2 crew steps
    (clock,) = data["clocks"]
    assert (clock["key"], clock["label"], clock["paused"], clock["stopped_at"]) == (
        "R-2/urban", clock["label"], False, None)
    due = SlaClock.objects.get(order__number=created["number"]).due_at
    assert clock["due_at"] == timezone.localtime(due).isoformat(timespec="milliseconds")


def test_breached_clock_is_flagged_with_negative_remaining(api_as):
    created = _create(api_as("agent"))
    SlaClock.objects.filter(order__number=created["number"]).update(
        due_at=timezone.now() - timedelta(minutes=5))
    (clock,) = api_as("agent").get(f"/api/v1/orders/{created['number']}").json()["clocks"]
    assert clock["breached"] is True and -6 * 60 < clock["remaining_seconds"] <= -5 * 60


def test_order_outside_the_scope_is_404_not_403(api_as, make_staff, province):
    created = _create(api_as("agent"))
    outsider = make_staff("yunling_agent", province["other_city"], "agent")
    response = api_as(outsider).get(f"/api/v1/orders/{created['number']}")
    assert response.status_code == 404
    assert response.json() == {
        "code": "not_found", "details": {},
        "message": f"找不到工单 {created['number']}，或它不在您的管辖范围内。"}
    unknown = api_as(outsider).get("/api/v1/orders/GD20990101000001")
    assert unknown.json()["message"].replace("GD20990101000001", created["number"]) == (
        response.json()["message"])  # the same answer: existence does not leak


def test_crew_member_sees_orders_dispatched_to_the_crew(api_as, people, province, make_staff):
    created = _create(api_as("agent"))
    far = make_staff("far_lineman", province["other_city"], "repair_crew")
    people["crew"].members.add(far)
    assert api_as(far).get(f"/api/v1/orders/{created['number']}").status_code == 200


def test_list_is_scoped_filtered_and_paginated_by_cursor(api_as, make_staff, province):
    api = api_as("agent")
    numbers = [_create(api, customer=c)["number"] for c in ("1000000001", "1000000002", "1000000003")]
    complaint = api.post("/api/v1/orders", {"order_type": "complaint", "channel": "hotline",
                                            "customer": "1000000001", "title": "态度"}).json()
    first = api.get("/api/v1/orders", {"order_type": "repair", "limit": 2}).json()
    assert [r["number"] for r in first["rows"]] == numbers[:2]
    assert first["rows"][0]["next_clock"]["key"] == "R-2/urban"
    second = api.get("/api/v1/orders", {"order_type": "repair", "limit": 2,
                                        "cursor": first["next_cursor"]}).json()
    assert [r["number"] for r in second["rows"]] == numbers[2:] and second["next_cursor"] is None
    everything = api.get("/api/v1/orders", {"sort": "-accepted_at"}).json()["rows"]
    assert [r["number"] for r in everything] == [complaint["number"], *reversed(numbers)]
    outsider = make_staff("yunling_agent", province["other_city"], "agent")
    assert api_as(outsider).get("/api/v1/orders").json() == {"rows": [], "next_cursor": None}


@pytest.mark.parametrize(("params", "field"), [
    ({"order_type": "outage"}, "order_type"), ({"sort": "random"}, "sort"),
    ({"overdue": "maybe"}, "overdue"), ({"cursor": "not-a-cursor"}, "cursor"),
    ({"org": "NOPE"}, "org"), ({"scope": "world"}, "scope"),
])
def test_bad_list_filters_are_400_naming_the_parameter(api_as, params, field):
    response = api_as("agent").get("/api/v1/orders", params)
    assert response.status_code == 400
    assert list(response.json()["details"]) == [field]


def test_list_limit_out_of_range_is_422(api_as):
    response = api_as("agent").get("/api/v1/orders", {"limit": 1000})
    assert response.status_code == 422
    assert response.json()["details"] == {"limit": "必须小于等于 200"}


# ---------------------------------------------------------------- query counts


def test_read_query_count(api_as, django_assert_max_num_queries):
    api = api_as("agent")
    created = _create(api)
    with django_assert_max_num_queries(3):  # token (+roles), order (+org, customer...), clocks
        assert api.get(f"/api/v1/orders/{created['number']}").status_code == 200


def test_list_query_count_does_not_grow_with_rows(api_as, people, province, django_assert_max_num_queries):
    api = api_as("agent")
    for _i in range(6):
        services.order_create(order_type="consultation", channel="hotline", actor=people["agent"],
                              org=province["county"], title="咨询", detect_repeat=False)
    _create(api)
    # token (+roles), then orders.queries.order_queue's own: scope, page keys, page rows, next clocks
    with django_assert_max_num_queries(5):
        page = api.get("/api/v1/orders", {"limit": 25}).json()
    assert len(page["rows"]) == 7
