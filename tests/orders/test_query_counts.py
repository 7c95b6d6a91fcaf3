"""Order create is the national-peak hot path: its statements are counted (issue 4, performance)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from griddesk.orders import services


def _count(callable_):
    with CaptureQueriesContext(connection) as captured:
        result = callable_()
    return result, [q["sql"] for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


def test_create_and_dispatch_a_repair_in_a_bounded_number_of_statements(people, province):
    agent, customer = people["agent"], province["customers"][0]
    # warm per-process caches (rule-set deadlines, calendar) as a running server has them
    services.order_create(order_type="repair", channel="hotline", actor=agent, customer=province["customers"][1])
    agent.role_codes()
    _order, statements = _count(lambda: services.order_create(
        order_type="repair", channel="hotline", actor=agent, customer=customer, fault_side="utility"))
    # reads: repeat check, storms, an outage on the path (C-9), covering crew (C-8), its members;
    # the rule set is cached; writes: number, order (already dispatched), both events in one insert, head, clock,
    # the crew's pages (SMS and console messages in one insert, docs/notify.md)
    assert len(statements) == 11, "\n".join(statements)


def test_create_a_complaint_in_a_bounded_number_of_statements(people, province):
    agent = people["agent"]
    services.order_create(order_type="complaint", channel="hotline", actor=agent, customer=province["customers"][1])
    _order, statements = _count(lambda: services.order_create(
        order_type="complaint", channel="hotline", actor=agent, customer=province["customers"][0]))
    assert len(statements) == 6, "\n".join(statements)  # repeat check; number, order, event, head, clock


def test_the_first_write_comes_after_every_read(people, province):
    """The day's number counter is locked from its UPDATE to the commit: keep that span short."""
    agent = people["agent"]
    services.order_create(order_type="repair", channel="hotline", actor=agent, customer=province["customers"][1])
    _order, statements = _count(lambda: services.order_create(
        order_type="repair", channel="hotline", actor=agent, customer=province["customers"][0]))
    first_write = next(i for i, sql in enumerate(statements) if not sql.startswith("SELECT"))
    assert all(not sql.startswith("SELECT") for sql in statements[first_write:])
    assert "ordernumbercounter" in statements[first_write]
