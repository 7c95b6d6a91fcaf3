"""Benchmark of order creation through the REST API: gunicorn + PostgreSQL, load from wrk.

Target (issue 4): >= 700 creates/s with p99 <= 100 ms on the 2-core machine, PostgreSQL on the
same machine, on the 1,000,000-customer demo province.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/demo1m_bench .venv/bin/python bench/bench_api.py --province demo
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_api .venv/bin/python bench/bench_api.py   # small province
    ... --seconds 30 --connections 32 --workers 2 --threads 16 [--no-group-commit]
    ... --province demo --in-process 1000    # one create at a time, no HTTP: latency and CPU per create

`--province demo` uses a database built by `griddesk demo` (1M customers: `--customers 1000000`)
and its agent `agent1`; customers are drawn at random among those without an open repair.
`--province bench` (default) builds, idempotently, a small province: one city, a substation,
feeders and transformers with a repair crew, and as many customers as the run needs.

Every request is a utility-side repair dispatched at once (the heaviest create) for a different
customer (so rule A-4 does not turn them into cheap child orders), with its own Idempotency-Key.
gunicorn runs threaded workers, as `griddesk serve` does, so creates in one process share
transactions (orders/batching.py); wrk (Debian's package, C) generates the load from the same
2 cores with little CPU of its own. After the run the script checks, in the database, that every
201 is an order, that the day's numbers have no gap, and the audit chains of the new orders.
"""

import argparse
import http.client
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CUSTOMER_BASE = 8_000_000_000


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "griddesk.settings")
    import django

    django.setup()


def setup_demo(count):
    """A token of the demo's agent1 and `count` random customers with no open repair."""
    _django()
    from django.db import connection

    from griddesk.api.services import api_token_issue
    from griddesk.orders.models import OPEN_STATES
    from griddesk.orgs.models import Staff

    agent = Staff.objects.filter(username="agent1").first()
    if agent is None:
        raise SystemExit("no agent1: build the demo province first (griddesk demo --customers 1000000)")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT account_no FROM customers_customer c TABLESAMPLE SYSTEM (20) WHERE NOT EXISTS ("
            " SELECT 1 FROM orders_workorder o WHERE o.customer_id = c.id AND o.order_type = 'repair'"
            " AND o.state = ANY(%s)) ORDER BY random() LIMIT %s", [list(OPEN_STATES), count])
        accounts = [row[0] for row in cursor.fetchall()]
    if len(accounts) < count:
        raise SystemExit(f"only {len(accounts)} customers sampled; need {count}")
    _token, plaintext = api_token_issue(user=agent, name="bench", actor=None)
    return plaintext, accounts


def setup(customers):
    """Bench data and a token; returns (token, [account numbers])."""
    _django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from griddesk.api.services import api_token_issue
    from griddesk.customers.models import Customer
    from griddesk.grid.models import Device
    from griddesk.orgs.models import Crew, Org, Role, Staff

    root, _ = Org.objects.get_or_create(code="BENCH", defaults={"name": "压测省公司", "kind": "province"})
    city, _ = Org.objects.get_or_create(code="BENCH01", defaults={"name": "压测市公司", "kind": "city",
                                                                   "parent": root})
    crew, _ = Crew.objects.get_or_create(code="BENCH-C1", defaults={"name": "压测抢修班", "org": city})
    sub, _ = Device.objects.get_or_create(device_id="BENCH-SUB", defaults={
        "kind": "substation", "name": "压测变", "zone": "urban", "org": city})
    transformers = []
    for f in range(10):
        feeder, _ = Device.objects.get_or_create(device_id=f"BENCH-F{f}", defaults={
            "kind": "feeder", "parent": sub, "name": f"压测线{f}", "zone": "urban", "org": city, "crew": crew})
        for t in range(10):
            tx, _ = Device.objects.get_or_create(device_id=f"BENCH-T{f}-{t}", defaults={
                "kind": "transformer", "parent": feeder, "name": f"压测台区{f}-{t}", "zone": "urban",
                "org": city})
            transformers.append(tx)
    have = Customer.objects.filter(account_no__startswith="8").count()
    Customer.objects.bulk_create([
        Customer(account_no=str(CUSTOMER_BASE + i), name=f"压测客户{i}", phone=f"139{i:08d}",
                 address=f"压测路{i}号", transformer=transformers[i % len(transformers)],
                 supply_voltage="220V", zone="urban", org=city)
        for i in range(have, customers)
    ], batch_size=5000)
    agent = Staff.objects.filter(username="bench_agent").first()
    if agent is None:
        agent = Staff.objects.create_user(username="bench_agent", password=uuid.uuid4().hex, org=city,
                                          agent_no="95598999")
        agent.roles.set(Role.objects.filter(code="agent"))
    _token, plaintext = api_token_issue(user=agent, name="bench", actor=None)
    accounts = [str(CUSTOMER_BASE + i) for i in range(customers)]
    return plaintext, accounts


