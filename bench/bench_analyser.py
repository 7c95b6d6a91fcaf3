"""CPU the live outage analysis costs per repair call, against the CPU of the create itself.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_analyser .venv/bin/python bench/bench_analyser.py

On the bench province of bench_api.py (every create a utility-side repair call inside a storm on
ten feeders: the analysis's worst case) it takes orders in chunks through the API in process (no
HTTP, one at a time) and runs an analyser step after each chunk, as `griddesk outages analyse`
does every 2 s under load. It reports the analyser's CPU per call, in this process and in its
PostgreSQL backend, beside the create's; the first step (which predicts the outages and moves every
call taken so far onto them) is reported apart from the steady state. CPU time, not wall time: the
figures hold on a loaded machine, where bench_api.py's throughput does not.
"""

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "griddesk.settings")
os.environ["GRIDDESK_GROUP_COMMIT"] = "0"

from bench import bench_api


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=12)
    parser.add_argument("--chunk", type=int, default=250, help="orders between two analyser steps")
    args = parser.parse_args(argv)
    token, accounts = bench_api.setup(args.chunks * args.chunk + 100)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from griddesk.outages.analyzer import Analyzer

    client, run_id = Client(), uuid.uuid4().hex[:8]

    def create(i):
        body = json.dumps({"order_type": "repair", "channel": "hotline", "customer": accounts[i],
                           "title": "家里停电", "fault_side": "utility"})
        response = client.post("/api/v1/orders", data=body, content_type="application/json",
                               headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"{run_id}-{i}"})
        assert response.status_code == 201, response.content

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    analyzer = Analyzer()
    analyzer.start()
    first, steady = None, [0.0, 0.0, 0, 0]  # python CPU, PostgreSQL CPU, calls, statements
    create_cpu = create_pg = 0.0
    i = 0
    for chunk in range(args.chunks):
        cpu, pg = time.process_time(), bench_api._cpu_seconds(backend)
        for _ in range(args.chunk):
            create(i)
            i += 1
        create_cpu += time.process_time() - cpu
        create_pg += bench_api._cpu_seconds(backend) - pg
        cpu, pg = time.process_time(), bench_api._cpu_seconds(backend)
        with CaptureQueriesContext(connection) as captured:
            calls = analyzer.run()
        spent = (time.process_time() - cpu, bench_api._cpu_seconds(backend) - pg, calls, len(captured))
        if chunk == 0:
            first = spent
        else:
            steady = [a + b for a, b in zip(steady, spent, strict=True)]
    per = lambda seconds, n: seconds / n * 1000  # noqa: E731
    print(f"create (API in process): {per(create_cpu, i):.2f} ms Python + {per(create_pg, i):.2f} ms PostgreSQL "
          f"CPU per order ({i} orders)")
    print(f"first step ({first[2]} calls, predicts and moves them): {per(first[0], first[2]):.3f} + "
          f"{per(first[1], first[2]):.3f} ms CPU per call, {first[3]} statements")
    print(f"steady state ({steady[2]} calls in {args.chunks - 1} steps): {per(steady[0], steady[2]):.3f} ms Python + "
          f"{per(steady[1], steady[2]):.3f} ms PostgreSQL CPU per call, {steady[3] / (args.chunks - 1):.1f} statements "
          f"a step; that is {100 * (steady[0] + steady[1]) / (create_cpu + create_pg) * i / steady[2]:.1f} % of a "
          f"create's CPU (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
