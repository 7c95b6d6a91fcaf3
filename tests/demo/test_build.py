"""The demo province in a real database: shape, proportions, history, audit chains, numbering."""

import io
from collections import Counter

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F
from django.utils import timezone

from griddesk import settings as project_settings
from griddesk.audit.models import AuditEvent, AuditHead
from griddesk.audit.selectors import streams_missing_for_orders
from griddesk.audit.services import audit_verify
from griddesk.customers.models import Customer
from griddesk.demo.management.commands.demo import Command
from griddesk.demo.testing import demo_province_for_tests
from griddesk.grid.models import Device, DeviceKind
from griddesk.orders.models import OrderNumberCounter, OrderState, OrderType, SlaClock, WorkOrder
from griddesk.orders.services import order_create, order_number_next
from griddesk.orgs.models import Crew, Org, OrgKind, Role, RoleCode, Staff
from griddesk.outages.models import OutageEvent, StormDeclaration
from griddesk.paths import SEGMENT, segment

pytestmark = pytest.mark.django_db


def test_counts_match_the_summary(demo):
    counts = demo["counts"]
    assert counts["customers"] == Customer.objects.count() == 2000
    assert counts["transformers"] == Device.objects.filter(kind=DeviceKind.TRANSFORMER).count() == 250
    assert counts["orders"] == WorkOrder.objects.count() > 30
    # a chain per order, per outage the analysis predicted and per storm declaration (K-8)
    streams = counts["orders"] + OutageEvent.objects.exclude(source="plan").count() + StormDeclaration.objects.count()
    assert counts["audit_heads"] == AuditHead.objects.count() == streams
    assert counts["audit_events"] == AuditEvent.objects.count() > 3 * counts["orders"]
    assert demo["seconds"] > 0 and demo["peak_rss_mib"] > 0 and demo["db_bytes"] > 0


