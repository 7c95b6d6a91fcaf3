"""The confidentiality fixtures (rules K-7, K-9): a staff member of every role, inside and outside
the accused unit, and the three matters a probe tried: a report, an anonymous complaint and a
named complaint forwarded to the department it is about."""

import pytest

from griddesk.orders import services
from griddesk.orgs.models import RoleCode
from tests.orders.conftest import people  # noqa: F401  (re-exported fixture)

ROLES = [code for code in RoleCode.values]
# The person behind each matter, with strings no page may show where the rules forbid it.
REPORTER = {"name": "钱七七", "phone": "13911112222", "contact": "微信 qq7777"}


@pytest.fixture
def staff(province, people, make_staff):  # noqa: F811
    """Every role twice: `outside` (not in the accused unit) and `accused` (in the county's
    营销部, the unit the matters are about); the crew role sits in the accused station's crew."""
    marketing = people["marketing"]
    outside, accused = {}, {}
    for code in ROLES:
        home = province["county"] if code in (RoleCode.DISPATCHER, RoleCode.REPAIR_CREW) else province["root"]
        outside[code] = make_staff(f"out_{code}", home, code, agent_no=f"O{ROLES.index(code)}")
        accused[code] = make_staff(f"acc_{code}", marketing, code, agent_no=f"A{ROLES.index(code)}")
    people["crew"].members.add(outside[RoleCode.REPAIR_CREW])
    return {"outside": outside, "accused": accused}


@pytest.fixture
def matters(province, people):  # noqa: F811
    """(report, anonymous complaint, named complaint forwarded to the accused 营销部)."""
    agent, marketing = people["agent"], people["marketing"]
    alice, bob, carol = province["customers"]
    report = services.order_create(
        order_type="report", channel="hotline", actor=agent, customer=alice, title="抄表员收受好处",
        caller_name=alice.name, caller_phone=alice.phone, identity=REPORTER, accused=[marketing])
    anonymous = services.order_create(
        order_type="complaint", channel="website", actor=agent, customer=bob, title="营业员态度恶劣",
        caller_name=bob.name, caller_phone=bob.phone, anonymous=True, accused=[marketing])
    named = services.order_create(
        order_type="complaint", channel="hotline", actor=agent, customer=carol, title="抄表估抄",
        caller_name=carol.name, caller_phone=carol.phone, accused=[marketing])
    named = services.order_forward(order=named, actor=agent, department=marketing)
    return {"report": report, "anonymous": anonymous, "named": named,
            "persons": {"report": alice, "anonymous": bob, "named": carol}}
