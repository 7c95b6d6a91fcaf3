"""The network as the trouble-call analysis sees it (研判用电网), read from the database.

Devices in materialised-path order (parents first), with the number of customers supplied through
each; customers are looked up by account for the calls at hand only. Built for the 1,000,000-customer
province: one pass over the devices, the customers per transformer from the served counts
(customers/served.py), account look-ups in batches.
"""

from griddesk import fastsql
from griddesk.customers.models import Customer, ServedCount
from griddesk.grid.models import Device
from griddesk.outages.analysis import Network

ACCOUNT_BATCH = 900  # under SQLite's 999 parameters


def network_load():
    """The whole network as an analysis `Network` (device keys are Device primary keys): plain SQL,
    the customers per transformer from the counts the database keeps (customers/served.py: a few
    thousand rows, not a million customers) and one pass over the devices."""
    qn = fastsql.qn
    transformer = qn("transformer_id")
    counts = dict(fastsql.fetch(
        f"SELECT {transformer}, SUM({qn('customers')}) FROM {qn(ServedCount._meta.db_table)} GROUP BY {transformer}",
        []))
    rows = fastsql.fetch(f"SELECT id, {qn('parent_id')}, {qn('kind')}, {qn('device_id')} FROM "
                         f"{qn(Device._meta.db_table)} ORDER BY {qn('path')}", [])
    below = {}
    parent_of = {pk: parent for pk, parent, _kind, _device_id in rows}
    for pk, _parent, _kind, _device_id in reversed(rows):  # children before parents
        below[pk] = below.get(pk, 0) + counts.get(pk, 0)
        parent = parent_of[pk]
        if parent is not None:
            below[parent] = below.get(parent, 0) + below[pk]
    return Network((pk, parent, kind, device_id, below.get(pk, 0)) for pk, parent, kind, device_id in rows)


def customers_by_account(accounts):
    """{account_no: (customer pk, transformer pk)} for the accounts that exist: plain SQL in
    batches (a replay of 100,000 calls looks up as many accounts; the ORM's rows cost twice)."""
    accounts = sorted(set(accounts))  # neighbouring keys per batch: the index pages are read once
    table, account, transformer = (fastsql.qn(name) for name in (
        Customer._meta.db_table, Customer._meta.get_field("account_no").column,
        Customer._meta.get_field("transformer").column))
    found = {}
    for start in range(0, len(accounts), ACCOUNT_BATCH):
        batch = accounts[start:start + ACCOUNT_BATCH]
        sql = f"SELECT {account}, id, {transformer} FROM {table} WHERE {account} IN ({fastsql.marks(len(batch))})"
        for number, pk, supply in fastsql.fetch(sql, batch):
            found[number] = (pk, supply)
    return found
