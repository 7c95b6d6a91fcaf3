"""gunicorn settings that `griddesk serve` and bench/bench_api.py run with (`-c python:griddesk.gunicorn_conf`).

A threaded worker holds up to 16 requests and the order-intake writer thread (orders/batching.py)
under one GIL. A thread that comes back from the database waits for the GIL until the running
thread gives it up, by default after 5 ms; the writer makes about seven round trips per batch,
so at peak it spent most of its time waiting, and every create waited with it. A 0.5 ms switch
interval measured 8 – 22 % more creates per second and a lower p99 on the demo province
(bench/RESULTS.md, "Order create").
"""

import sys

SWITCH_INTERVAL_SECONDS = 0.0005


def post_fork(server, worker):
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
