"""Benchmark: replay a storm of trouble calls over the province in the database (issue 10).

Fails devices of the real network (feeders, switches, fuses, transformers; none below another)
until enough customers are out for `--calls` calls at `--rate`, writes the calls CSV
(docs/formats.md) and the truth, then times `griddesk outages replay FILE --json` as an operator runs
it (a fresh process: Django start, reading and checking the file, the network, the engine) and
scores its predictions like bench/storm.py.

    DATABASE_URL=sqlite:///var/h_storm_bench.sqlite3 .venv/bin/python bench/bench_replay.py --calls 100000

Build the province first: `bench/bench_demo.py --customers 1000000 --fresh` with the same URL.
"""

import argparse
import csv
import json
import math
import os
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from storm import INTERNAL_TEXTS, NETWORK_TEXTS, UNKNOWN_TEXTS  # noqa: E402

START = datetime(2026, 7, 20, 14, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=0.25, help="share of the customers out who call")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench-replay")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "griddesk.settings")
    import django

    django.setup()
    from griddesk.customers.models import Customer
    from griddesk.grid.models import Device

    rng = random.Random(args.seed)
    started = time.perf_counter()
    devices = {pk: (parent, kind, device_id) for pk, parent, kind, device_id in
               Device.objects.values_list("pk", "parent_id", "kind", "device_id")}
    children = {}
    for pk, (parent, _kind, _d) in devices.items():
        children.setdefault(parent, []).append(pk)
    accounts = {}
    for account, transformer in Customer.objects.values_list("account_no", "transformer_id").iterator(chunk_size=20000):
        accounts.setdefault(transformer, []).append(account)
    print(f"network: {len(devices)} devices, {sum(map(len, accounts.values()))} customers "
          f"({time.perf_counter() - started:.1f} s to read for the generator)")
    failed, calls = storm(rng, devices, children, accounts, args.calls, args.rate)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "calls.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["call_id", "time", "account_no", "description"])
        for n, (moment, account, text) in enumerate(calls, start=1):
            writer.writerow([f"B{n:07d}", moment.isoformat(), account, text])
    (args.out / "truth.json").write_text(json.dumps({"failed": [devices[pk][2] for pk in failed]}))
    print(f"storm: {len(failed)} failed devices, {len(calls)} calls -> {path}")
    started = time.perf_counter()
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "griddesk"), "outages", "replay", str(path), "--json"],
                          capture_output=True, text=True, check=True)
    wall = time.perf_counter() - started
    result = json.loads(done.stdout)
    predicted = {row["device_id"] for row in result["predicted_outages"]}
    truth = {devices[pk][2] for pk in failed}
    hits = predicted & truth
    print(f"replay: {wall:.2f} s wall (the command, start to end), {result['seconds']:.2f} s in the analysis "
          f"(network, known outages, classification, engine); {len(result['predicted_outages'])} predicted, "
          f"{len(hits)} of {len(truth)} failed devices found exactly"
          f" (precision {len(hits) / max(len(predicted), 1):.3f}, recall {len(hits) / max(len(truth), 1):.3f}),"
          f" {result['crews_dispatched']} crews")


def storm(rng, devices, children, accounts, wanted, rate):
    """Failed devices (any level, none below another) until `wanted` calls are expected at `rate`."""
    def below(pk):
        stack, found = [pk], []
        while stack:
            k = stack.pop()
            found.extend(accounts.get(k, ()))
            stack.extend(children.get(k, ()))
        return found

    def ancestors(pk):
        while pk is not None:
            yield pk
            pk = devices[pk][0]

    candidates = [pk for pk, (_p, kind, _d) in devices.items() if kind in ("feeder", "switch", "fuse", "transformer")]
    rng.shuffle(candidates)
    weights = {"feeder": 0.5, "switch": 0.25, "fuse": 0.1, "transformer": 0.15}
    failed, out, calls = [], set(), []
    taken = set()
    for pk in candidates:
        if len(calls) >= wanted:
            break
        if rng.random() > weights[devices[pk][1]] or set(ancestors(pk)) & taken:
            continue
        subtree = below(pk)
        if not subtree or out.intersection(subtree):
            continue
        failed.append(pk)
        taken.add(pk)
        out.update(subtree)
        fault_at = rng.uniform(0, 3 * 3600)
        for account in subtree:
            if rng.random() < rate:
                delay = min(rng.lognormvariate(math.log(600), 0.9), 4 * 3600)
                pool = rng.choices([UNKNOWN_TEXTS, NETWORK_TEXTS, INTERNAL_TEXTS], [0.8, 0.17, 0.03])[0]
                calls.append((START + timedelta(seconds=fault_at + delay), account, rng.choice(pool)))
    calls.sort()
    return failed, calls


if __name__ == "__main__":
    main()
