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
    # repeat check, number, order, created event + head, rule-set version, storms, clock,
    # covering crew, dispatch update, dispatch event, head update
    assert len(statements) <= 12, "\n".join(statements)


def test_create_a_complaint_in_a_bounded_number_of_statements(people, province):
    agent = people["agent"]
    services.order_create(order_type="complaint", channel="hotline", actor=agent, customer=province["customers"][1])
    _order, statements = _count(lambda: services.order_create(
        order_type="complaint", channel="hotline", actor=agent, customer=province["customers"][0]))
    assert len(statements) <= 7, "\n".join(statements)
