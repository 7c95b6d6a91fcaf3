"""gunicorn settings that `griddesk serve` and bench/bench_api.py run with (`-c python:griddesk.gunicorn_conf`).

A threaded worker holds up to 16 requests and the order-intake writer thread (orders/batching.py)
under one GIL. A thread that comes back from the database waits for the GIL until the running
thread gives it up, by default after 5 ms; the writer makes about seven round trips per batch,
so at peak it spent most of its time waiting, and every create waited with it. A 0.5 ms switch
interval measured 8 – 22 % more creates per second and a lower p99 on the demo province
(bench/RESULTS.md, "Order create").

No `Server` header: gunicorn writes `Server: gunicorn` into every response and has no setting to
leave it out, so the response's default headers are filtered here (the patch is inherited by the
forked workers). Naming the server and its version only helps someone looking for a known flaw.
"""

import sys

from gunicorn.http import wsgi as gunicorn_wsgi

SWITCH_INTERVAL_SECONDS = 0.0005

def post_fork(server, worker):
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)


def server_header_remove(response_class=gunicorn_wsgi.Response):
    """Make gunicorn's HTTP/1 responses go out without their `Server:` line (idempotent)."""
    default_headers = response_class.default_headers
    if getattr(default_headers, "griddesk_no_server", False):
        return

    def headers_without_server(self):
        return [line for line in default_headers(self) if not line.lower().startswith("server:")]

    headers_without_server.griddesk_no_server = True
    response_class.default_headers = headers_without_server


server_header_remove()
