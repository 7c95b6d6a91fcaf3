"""Shared by the import tests: the CSV headers and a snapshot of everything an import may touch."""

from griddesk.audit.models import AuditEvent
from griddesk.customers.models import Contact, Customer, ServedCount
from griddesk.grid.models import Device

TOPOLOGY_HEADER = "device_id,kind,parent_id,name,zone"
CUSTOMERS_HEADER = "account_no,name,phone,address,transformer_id,supply_voltage,zone,important"


def db_state():
    """Every imported table, row by row, plus the size of the audit history."""
    return {
        "devices": list(Device.objects.order_by("pk").values_list(
            "pk", "device_id", "kind", "parent_id", "name", "zone", "org_id", "path", "depth",
        )),
        "customers": list(Customer.objects.order_by("pk").values_list(
            "pk", "account_no", "name", "phone", "address", "transformer_id", "supply_voltage", "zone",
            "important", "org_id", "updated_at",
        )),
        "contacts": Contact.objects.count(),
        "served": sorted(ServedCount.objects.values_list("transformer_id", "zone", "org_id", "customers"),
                         key=lambda row: (row[0], row[1], row[2] or 0)),
        "audit_events": AuditEvent.objects.count(),
    }