def test_org_tree_paths_are_those_paths_py_computes(demo):
    orgs = {o.pk: o for o in Org.objects.all()}
    assert Counter(o.kind for o in orgs.values())[OrgKind.PROVINCE] == 1
    assert Org.objects.get(kind=OrgKind.PROVINCE).code == settings.GRIDDESK_PROVINCE_CODE
    for org in orgs.values():
        expected = (orgs[org.parent_id].path if org.parent_id else "") + segment(org.pk)
        assert (org.path, org.depth) == (expected, len(expected) // SEGMENT - 1)
        assert org.path == org.compute_path()


def test_device_paths_are_those_paths_py_computes(demo):
    devices = {d.pk: d for d in Device.objects.all()}
    for device in devices.values():
        expected = (devices[device.parent_id].path if device.parent_id else "") + segment(device.pk)
        assert (device.path, device.depth) == (expected, len(expected) // SEGMENT - 1)


def test_every_role_has_staff_and_the_demo_password_works(demo, settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # tests/conftest.py makes MD5 the only one
    assert Staff.objects.values("password").distinct().count() == 1  # hashed once for all demo accounts
    staffed = set(Role.objects.filter(staff__isnull=False).values_list("code", flat=True))
    assert staffed == set(RoleCode.values)
    admin = Staff.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password("griddesk")
    agent = Staff.objects.get(username="agent1")
    assert agent.password == admin.password and agent.agent_no == "A1001" and agent.has_role("agent")
    assert str(agent) == f"{agent.first_name}（A1001）"


def test_every_station_has_a_crew_with_members_covering_its_transformers(demo):
    stations = Org.objects.filter(kind=OrgKind.STATION)
    assert stations.annotate(n=Count("crews")).filter(n=0).count() == 0
    assert Crew.objects.annotate(n=Count("members")).filter(n__lt=3).count() == 0
    transformers = Device.objects.filter(kind=DeviceKind.TRANSFORMER)
    assert transformers.filter(crew__isnull=True).count() == 0
    assert transformers.exclude(crew__org=F("org")).count() == 0
    assert transformers.exclude(org__kind=OrgKind.STATION).count() == 0


def test_customers_hang_on_a_transformer_of_their_own_org_and_zone(demo):
    customers = Customer.objects.all()
    assert customers.exclude(transformer__kind=DeviceKind.TRANSFORMER).count() == 0
    assert customers.exclude(org=F("transformer__org")).count() == 0
    assert customers.exclude(zone=F("transformer__zone")).count() == 0
    for customer in customers.select_related("org", "transformer__org")[:200]:
        assert customer.transformer.org.path.startswith(customer.org.path)  # same org subtree


def test_zone_mix_important_and_sensitive_customers(demo):
    zones = dict(Customer.objects.values_list("zone").annotate(n=Count("id")))
    assert set(zones) == {"urban", "rural", "remote"}
    assert Customer.objects.filter(important=True).count() >= 3
    assert Customer.objects.filter(sensitive=True).count() >= 1
    assert Customer.objects.filter(contacts__isnull=False).count() > 100


def test_orders_of_every_type_owned_by_agents_in_the_customers_org(demo):
    orders = WorkOrder.objects.select_related("owner", "customer", "category")
    assert set(orders.values_list("order_type", flat=True)) == set(OrderType.values)
    for order in orders:
        assert order.owner.has_role("agent")
        assert order.agent_no == order.owner.agent_no != ""  # rule C-4
        if order.customer_id:
            assert order.org_id == order.customer.org_id
            assert order.zone == order.customer.zone
        if order.category_id:
            assert order.category.applies_to(order.order_type)
        assert (order.closed_at is not None) == (order.state == OrderState.ARCHIVED)
        assert order.received_at <= order.accepted_at <= order.updated_at <= timezone.now()
    assert orders.filter(order_type=OrderType.REPAIR, category__isnull=True).count() == 0
    # the history is mostly archived; the backlog (demo.history.plan_backlog) is open by design
    assert 0.4 * orders.count() < orders.filter(state=OrderState.ARCHIVED).count() < 0.8 * orders.count()


def test_rule_K8_every_demo_order_has_an_intact_audit_chain(demo):
    checked, breaks = audit_verify()
    assert breaks == []
    assert checked == AuditEvent.objects.count()
    assert streams_missing_for_orders() == []
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    assert f"OK, {checked} events" in out.getvalue()
    order = WorkOrder.objects.filter(state=OrderState.ARCHIVED, outage__isnull=True).first()
    events = list(AuditEvent.objects.filter(stream=f"orders.workorder:{order.pk}").order_by("seq"))
    assert events[0].action == "order.created" and events[0].payload["number"] == order.number
    assert events[-1].action == "order.archive" and events[-1].payload["to"] == "archived"
    assert len(events) == order.version
    assert AuditHead.objects.get(stream=events[0].stream).hash == events[-1].hash


def test_order_numbers_are_gapless_per_day_and_the_counters_hold_the_last(demo):
    code = settings.GRIDDESK_PROVINCE_CODE
    by_day = {}
    for number, accepted_at in WorkOrder.objects.values_list("number", "accepted_at"):
        day = timezone.localdate(accepted_at)
        assert number[:len(code) + 8] == f"{code}{day:%Y%m%d}"
        by_day.setdefault(day, []).append(int(number[-6:]))
    counters = dict(OrderNumberCounter.objects.values_list("day", "last"))
    assert set(counters) == set(by_day)
    for day, sequence in by_day.items():
        assert sorted(sequence) == list(range(1, len(sequence) + 1))
        assert counters[day] == len(sequence)
    busiest = max(by_day, key=lambda d: len(by_day[d]))
    assert order_number_next(day=busiest) == f"{code}{busiest:%Y%m%d}{len(by_day[busiest]) + 1:06d}"


def test_a_new_order_today_continues_the_sequence(demo):
    today = timezone.localdate()
    prefix = f"{settings.GRIDDESK_PROVINCE_CODE}{today:%Y%m%d}"
    already = WorkOrder.objects.filter(number__startswith=prefix).count()
    agent = Staff.objects.get(username="agent1")
    customer = Customer.objects.order_by("pk").first()
    order = order_create(order_type=OrderType.CONSULTATION, channel="hotline", actor=agent, customer=customer,
                         title="咨询峰谷电价")
    assert order.number == f"{prefix}{already + 1:06d}"
    assert audit_verify()[1] == []


def test_sla_clocks_are_replayed_for_the_history(demo):
    assert demo["counts"]["clocks"] == SlaClock.objects.count() > 0
    repairs = SlaClock.objects.filter(key__startswith="R-2/")
    assert repairs.filter(met=True).count() > repairs.filter(met=False).count()  # rule R-2, mostly in time
    assert repairs.filter(stopped_at__isnull=False, met__isnull=True).count() == 0
    # An archived order has no clock left running (the sweeper would flag it as overdue).
    assert not SlaClock.objects.filter(order__state=OrderState.ARCHIVED, stopped_at__isnull=True).exists()
    running = SlaClock.objects.filter(stopped_at__isnull=True)
    assert running.count() == demo["counts"]["clocks_running"]
    dispatched = WorkOrder.objects.filter(order_type=OrderType.REPAIR).exclude(fault_side="customer_internal")
    assert dispatched.filter(clocks__isnull=True).count() == 0
    assert WorkOrder.objects.filter(ruleset_version__isnull=True).count() == 0


def test_if_empty_does_nothing_when_a_province_exists(demo):
    before = (Customer.objects.count(), WorkOrder.objects.count(), AuditEvent.objects.count())
    out = io.StringIO()
    call_command("demo", "--if-empty", "--customers", "50", stdout=out)
    assert "跳过" in out.getvalue()
    assert (Customer.objects.count(), WorkOrder.objects.count(), AuditEvent.objects.count()) == before


def test_refuses_a_non_empty_database_without_if_empty(demo):
    before = Customer.objects.count()
    with pytest.raises(CommandError, match="演示省只能装入空库") as refusal:
        call_command("demo", "--customers", "50", stdout=io.StringIO())
    assert "var/griddesk.sqlite3" in str(refusal.value)
    assert Customer.objects.count() == before


def test_nested_test_province_is_the_same_one(demo):
    with demo_province_for_tests(customers=2000, seed=1) as again:
        assert again is demo
    with pytest.raises(RuntimeError, match="already built"), demo_province_for_tests(customers=10, seed=1):
        pass


def test_summary_prints_counts_and_every_login(demo):
    out = io.StringIO()
    command = Command(stdout=out)
    command._print_summary(demo)
    text = out.getvalue()
    assert "密码均为 griddesk" in text
    for login in ("admin", "agent1 … agent20", "leader1", "dispatcher1", "crew1", "backoffice1", "visit1",
                  "supervisor1", "manager1", "auditor1"):
        assert login in text
    assert f"{2000:>10,}" in text
