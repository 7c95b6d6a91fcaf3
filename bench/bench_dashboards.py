"""Benchmark of the analytics dashboards (服务分析): time of each console page on the demo province.

Builds the demo province (`griddesk demo`: N customers, a year of call records and counter tickets,
90 days of orders) into the database of DATABASE_URL unless --reuse, then requests every dashboard page
through Django's test client (the whole view: selectors, SVG charts, template) as the province's
manager, for the province scope and for one city, for the current and the previous month, several
times; prints the median and worst wall time and the queries per page. Also times the Excel export
of the complaint page and the monthly report.

    DATABASE_URL=sqlite:///var/h_dash.sqlite3 .venv/bin/python bench/bench_dashboards.py --customers 1000000
    DATABASE_URL=sqlite:///var/h_dash.sqlite3 .venv/bin/python bench/bench_dashboards.py --reuse
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_dash .venv/bin/python bench/bench_dashboards.py \\
        --customers 20000

The load average is printed with the table: the machine is shared, report it with the numbers.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "griddesk.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from griddesk.analytics.models import CallRecord, CounterTicket  # noqa: E402
from griddesk.analytics.periods import Period  # noqa: E402
from griddesk.customers.models import Customer  # noqa: E402
from griddesk.demo.services import build_demo_province  # noqa: E402
from griddesk.orders.models import WorkOrder  # noqa: E402
from griddesk.orgs.models import Org, Staff  # noqa: E402

PAGES = [("queue (reference)", "/console/queues/"),
         ("service", "/console/analytics/"), ("hotline", "/console/analytics/hotline/"),
         ("complaints", "/console/analytics/complaints/"), ("rectifications", "/console/analytics/rectifications/"),
         ("complaints.xlsx", "/console/analytics/complaints/?export=xlsx"),
         ("report", "/console/analytics/report/")]
# The supply-quality pages (quality app) take a period of days: the last twelve whole months and the last month.
QUALITY_PAGES = [("quality: reliability", "/console/quality/", {}),
                 ("quality: Q-2 list.xlsx", "/console/quality/", {"export": "xlsx", "table": "q2"}),
                 ("quality: outages behind (rural)", "/console/quality/reliability/outages/", {"zone": "rural"}),
                 ("quality: voltage", "/console/quality/voltage/", {}),
                 ("quality: voltage points", "/console/quality/voltage/points/", {})]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="time the province already loaded")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not args.reuse:
        started = time.perf_counter()
        build_demo_province(customers=args.customers, stdout=sys.stdout)
        print(f"build: {time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"{connection.vendor}: {Customer.objects.count():,} customers, {WorkOrder.objects.count():,} orders, "
          f"{CallRecord.objects.count():,} calls, {CounterTicket.objects.count():,} counter tickets")
    settings.ALLOWED_HOSTS = ["*"]
    manager = Staff.objects.filter(roles__code="manager", org__parent__isnull=True).order_by("pk").first()
    client = Client()
    client.force_login(manager)
    city = Org.objects.filter(kind="city").order_by("code").first()
    this_month = Period.current_month()
    last_month = this_month.previous(1)[0]
    print(f"load average: {os.getloadavg()[0]:.1f}")
    print("| page | scope | month | median ms | worst ms | queries |\n|---|---|---|---:|---:|---:|")
    for name, url in PAGES:
        for scope in (None, city.code):
            for period in (this_month, last_month):
                params = {"month": period.label, **({"org": scope} if scope else {})}
                _time(client, name, url, params, scope, period.label, args.runs)
    year = (last_month.first.replace(year=last_month.first.year - 1) + timedelta(days=31)).replace(day=1)
    spans = [(f"{year:%Y-%m}..{last_month.label}", year), (last_month.label, last_month.first)]
    for name, url, extra in QUALITY_PAGES:
        for scope in (None, city.code):
            for label, first in spans:
                params = {"from": first.isoformat(), "to": last_month.last.isoformat(), **extra,
                          **({"org": scope} if scope else {})}
                _time(client, name, url, params, scope, label, args.runs)
    print(f"load average: {os.getloadavg()[0]:.1f}")


def _time(client, name, url, params, scope, label, runs):
    times, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, params)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured.captured_queries)
    print(f"| {name} | {scope or 'province'} | {label} | {statistics.median(times):.0f} | "
          f"{max(times):.0f} | {queries} |", flush=True)


if __name__ == "__main__":
    main()
