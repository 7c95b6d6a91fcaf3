"""Benchmark of `griddesk import topology` and `griddesk import customers`.

Generates a topology CSV (20 substations x 10 feeders x 5 switches x 2 fuses x 5 transformers:
13,220 devices, 10,000 transformers) and a customers CSV (200,000 rows by default) in a
temporary directory, then times, on an empty database:

  topology create, topology re-import (all unchanged),
  customers create, customers re-import (all unchanged), customers with 10% of rows changed.

Prints rows/second per step, the CPU time of this process (with PostgreSQL the server's work is
not in it; on a busy machine it is the steadier number) and the process's peak RSS so far.

    .venv/bin/python bench/bench_import.py                      # fresh SQLite file in the temp dir
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/bench_import.py
    .venv/bin/python bench/bench_import.py --customers 1000000 [--keep]

The database must be empty (it is migrated first); the script refuses to run on one with devices.
"""

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

SHAPE = {"substations": 20, "feeders": 10, "switches": 5, "fuses": 2, "transformers": 5}
ZONES = ("urban", "rural", "remote")


def write_topology(path):
    rows = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("device_id,kind,parent_id,name,zone\n")
        for s in range(SHAPE["substations"]):
            zone, sub = ZONES[s % 3], f"B{s:02d}"
            out.write(f"{sub},substation,,{sub}变电站,{zone}\n")
            rows += 1
            for f in range(SHAPE["feeders"]):
                feeder = f"{sub}F{f}"
                out.write(f"{feeder},feeder,{sub},10kV{feeder}线,{zone}\n")
                rows += 1
                for k in range(SHAPE["switches"]):
                    switch = f"{feeder}K{k}"
                    out.write(f"{switch},switch,{feeder},{switch}开关,{zone}\n")
                    rows += 1
                    for u in range(SHAPE["fuses"]):
                        fuse = f"{switch}U{u}"
                        out.write(f"{fuse},fuse,{switch},{fuse}熔断器,{zone}\n")
                        rows += 1
                        for t in range(SHAPE["transformers"]):
                            out.write(f"{fuse}T{t},transformer,{fuse},{fuse}T{t}台区,{zone}\n")
                            rows += 1
    return rows


def transformer_ids():
    for s in range(SHAPE["substations"]):
        for f in range(SHAPE["feeders"]):
            for k in range(SHAPE["switches"]):
                for u in range(SHAPE["fuses"]):
                    for t in range(SHAPE["transformers"]):
                        yield f"B{s:02d}F{f}K{k}U{u}T{t}", ZONES[s % 3]


def write_customers(path, count, *, changed_every=0):
    transformers = list(transformer_ids())
    voltages = ("220V", "220V", "220V", "380V", "10kV")
    with path.open("w", encoding="utf-8") as out:
        out.write("account_no,name,phone,address,transformer_id,supply_voltage,zone,important\n")
        for i in range(count):
            transformer, zone = transformers[i % len(transformers)]
            name = f"客户{i}"
            if changed_every and i % changed_every == 0:
                name += "（更名）"
            phone = f"139{i:08d}" if i % 10 else f"0531-{20000000 + i % 80000000}"
            out.write(f"{7000000000 + i},{name},{phone},测试市幸福路{i}号,{transformer},"
                      f"{voltages[i % 5]},{zone},{int(i % 97 == 0)}\n")


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def timed(label, rows, run):
    from griddesk.csvimport import ImportFailed

    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        result = run()
    except ImportFailed as failure:
        sys.exit("\n".join([str(failure), *failure.errors.lines()[:5]]))
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(f"{label:<32} {rows:>9,} rows {seconds:7.2f} s {rows / seconds:>8,.0f} rows/s "
          f"(this process's CPU {cpu:6.2f} s) peak RSS {peak_rss_mb():6.1f} MB "
          f"[{result.created} new, {result.updated} updated, {result.unchanged} unchanged]", flush=True)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (files, SQLite database)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="griddesk-bench-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ.setdefault("GRIDDESK_HOME", str(workdir))
    os.environ["DJANGO_SETTINGS_MODULE"] = "griddesk.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from griddesk.customers.importers import customers_import
    from griddesk.grid.importers import topology_import
    from griddesk.grid.models import Device

    call_command("migrate", verbosity=0)
    if Device.objects.exists():
        sys.exit("bench_import: the database already has devices; point DATABASE_URL at an empty one")

    topology = workdir / "topology.csv"
    devices = write_topology(topology)
    customers, changed = workdir / "customers.csv", workdir / "customers-changed.csv"
    write_customers(customers, args.customers)
    write_customers(changed, args.customers, changed_every=10)
    print(f"database: {connection.vendor}; files in {workdir}; customers.csv "
          f"{customers.stat().st_size / 1e6:.1f} MB; peak RSS before import {peak_rss_mb():.1f} MB")

    timed("topology: create", devices, lambda: topology_import(path=topology))
    timed("topology: re-import, unchanged", devices, lambda: topology_import(path=topology))
    timed("customers: create", args.customers, lambda: customers_import(path=customers))
    timed("customers: re-import, unchanged", args.customers, lambda: customers_import(path=customers))
    timed("customers: 10% of rows changed", args.customers, lambda: customers_import(path=changed))
    if not args.keep:
        connection.close()
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
