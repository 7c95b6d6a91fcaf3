"""Staff and helpers for the tamper-evidence tests (rule K-8): tampering as a database owner would."""

import pytest
from django.db import connection

from griddesk.audit.services import stream_of
from griddesk.orders import services
from griddesk.orgs.models import Crew


@pytest.fixture
def staff(province, make_staff):
    """An agent, a crew of one, a back office, a shift leader and a supervisor of the test province."""
    station = province["station"]
    crew = Crew.objects.create(code="C1", name="城关抢修一班", org=station)
    province["tx1"].crew = crew
    province["tx1"].save()
    lineman = make_staff("lineman", station, "repair_crew")
    crew.members.add(lineman)
    return {
        "agent": make_staff("agent", province["root"], "agent", agent_no="95598001"),
        "lineman": lineman,
        "crew": crew,
        "leader": make_staff("leader", province["root"], "shift_leader", agent_no="95598900"),
        "handler": make_staff("handler", province["county"], "back_office"),
        "supervisor": make_staff("supervisor", province["root"], "supervisor"),
    }


def repair(staff, province, customer=0):
    """A utility-side repair: created and dispatched at intake (version 1)."""
    return services.order_create(order_type="repair", channel="hotline", actor=staff["agent"],
                                 customer=province["customers"][customer], title="家里停电", fault_side="utility")


def crew_steps(order, staff, *steps):
    for step in steps:
        order = services.order_crew_step(order=order, actor=staff["lineman"], step=step)
    return order


def sql(statement, params=()):
    """Raw SQL, as someone with the database owner's rights would type it."""
    with connection.cursor() as cursor:
        cursor.execute(statement, list(params))
        return cursor.fetchall() if cursor.description else None


def order_erased(order):
    """Delete an order with everything that refers to it and its whole history (triggers lifted)."""
    from griddesk.notify.models import Message
    from griddesk.orders.models import ClockPause, Reminder, SlaClock

    ClockPause.objects.filter(clock__order=order).delete()
    SlaClock.objects.filter(order=order).delete()
    Reminder.objects.filter(order=order).delete()
    Message.objects.filter(order=order).delete()
    sql("DELETE FROM audit_auditevent WHERE stream = %s", [stream_of(order)])
    sql("DELETE FROM audit_audithead WHERE stream = %s", [stream_of(order)])
    sql("DELETE FROM orders_workorder WHERE id = %s", [order.pk])
