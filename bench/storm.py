"""A synthetic storm to measure the trouble-call analysis (griddesk.outages.analysis).

Generates a network (substations, feeders, switches, fuses, transformers, customers), fails devices
at every level, lets a share of the affected customers call with realistic delays, adds noise (calls
about customer-internal faults and single-customer faults elsewhere), and scores a replay against
the ground truth: precision and recall of the predicted devices, crews dispatched per real fault.

    .venv/bin/python bench/storm.py                       # the grid of seeds × call rates, a table
    .venv/bin/python bench/storm.py --rate 0.2 --seed 3 --out var/storm   # also write the CSVs + truth
    .venv/bin/python bench/storm.py --score var/storm/replay.json --truth var/storm/truth.json

With --out it writes topology.csv, customers.csv, calls.csv (docs/formats.md) and truth.json, so the
same storm can be imported and replayed through the command line (`griddesk outages replay`).
"""

import argparse
import csv
import json
import math
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from griddesk.outages.analysis import Engine, Network, Params
from griddesk.outages.trouble_text import classify

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 7, 20, 14, 0, tzinfo=TZ)  # a typhoon's afternoon

UNKNOWN_TEXTS = ["家里停电了", "突然没电了", "停电了，什么时候来电", "家里没电了，请尽快处理", "刚才一下就停电了",
                 "没电了", "家里灯都不亮了", "停电了，冰箱里还有东西", "电突然断了", "请问是不是停电了"]
NETWORK_TEXTS = ["邻居家也没电", "整个小区都停电了", "路灯也灭了，整条街都停了", "周边都停电了", "隔壁也没电",
                 "听到变压器那边有爆炸声，然后就停电了", "电线杆那边线断了", "一片都停了"]
INTERNAL_TEXTS = ["总开关跳闸了，合不上", "只有我家没电，邻居有电", "漏保跳了", "空开跳了推不上去",
                  "插座冒火花后没电了", "家里跳闸了", "电表箱里的开关跳了"]


@dataclass
class Device:
    key: int
    parent: int | None
    kind: str
    device_id: str
    zone: str
    children: list = field(default_factory=list)
    customers: list = field(default_factory=list)  # customer indexes (transformers)


@dataclass(frozen=True)
class Call:
    id: str
    time: datetime
    customer: str
    description: str


def build_network(rng, customers_total):
    """Substations → feeders → (switches → (fuses →) transformers | transformers); customers on transformers."""
    devices = []

    def add(parent, kind, prefix, zone):
        device = Device(len(devices), parent.key if parent else None, kind, f"{prefix}{len(devices):06d}", zone)
        devices.append(device)
        if parent:
            parent.children.append(device.key)
        return device

    transformers = []
    while sum(len(t.customers) for t in transformers) < customers_total:
        zone = rng.choices(["urban", "rural", "remote"], [0.5, 0.4, 0.1])[0]
        sub = add(None, "substation", "SUB", zone)
        for _f in range(rng.randint(6, 14)):
            feeder = add(sub, "feeder", "F", zone)
            for _s in range(rng.randint(1, 4)):
                switch = add(feeder, "switch", "SW", zone)
                for _x in range(rng.randint(2, 8)):
                    transformers.append(add(switch, "transformer", "T", zone))
                if zone != "urban":
                    for _u in range(rng.randint(0, 3)):
                        fuse = add(switch, "fuse", "FU", zone)
                        for _x in range(rng.randint(1, 4)):
                            transformers.append(add(fuse, "transformer", "T", zone))
            for _x in range(rng.randint(0, 6)):
                transformers.append(add(feeder, "transformer", "T", zone))
            for t in transformers:
                if not t.customers:
                    size = rng.randint(40, 300) if t.zone == "urban" else rng.randint(15, 120)
                    t.customers = list(range(size))  # indexes filled below
    account, accounts = 0, {}
    for t in transformers:
        t.customers = [f"{9000000000 + account + i}" for i in range(len(t.customers))]
        for c in t.customers:
            accounts[c] = t.key
        account += len(t.customers)
    return devices, accounts


def subtree_customers(devices, key):
    stack, found = [key], []
    while stack:
        device = devices[stack.pop()]
        found.extend(device.customers)
        stack.extend(device.children)
    return found


def fail_devices(rng, devices, share):
    """Failed devices at every level, none below another: feeders, switches, fuses, transformers."""
    by_kind = {}
    for d in devices:
        by_kind.setdefault(d.kind, []).append(d)
    failed, blocked = [], set()
    for kind, fraction in [("feeder", 0.5), ("switch", 0.25), ("fuse", 0.1), ("transformer", 0.15)]:
        pool = by_kind.get(kind, [])
        count = max(1, round(len(by_kind["feeder"]) * share * fraction * (3 if kind == "transformer" else 1)))
        for d in rng.sample(pool, min(count, len(pool))):
            path, p = set(), d
            while p is not None:
                path.add(p.key)
                p = devices[p.parent] if p.parent is not None else None
            if path & blocked:
                continue
            failed.append(d)
            blocked |= set(_subtree_keys(devices, d.key)) | {d.key}
    return failed


