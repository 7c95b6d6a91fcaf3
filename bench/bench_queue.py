"""Benchmark of the work queues (工单队列) at scale: p50/p99 of 25-row pages per filter combination.

Builds a synthetic province on an empty database (519 orgs, 84 departments, 420 crews,
200 agents, a category tree) and N work orders (default 1,000,000) with a realistic mix:
94% archived history over a year, 6% open across the workflow states; repairs,
complaints, reports and applications carry SLA clocks (stopped for history, running
for open orders, some past due and marked breached as the sweeper would). On
PostgreSQL the rows go in with COPY; on SQLite with bulk_create in batches.

Then, for each filter combination, times ~200 calls of `orders.queries.order_queue`
(25 rows; the first page and up to 7 following pages by cursor, over and over) and
prints p50/p99 in milliseconds, the queries per page, and EXPLAIN ANALYZE of every
statement of the slowest page of the slowest combinations.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_queues_bench .venv/bin/python bench/bench_queue.py
    ... bench/bench_queue.py --orders 100000           # smaller
    ... bench/bench_queue.py --reuse                   # time again on the data already loaded
    ... bench/bench_queue.py --reuse --only crew --explain 1   # some combinations, EXPLAIN the slowest

The database is migrated first (so --reuse picks up new indexes); without --reuse the script refuses one
that already has orders. After loading it runs VACUUM ANALYZE, as autovacuum would on a live database.
The load average is printed with the table: the machine is shared, report it with the numbers.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "griddesk.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from griddesk.orders.models import OPEN_STATES, Category, OrderState, SlaClock, WorkOrder  # noqa: E402
from griddesk.orders.queries import QueueFilters, order_queue  # noqa: E402
from griddesk.orgs.models import Crew, Org, Role, Staff  # noqa: E402

CITIES, COUNTIES, STATIONS = 14, 6, 5
AGENTS = 200
OPEN_SHARE = 0.06
TYPES = [("repair", 45), ("consultation", 20), ("query", 10), ("complaint", 8), ("report", 2),
         ("application", 8), ("opinion", 3), ("suggestion", 2), ("praise", 2)]
OPEN_BY_TYPE = {
    "repair": ["accepted", "dispatched", "crew_accepted", "on_site", "surveyed", "repaired", "resolved"],
    "complaint": ["accepted", "forwarded", "contacted", "investigated", "replied", "visited"],
    "report": ["accepted", "forwarded", "contacted", "investigated", "replied"],
    "application": ["accepted", "plan_replied", "design_reviewed", "inspected", "contract_signed"],
}
CLOCK_OF = {"repair": ("R-2/urban", "R-2", "城区45分钟", timedelta(minutes=45)),
            "complaint": ("K-3/complaint", "K-3", "投诉5天答复", timedelta(days=5)),
            "report": ("K-3/report", "K-3", "举报10天答复", timedelta(days=10)),
            "application": ("T-1/lv", "T-1", "低压10天答复方案", timedelta(days=10))}
# Running repair clocks only exist before arrival; later repair states have stopped R-2.
RUNNING_STATES = {"repair": {"dispatched", "crew_accepted"}}


def build_people():
    """Orgs, departments, crews, roles and the staff whose queues are timed."""
    root = Org.objects.create(code="BQ", name="基准省公司", kind="province")
    stations, departments = [], []
    for c in range(CITIES):
        city = Org.objects.create(code=f"BQ{c:02d}", name=f"第{c}地市", kind="city", parent=root)
        for k in range(COUNTIES):
            county = Org.objects.create(code=f"BQ{c:02d}{k:02d}", name=f"第{c}-{k}县", kind="county",
                                        parent=city)
            departments.append(Org.objects.create(code=f"BQ{c:02d}{k:02d}-MKT", name="营销部",
                                                  kind="department", parent=county))
            for s in range(STATIONS):
                stations.append(Org.objects.create(code=f"BQ{c:02d}{k:02d}{s:02d}", name="供电所",
                                                   kind="station", parent=county))
    crews = [Crew(code=f"BQC{i:04d}", name=f"抢修{i}班", org=station) for i, station in enumerate(stations)]
    Crew.objects.bulk_create(crews)
    crews = list(Crew.objects.order_by("pk"))
    roles = {r.code: r for r in Role.objects.all()}

    def staff(username, org, role):
        user = Staff.objects.create_user(username=username, password=None, org=org)
        user.roles.add(roles[role])
        return user

    agents = [staff(f"bq_agent{i}", root, "agent") for i in range(AGENTS)]
    people = {
        "root": root, "stations": stations, "departments": departments, "crews": crews, "agents": agents,
        "supervisor": staff("bq_supervisor", root, "supervisor"),
        "city_manager": staff("bq_city", Org.objects.get(code="BQ03"), "manager"),
        "dispatcher": staff("bq_dispatcher", Org.objects.get(code="BQ0302"), "dispatcher"),
        "back_office": staff("bq_backoffice", departments[20], "back_office"),
        "lineman": staff("bq_lineman", stations[100], "repair_crew"),
    }
    crews[100].members.add(people["lineman"])
    cats = []
    for r in range(5):
        parent = Category.objects.create(scheme="general", code=f"BQCAT{r}", name=f"大类{r}")
        cats.append(parent)
        for k in range(4):
            cats.append(Category.objects.create(scheme="general", code=f"BQCAT{r}-{k}", name=f"小类{k}",
                                                parent=parent))
    people["categories"] = cats
    return people


def _columns(model):
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def generate(people, n, seed):
    """Yield (order row dict, clock row dict or None) for n orders."""
    rng = random.Random(seed)
    now = timezone.now()
    types = [t for t, w in TYPES for _ in range(w)]
    stations, crews, departments = people["stations"], people["crews"], people["departments"]
    station_dept = {s.pk: departments[i // STATIONS] for i, s in enumerate(stations)}
    cats = people["categories"]
    for i in range(n):
        order_type = rng.choice(types)
        idx = rng.randrange(len(stations))
        station = stations[idx]
        accepted = now - timedelta(seconds=rng.randrange(365 * 86400))
        is_open = rng.random() < OPEN_SHARE
        if is_open:
            state = rng.choice(OPEN_BY_TYPE.get(order_type, ["accepted", "callback_owed", "forwarded"]))
            accepted = now - timedelta(seconds=rng.randrange(12 * 86400))
        else:
            state = OrderState.ARCHIVED
        owner = rng.choice(people["agents"])
        row = {
            "number": f"BQ{i:012d}", "order_type": order_type, "channel": "hotline",
            "received_at": accepted, "accepted_at": accepted,
            "category_id": rng.choice(cats).pk if rng.random() < 0.5 else None,
            "customer_id": None, "caller_name": "", "caller_phone": "", "org_id": station.pk,
            "owner_id": owner.pk, "agent_no": "", "state": state, "title": "", "description": "",
            "parent_id": None, "call_count": 1,
            "handling_org_id": station_dept[station.pk].pk if order_type in ("complaint", "report") else None,
            "assignee_id": None, "crew_id": crews[idx].pk if order_type == "repair" else None,
            "fault_side": "utility" if order_type == "repair" else "", "zone": "urban",
            "supply_voltage": "220V", "application_kind": "", "anonymous": False, "cause": "",
            "satisfaction": "", "transfer_count": 0, "bounce_count": 0, "ruleset_version_id": None,
            "version": 1, "created_at": accepted, "updated_at": accepted,
            "closed_at": None if is_open else accepted + timedelta(days=3),
        }
        clock = None
        if order_type in CLOCK_OF:
            key, rule, label, span = CLOCK_OF[order_type]
            running = is_open and state in RUNNING_STATES.get(order_type, set(OPEN_BY_TYPE[order_type][:3]))
            started = accepted
            if running and order_type == "repair":
                started = now - timedelta(minutes=rng.randrange(120))  # some past 45 minutes
            due = started + span
            clock = {
                "key": key, "rule": rule, "label": label, "ruleset_version_id": None,
                "org_id": station.pk, "owner_id": owner.pk, "started_at": started, "due_at": due,
                "warn_at": started + span * 0.8, "paused_since": None, "pause_reason": "",
                "stopped_at": None if running else started + span * 0.5,
                "met": None if running else True, "warned_at": None,
                "breached_at": due if running and due < now else None,
                "delay_reason": "", "basis": "", "sweep_claim": "",
            }
        yield row, clock


def load(people, n, seed):
    order_cols = _columns(WorkOrder)
    clock_cols = _columns(SlaClock)
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        _load_copy(people, n, seed, order_cols, clock_cols)
    else:
        _load_bulk(people, n, seed)
    print(f"loaded {n:,} orders in {time.perf_counter() - started:.1f} s", flush=True)
    with connection.cursor() as cursor:
        # VACUUM too on PostgreSQL: a live database's autovacuum would have run after so many inserts (it sets
        # the visibility map that index-only scans rely on); this server may run with autovacuum off.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def _load_copy(people, n, seed, order_cols, clock_cols):
    """COPY orders, then clocks joined to the new order ids by number."""
    table = WorkOrder._meta.db_table
    clock_table = SlaClock._meta.db_table
    pending_clocks = []  # (number, clock)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        names = ", ".join(f.column for f in order_cols)
        with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for i, (row, clock) in enumerate(generate(people, n, seed)):
                copy.write_row([row[f.attname] for f in order_cols])
                if clock:
                    pending_clocks.append((row["number"], clock))
                if i and i % 200_000 == 0:
                    print(f"  {i:,} orders", flush=True)
        cursor.execute(f"SELECT number, id FROM {table}")
        ids = dict(cursor.fetchall())
        names = ", ".join(f.column for f in clock_cols)
        with raw.copy(f"COPY {clock_table} ({names}) FROM STDIN") as copy:
            for number, clock in pending_clocks:
                clock["order_id"] = ids[number]
                copy.write_row([clock[f.attname] for f in clock_cols])
    print(f"  {len(pending_clocks):,} clocks", flush=True)


def _load_bulk(people, n, seed, batch=5000):
    orders, clocks = [], []

    def flush():
        with transaction.atomic():
            made = WorkOrder.objects.bulk_create(orders)
            SlaClock.objects.bulk_create(
                SlaClock(order_id=made[i].pk, **c) for i, c in clocks
            )
        orders.clear()
        clocks.clear()

    for row, clock in generate(people, n, seed):
        if clock:
            clocks.append((len(orders), clock))
        orders.append(WorkOrder(**row))
        if len(orders) >= batch:
            flush()
    if orders:
        flush()


def combinations(people):
    station = people["stations"][100]
    return [
        ("province org, open, accepted_at", people["supervisor"], QueueFilters(state="open")),
        ("province org, all states, -accepted_at", people["supervisor"], QueueFilters(sort="-accepted_at")),
        ("province org, overdue, due_at", people["supervisor"], QueueFilters(overdue=True, sort="due_at")),
        ("province org, open, due_at", people["supervisor"], QueueFilters(state="open", sort="due_at")),
        ("province org, due within 24h, accepted_at", people["supervisor"],
         QueueFilters(due_within_hours=24)),
        ("city org, complaint open, -accepted_at", people["city_manager"],
         QueueFilters(order_type="complaint", state="open", sort="-accepted_at")),
        ("city org, category subtree, open", people["city_manager"],
         QueueFilters(category="BQCAT2", state="open")),
        ("county dispatcher, repair open, due_at", people["dispatcher"],
         QueueFilters(order_type="repair", state="open", sort="due_at")),
        ("county dispatcher, one station org filter", people["dispatcher"],
         QueueFilters(org=people["stations"][101].code, state="open")),
        ("agent mine, open, -accepted_at", people["agents"][7], QueueFilters(scope="mine", state="open",
                                                                         sort="-accepted_at")),
        ("agent mine, all, accepted_at", people["agents"][7], QueueFilters(scope="mine")),
        ("back office handling, open", people["back_office"], QueueFilters(scope="handling", state="open")),
        ("crew, open, due_at", people["lineman"], QueueFilters(scope="crew", state="open", sort="due_at")),
        (f"crew {station.code}, all, -accepted_at", people["lineman"],
         QueueFilters(scope="crew", sort="-accepted_at")),
    ]


def time_combination(user, filters, pages, depth=8):
    timings, queries, slowest = [], [], (0, None)
    cursor = None
    for i in range(pages):
        connection.queries_log.clear()  # Django keeps 9,000 at most; a full log breaks the capture
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            page = order_queue(user=user, filters=filters, cursor=cursor)
            elapsed = (time.perf_counter() - start) * 1000
        timings.append(elapsed)
        queries.append(len(captured))
        if elapsed > slowest[0]:
            slowest = (elapsed, [q["sql"] for q in captured.captured_queries])
        cursor = page.next_cursor if (i + 1) % depth else None
    return timings, queries, slowest


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def explain(sqls):
    for sql in sqls:
        print("   SQL:", sql[:400] + (" …" if len(sql) > 400 else ""))
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            for (line,) in cursor.fetchall():
                print("     ", line)


def find_people():
    root = Org.objects.get(code="BQ")
    stations = list(Org.objects.filter(kind="station", code__startswith="BQ").order_by("pk"))
    return {
        "root": root, "stations": stations,
        "agents": list(Staff.objects.filter(username__startswith="bq_agent").order_by("pk")),
        "supervisor": Staff.objects.get(username="bq_supervisor"),
        "city_manager": Staff.objects.get(username="bq_city"),
        "dispatcher": Staff.objects.get(username="bq_dispatcher"),
        "back_office": Staff.objects.get(username="bq_backoffice"),
        "lineman": Staff.objects.get(username="bq_lineman"),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--explain", type=int, default=3, help="EXPLAIN the slowest N combinations")
    parser.add_argument("--reuse", action="store_true", help="time the data already loaded")
    parser.add_argument("--only", action="append", default=[], metavar="TEXT",
                        help="time only the combinations whose name contains TEXT (repeatable)")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}", flush=True)
    if args.reuse:
        people = find_people()
    else:
        if WorkOrder.objects.exists():
            sys.exit("the database already has work orders: use an empty one, or --reuse")
        people = build_people()
        load(people, args.orders, args.seed)
    total = WorkOrder.objects.count()
    running = SlaClock.objects.filter(stopped_at__isnull=True).count()
    open_orders = WorkOrder.objects.filter(state__in=OPEN_STATES).count()
    print(f"{total:,} orders, {open_orders:,} open, {SlaClock.objects.count():,} clocks, "
          f"{running:,} running", flush=True)
    run_all(people, args)


def run_all(people, args):
    results = []
    print("\nload average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(f"\n{'combination':<48} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'queries':>8} {'rows':>5}")
    for name, user, filters in combinations(people):
        if args.only and not any(text in name for text in args.only):
            continue
        user = Staff.objects.select_related("org").get(pk=user.pk)
        order_queue(user=user, filters=filters)  # warm the cache once, as a live server would be
        rows = len(order_queue(user=user, filters=filters).rows)
        timings, queries, slowest = time_combination(user, filters, args.pages)
        p50, p99 = statistics.median(timings), percentile(timings, 99)
        results.append((p99, name, slowest))
        print(f"{name:<48} {p50:>8.2f} {p99:>8.2f} {max(timings):>8.2f} "
              f"{min(queries)}-{max(queries):<6} {rows:>5}", flush=True)
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    for p99, name, (ms, sqls) in sorted(results, key=lambda r: r[0], reverse=True)[: args.explain]:
        print(f"\n== slowest page of “{name}” ({ms:.1f} ms; p99 {p99:.1f} ms)")
        explain(sqls)


if __name__ == "__main__":
    main()
