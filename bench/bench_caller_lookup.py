"""Benchmark of the caller look-up (来电客户查询) and caller card at scale: p50/p99 in ms.

Builds N synthetic customers (default 1,000,000) with Chinese addresses over 300 roads in
120 towns, 10% of them with an extra contact phone, under 40 supply stations, on an empty
database; then times `customers.lookup.caller_lookup` for phone, contact phone, account
number, 3+ character address fragments (common and rare), 1-2 character fragments (the
bounded scan), and `caller_card`, as a province-level agent and as a station agent.

    DATABASE_URL=sqlite:////work/main/var/h_console_bench.sqlite3 .venv/bin/python bench/bench_caller_lookup.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_console_bench .venv/bin/python bench/bench_caller_lookup.py
    ... --customers 100000      # smaller;   --reuse   # time again on the data already loaded
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "griddesk.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from griddesk.customers.lookup import caller_card, caller_lookup  # noqa: E402
from griddesk.customers.models import Customer  # noqa: E402
from griddesk.grid.models import Device  # noqa: E402
from griddesk.orgs.models import Org, Role, Staff  # noqa: E402

STATIONS = 40
TOWNS = [f"{a}{b}" for a in "东西南北中新老上下大小长" for b in "关桥河山湾港坪岭"][:120]
ROADS = [f"{a}{b}" for a in "幸福和平人民建设解放光明胜利团结文化新华" for b in "路街巷道"][:300]
BATCH = 20_000
CALLS = 300


def build(customers):
    rng = random.Random(7)
    root = Org.objects.create(code="B", name="基准省公司", kind="province")
    stations = [Org.objects.create(code=f"B{i:03d}", name=f"第{i}供电所", kind="station", parent=root)
                for i in range(STATIONS)]
    sub = Device.objects.create(device_id="BSUB", kind="substation", name="110kV基准变", zone="urban", org=root)
    feeder = Device.objects.create(device_id="BF", kind="feeder", parent=sub, name="10kV基准线", zone="urban",
                                   org=root)
    transformers = [Device.objects.create(device_id=f"BT{i}", kind="transformer", parent=feeder,
                                          name=f"{i}号台区", zone="urban", org=stations[i])
                    for i in range(STATIONS)]
    now = timezone.now()
    columns = ("account_no, name, phone, address, transformer_id, supply_voltage, zone, important, "
               "sensitive, org_id, created_at, updated_at")
    sql = f"INSERT INTO customers_customer ({columns}) VALUES ({', '.join(['%s'] * 12)})"
    started = time.perf_counter()
    for start in range(0, customers, BATCH):
        rows = []
        for i in range(start, min(start + BATCH, customers)):
            s = i % STATIONS
            address = f"{rng.choice(TOWNS)}镇{rng.choice(ROADS)}{rng.randint(1, 300)}号{rng.randint(1, 30)}室"
            rows.append((f"{3000000000 + i}", "客户", f"13{i:09d}", address, transformers[s].pk, "220V",
                         "urban", False, False, stations[s].pk, now, now))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
            # one customer in ten gets a contact; contact phones 15000000000.. are contiguous
            batch_pks = (Customer.objects.filter(account_no__gte=f"{3000000000 + start}",
                                                 account_no__lt=f"{3000000000 + start + BATCH}")
                         .order_by("account_no").values_list("pk", flat=True)[: BATCH // 10])
            contacts = [(f"15{i:09d}", "联系人", "", pk) for i, pk in enumerate(batch_pks, start=start // 10)]
            cursor.executemany("INSERT INTO customers_contact (phone, name, relation, customer_id) "
                               "VALUES (%s, %s, %s, %s)", contacts)
        print(f"  {min(start + BATCH, customers):>9,} customers  {time.perf_counter() - started:6.1f} s",
              flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would have by the time agents search
    agent = Staff.objects.create_user(username="bench_agent", org=root, agent_no="95598000")
    agent.roles.set(Role.objects.filter(code="agent"))
    local = Staff.objects.create_user(username="bench_local", org=stations[3], agent_no="95598003")
    local.roles.set(Role.objects.filter(code="agent"))
    return time.perf_counter() - started


def timed(label, queries, call):
    samples, counts, found = [], [], 0
    for query in queries:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = call(query)
            samples.append((time.perf_counter() - started) * 1000)
        counts.append(len(captured))
        found += len(result) if isinstance(result, list) else 1
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    print(f"{label:<44} p50 {statistics.median(samples):7.2f} ms  p99 {p99:7.2f} ms  "
          f"max {samples[-1]:7.2f} ms  queries {max(counts)}  hits/call {found / len(queries):.1f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    n = Customer.objects.count()
    if not args.reuse:
        if n:
            sys.exit("the database already has customers: use --reuse or an empty database")
        print(f"building {args.customers:,} customers on {connection.vendor} ...")
        print(f"built in {build(args.customers):.1f} s")
        n = args.customers
    agent = Staff.objects.select_related("org").get(username="bench_agent")
    local = Staff.objects.select_related("org").get(username="bench_local")
    rng = random.Random(11)
    picks = [rng.randrange(n) for _ in range(CALLS)]
    print(f"{n:,} customers on {connection.vendor}; {CALLS} calls per line")
    phones = [f"13{i:09d}" for i in picks]
    timed("phone (province agent)", phones, lambda q: caller_lookup(query=q, user=agent))
    timed("phone written '138 1234 5678' style", [f"{p[:3]} {p[3:7]} {p[7:]}" for p in phones],
          lambda q: caller_lookup(query=q, user=agent))
    timed("contact phone", [f"15{i % (n // 10):09d}" for i in picks], lambda q: caller_lookup(query=q, user=agent))
    timed("account number", [f"{3000000000 + i}" for i in picks], lambda q: caller_lookup(query=q, user=agent))
    common = [rng.choice(ROADS) for _ in range(CALLS)]
    timed("address, common road (3+ chars)", [f"{r}" if len(r) >= 3 else f"{r}1" for r in common],
          lambda q: caller_lookup(query=q, user=agent))
    # a customer's own address up to the house number: a handful of hits each
    addresses = Customer.objects.filter(account_no__in=[f"{3000000000 + i}" for i in picks]).values_list(
        "address", flat=True)
    rare = [address.split("号")[0] + "号" for address in addresses]
    timed("address, town+road+number (rare)", rare, lambda q: caller_lookup(query=q, user=agent))
    timed("address, rare, station agent (scoped)", rare, lambda q: caller_lookup(query=q, user=local))
    timed("address, no match", ["不存在的街道名称"] * 50, lambda q: caller_lookup(query=q, user=agent))
    timed("address, 2 chars common (bounded scan)", [rng.choice(ROADS)[:2] for _ in range(100)],
          lambda q: caller_lookup(query=q, user=agent))
    timed("address, 2 chars absent (budget cut-off)", ["龘龘"] * 20, lambda q: caller_lookup(query=q, user=agent))
    customers = list(Customer.objects.select_related("transformer", "org")
                     .filter(account_no__in=[f"{3000000000 + i}" for i in picks[:100]]))
    timed("caller_card", customers, lambda c: caller_card(customer=c, user=agent))


if __name__ == "__main__":
    main()
