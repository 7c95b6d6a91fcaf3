"""Benchmark of order creation through the REST API: gunicorn + PostgreSQL, a threaded HTTP client.

Sets up (idempotently) a small bench province in the database: one city, a substation, feeders
and transformers with a repair crew, `--customers` customers and an agent with an API token.
Then starts gunicorn on the project's WSGI app and fires `--requests` POST /api/v1/orders (a
utility-side repair, dispatched at once: the heaviest create) from `--clients` threads, each
with its own Idempotency-Key and a different customer (so rule A-4 does not turn them into
cheap child orders). Stops at the request count or after `--seconds`, whichever comes first.

Prints throughput, p50 / p90 / p99 / max latency and the status codes seen. The issue-4 target
is >= 700 creates/s with p99 <= 100 ms on the 2-core machine.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_api .venv/bin/python bench/bench_api.py
    ... bench/bench_api.py --requests 5000 --clients 8 --workers 4

The client runs in this process: on a 2-core machine it competes with gunicorn and PostgreSQL
for the CPU, so the numbers are a floor. Measure on SQLite too by pointing DATABASE_URL at a file
(expect far less: one writer at a time). Use a fresh database per run: customers who already
have an open repair make the next run's creates repeat contacts (rule A-4), which are cheaper.
"""

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CUSTOMER_BASE = 8_000_000_000


def setup(customers):
    """Bench data and a token; returns (token, [account numbers])."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "griddesk.settings")
    import django

    django.setup()
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


def start_gunicorn(port, workers, threads):
    command = [str(ROOT / ".venv/bin/gunicorn"), "griddesk.wsgi:application", "-b", f"127.0.0.1:{port}",
               "-w", str(workers), "--threads", str(threads), "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=dict(os.environ, DEBUG="0"),
                              start_new_session=True)
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


def fire(port, token, accounts, requests, clients, seconds):
    latencies, statuses, lock = [], Counter(), threading.Lock()
    counter = iter(range(requests))
    stop_at = time.monotonic() + seconds
    run_id = uuid.uuid4().hex[:8]

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop_at:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            body = json.dumps({"order_type": "repair", "channel": "hotline", "customer": accounts[n % len(accounts)],
                               "title": "家里停电", "fault_side": "utility"})
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                       "Idempotency-Key": f"bench-{run_id}-{n}"}
            began = time.perf_counter()
            try:
                conn.request("POST", "/api/v1/orders", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = "error"
            elapsed = time.perf_counter() - began
            with lock:
                latencies.append(elapsed)
                statuses[status] += 1

    threads = [threading.Thread(target=client) for _i in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, latencies, statuses


def report(wall, latencies, statuses):
    done = len(latencies)
    ordered = sorted(latencies)

    def pct(p):
        return ordered[min(done - 1, int(p / 100 * done))] * 1000

    print(f"requests: {done} in {wall:.2f} s -> {done / wall:.1f} creates/s")
    print(f"latency ms: p50 {pct(50):.1f}  p90 {pct(90):.1f}  p99 {pct(99):.1f}  max {ordered[-1] * 1000:.1f}"
          f"  mean {statistics.fmean(ordered) * 1000:.1f}")
    print("statuses:", dict(statuses))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--seconds", type=float, default=120, help="stop after this long in any case")
    parser.add_argument("--clients", type=int, default=8, help="client threads (concurrent requests)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--customers", type=int, default=None, help="default: as many as requests")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    print(f"database: {os.environ.get('DATABASE_URL', '(default SQLite)')}")
    warm = min(200, args.requests)
    token, accounts = setup(args.customers or args.requests + warm)
    server = start_gunicorn(args.port, args.workers, args.threads)
    try:
        fire(args.port, token, accounts[-warm:], warm, args.clients, 30)  # warm-up, its own customers
        wall, latencies, statuses = fire(args.port, token, accounts[:-warm], args.requests, args.clients,
                                         args.seconds)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print(f"gunicorn: {args.workers} workers x {args.threads} threads; client: {args.clients} threads in-process")
    report(wall, latencies, statuses)


if __name__ == "__main__":
    main()
