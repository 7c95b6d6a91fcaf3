"""Benchmark: build the demo province and report time, peak memory and database size.

    DATABASE_URL=sqlite:///var/h_demo_bench.sqlite3 \\
        .venv/bin/python bench/bench_demo.py --customers 1000000 --fresh --verify

--fresh recreates the database named in DATABASE_URL first (SQLite: deletes the file;
PostgreSQL: DROP and CREATE DATABASE) and runs `griddesk migrate` in a separate
process, so the figures are the build's alone. It refuses a database whose name
does not contain "bench", so it cannot wipe a real one by accident.
--verify also times `audit verify` over the whole history (rule K-8).
"""

import argparse
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fresh", action="store_true", help="recreate and migrate the database first")
    parser.add_argument("--verify", action="store_true", help="also time audit verify")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "griddesk.settings")
    url = os.environ.get("DATABASE_URL", "")
    if args.fresh:
        recreate(url)
        migrate_started = time.perf_counter()
        subprocess.run([str(ROOT / ".venv" / "bin" / "griddesk"), "migrate", "--noinput", "-v0"], check=True)
        print(f"migrate: {time.perf_counter() - migrate_started:.1f} s")

    import django

    django.setup()
    from django.db import connection

    from griddesk.demo.services import build_demo_province

    summary = build_demo_province(customers=args.customers, seed=args.seed, stdout=sys.stdout)
    verify_seconds = None
    if args.verify:
        from griddesk.audit.services import audit_verify

        started = time.perf_counter()
        checked, breaks = audit_verify()
        verify_seconds = time.perf_counter() - started
        print(f"audit verify: {checked:,} events, {len(breaks)} breaks, {verify_seconds:.1f} s")
        if breaks:
            sys.exit(1)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime  # this process only; less sensitive to a busy machine
    counts = summary["counts"]
    print(f"\ncustomers {counts['customers']:,}  transformers {counts['transformers']:,}  "
          f"devices {counts['devices']:,}  staff {counts['staff']:,}  orders {counts['orders']:,}  "
          f"audit events {counts['audit_events']:,}  clocks {counts['clocks']:,}")
    print(f"build {summary['seconds']:.1f} s (process CPU {cpu:.1f} s), peak RSS {peak:.0f} MiB, "
          f"database {summary['db_bytes'] / 2**20:,.1f} MiB ({connection.vendor})")
    stages = ", ".join(f"{name} {s['seconds']:.1f}" + (f" ({s['cpu']:.1f})" if s["cpu"] is not None else "")
                       for name, s in summary["stages"].items())
    print(f"stages, wall s (this process's CPU s): {stages}")
    verify = f"{verify_seconds:.1f} s" if verify_seconds is not None else "—"
    print("\nRESULTS.md row:")
    print(f"| {date.today()} | {connection.vendor} | {args.customers:,} | {summary['seconds']:.1f} s "
          f"| {cpu:.1f} s "
          f"| {peak:.0f} MiB | {summary['db_bytes'] / 2**20:,.0f} MiB | {counts['orders']:,} "
          f"| {counts['audit_events']:,} | {verify} | {platform.machine()}, {os.cpu_count()} cores |")


def recreate(url):
    import dj_database_url

    config = dj_database_url.parse(url)
    name = str(config["NAME"])
    if "bench" not in Path(name).name:
        sys.exit(f"--fresh refuses database {name!r}: its name must contain 'bench'")
    if config["ENGINE"].endswith("sqlite3"):
        for suffix in ("", "-wal", "-shm"):
            Path(name + suffix).unlink(missing_ok=True)
        return
    import psycopg

    server = {key.lower(): config[key] or None for key in ("HOST", "PORT", "USER", "PASSWORD")}
    with psycopg.connect(**server, dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    main()
