"""Reads of the network (电网拓扑): supply paths and what lies below a device.

All of them ride on materialised paths (griddesk.paths): ancestors are read
off a path without a query, a subtree is one indexed range scan.
"""

from collections import Counter, defaultdict

from django.db.models import Sum

from griddesk.customers.models import Customer, ServedCount
from griddesk.grid.models import Device, DeviceKind
from griddesk.paths import SEGMENT, path_ids, subtree_q


def supply_path(*, transformer):
    """The supply path (供电路径) of a transformer: devices from its substation down to it. One query.

    Works for any device; rule C-9 shows the caller's path with the outages on it.
    """
    ids = path_ids(transformer.path) if transformer.path else []
    return list(Device.objects.filter(pk__in=ids).order_by("depth"))


def customer_supply_path(*, customer):
    """The supply path of a customer's transformer: one query if `customer.transformer` is loaded
    (select_related), two otherwise."""
    return supply_path(transformer=customer.transformer)


def customers_below(*, device):
    """Customers supplied through `device` (its own, if a transformer): one range scan on the
    transformers' paths, joined to the customers."""
    return Customer.objects.filter(subtree_q(device.path, "transformer__path"))


def customer_count_below(*, device):
    """How many customers are supplied through `device`: one query, summing the served counts of
    the transformers below it (customers/served.py) rather than counting the customers."""
    found = ServedCount.objects.filter(subtree_q(device.path, "transformer__path")).aggregate(n=Sum("customers"))
    return found["n"] or 0


def served_groups(*, org=None, zone=None):
    """[(transformer_id, zone, org_id, customers)]: the customers served, grouped, for customers of
    `org`'s subtree and of `zone` if given. One query over a few rows per transformer."""
    groups = ServedCount.objects.all()
    if org is not None:
        groups = groups.filter(subtree_q(org.path, "org__path"))
    if zone:
        groups = groups.filter(zone=zone)
    return list(groups.values_list("transformer_id", "zone", "org_id", "customers"))


def devices_below(*, device, kind=None):
    """The devices downstream of `device`, not counting itself, ordered by path (depth-first);
    only those of `kind` if given."""
    devices = Device.objects.filter(subtree_q(device.path)).exclude(pk=device.pk)
    if kind is not None:
        devices = devices.filter(kind=kind)
    return devices.order_by("path")


def customers_below_devices(groups, devices):
    """{device_id: Counter{(zone, org_id): customers}} for the devices in `devices` (None: all): the
    groups of each transformer added to every device on its path (one query for the paths)."""
    wanted = set(devices) if devices is not None else None
    by_transformer = defaultdict(list)
    for transformer_id, zone, org_id, n in groups:
        by_transformer[transformer_id].append((zone, org_id, n))
    below = defaultdict(Counter)
    paths = Device.objects.filter(kind=DeviceKind.TRANSFORMER).values_list("pk", "path")
    if len(by_transformer) < 900:
        paths = paths.filter(pk__in=list(by_transformer))
    for pk, path in paths.iterator(chunk_size=5000):
        rows = by_transformer.get(pk)
        if not rows:
            continue
        for i in range(0, len(path), SEGMENT):
            device = int(path[i:i + SEGMENT])
            if wanted is None or device in wanted:
                counter = below[device]
                for zone, org_id, n in rows:
                    counter[(zone, org_id)] += n
    return below
