"""Benchmark of the caller look-up (来电客户查询) and caller card at scale: p50/p99 in ms.

Times `customers.lookup.caller_lookup` for phone, contact phone, account number, 3+ character
address fragments (common and rare), 1-2 character fragments (the bounded scan), and
`caller_card`, as a province-level agent and as a local one; then the same through the REST API
(GET /api/v1/callers and /api/v1/customers/{account_no}, in process with Django's test client
and a bearer token: middleware, token check, ninja, rendering and JSON included). The phones,
account numbers and addresses are those of customers drawn at random from the database.

On the 1,000,000-customer demo province (`griddesk demo --customers 1000000`, read only: the
API's token is created inside a transaction that is rolled back):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/demo1m_bench .venv/bin/python bench/bench_caller_lookup.py --demo

Or on a province of its own: N synthetic customers (default 1,000,000) with Chinese addresses
over 300 roads in 120 towns, 10% of them with an extra contact phone, under 40 supply stations,
built on an empty database:

    DATABASE_URL=sqlite:///var/h_console_bench.sqlite3 .venv/bin/python bench/bench_caller_lookup.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_console_bench .venv/bin/python bench/bench_caller_lookup.py
    ... --customers 100000      # smaller;   --reuse   # time again on the data already loaded
    ... --calls 500             # calls per line;   --no-api   # the selectors only
    ... --address-only          # only the lines of 3+ character address fragments
"""

import argparse
import os
import random
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "griddesk.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Max, Min  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from griddesk.api.models import ApiToken  # noqa: E402
from griddesk.api.services import token_digest  # noqa: E402
from griddesk.customers.lookup import caller_card, caller_lookup, customer_for_caller  # noqa: E402
from griddesk.customers.models import Contact, Customer  # noqa: E402
from griddesk.grid.models import Device  # noqa: E402
from griddesk.orgs.models import Org, Role, Staff  # noqa: E402

STATIONS = 40
TOWNS = [f"{a}{b}" for a in "东西南北中新老上下大小长" for b in "关桥河山湾港坪岭"][:120]
ROADS = [f"{a}{b}" for a in "幸福和平人民建设解放光明胜利团结文化新华" for b in "路街巷道"][:300]
BATCH = 20_000
CALLS = 500
WARM_UP = 20  # calls per line before timing: PostgreSQL prepares a statement on its 5th run


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


def timed(label, queries, call, warm_up=()):
    """Time `call(query)` for each query; `call` returns the customers found (a list or a count)."""
    for query in warm_up:
        call(query)
    samples, counts, found = [], [], 0
    for query in queries:
        connection.queries_log.clear()  # the log keeps 9,000 statements: past that, counting fails
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = call(query)
            samples.append((time.perf_counter() - started) * 1000)
        counts.append(len(captured))
        found += result if isinstance(result, int) else len(result) if isinstance(result, list) else 1
    samples.sort()
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    print(f"{label:<44} p50 {statistics.median(samples):7.2f} ms  p99 {p99:7.2f} ms  "
          f"max {samples[-1]:7.2f} ms  queries {min(counts)}-{max(counts)}  hits/call {found / len(queries):.1f}",
          flush=True)


def drawn(n, rng):
    """(account, phone, address) of about `n` customers drawn at random, and `n` contacts' phones."""
    def rows(model, fields):
        bounds = model.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
        if bounds["lo"] is None:
            return []
        ids = [rng.randint(bounds["lo"], bounds["hi"]) for _ in range(n * 2)]
        found = {row[0]: row[1:] for row in model.objects.filter(pk__in=ids).values_list("pk", *fields)}
        return [found[i] for i in ids if i in found][:n]

    customers = rows(Customer, ["account_no", "phone", "address"])
    contacts = [phone for (phone,) in rows(Contact, ["phone"])]
    return customers, contacts


def fragments(address):
    """(common fragment of 3+ characters, rare one: the address up to its house number, 2 characters)."""
    rare = address.split("号")[0] + "号" if "号" in address else address[:-2]
    return address[:6], rare, address[3:5]


