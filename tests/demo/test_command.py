"""`griddesk demo` on an empty database: arguments, output, and queries that do not grow with size."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from griddesk.audit.services import audit_verify
from griddesk.customers.models import Customer
from griddesk.demo.services import build_demo_province
from griddesk.orders.models import WorkOrder
from griddesk.orgs.models import Org

pytestmark = pytest.mark.django_db


def test_command_builds_prints_progress_summary_and_logins():
    out = io.StringIO()
    call_command("demo", "--customers", "300", "--seed", "7", stdout=out)
    text = out.getvalue()
    assert Customer.objects.count() == 300
    for stage in ("单位", "人员", "班组", "设备", "客户", "工单", "时限"):
        assert f"  {stage}" in text
    assert "内存峰值" in text and "MiB" in text
    assert "admin" in text and "agent1 … agent20" in text and "griddesk" in text
    assert audit_verify()[1] == []


def test_bad_arguments_are_refused_and_nothing_is_written():
    with pytest.raises(CommandError, match="客户数必须是"):
        call_command("demo", "--customers", "0", stdout=io.StringIO())
    with pytest.raises(CommandError, match="历史天数"):
        call_command("demo", "--customers", "10", "--days", "0", stdout=io.StringIO())
    with pytest.raises(CommandError, match="工单数不能为负数"):
        call_command("demo", "--customers", "10", "--orders", "-1", stdout=io.StringIO())
    assert Org.objects.count() == 0


def test_if_empty_builds_into_an_empty_database():
    call_command("demo", "--if-empty", "--customers", "100", stdout=io.StringIO())
    assert Customer.objects.count() == 100
    out = io.StringIO()
    call_command("demo", "--if-empty", "--customers", "100", stdout=out)
    assert "跳过" in out.getvalue()
    assert Customer.objects.count() == 100


def _queries(customers):
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        build_demo_province(customers=customers, orders=0)
        transaction.set_rollback(True)
    return len(captured.captured_queries)


def test_build_makes_no_query_per_customer(django_assert_max_num_queries):
    """Customers stream in batches: 300 or 3000 of them cost the same number of queries."""
    assert _queries(300) == _queries(3000)
    # 78: the 60 of the province and its history, plus the bills (billing: in batches sized to the
    # customers'), the year of call records and counter tickets (demo/analytics.py: the halls, then the
    # rows in batches of 5,000) and the supply-quality stage (quality.demo: each table in one statement);
    # fixed, not per customer
    with django_assert_max_num_queries(78), transaction.atomic():
        build_demo_province(customers=3000, orders=0)
        transaction.set_rollback(True)


def test_tiny_province_with_many_orders():
    """One customer and a hundred orders: no bursts possible, every order still on that customer."""
    summary = build_demo_province(customers=1, orders=100)
    assert summary["counts"]["customers"] == 1
    assert summary["faults"] == 0
    assert audit_verify()[1] == []


def _storm_snapshot(now):
    """What the storms and the analysis left, built at `now` (rolled back)."""
    from griddesk.outages.models import OutageEvent, TroubleCall

    with transaction.atomic():
        build_demo_province(customers=600, seed=3, now=now)
        snapshot = (
            list(OutageEvent.objects.order_by("code").values_list("code", "state", "calls", "device__device_id",
                                                                  "crew__code", "merged_into__code")),
            list(TroubleCall.objects.order_by("call_id").values_list("call_id", "decision", "signal", "outage__code")),
            list(WorkOrder.objects.order_by("number").values_list("number", "state", "version", "crew__code",
                                                                  "outage__code")),
        )
        transaction.set_rollback(True)
    return snapshot


def test_storms_and_backlog_are_the_same_for_a_seed_and_a_moment():
    from django.utils import timezone

    now = timezone.now()
    first = _storm_snapshot(now)
    assert first == _storm_snapshot(now)
    outages, calls, orders = first
    assert any(state == "active" for _c, state, *_rest in outages)  # the feeder in progress
    assert sum(1 for *_x, outage in calls if outage) > 10
    assert sum(1 for *_x, outage in orders if outage) == sum(1 for *_x, outage in calls if outage)
