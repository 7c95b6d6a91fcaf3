"""The analyser's batch attach (orders.services.orders_outage_attach): every order moved on and
audited with its version (rule K-8) in a constant number of audit queries; an order changed meanwhile
or with a reminder to settle goes the single way (K-6)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from griddesk.audit.models import AuditEvent
from griddesk.audit.services import stream_of
from griddesk.customers.models import Customer
from griddesk.orders import services
from griddesk.orders.models import WorkOrder
from griddesk.outages.models import OutageEvent


def _repairs(province, people, n, first=0):
    orders = []
    for i in range(first, first + n):
        customer = Customer.objects.create(account_no=f"20000000{i:02d}", name=f"客户{i}", phone=f"139000000{i:02d}",
                                           address="幸福路", transformer=province["tx1"], supply_voltage="220V",
                                           zone="urban", org=province["station"])
        orders.append(services.order_create(order_type="repair", channel="hotline", actor=people["agent"],
                                            customer=customer, title="家里停电", fault_side="utility"))
    return orders


def _outage(province):
    return OutageEvent.objects.create(code="YC-B1", kind="fault", device=province["switch"], cause="研判",
                                      starts_at=timezone.now(), state="predicted", source="analysis")


def test_rule_K8_a_batch_attach_versions_and_audits_every_order(province, people):
    orders = _repairs(province, people, 3)
    outage = _outage(province)  # predicted after the calls came in: they join it now
    versions = {o.pk: o.version for o in orders}
    services.orders_outage_attach(orders=orders, outage=outage, crew_id=None)
    for order in WorkOrder.objects.filter(pk__in=versions):
        assert order.outage_id == outage.pk and order.version == versions[order.pk] + 1
        event = AuditEvent.objects.filter(stream=stream_of(order)).order_by("-seq").first()
        assert (event.action, event.payload["version"], event.payload["outage"]) == (
            "order.outage_attached", order.version, "YC-B1")


def test_a_batch_attach_costs_the_same_audit_queries_for_more_orders(province, people):
    small, large = _repairs(province, people, 2), _repairs(province, people, 6, first=10)
    outage = _outage(province)

    def audit_queries(orders):
        with CaptureQueriesContext(connection) as captured:
            services.orders_outage_attach(orders=orders, outage=outage, crew_id=None)
        return sum("audit_" in q["sql"] for q in captured.captured_queries)

    assert audit_queries(small) == audit_queries(large)


def test_an_order_changed_meanwhile_is_read_again_and_attached_at_its_new_version(province, people):
    orders = _repairs(province, people, 2)
    outage = _outage(province)
    stale = WorkOrder.objects.get(pk=orders[0].pk)
    WorkOrder.objects.filter(pk=stale.pk).update(version=stale.version + 5)  # moved on by someone else
    services.orders_outage_attach(orders=[stale, orders[1]], outage=outage, crew_id=None)
    fresh = WorkOrder.objects.get(pk=stale.pk)
    assert fresh.outage_id == outage.pk and fresh.version == orders[0].version + 6
    event = AuditEvent.objects.filter(stream=stream_of(fresh)).order_by("-seq").first()
    assert event.payload["version"] == fresh.version
