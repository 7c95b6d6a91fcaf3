"""The desk items on the demo province (issue 9). Item 3: no picker repeats a label. Item 7: only the
actions the workflow allows are offered: on the demo province, for
every kind of order (type, state, fault side, paid service, visit wanted) and every role, each action
the order page offers (`available_transitions`, the same check `transition_for` makes for the
service) is carried out by its service with valid input: none refused for a precondition ("开具发票"
offered on a free utility-side repair, then refused, was the bug). Each try is rolled back."""

import re
from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse

from griddesk.console.actions import ACTIONS
from griddesk.console.selectors import forward_targets
from griddesk.customers.models import Customer
from griddesk.demo.testing import demo_province_for_tests
from griddesk.orders import disclosure, services
from griddesk.orders.models import ComplaintCause, FaultSide, OrderType, PaidService, PayMethod, Satisfaction, WorkOrder
from griddesk.orders.workflows import TransitionRefused, available_transitions
from griddesk.orgs.models import Org, Role, RoleCode, Staff

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), demo_province_for_tests(customers=2000, seed=1) as summary:
        yield summary


class _Rollback(Exception):
    pass


def _kinds():
    """One order of each kind the demo holds: (type, state, fault side, paid-service step, visit)."""
    paid = {p.order_id: p for p in PaidService.objects.all()}
    seen = {}
    for order in WorkOrder.objects.select_related("customer", "org", "handling_org", "crew").order_by("pk"):
        p = paid.get(order.pk)
        step = None if p is None else (bool(p.consent_at), bool(p.paid_at), bool(p.invoice_no))
        seen.setdefault((order.order_type, order.state, order.fault_side, step, order.visit_wanted), order)
    return list(seen.values())


def _data(order, user):
    department = next((org for org in forward_targets(user)
                       if org.pk != order.handling_org_id and not disclosure.org_accused(org, order)), None)
    return {"note": "现场情况已记录", "at": None, "guidance": "请检查漏电开关", "consent_by": "客户本人",
            "lines": [{"item": "更换开关", "material": "空气开关", "quantity": "1", "unit_price": "80"}],
            "method": PayMethod.CASH, "reference": "R1", "invoice_no": "INV-0001", "department": department,
            "reason": "客户要求", "findings": "经核实属实", "cause": ComplaintCause.ATTITUDE, "responsibility": "",
            "evidence": None, "reply": "已向客户说明", "satisfaction": Satisfaction.SATISFIED,
            "answer": "已答复客户", "phone": "13800009999", "delay_reason": "客户资料补充"}


def _try(order, user, action, *, keep=False):
    """Run `action` as the order page would; rolled back unless `keep`. The refusal, or None."""
    _form, run = ACTIONS[action]
    fresh = WorkOrder.objects.select_related("customer", "org", "handling_org", "crew").get(pk=order.pk)
    try:
        with transaction.atomic():
            run(fresh, user, _data(fresh, user), fresh.version)
            if not keep:
                raise _Rollback
    except _Rollback:
        pass
    except (TransitionRefused, PermissionDenied, ValidationError) as error:
        return str(error)
    return None


def _offered(order, users):
    order = WorkOrder.objects.select_related("customer", "org", "handling_org", "crew").get(pk=order.pk)
    return [(user, t) for user in users if disclosure.order_readable(order, user)
            for t in available_transitions(order, user)]


def _walk(order, users, refused, seen, walked):
    """From the order's state, try every offered action (rolled back), then take one not taken from
    this state yet and go on, until archived or nothing is left: every state the workflow reaches."""
    taken = set()
    for _step in range(40):
        offered = _offered(order, users)
        state = WorkOrder.objects.get(pk=order.pk).state
        for user, transition in offered:
            seen.add((order.order_type, state, transition.action))
            error = _try(order, user, transition.action)
            if error:
                refused.append((order.number, order.order_type, state, user.username, transition.action, error))
        forward = [(u, t) for u, t in offered if (state, t.action) not in taken
                   and t.action not in ("transfer_to_leader", "bounce")]
        if not forward:
            return
        # the step earlier walks took least from this state: walks of the same kind take other branches
        kind = (order.order_type, order.fault_side, state)
        user, transition = min(forward, key=lambda pair: walked[(*kind, pair[1].action)])
        taken.add((state, transition.action))
        walked[(*kind, transition.action)] += 1
        if _try(order, user, transition.action, keep=True):
            return