def selector_lines(label, user, customers, contacts, warm, calls, address_only=False):
    accounts = [a for a, _p, _x in customers]
    phones = [p for _a, p, _x in customers]
    mobiles = [p for p in phones if len(p) == 11 and p.startswith("1")]
    common, rare, short = zip(*(fragments(x) for _a, _p, x in customers), strict=True)

    def look(q):
        return caller_lookup(query=q, user=user)

    if address_only:
        timed("address, common (3+ chars, capped at 20)", list(common), look, [fragments(x)[0] for _a, _p, x in warm])
        timed("address, up to the house number (rare)", list(rare), look)
        timed("address, no match", ["不存在的街道名称"] * 50, look)
        return
    warm_phones = [p for _a, p, _x in warm]
    timed(f"phone ({label})", phones, look, warm_phones)
    timed("phone written '138 1234 5678' style", [f"{p[:3]} {p[3:7]} {p[7:]}" for p in mobiles], look)
    if contacts:
        timed("contact phone", contacts, look)
    timed("account number", accounts, look, [a for a, _p, _x in warm])
    timed("address, common (3+ chars, capped at 20)", list(common), look, [fragments(x)[0] for _a, _p, x in warm])
    timed("address, up to the house number (rare)", list(rare), look)
    timed("address, no match", ["不存在的街道名称"] * 50, look)
    timed("address, 2 chars common (bounded scan)", list(short)[:100], look)
    timed("address, 2 chars absent (budget cut-off)", ["龘龘"] * 20, look)
    card_of = {a: customer_for_caller(account_no=a, user=user) for a in accounts[:calls]}
    timed("caller_card", [c for c in card_of.values() if c is not None],
          lambda c: caller_card(customer=c, user=user), [c for c in card_of.values() if c is not None][:WARM_UP])
    timed("customer_for_caller + caller_card", accounts,
          lambda a: caller_card(customer=customer_for_caller(account_no=a, user=user), user=user))


def api_lines(user, customers, contacts, warm, address_only=False):
    """The same look-ups through the API. The bench token is created inside a transaction that is
    rolled back at the end (with the token's last-use stamp): the database is left as it was."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    accounts = [a for a, _p, _x in customers]
    with transaction.atomic():
        plaintext = "gdk_bench_" + secrets.token_urlsafe(24)
        ApiToken.objects.create(user=user, name="bench_caller_lookup (rolled back)", prefix=plaintext[:8],
                                digest=token_digest(plaintext))
        client = Client(headers={"Authorization": f"Bearer {plaintext}"})

        def callers(q):
            response = client.get("/api/v1/callers", {"q": q})
            assert response.status_code == 200, response.content
            return len(response.json()["customers"])

        def card(account_no):
            response = client.get(f"/api/v1/customers/{account_no}")
            assert response.status_code == 200, response.content
            return 1

        warm_phones = [p for _a, p, _x in warm]
        if not address_only:
            timed(f"API phone ({user.username})", [p for _a, p, _x in customers], callers, warm_phones)
            if contacts:
                timed("API contact phone", contacts, callers)
            timed("API account number", accounts, callers)
        timed("API address, rare", [fragments(x)[1] for _a, _p, x in customers], callers,
              [fragments(x)[1] for _a, _p, x in warm])
        if not address_only:
            timed("API caller card", accounts, card, [a for a, _p, _x in warm])
        transaction.set_rollback(True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="time on the customers already loaded")
    parser.add_argument("--demo", action="store_true",
                        help="a province built by `griddesk demo` (read only): its agent1 and backoffice33")
    parser.add_argument("--calls", type=int, default=CALLS)
    parser.add_argument("--no-api", action="store_true")
    parser.add_argument("--address-only", action="store_true", help="only the 3+ character address lines")
    args = parser.parse_args()
    if not (args.reuse or args.demo):
        call_command("migrate", verbosity=0)
        if Customer.objects.exists():
            sys.exit("the database already has customers: use --reuse or an empty database")
        print(f"building {args.customers:,} customers on {connection.vendor} ...")
        print(f"built in {build(args.customers):.1f} s")
    names = ("agent1", "backoffice33") if args.demo else ("bench_agent", "bench_local")
    agent, local = (Staff.objects.select_related("org").get(username=name) for name in names)
    rng = random.Random(11)
    customers, contacts = drawn(args.calls, rng)
    warm, _ = drawn(WARM_UP, rng)
    n = Customer.objects.count()
    print(f"{n:,} customers on {connection.vendor}; {len(customers)} calls per line "
          f"(after {WARM_UP} to warm up); load average {os.getloadavg()[0]:.2f}")
    selector_lines(f"agent {agent.username}", agent, customers, contacts, warm, args.calls, args.address_only)
    local_rare = [fragments(x)[1] for _a, _p, x in customers]
    timed(f"address, rare, local agent {local.username} (scoped)", local_rare,
          lambda q: caller_lookup(query=q, user=local))
    # common fragments of customers drawn across the province: mostly other counties' (no hit)
    timed("address, common, local agent (scoped)", [fragments(x)[0] for _a, _p, x in customers],
          lambda q: caller_lookup(query=q, user=local))
    if not args.no_api:
        api_lines(agent, customers, contacts, warm, args.address_only)
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
