"""`griddesk serve [--port P]`: the web server and the background worker together."""

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand


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
        web = subprocess.Popen([
            sys.executable, "-m", "gunicorn", "griddesk.wsgi:application", "--config", "python:griddesk.gunicorn_conf",
            "--bind", f"{host}:{port}", "--workers", str(workers), "--threads", str(threads),
            "--access-logfile", "-", "--timeout", "60",
        ])
        procs.append(web)
        self.stdout.write(f"GridDesk on http://{host}:{port}/ (console: /console/, admin: /admin/)")

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
