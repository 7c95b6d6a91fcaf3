"""What SQLite's FULL synchronous mode costs against NORMAL (docs/operations.md, "Durability of a commit").

    .venv/bin/python bench/bench_durability.py [--orders 400] [--passes 2]

First one-row commits on a bare WAL database (the disk's sync cost alone). Then a fresh SQLite site
in a temporary directory (migrate, a 200-customer demo province without history) and, in a new
process per setting (settings are read at start), `--orders` complaints created one after another
through the API in process (Django test client, GRIDDESK_GROUP_COMMIT=0: one transaction each, so
one WAL sync each under FULL), then one forward of each. NORMAL and FULL take turns `--passes`
times, to spread the noise of a shared machine. Prints p50 / p99 ms per write and
writes per second.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(count):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "griddesk.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from griddesk.api.services import api_token_issue
    from griddesk.orgs.models import Staff

    _token, token = api_token_issue(user=Staff.objects.get(username="admin"), name="bench", actor=None)
    headers = {"Authorization": f"Bearer {token}"}
    client, run = Client(), f"{time.time_ns()}"
    with connection.cursor() as cursor:
        synchronous = cursor.execute("PRAGMA synchronous").fetchone()[0]

    def post(path, body, **extra):
        began = time.perf_counter()
        answer = client.post(path, data=json.dumps(body), content_type="application/json",
                             headers={**headers, **extra})
        assert answer.status_code in (200, 201), answer.content
        return answer.json(), (time.perf_counter() - began) * 1000

    numbers, creates, forwards = [], [], []
    for i in range(count):
        order, ms = post("/api/v1/orders", {"order_type": "complaint", "channel": "hotline", "org": "GD",
                                            "title": f"bench {i}"}, **{"Idempotency-Key": f"{run}-{i}"})
        numbers.append((order["number"], order["version"]))
        creates.append(ms)
    for number, version in numbers:
        _order, ms = post(f"/api/v1/orders/{number}/actions/forward",
                          {"expected_version": version, "department": "GD-YX"})
        forwards.append(ms)
    print(json.dumps({"synchronous": synchronous, "creates": creates, "forwards": forwards}))


def raw_commits(directory, count=500, passes=2):
    """One-row write transactions on a bare WAL database, NORMAL and FULL in turn: the disk's
    sync cost per commit, with none of GridDesk's work around it."""
    import sqlite3

    results = {"NORMAL": [], "FULL": []}
    for _ in range(passes):
        for mode in results:
            conn = sqlite3.connect(Path(directory) / f"raw-{mode}.sqlite3", isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={mode}")
            conn.execute("CREATE TABLE IF NOT EXISTS t (x BLOB)")
            for _ in range(count):
                began = time.perf_counter()
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("INSERT INTO t VALUES (randomblob(500))")
                conn.execute("COMMIT")
                results[mode].append((time.perf_counter() - began) * 1000)
            conn.close()
    return results


def summary(label, values):
    ordered = sorted(values)
    return (f"{label} p50 {statistics.median(ordered):.2f} ms, p99 {ordered[int(0.99 * len(ordered)) - 1]:.2f} ms, "
            f"{len(ordered) / (sum(ordered) / 1000):.0f}/s")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.child)
    with tempfile.TemporaryDirectory(prefix="griddesk-durability-") as home:
        env = dict(os.environ, GRIDDESK_HOME=home, DATABASE_URL=f"sqlite:///{home}/var/griddesk.sqlite3",
                   GRIDDESK_GROUP_COMMIT="0")
        env.pop("DJANGO_SETTINGS_MODULE", None)
        for command in (["migrate", "--noinput"], ["demo", "--customers", "200", "--orders", "0", "--days", "1"]):
            subprocess.run([sys.executable, "-m", "griddesk", *command], env=env, check=True, capture_output=True)
        raw = raw_commits(home)
        results = {"NORMAL": {"creates": [], "forwards": []}, "FULL": {"creates": [], "forwards": []}}
        for _ in range(args.passes):
            for mode in ("NORMAL", "FULL"):
                done = subprocess.run([sys.executable, __file__, "--child", str(args.orders)], cwd=ROOT,
                                      env=dict(env, GRIDDESK_SQLITE_SYNCHRONOUS=mode), check=True,
                                      capture_output=True, text=True)
                answer = json.loads(done.stdout.strip().splitlines()[-1])
                assert answer["synchronous"] == {"NORMAL": 1, "FULL": 2}[mode]
                for key in ("creates", "forwards"):
                    results[mode][key] += answer[key]
    print("bare SQLite WAL, one-row commits:")
    for mode, values in raw.items():
        print(f"  {mode:<6} {summary('commit', values)}")
    print(f"SQLite WAL, one write transaction per request, {args.orders} orders x {args.passes} passes "
          f"(load average {os.getloadavg()[0]:.1f})")
    for mode, figures in results.items():
        print(f"  {mode:<6} {summary('create', figures['creates'])}; {summary('forward', figures['forwards'])}")


if __name__ == "__main__":
    main()
