"""Benchmark: the public outage notices under a storm, with order intake beside (issue 11).

When a feeder trips, everyone below it opens the notices at once. Target: >= 500 requests/s with
p99 <= 100 ms on this machine while creates run beside them. gunicorn as `griddesk serve` runs it,
the bench province of bench/bench_api.py plus 40 outages in force over 4 counties; wrk GETs
/outages/?county=… (a county drawn per request, so every county's cached page is in play) while a
second wrk creates repair orders through the API; halfway through, one outage is restored, so the
run includes a change (its county's page is rendered again once, the others stay cached).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_api .venv/bin/python bench/bench_notices.py
    ... --seconds 20 --connections 32 --intake-connections 4
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

import bench_api  # noqa: E402

COUNTIES = 4
LUA = """
counties = {%s}
request = function()
  return wrk.format("GET", "/outages/?county=" .. counties[math.random(#counties)])
end
"""


def notices_setup():
    """4 counties under the bench city, 10 active outages each on the bench feeders' transformers."""
    from django.utils import timezone

    from griddesk.grid.models import Device
    from griddesk.orgs.models import Org
    from griddesk.outages.models import OutageEvent

    city = Org.objects.get(code="BENCH01")
    now = timezone.now()
    codes = []
    for c in range(COUNTIES):
        county, _ = Org.objects.get_or_create(code=f"BENCH01{c:02d}", defaults={
            "name": f"压测{c}县", "kind": "county", "parent": city})
        codes.append(county.code)
        for t in range(10):
            device = Device.objects.get(device_id=f"BENCH-T{c}-{t}")
            Device.objects.filter(pk=device.pk).update(org=county)
            OutageEvent.objects.update_or_create(code=f"BENCH-N{c}-{t}", defaults={
                "kind": "fault", "device": device, "cause": "压测线路故障", "area": f"压测{c}县{t}街",
                "starts_at": now, "state": "active"})
    return codes


def restore_one_later(delay):
    def restore():
        time.sleep(delay)
        from django.utils import timezone

        from griddesk.outages.models import OutageEvent

        outage = OutageEvent.objects.get(code="BENCH-N0-0")
        outage.state, outage.restored_at = "restored", timezone.now()
        outage.save()

    thread = threading.Thread(target=restore)
    thread.start()
    return thread


def wrk_get(port, codes, seconds, connections):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(LUA % ", ".join(f'"{c}"' for c in codes))
    try:
        out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
                              "-s", handle.name, f"http://127.0.0.1:{port}"],
                             capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(handle.name)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--intake-connections", type=int, default=4, help="0: no intake beside")
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    token, accounts = bench_api.setup(20000)
    codes = notices_setup()
    server = bench_api.start_gunicorn(args.port, 2, 16, True)
    intake = {}
    try:
        wrk_get(args.port, codes, 2, 8)  # warm: every county's page cached
        if args.intake_connections:
            creator = threading.Thread(target=lambda: intake.update(bench_api.wrk(
                args.port, token, accounts, "notices-" + uuid.uuid4().hex[:6], args.seconds,
                args.intake_connections, threads=1)))
            creator.start()
        restorer = restore_one_later(args.seconds / 2)
        out = wrk_get(args.port, codes, args.seconds, args.connections)
        restorer.join()
        if args.intake_connections:
            creator.join()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print(out)
    if intake:
        done = intake.get("requests", 0)
        print(f"intake beside: {int(done)} creates in {intake.get('seconds', 1):.1f} s "
              f"({done / intake.get('seconds', 1):.1f}/s), statuses {dict(intake['statuses'])}, "
              f"p99 {intake.get('latency_p99_ms', 0):.1f} ms")
    print(f"machine load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
