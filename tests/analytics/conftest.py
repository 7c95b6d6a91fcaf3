"""A hand-made month of service for the analytics tests: July 2026 in the test province, with six
months of complaint history before it (docs/analytics.md). Every figure the tests assert is counted
by hand in the docstring of `month`."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from griddesk.orders.models import Category, SlaClock, WorkOrder
from griddesk.orgs.models import Org
from griddesk.outages.models import OutageEvent

TZ = ZoneInfo("Asia/Shanghai")


def at(month, day, hour=10, minute=0, year=2026):
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


class Builder:
    def __init__(self):
        self.n = 0

    def order(self, order_type, org, accepted, **fields):
        self.n += 1
        return WorkOrder.objects.create(number=f"T{self.n:06d}", order_type=order_type, channel="hotline",
                                        received_at=accepted, accepted_at=accepted, org=org, **fields)

    def clock(self, order, key, minutes, *, taken=None, running=False, overdue=False):
        """A clock of `minutes` allowed, stopped after `taken` minutes (met if within), or running."""
        start = order.accepted_at
        due = start + timedelta(minutes=minutes)
        if running:
            due = datetime(2020, 1, 1, tzinfo=TZ) if overdue else datetime(2099, 1, 1, tzinfo=TZ)
            return SlaClock.objects.create(order=order, key=key, rule=key.split("/")[0], label=key, org=order.org,
                                           started_at=start, due_at=due, warn_at=due)
        stopped = start + timedelta(minutes=taken)
        return SlaClock.objects.create(order=order, key=key, rule=key.split("/")[0], label=key, org=order.org,
                                       started_at=start, due_at=due, warn_at=due, stopped_at=stopped,
                                       met=stopped <= due)


@pytest.fixture
def month(province, make_staff):
    """July 2026 in province P (city P01 > county P0101 > station P010101; city P02):

    complaints (July): c1 A1-ATT attitude tx1 satisfied, replied on time, to MKT (1 transfer);
      c2 A1-ATT skill tx1 dissatisfied, replied late, to MKT (2 transfers, 1 bounce);
      c3 A1-SQ no cause tx2, not visited, reply clock overdue;
      c4 C14-SVC attitude tx1 unreachable, reply clock running (not due);
      c5 A1-ATT attitude in P02, no customer, not visited.
    complaints before: one A1-ATT in the station each month Jan..Jun (no customer).
    repairs (July, station): r1 R-2/urban 30 of 45 min, R-1/restore-urban 120 of 240; r2 R-2/urban 60 of 45;
      r3 R-2/rural 80 of 90; r4 and r5 on outage O1, r4 a repeat of r1 (parent). Agent 95598001 took c1, r1.
    """
    p = province
    b = Builder()
    mkt = Org.objects.create(code="P0101-MKT", name="临河县营销部", kind="department", parent=p["county"])
    cat = {c.code: c for c in Category.objects.filter(code__in=["A1-ATT", "A1-SQ", "C14-SVC"])}
    tx1a, tx1b, tx2 = p["customers"]
    station = p["station"]
    c1 = b.order("complaint", station, at(7, 3), category=cat["A1-ATT"], customer=tx1a, cause="attitude",
                 satisfaction="satisfied", handling_org=mkt, transfer_count=1, agent_no="95598001")
    c2 = b.order("complaint", station, at(7, 5), category=cat["A1-ATT"], customer=tx1b, cause="skill",
                 satisfaction="dissatisfied", handling_org=mkt, transfer_count=2, bounce_count=1)
    c3 = b.order("complaint", station, at(7, 9), category=cat["A1-SQ"], customer=tx2)
    c4 = b.order("complaint", station, at(7, 20), category=cat["C14-SVC"], customer=tx1a, cause="attitude",
                 satisfaction="unreachable")
    c5 = b.order("complaint", p["other_city"], at(7, 28), category=cat["A1-ATT"], cause="attitude")
    b.clock(c1, "K-3/complaint", 7200, taken=600)
    b.clock(c2, "K-3/complaint", 7200, taken=9000)
    b.clock(c3, "K-3/complaint", 7200, running=True, overdue=True)
    b.clock(c4, "K-3/complaint", 7200, running=True)
    for m in range(1, 7):
        b.order("complaint", station, at(m, 15), category=cat["A1-ATT"])
    outage = OutageEvent.objects.create(code="O1", kind="fault", device=p["tx1"], org=station, cause="配变故障",
                                        starts_at=at(7, 12), state="restored")
    r1 = b.order("repair", station, at(7, 2), zone="urban", agent_no="95598001")
    r2 = b.order("repair", station, at(7, 4), zone="urban")
    r3 = b.order("repair", station, at(7, 6), zone="rural")
    r4 = b.order("repair", station, at(7, 12), zone="urban", outage=outage, parent=r1, call_count=2)
    r5 = b.order("repair", station, at(7, 12, 11), zone="urban", outage=outage)
    b.clock(r1, "R-2/urban", 45, taken=30)
    b.clock(r1, "R-1/restore-urban", 240, taken=120)
    b.clock(r2, "R-2/urban", 45, taken=60)
    b.clock(r3, "R-2/rural", 90, taken=80)
    return {**p, "mkt": mkt, "c": [c1, c2, c3, c4, c5], "r": [r1, r2, r3, r4, r5], "outage": outage,
            "categories": cat}


@pytest.fixture
def manager(province, make_staff):
    return make_staff("manager", province["root"], "manager")


@pytest.fixture
def supervisor(province, make_staff):
    return make_staff("supervisor", province["root"], "supervisor")
