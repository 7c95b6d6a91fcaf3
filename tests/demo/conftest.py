"""One demo province (2000 customers, seed 1) per test module, rolled back afterwards."""

import functools
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from griddesk.demo.customers import customer_rows, layout_customers
from griddesk.demo.history import Context, plan_calls, plan_orders
from griddesk.demo.network import plan_network
from griddesk.demo.province import plan_province, plan_staff
from griddesk.demo.sizes import orders_for, transformers_for
from griddesk.demo.testing import demo_province_for_tests

SMALL = 2000

# The leaf categories of orders migration 0003, as categories_by_type() reads them.
CATEGORIES = {
    "repair": [(c, "fault") for c in (
        "F-CI-BRK", "F-CI-WIRE", "F-HV-LINE", "F-HV-SW", "F-HV-TX", "F-LV-BOX", "F-LV-DROP", "F-LV-LINE",
        "F-MT-FAST", "F-MT-STOP", "F-NP", "F-PQ-FLK", "F-PQ-HIGH", "F-PQ-LOW")],
    "complaint": [("A1-ATT", "complaint"), ("A1-BE", "complaint"), ("A1-BILL", "complaint"),
                  ("A1-SAFE", "complaint"), ("A1-SQ", "complaint"), ("C14-BIZ", "complaint_2014")],
    "report": [("A1-ATT", "complaint"), ("A1-BILL", "complaint")],
}
NOW = datetime(2026, 3, 10, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@functools.cache
def make_plan(seed, customers=SMALL, *, now=NOW, days=90, orders=None):
    """Every pure plan of a province, as the builder makes them (no database)."""
    from griddesk.demo.services import history_start

    province = plan_province(seed, province_code="GD")
    staffing = plan_staff(seed, province, customers=customers)
    network = plan_network(seed, province, staffing, transformers=transformers_for(customers))
    layout = layout_customers(seed, network, customers)
    rows = list(customer_rows(seed, province, network, layout))
    calls = plan_calls(seed, layout, orders=orders_for(customers) if orders is None else orders, days=days)
    wanted = calls.customer_indexes()
    ctx = Context(province, staffing, network, layout, {r.index: r for r in rows if r.index in wanted},
                  CATEGORIES, {o.key: o.code for o in province.orgs}, {c.key: c.code for c in staffing.crews})
    start = history_start(now, days)
    orders = plan_orders(seed, calls.calls, ctx, start=start, now=now)
    return {"province": province, "staffing": staffing, "network": network, "layout": layout,
            "customers": rows, "calls": calls, "orders": orders, "start": start}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), demo_province_for_tests(customers=SMALL, seed=1) as summary:
        yield summary
