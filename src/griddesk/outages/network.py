"""The network as the trouble-call analysis sees it (研判用电网), read from the database.

Devices in materialised-path order (parents first), with the number of customers supplied through
each; customers are looked up by account for the calls at hand only. Built for the 1,000,000-customer
province: one pass over the devices, one grouped count of customers, account look-ups in batches.
"""

from django.db.models import Count

from griddesk.customers.models import Customer
from griddesk.grid.models import Device
from griddesk.outages.analysis import Network

ACCOUNT_BATCH = 900  # under SQLite's 999 parameters


def network_load():
    """The whole network as an analysis `Network` (device keys are Device primary keys)."""
    counts = dict(Customer.objects.values_list("transformer_id").annotate(n=Count("id")).order_by())
    rows = list(Device.objects.order_by("path").values_list("pk", "parent_id", "kind", "device_id"))
    below = {}
    parent_of = {pk: parent for pk, parent, _kind, _device_id in rows}
    for pk, _parent, _kind, _device_id in reversed(rows):  # children before parents
        below[pk] = below.get(pk, 0) + counts.get(pk, 0)
        parent = parent_of[pk]
        if parent is not None:
            below[parent] = below.get(parent, 0) + below[pk]
    return Network((pk, parent, kind, device_id, below.get(pk, 0)) for pk, parent, kind, device_id in rows)


def customers_by_account(accounts):
    """{account_no: (customer pk, transformer pk)} for the accounts that exist."""
    accounts = list(dict.fromkeys(accounts))
    found = {}
    for start in range(0, len(accounts), ACCOUNT_BATCH):
        batch = accounts[start:start + ACCOUNT_BATCH]
        for account, pk, transformer in Customer.objects.filter(account_no__in=batch).values_list(
            "account_no", "pk", "transformer_id"
        ):
            found[account] = (pk, transformer)
    return found
