"""gunicorn settings that `griddesk serve` and bench/bench_api.py run with (`-c python:griddesk.gunicorn_conf`).

A threaded worker holds up to 16 requests and the order-intake writer thread (orders/batching.py)
under one GIL. A thread that comes back from the database waits for the GIL until the running
thread gives it up, by default after 5 ms; the writer makes about seven round trips per batch,
so at peak it spent most of its time waiting, and every create waited with it. A 0.5 ms switch
interval measured 8 – 22 % more creates per second and a lower p99 on the demo province
(bench/RESULTS.md, "Order create").
"""

import os
import sys

SWITCH_INTERVAL_SECONDS = 0.0005

# gunicorn's control socket (for `gunicornc`) is one per user by default ($XDG_RUNTIME_DIR/gunicorn.ctl or
# ~/.gunicorn/gunicorn.ctl): a second server on the machine unlinks it and takes the path, and stopping
# either removes it. One per installation instead, beside its database (docs/operations.md).
control_socket = os.path.join(os.environ.get("GRIDDESK_HOME", os.getcwd()), "var", "gunicorn.ctl")


def post_fork(server, worker):
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