def _subtree_keys(devices, key):
    stack, keys = [key], []
    while stack:
        k = stack.pop()
        keys.append(k)
        stack.extend(devices[k].children)
    return keys


def make_calls(rng, devices, accounts, failed, rate, *, noise_per_1000=1.5, span_minutes=180):
    """Affected customers call at `rate` with a long-tailed delay; noise calls come from everywhere."""
    calls, n = [], 0

    def call(t, customer, text):
        nonlocal n
        n += 1
        calls.append(Call(f"C{n:07d}", START + timedelta(seconds=t), customer, text))

    affected = set()
    for d in failed:
        fault_at = rng.uniform(0, span_minutes * 30)  # faults start in the first half of the span
        for customer in subtree_customers(devices, d.key):
            affected.add(customer)
            if rng.random() < rate:
                delay = min(rng.lognormvariate(math.log(600), 0.9), 4 * 3600)  # median 10 min
                text = rng.choices([UNKNOWN_TEXTS, NETWORK_TEXTS, INTERNAL_TEXTS], [0.8, 0.17, 0.03])[0]
                call(fault_at + delay, customer, rng.choice(text))
                if rng.random() < 0.1:  # calls again
                    call(fault_at + delay + rng.uniform(600, 3600), customer, "还没来电，催一下")
    others = [c for c in accounts if c not in affected]
    for _ in range(round(len(accounts) / 1000 * noise_per_1000)):
        customer = rng.choice(others)
        text = rng.choice(INTERNAL_TEXTS) if rng.random() < 0.6 else rng.choice(UNKNOWN_TEXTS)
        call(rng.uniform(0, span_minutes * 60), customer, text)
    calls.sort(key=lambda c: (c.time, c.id))
    return calls, affected


def network_of(devices):
    counts = {}
    for d in reversed(devices):
        counts[d.key] = len(d.customers) + sum(counts[c] for c in d.children)
    return Network((d.key, d.parent, d.kind, d.device_id, counts[d.key]) for d in devices)


def replay(network, accounts, calls, params=None):
    """The engine over the calls in time order: the same as `griddesk outages replay` (pure part)."""
    engine = Engine(network, params or Params())
    decisions = [engine.call(c, accounts[c.customer], classify(c.description)) for c in calls]
    engine.finish()
    return engine, decisions


def score(devices, accounts, failed, affected, engine, decisions, calls):
    net = engine.net
    # a prediction hits a fault when it puts out the very same customers (a feeder whose one child is a
    # switch is out exactly when the switch is: nothing in the calls can tell them apart)
    same = _equivalents(devices)
    truth = {same[d.key] for d in failed}
    predicted = {same[net.key[p.node]] for p in engine.predicted()}
    hit = truth & predicted
    crews = {}
    by_call = {c.id: c for c in calls}
    for p in engine.predicted():
        for cid in p.call_ids:
            crews.setdefault(p.crew, set()).add(cid)
    for item in engine.singles():
        if item.crew is not None:
            crews.setdefault(item.crew, set()).add(item.call.id)
    fault_of = {}
    for d in failed:
        for c in subtree_customers(devices, d.key):
            fault_of[c] = d.key
    serving = {crew for crew, ids in crews.items() if any(by_call[i].customer in fault_of for i in ids)}
    recalled_on_faults = engine.recalled
    called = {same[fault_of[c.customer]] for c in calls if c.customer in fault_of}
    return {
        "faults": len(truth), "faults_called": len(called), "predicted": len(predicted), "hits": len(hit),
        "precision": len(hit) / len(predicted) if predicted else 1.0,
        "recall": len(hit) / len(truth) if truth else 1.0,
        "recall_of_called": len(hit & called) / len(called) if called else 1.0,
        "crews_per_fault": (len(serving) + recalled_on_faults) / len(truth) if truth else 0.0,
        "crews": engine.crews, "recalled": engine.recalled,
        "singles": len(engine.singles()), "calls": len(calls),
    }


def _equivalents(devices):
    """device -> the highest device with the same customers (single-child chains collapse upwards)."""
    same = {}
    for d in devices:
        parent = devices[d.parent] if d.parent is not None else None
        if parent is not None and len(parent.children) == 1 and not parent.customers and parent.kind != "substation":
            same[d.key] = same[parent.key]
        else:
            same[d.key] = d.key
    return same