def start_gunicorn(port, workers, threads, group_commit):
    command = [str(ROOT / ".venv/bin/gunicorn"), "griddesk.wsgi:application", "-b", f"127.0.0.1:{port}",
               "--config", "python:griddesk.gunicorn_conf",
               "-k", "gthread", "-w", str(workers), "--threads", str(threads), "--log-level", "warning",
               "--backlog", "2048"]
    env = dict(os.environ, DEBUG="0", GRIDDESK_GROUP_COMMIT="1" if group_commit else "0")
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/openapi.json")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not start within 30 s")


def start_analyser():
    """`griddesk outages analyse` as `griddesk serve` runs it: it reads the new repair orders every 2 s."""
    return subprocess.Popen([str(ROOT / ".venv/bin/griddesk"), "outages", "analyse"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, start_new_session=True)


def wrk(port, token, accounts, run_id, seconds, connections, threads=2):
    """Run wrk with bench/create_orders.lua; returns its figures as a dict."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(accounts))
    env = dict(os.environ, GD_TOKEN=token, GD_ACCOUNTS=handle.name, GD_RUN=run_id, GD_THREADS=str(threads))
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
               "-s", str(ROOT / "bench/create_orders.lua"), f"http://127.0.0.1:{port}"]
    try:
        output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(handle.name)
    figures = {"statuses": Counter()}
    for line in output.splitlines():
        parts = line.split()
        if parts[:1] == ["status"]:
            figures["statuses"][int(parts[1])] += int(parts[2])
        elif len(parts) == 2 and parts[0].startswith(("latency_", "requests", "seconds")):
            figures[parts[0]] = float(parts[1])
    return figures


def _cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu(server):
    """CPU seconds so far of gunicorn's workers and of the database's other backends, by pid."""
    from django.db import connection

    workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                       " AND pid <> pg_backend_pid()")
        backends = [row[0] for row in cursor.fetchall()]
    return ({pid: _cpu_seconds(pid) for pid in workers}, {pid: _cpu_seconds(pid) for pid in backends})


def cpu_spent(before, after):
    return [sum(after[i].get(pid, 0) - before[i].get(pid, 0) for pid in after[i]) for i in (0, 1)]


def check(run_id, statuses):
    """Every 201 of the run is an order with a clock and a verified audit chain; numbers gapless."""
    from django.db.models import Max, Min

    from griddesk.api.models import IdempotencyRecord
    from griddesk.audit.services import audit_verify
    from griddesk.orders.models import OrderNumberCounter, SlaClock, WorkOrder

    records = IdempotencyRecord.objects.filter(key__startswith=run_id + "-")
    created = records.count()
    orders = WorkOrder.objects.filter(pk__in=records.values("order_id"))
    clocks = SlaClock.objects.filter(order__in=orders).count()
    print(f"check: {created} orders for {statuses.get(201, 0)} answers 201; {clocks} clocks")
    for counter in OrderNumberCounter.objects.order_by("-day")[:1]:
        day = WorkOrder.objects.filter(number__startswith=f"GD{counter.day:%Y%m%d}").aggregate(
            low=Min("number"), high=Max("number"))
        today = WorkOrder.objects.filter(number__startswith=f"GD{counter.day:%Y%m%d}").count()
        print(f"check: {counter.day}: {today} orders, numbers {day['low']} .. {day['high']}, counter {counter.last}"
              f" -> {'gapless' if today == counter.last == int(day['high'][-6:]) else 'GAPS'}")
    began = time.perf_counter()
    checked, breaks = audit_verify()
    print(f"check: audit verify {checked} events, {len(breaks)} breaks ({time.perf_counter() - began:.1f} s)")


def in_process(token, accounts, count):
    """`count` creates one after another through the Django test client (no HTTP, no batching):
    latency of a single create, statements, and CPU per create of this process and of PostgreSQL."""
    import json
    import statistics

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client, run_id = Client(), "inproc-" + uuid.uuid4().hex[:8]

    def create(i):
        body = json.dumps({"order_type": "repair", "channel": "hotline", "customer": accounts[i],
                           "title": "家里停电", "fault_side": "utility"})
        response = client.post("/api/v1/orders", data=body, content_type="application/json",
                               headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"{run_id}-{i}"})
        assert response.status_code == 201, response.content

    for i in range(20):  # warm the caches and the prepared statements
        create(i)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    with CaptureQueriesContext(connection) as captured:
        create(20)
    statements = len(captured)  # now: the next request's start clears the log
    latencies = []
    cpu, pg = time.process_time(), _cpu_seconds(backend)
    for i in range(21, 21 + count):
        began = time.perf_counter()
        create(i)
        latencies.append((time.perf_counter() - began) * 1000)
    cpu, pg = (time.process_time() - cpu) / count * 1000, (_cpu_seconds(backend) - pg) / count * 1000
    ordered = sorted(latencies)
    print(f"in process, one at a time ({count} creates, GRIDDESK_GROUP_COMMIT=0): p50 "
          f"{statistics.median(ordered):.1f} ms, p99 {ordered[int(0.99 * len(ordered)) - 1]:.1f} ms; "
          f"{statements} statements with BEGIN and COMMIT; CPU per create: this process {cpu:.2f} ms, "
          f"PostgreSQL {pg:.2f} ms (load average {os.getloadavg()[0]:.1f})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--province", choices=["bench", "demo"], default="bench")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (wrk -c)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=16, help="gunicorn threads per worker")
    parser.add_argument("--no-group-commit", action="store_true", help="each order in its own transaction")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--customers", type=int, default=60000, help="customers to draw requests from")
    parser.add_argument("--analyser", action="store_true",
                        help="run the live outage analysis (griddesk outages analyse) beside the server, as serve does")
    parser.add_argument("--without-outage-lookup", action="store_true",
                        help="baseline for issue 10: intake skips the look-up of a covering outage")
    parser.add_argument("--in-process", type=int, default=0, metavar="N",
                        help="instead: N creates one at a time in this process (latency, statements, CPU)")
    args = parser.parse_args(argv)
    if args.in_process:
        os.environ["GRIDDESK_GROUP_COMMIT"] = "0"
    sys.path.insert(0, str(ROOT / "src"))
    print(f"database: {os.environ.get('DATABASE_URL', '(default SQLite)')}")
    warm = 2000
    if args.province == "demo":
        token, accounts = setup_demo(args.customers + warm)
    else:
        token, accounts = setup(args.customers + warm)
    if args.in_process:
        if args.without_outage_lookup:
            from griddesk.orders import services

            services.outage_covering = lambda **_kw: None  # the create as it was before issue 10
        return in_process(token, accounts, min(args.in_process, len(accounts) - 21))
    group_commit = not args.no_group_commit
    server = start_gunicorn(args.port, args.workers, args.threads, group_commit)
    analyser = start_analyser() if args.analyser else None
    run_id = "bench-" + uuid.uuid4().hex[:8]
    try:
        wrk(args.port, token, accounts[:warm], run_id + "w", 3, args.connections)  # warm caches
        before = server_cpu(server)
        figures = wrk(args.port, token, accounts[warm:], run_id, args.seconds, args.connections)
        spent = cpu_spent(before, server_cpu(server))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        if analyser is not None:
            analyser.terminate()
            analyser.wait(timeout=30)
    done, seconds = figures.get("requests", 0), figures.get("seconds", 1)
    print(f"gunicorn gthread {args.workers} workers x {args.threads} threads, group commit "
          f"{'on' if group_commit else 'off'}, live outage analysis {'on' if analyser else 'off'}; "
          f"wrk 2 threads, {args.connections} connections, {args.seconds} s")
    print(f"requests: {int(done)} in {seconds:.1f} s -> {done / seconds:.1f} creates/s; statuses "
          f"{dict(figures['statuses'])}")
    print("latency ms: " + "  ".join(f"{k[8:-3]} {figures[k]:.1f}" for k in
                                     ("latency_p50_ms", "latency_p90_ms", "latency_p99_ms", "latency_p99.9_ms",
                                      "latency_max_ms") if k in figures))
    if done:
        print(f"server CPU per create: gunicorn {spent[0] / done * 1000:.2f} ms, "
              f"PostgreSQL {spent[1] / done * 1000:.2f} ms (machine load average {os.getloadavg()[0]:.1f})")
    check(run_id, figures["statuses"])


if __name__ == "__main__":
    main()
