"""Whatever is thrown at the API, the answer is JSON with a code and never a 500 (issue 4)."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from griddesk.api.routers.actions import ACTION_NAMES
from griddesk.orders.models import WorkOrder
from tests.api.conftest import repair_body

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children,
                                                                        max_size=3),
    max_leaves=8,
)
FIELDS = [*repair_body(), "received_at", "org", "category", "identity", "anonymous", "caller_phone",
          "application_kind", "expected_version", "lines", "at", "crew", "department"]
bodies = st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6) | json_values
raw_bodies = st.binary(max_size=60)
segments = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/?#%"),
                   min_size=1, max_size=20)

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


def _check(response):
    assert response.status_code < 500, response.content[:500]
    data = json.loads(response.content)
    assert set(data) == {"code", "message", "details"} or response.status_code < 300


@pytest.fixture
def fuzz_order(api_as):
    api = api_as("agent")
    order = api.post("/api/v1/orders", repair_body()).json()
    return api, order["number"]


def test_random_order_bodies_never_500(fuzz_order):
    api, _number = fuzz_order

    @FUZZ
    @given(body=bodies)
    def run(body):
        _check(api.post("/api/v1/orders", body))

    run()


def test_random_bytes_never_500(fuzz_order):
    api, number = fuzz_order

    @FUZZ
    @given(raw=raw_bodies, action=st.sampled_from(ACTION_NAMES))
    def run(raw, action):
        _check(api.post("/api/v1/orders", raw=raw.decode("latin-1")))
        _check(api.post(f"/api/v1/orders/{number}/actions/{action}", raw=raw.decode("latin-1")))

    run()


def test_random_action_bodies_never_500(fuzz_order):
    api, number = fuzz_order

    @FUZZ
    @given(action=st.sampled_from([*ACTION_NAMES, "reminders", "identity"]), body=bodies,
           version=st.sampled_from([1, 2, 3]) | st.integers())
    def run(action, body, version):
        if isinstance(body, dict):
            body = {**body, "expected_version": version}
        path = f"actions/{action}" if action in ACTION_NAMES else action
        _check(api.post(f"/api/v1/orders/{number}/{path}", body))

    run()


def test_random_paths_and_query_strings_never_500(fuzz_order):
    api, _number = fuzz_order

    @FUZZ
    @given(segment=segments, params=st.dictionaries(
        st.sampled_from(["q", "limit", "cursor", "sort", "state", "order_type", "org", "overdue",
                         "due_within_hours", "category", "scope", "customer", "pending"]),
        st.text(max_size=40), max_size=4))
    def run(segment, params):
        for url in ("/api/v1/orders", "/api/v1/callers", "/api/v1/outages", "/api/v1/calls/outcomes",
                    f"/api/v1/orders/{segment}", f"/api/v1/customers/{segment}",
                    f"/api/v1/customers/{segment}/outages"):
            _check(api.get(url, params))

    run()
    assert WorkOrder.objects.count() >= 1


def test_unexpected_errors_are_logged_and_answered_as_json(api_as, monkeypatch, caplog):
    from griddesk.api.routers import orders

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(orders, "order_for", broken)
    response = api_as("agent").get("/api/v1/orders/GD1")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error" and "boom" not in response.content.decode()
    assert any("unhandled API error" in r.message for r in caplog.records)


@pytest.mark.parametrize(("method", "url", "payload"), [
    ("get", "/api/v1/orders/GD%00", None),
    ("get", "/api/v1/callers?q=138%0000", None),
    ("post", "/api/v1/orders", '{"order_type": "repair", "channel": "hotline", "title": "a\\u0000b"}'),
])
def test_nul_characters_are_400_not_a_database_error(api_as, method, url, payload):
    api = api_as("agent")
    response = api.get(url) if method == "get" else api.post(url, raw=payload)
    assert response.status_code == 400
    assert response.json()["message"] == "请求中含有不允许的空字符（NUL, \\u0000）。"
