"""Benchmark: the reliability report (rule Q-1) over a year of outages on a large province.

    DATABASE_URL=sqlite:///var/q_bench_1m.sqlite3 .venv/bin/python bench/bench_reliability.py \\
        --customers 1000000 --outages 100000

Reuses the province already in the database (build it with bench/bench_demo.py --fresh, or let this
script build it: `--customers N` when the database has no customers). Then makes sure the database
holds `--outages` restored outages with codes starting "BR" in the year before `--to` (bulk_create,
deterministic for `--seed`: 80% faults on transformers, switches and feeders, 15% planned, 5%
temporary; durations log-normal around 90 minutes, 8% momentary), and times
`quality.selectors.reliability_report` for that year: the first report of the process, then
`--repeat` times for the whole province, zone-filtered and with major event days left out, and the
report's three parts apart (the served counts the database keeps, customers/served.py; their roll-up
along the transformers' paths; the grouped outage query). Wall time and this process's CPU time
(the database's own CPU is in the wall time on SQLite, not on PostgreSQL). Nothing is asserted.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1000000, help="build this province if the database is empty")
    parser.add_argument("--outages", type=int, default=100000)
    parser.add_argument("--to", default="2026-11-30", help="last day of the year measured")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "griddesk.settings")
    import django

    django.setup()
    from django.db import connection

    from griddesk.customers.models import Customer
    from griddesk.grid.selectors import customers_below_devices, served_groups
    from griddesk.outages.models import OutageEvent
    from griddesk.quality.selectors import Period, outage_groups, reliability_report

    if not Customer.objects.exists():
        from griddesk.demo.services import build_demo_province

        started = time.perf_counter()
        build_demo_province(customers=args.customers, seed=args.seed, stdout=sys.stdout)
        print(f"province built: {time.perf_counter() - started:.1f} s")
    last = date.fromisoformat(args.to)
    first = last - timedelta(days=364)
    made = ensure_outages(args.outages, first, last, args.seed)
    customers = Customer.objects.count()
    outages = OutageEvent.objects.count()
    print(f"{connection.vendor}: {customers:,} customers, {outages:,} outages ({made:,} made now)")
    now = datetime.combine(last + timedelta(days=30), dtime(), tzinfo=local_zone())

    def timed(label, call, repeat):
        times, cpus = [], []
        for _ in range(repeat):
            started, cpu = time.perf_counter(), time.process_time()
            result = call()
            times.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
        print(f"{label:<34} wall median {statistics.median(times):.3f} s (min {min(times):.3f}, "
              f"max {max(times):.3f})  client CPU median {statistics.median(cpus):.3f} s")
        return result

    def report(**kwargs):
        return reliability_report(first=first, last=last, now=now, **kwargs)

    total = timed("report, first of the process", report, 1)["total"]
    print(f"{'':<34} SAIFI {total['saifi']:.3f} SAIDI {total['saidi']:.3f} h ASAI {total['asai_percent']:.4f}% "
          f"outages {total['outages']:,} customers {total['customers_served']:,}")
    timed("report (year)", report, args.repeat)
    timed("report (year, rural)", lambda: report(zone="rural"), args.repeat)
    timed("report (year, MED exclusion)", lambda: report(exclude_med=True), args.repeat)
    groups = timed("  part: served counts", served_groups, args.repeat)
    timed("  part: roll-up along the paths", lambda: customers_below_devices(groups, None), args.repeat)
    timed("  part: grouped outage query", lambda: outage_groups(Period(first, last), now=now), args.repeat)


def local_zone():
    from griddesk.quality.selectors import local_zone as zone

    return zone()


def ensure_outages(wanted, first, last, seed):
    """Make the "BR" outages number `wanted` (deleting a different number first); returns how many
    were made now."""
    from django.db import transaction

    from griddesk.csvimport import analyze
    from griddesk.grid.models import Device, DeviceKind
    from griddesk.outages.models import OutageEvent, OutageKind, OutageSource, OutageState

    existing = OutageEvent.objects.filter(code__startswith="BR").count()
    if existing == wanted:
        return 0
    started = time.perf_counter()
    rng = random.Random(f"{seed}:bench-reliability")
    devices = {kind: list(Device.objects.filter(kind=kind).values_list("pk", "org_id"))
               for kind in (DeviceKind.TRANSFORMER, DeviceKind.SWITCH, DeviceKind.FEEDER)}
    start = datetime.combine(first, dtime(), tzinfo=local_zone())
    seconds = int((datetime.combine(last + timedelta(days=1), dtime(), tzinfo=local_zone()) - start).total_seconds())
    with transaction.atomic():
        OutageEvent.objects.filter(code__startswith="BR").delete()
        batch = []
        for i in range(wanted):
            pick = rng.random()
            kind_of_device = (DeviceKind.TRANSFORMER if pick < 0.7 else DeviceKind.SWITCH if pick < 0.93
                              else DeviceKind.FEEDER)
            device, org = rng.choice(devices[kind_of_device])
            k = rng.random()
            kind = OutageKind.FAULT if k < 0.8 else OutageKind.PLANNED if k < 0.95 else OutageKind.TEMPORARY
            minutes = rng.uniform(1, 4) if rng.random() < 0.08 else min(rng.lognormvariate(4.5, 0.8), 48 * 60)
            at = start + timedelta(seconds=rng.randrange(seconds))
            batch.append(OutageEvent(code=f"BR{i:08d}", kind=kind, device_id=device, org_id=org, cause="bench",
                                     starts_at=at, restored_at=at + timedelta(minutes=minutes),
                                     state=OutageState.RESTORED, source=OutageSource.IMPORT))
            if len(batch) == 5000:
                OutageEvent.objects.bulk_create(batch)
                batch = []
        OutageEvent.objects.bulk_create(batch)
        analyze(OutageEvent)
    print(f"{wanted:,} outages written in {time.perf_counter() - started:.1f} s")
    return wanted


if __name__ == "__main__":
    main()
