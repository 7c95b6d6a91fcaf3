"""A synthetic network built through the topology and customer imports, with every answer known.

3 substations x 4 feeders x (3 switches x 2 fuses x 5 transformers, plus 1 transformer straight
below the feeder): 495 devices, 372 transformers. Transformer number i (in generation order) has
i % 4 customers, so some have none. Rows are shuffled, so children often come before their
parents. Each substation is imported with its own org (`--org`), which every device and customer
below it must inherit.
"""

import random
from collections import defaultdict
from dataclasses import dataclass, field

import pytest

from griddesk.customers.importers import customers_import
from griddesk.grid.importers import topology_import
from griddesk.grid.models import Device
from griddesk.orgs.models import Org

ZONES = ["urban", "rural", "remote"]


@dataclass
class SyntheticNetwork:
    parent: dict = field(default_factory=dict)  # device_id -> parent device_id (None for substations)
    kind: dict = field(default_factory=dict)
    zone: dict = field(default_factory=dict)
    transformer_of: dict = field(default_factory=dict)  # account_no -> transformer device_id
    orgs: dict = field(default_factory=dict)  # substation device_id -> Org

    def add(self, device_id, kind, parent, zone):
        self.parent[device_id], self.kind[device_id], self.zone[device_id] = parent, kind, zone

    def chain(self, device_id):
        """device_ids from the substation down to `device_id`."""
        chain = []
        while device_id is not None:
            chain.append(device_id)
            device_id = self.parent[device_id]
        return chain[::-1]

    def substation_of(self, device_id):
        return self.chain(device_id)[0]

    def devices_below(self):
        """device_id -> set of the device_ids downstream of it."""
        below = {device_id: set() for device_id in self.parent}
        for other in self.parent:
            for ancestor in self.chain(other)[:-1]:
                below[ancestor].add(other)
        return below

    def accounts_below(self, device_id):
        return {a for a, t in self.transformer_of.items() if device_id in self.chain(t)}

    def count_below(self):
        counts = defaultdict(int)
        for transformer in self.transformer_of.values():
            for device_id in self.chain(transformer):
                counts[device_id] += 1
        return {device_id: counts[device_id] for device_id in self.parent}

    def device(self, device_id):
        return Device.objects.get(device_id=device_id)


def generate_network():
    network = SyntheticNetwork()
    transformers = []
    for s in range(3):
        sub = f"S{s}"
        network.add(sub, "substation", None, ZONES[s])
        for f in range(4):
            feeder = f"{sub}F{f}"
            network.add(feeder, "feeder", sub, ZONES[s])
            for k in range(3):
                switch = f"{feeder}K{k}"
                network.add(switch, "switch", feeder, ZONES[s])
                for u in range(2):
                    fuse = f"{switch}U{u}"
                    network.add(fuse, "fuse", switch, ZONES[s])
                    for t in range(5):
                        transformers.append(f"{fuse}T{t}")
                        network.add(transformers[-1], "transformer", fuse, ZONES[s])
            transformers.append(f"{feeder}T")
            network.add(transformers[-1], "transformer", feeder, ZONES[s])
    serial = 0
    for i, transformer in enumerate(transformers):
        for _ in range(i % 4):
            serial += 1
            network.transformer_of[f"3{serial:09d}"] = transformer
    return network


def topology_lines(network, substation, rng):
    rows = [
        f"{d},{network.kind[d]},{network.parent[d] or ''},设备{d},{network.zone[d]}"
        for d in network.parent if network.substation_of(d) == substation
    ]
    rng.shuffle(rows)
    return ["device_id,kind,parent_id,name,zone", *rows]


def customer_lines(network, rng):
    rows = [
        f"{account},客户{account[-4:]},139{account[-8:]},测试路{account[-4:]}号,{transformer},220V,"
        f"{network.zone[transformer]},{int(account.endswith('7'))}"
        for account, transformer in network.transformer_of.items()
    ]
    rng.shuffle(rows)
    return ["account_no,name,phone,address,transformer_id,supply_voltage,zone,important", *rows]


def write_lines(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture
def synthetic_network(db, tmp_path):
    network = generate_network()
    rng = random.Random(20261127)
    root = Org.objects.create(code="SYN", name="合成省公司", kind="province")
    for s, substation in enumerate(("S0", "S1", "S2")):
        org = Org.objects.create(code=f"SYN{s}", name=f"合成县公司{s}", kind="county", parent=root)
        network.orgs[substation] = org
        path = write_lines(tmp_path / f"topology-{substation}.csv", topology_lines(network, substation, rng))
        topology_import(path=path, root_org=org)
    customers_import(path=write_lines(tmp_path / "customers.csv", customer_lines(network, rng)))
    return network
