"""Schemathesis against /api/v1/openapi.json (issue 8: "proven continuously").

Every operation of the schema is a test (`schema.parametrize()`), fed by Hypothesis with schema-valid
and schema-violating requests (both generation modes) and checked with every check that applies to
single requests: no server error, status codes, content types, response headers and bodies as the
schema declares them, schema-violating data refused, schema-valid data not refused as invalid,
missing authentication refused, unsupported methods answered 405. The token is a staff account with
every role but the auditor's, on a small province with orders of every kind; path parameters point
at those orders, customers and call outcomes as often as at unknown ones.

Bounded and reproducible: a fixed seed, derandomised, `MAX_EXAMPLES` per operation. CI runs it on
PostgreSQL through `make test`; it is marked `slow`, so the SQLite smoke subset of .ci/run leaves it out.

`positive_data_acceptance` also takes 400: a request that matches the schema may still name
something that does not exist or that the domain refuses (an unknown category code, harassment
without the caller's phone): that is `400 invalid` by contract (docs/api.md), not a schema problem.
A 422 for schema-valid data is a failure: it means the schema says less than the server checks.
"""

import itertools
from datetime import datetime, timedelta

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings

from griddesk.api.models import ApiToken
from griddesk.api.services import api_token_issue, call_outcome_record, token_digest
from griddesk.orders import services
from griddesk.orders.models import WorkOrder
from griddesk.orders.received import MAX_BACKDATE_DAYS
from griddesk.orgs.models import RoleCode
from griddesk.outages.models import OutageEvent

pytestmark = pytest.mark.slow

FUZZ_TOKEN = "gdk_schemathesis-only-in-tests-0000000000000"  # its digest is set on a token per test
MAX_EXAMPLES = 15
SEED = 95598


class DjangoApp:
    """Django as a WSGI app inside the test's transaction: like the test client, a request must not
    close the test's database connection (Django closes old connections at each request's end)."""

    def __init__(self):
        self.handler = WSGIHandler()

    def __call__(self, environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = self.handler(environ, start_response)
            body = b"".join(response)
            response.close()
            return [body]
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


CONFIG = schemathesis.Config.from_dict({
    "seed": SEED,
    "generation": {"mode": "all", "deterministic": True},
    "auth": {"openapi": {"TokenAuth": {"bearer": FUZZ_TOKEN}}},
    "checks": {"positive_data_acceptance": {
        "expected-statuses": ["2xx", "3xx", 400, 401, 403, 404, 409]}},
})
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", DjangoApp(), config=CONFIG)


@pytest.fixture
def seeded(people, province, make_staff):
    """The fuzzing account's token, and the numbers, accounts and ids that exist."""
    roles = [role for role in RoleCode.values if role != RoleCode.AUDITOR]
    boss = make_staff("fuzzer", province["root"], *roles, agent_no="95598777")
    token, _plaintext = api_token_issue(user=boss, name="schemathesis", actor=None)
    ApiToken.objects.filter(pk=token.pk).update(digest=token_digest(FUZZ_TOKEN))
    customers = province["customers"]
    orders = [
        services.order_create(order_type="repair", channel="hotline", actor=boss, customer=customers[0],
                              fault_side="utility", title="停电"),
        services.order_create(order_type="complaint", channel="hotline", actor=boss, customer=customers[1],
                              title="态度差"),
        services.order_create(order_type="application", channel="hall", actor=boss, customer=customers[2],
                              title="增容"),
        services.order_create(order_type="report", channel="website", actor=boss, org=province["county"],
                              title="举报", identity={"name": "匿名", "phone": "13900000000", "contact": ""}),
        services.order_create(order_type="consultation", channel="app", actor=boss, customer=customers[1],
                              title="电价"),
    ]
    outcome = call_outcome_record(outcome="harassment", caller_phone="13911112222", note="", actor=boss)
    OutageEvent.objects.create(code="FUZZ-OUT", kind="fault", device=province["switch"], org=province["station"],
                               cause="开关跳闸", starts_at=timezone.now() - timedelta(minutes=20), state="confirmed")
    return {"number": [o.number for o in orders], "account_no": [c.account_no for c in customers],
            "outcome_id": [outcome.pk], "phone": [c.phone for c in customers]}  # IVR: T1's callers are out


def _point_at_existing(case, seeded):
    """Half the time, a path parameter names something that exists (else nearly all would be 404),
    and then half the time an action carries the order's current version (else nearly all are 409)."""
    if not case.meta.generation.mode.is_positive:
        return
    for name, value in list((case.path_parameters or {}).items()):
        known = seeded.get(name)
        choice = len(str(value)) % (2 * len(known)) if known else len(known or ())
        if choice >= len(known or ()):
            continue
        case.path_parameters[name] = known[choice]
        body = case.body
        version = body.get("expected_version") if isinstance(body, dict) else None
        if name == "number" and isinstance(version, int) and version % 2 == 0:
            body["expected_version"] = WorkOrder.objects.get(number=known[choice]).version


def _received_within_k2(case):
    """`received_at` may lie at most 90 days back (K-2), a bound relative to now that no schema can
    state: a schema-valid case gets a date inside it (outside, 422 is right: test_hardening.py)."""
    body = case.body
    if not (case.meta.generation.mode.is_positive and isinstance(body, dict)
            and isinstance(body.get("received_at"), str)):
        return
    try:
        moment = datetime.fromisoformat(body["received_at"].replace("Z", "+00:00"))
    except ValueError:
        return
    now = timezone.now()
    if moment.tzinfo is not None and not now - timedelta(days=MAX_BACKDATE_DAYS - 1) <= moment <= now:
        body["received_at"] = (now - timedelta(hours=len(body["received_at"]))).isoformat()


_keys = itertools.count()


def _fresh_idempotency_key(case):
    """A key reused with another body is 422 `idempotency_mismatch` by design (the IETF draft on
    Idempotency-Key says so; test_orders_create.py): each schema-valid case gets a key of its own."""
    headers = case.headers or {}
    key = headers.get("Idempotency-Key")
    if case.meta.generation.mode.is_positive and isinstance(key, str):
        suffix = f"#{next(_keys)}"
        headers["Idempotency-Key"] = key[:100 - len(suffix)] + suffix


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, seeded):
    _point_at_existing(case, seeded)
    _received_within_k2(case)
    _fresh_idempotency_key(case)
    case.call_and_validate()