def storm(seed, rate, customers, fault_share):
    rng = random.Random(seed)
    devices, accounts = build_network(rng, customers)
    failed = fail_devices(rng, devices, fault_share)
    calls, affected = make_calls(rng, devices, accounts, failed, rate)
    return devices, accounts, failed, affected, calls


def write(out, devices, accounts, failed, calls):
    out.mkdir(parents=True, exist_ok=True)
    names = {"substation": "变电站", "feeder": "线", "switch": "开关", "fuse": "熔断器", "transformer": "台区"}
    with open(out / "topology.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["device_id", "kind", "parent_id", "name", "zone"])
        for d in devices:
            parent = devices[d.parent].device_id if d.parent is not None else ""
            w.writerow([d.device_id, d.kind, parent, f"{d.device_id}{names[d.kind]}", d.zone])
    with open(out / "customers.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["account_no", "name", "phone", "address", "transformer_id", "supply_voltage", "zone", "important"])
        for account, key in accounts.items():
            d = devices[key]
            w.writerow([account, f"客户{account[-4:]}", f"139{account[-8:]}", f"{d.device_id}台区{account[-4:]}号",
                        d.device_id, "220V", d.zone, 0])
    with open(out / "calls.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["call_id", "time", "account_no", "description"])
        for c in calls:
            w.writerow([c.id, c.time.isoformat(), c.customer, c.description])
    (out / "truth.json").write_text(json.dumps(
        {"failed": [{"device_id": d.device_id, "kind": d.kind} for d in failed]}, ensure_ascii=False, indent=1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--rate", type=float, action="append")
    parser.add_argument("--customers", type=int, default=60000)
    parser.add_argument("--fault-share", type=float, default=0.15, help="faults per feeder, roughly")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rates = args.rate or [0.2, 0.1, 0.05]
    seeds = [args.seed] if args.seed is not None else list(range(1, args.seeds + 1))
    print("rate  seed  faults called  pred  hits  precision  recall  recall(called)  crews/fault  calls  singles  s")
    for rate in rates:
        rows = []
        for seed in seeds:
            devices, accounts, failed, affected, calls = storm(seed, rate, args.customers, args.fault_share)
            if args.out:
                write(args.out, devices, accounts, failed, calls)
            started = time.perf_counter()
            engine, decisions = replay(network_of(devices), accounts, calls)
            seconds = time.perf_counter() - started
            s = score(devices, accounts, failed, affected, engine, decisions, calls)
            rows.append(s)
            print(f"{rate:4.2f}  {seed:4d}  {s['faults']:6d} {s['faults_called']:6d}  {s['predicted']:4d}"
                  f"  {s['hits']:4d}  {s['precision']:9.3f}  {s['recall']:6.3f}  {s['recall_of_called']:14.3f}"
                  f"  {s['crews_per_fault']:11.3f}  {s['calls']:5d}  {s['singles']:7d}  {seconds:.2f}")
        mean = {k: sum(r[k] for r in rows) / len(rows) for k in ("precision", "recall", "crews_per_fault")}
        worst = {k: min(r[k] for r in rows) for k in ("precision", "recall")}
        hits, faults, predicted = (sum(r[k] for r in rows) for k in ("hits", "faults", "predicted"))
        crews = sum(r["crews_per_fault"] * r["faults"] for r in rows)
        print(f"{rate:4.2f}  mean precision {mean['precision']:.3f} (min {worst['precision']:.3f}), recall "
              f"{mean['recall']:.3f} (min {worst['recall']:.3f}), crews/fault {mean['crews_per_fault']:.3f}"
              f" (max {max(r['crews_per_fault'] for r in rows):.3f}); all storms together: precision "
              f"{hits / predicted:.3f}, recall {hits / faults:.3f}, crews/fault {crews / faults:.3f}"
              f" ({faults} faults)")


if __name__ == "__main__":
    main()


def diagnose(devices, failed, engine):
    """Why each false prediction and missed fault: the nearest failed device above or below it."""
    truth = {d.key for d in failed}
    net = engine.net
    out = []
    for p in engine.predicted():
        key = net.key[p.node]
        if key in truth:
            continue
        above = next((k for k in _ancestors(devices, key) if k in truth), None)
        below = [k for k in _subtree_keys(devices, key) if k in truth]
        out.append(("false", devices[key].kind, "under failed " + devices[above].kind if above is not None
                    else f"above {len(below)} failed" if below else "unrelated", len(p.call_ids)))
    predicted = {net.key[p.node] for p in engine.predicted()}
    for d in failed:
        if d.key not in predicted:
            out.append(("missed", d.kind, len(subtree_customers(devices, d.key)), ""))
    return out


def _ancestors(devices, key):
    d = devices[key]
    while d.parent is not None:
        d = devices[d.parent]
        yield d.key
