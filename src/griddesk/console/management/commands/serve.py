"""`griddesk serve [--port P]`: the web server and the background worker together.

gunicorn's control socket (for `gunicornc`) sits under this installation's var/run/, one per port:
its default is one path per user account ($XDG_RUNTIME_DIR or ~/.gunicorn/), so a second server on
the same host took it over from the first (issue 8, item 11).
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

# sun_path holds 108 bytes with the closing NUL; a longer path cannot be bound.
UNIX_SOCKET_PATH_MAX = 107


def control_socket_args(port):
    """gunicorn's control-socket options for a server on `port`: var/run/gunicorn-PORT.ctl of this
    installation, or none at all when that path is too long for a Unix socket."""
    path = Path(settings.VAR_DIR).resolve() / "run" / f"gunicorn-{port}.ctl"
    if len(os.fsencode(path)) > UNIX_SOCKET_PATH_MAX:
        return ["--no-control-socket"], None
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return ["--control-socket", str(path)], path


class Command(BaseCommand):
    help = "Serve GridDesk (gunicorn) and run the background task worker beside it."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--workers", type=int, default=None, help="processes (default: one per core)")
        parser.add_argument("--threads", type=int, default=None, help="threads per process (default 16; 8 on SQLite)")
        parser.add_argument("--no-worker", action="store_true", help="web server only")

    def handle(self, *, port, host, workers, threads, no_worker, **options):
        embedded = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
        # Threads, not processes, carry the concurrency: the API's order creates in one process
        # share transactions (orders/batching.py), and a process per core keeps the CPUs busy.
        workers = workers or (2 if embedded else max(2, os.cpu_count() or 1))
        threads = threads or (8 if embedded else 16)
        procs = []
        if not no_worker:
            procs.append(subprocess.Popen([sys.executable, "-m", "griddesk", "db_worker"]))
            procs.append(subprocess.Popen([sys.executable, "-m", "griddesk", "sla_scheduler"]))
            procs.append(subprocess.Popen([sys.executable, "-m", "griddesk", "outages", "analyse"]))
        control, socket_path = control_socket_args(port)
        web = subprocess.Popen([
            sys.executable, "-m", "gunicorn", "griddesk.wsgi:application", "--config", "python:griddesk.gunicorn_conf",
            "--bind", f"{host}:{port}", "--workers", str(workers), "--threads", str(threads),
            "--access-logfile", "-", "--timeout", "60", *control,
        ])
        procs.append(web)
        self.stdout.write(f"GridDesk on http://{host}:{port}/ (console: /console/, admin: /admin/)")
        if socket_path:
            self.stdout.write(f"gunicorn control: gunicornc -s {socket_path}")

        def stop(*_):
            for proc in procs:
                proc.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        code = web.wait()
        stop()
        for proc in procs:
            proc.wait()
        sys.exit(code)
