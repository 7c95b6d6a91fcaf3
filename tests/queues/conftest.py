"""Fixtures for queue, crew and storm tests: the `people` of tests/orders on the test province."""

from datetime import timedelta

import pytest
from django.utils import timezone

from griddesk.orders import services
from griddesk.orders.models import Category, OrderState, WorkOrder
from tests.orders.conftest import people  # noqa: F401  (re-exported fixture)

_seq = iter(range(1, 10**9))


@pytest.fixture
def make_order(province):
    """A work order written directly (test data, no workflow): for scope, filter and sort tests."""

    def make(*, org=None, order_type="consultation", state=OrderState.ACCEPTED, accepted_at=None, **fields):
        at = accepted_at or timezone.now() - timedelta(minutes=next(_seq) % 500)
        return WorkOrder.objects.create(
            number=f"T{next(_seq):010d}", order_type=order_type, channel="hotline", received_at=at,
            accepted_at=at, org=org or province["station"], state=state, **fields,
        )

    return make


@pytest.fixture
def categories(db):
    root = Category.objects.create(scheme="general", code="Q-ROOT", name="供电质量")
    child = Category.objects.create(scheme="general", code="Q-CHILD", name="电压低", parent=root)
    grandchild = Category.objects.create(scheme="general", code="Q-GRAND", name="夜间电压低", parent=child)
    other = Category.objects.create(scheme="general", code="Q-OTHER", name="服务态度")
    return {"root": root, "child": child, "grandchild": grandchild, "other": other}


@pytest.fixture
def repair(people, province):  # noqa: F811
    """A utility-side repair for the first customer: dispatched at once to crew C1 with R-2/urban."""

    def make(customer=None, **kwargs):
        return services.order_create(order_type="repair", channel="hotline", actor=people["agent"],
                                     customer=customer or province["customers"][0], title="家里停电",
                                     description="整栋楼停电，闻到焦糊味", fault_side="utility", **kwargs)

    return make


@pytest.fixture
def make_clock(db):
    """A running (or stopped/paused) SLA clock on an order, due at `due_at`."""

    def make(order, due_at, *, key="K-3/complaint", stopped=False, paused=False):
        from griddesk.orders.models import SlaClock

        started = due_at - timedelta(hours=1)
        return SlaClock.objects.create(
            order=order, key=key, rule=key.split("/")[0], label="测试时限", org=order.org,
            started_at=started, due_at=due_at, warn_at=started + timedelta(minutes=48),
            stopped_at=due_at if stopped else None, met=True if stopped else None,
            paused_since=started if paused else None,
        )

    return make