def test_every_offered_action_is_accepted_by_its_service(demo):
    root = Org.objects.get(parent__isnull=True)
    users = []
    for code in RoleCode.values:
        user = Staff.objects.create_user(username=f"desk7_{code}", password="x", org=root, agent_no=f"D7{len(users)}")
        user.roles.set(Role.objects.filter(code=code))
        users.append(user)
    agent = users[RoleCode.values.index(RoleCode.AGENT)]
    # a customer each, with no open order (a second call about an open matter becomes its child, A-4)
    busy = WorkOrder.objects.exclude(state="archived").exclude(customer=None).values("customer_id")
    customers = iter(Customer.objects.filter(transformer__crew__isnull=False).exclude(pk__in=busy).order_by("pk"))
    starts = _kinds()  # the demo's orders, one of each kind, as they are
    for order_type in OrderType.values:  # and a fresh one of every type and fault side, from the start
        # the paid-service branches (guide, quote, consent, pay, invoice) need the most walks
        sides = [FaultSide.UTILITY, ""] * 2 + [FaultSide.CUSTOMER_INTERNAL] * 6 if order_type == OrderType.REPAIR \
            else [""] * 3
        for side in sides:
            starts.append(services.order_create(
                order_type=order_type, channel="hotline", actor=agent, customer=next(customers), title="测试",
                fault_side=side, identity={"name": "举报人", "phone": "13900000000"}
                if order_type == OrderType.REPORT else None))
    refused, seen, walked = [], set(), Counter()
    for order in starts:
        _walk(order, users, refused, seen, walked)
    assert refused == []
    states = {(t, s) for t, s, _a in seen}
    assert len(seen) > 60 and len(states) > 30, (len(seen), len(states))
    offered_actions = {a for _t, _s, a in seen}
    assert {"invoice", "pay", "quote", "consent", "archive", "visit", "reply", "energise"} <= offered_actions


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_no_picker_of_intake_queue_storm_or_actions_repeats_a_label_on_the_demo_province(demo):
    """Desk item 3: ~160 units (a dozen 城关供电所), ~550 people with repeated names."""
    root = Org.objects.get(parent__isnull=True)
    leader = Staff.objects.create_user(username="desk3_leader", password="x", org=root, agent_no="D3L")
    leader.roles.set(Role.objects.filter(code__in=[RoleCode.SHIFT_LEADER, RoleCode.AGENT]))
    names = list(Org.objects.values_list("name", flat=True))
    assert max(names.count(n) for n in names) >= 5  # the demo's repeated unit names
    client = _client(leader)
    pages = {"intake": client.get(reverse("console:order_new") + "?type=complaint"),
             "queue": client.get(reverse("console:queues:queue") + "?f=1&scope=org&state=open"),
             "storm": client.get(reverse("console:queues:storm"))}
    busy = WorkOrder.objects.exclude(state="archived").exclude(customer=None).values("customer_id")
    complaint = services.order_create(order_type="complaint", channel="hotline", actor=leader, title="态度差",
                                      customer=Customer.objects.exclude(pk__in=busy).first())
    pages["order"] = client.get(reverse("console:order", args=[complaint.number]))
    wanted = {"intake": ["category", "accused"], "queue": ["state", "category", "org", "assignee"],
              "storm": ["org"], "order": ["forward-department", "accuse-org"]}
    sizes = {}
    for page, selects in wanted.items():
        html = pages[page].content.decode()
        assert pages[page].status_code == 200, page
        for name in selects:
            labels = select_labels(html, name)
            sizes[(page, name)] = len(labels)
            assert [label for label in set(labels) if labels.count(label) > 1] == [], (page, name)
    assert sizes[("queue", "org")] > 100 and sizes[("queue", "assignee")] > 100 and sizes[("intake", "accused")] > 100


def select_labels(html, name):
    found = re.search(r'<select[^>]*name="' + re.escape(name) + r'"[^>]*>(.*?)</select>', html, re.S)
    assert found, name
    return [label.replace("\u3000", "").strip() for label in re.findall(r"<option[^>]*>(.*?)</option>",
                                                                        found.group(1), re.S)]
