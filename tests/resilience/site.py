"""A GridDesk installation of its own for a test: a GRIDDESK_HOME directory and a database.

The database is of the kind the tests run on (DATABASE_URL): a SQLite file under the site's var/,
or a scratch PostgreSQL database named after the configured one plus a random suffix (so that
xdist workers and other checkouts never meet), created here and dropped with FORCE at the end.
Everything runs in subprocesses (`python -m griddesk …`) against that site, as an operator would.
"""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import suppress
from pathlib import Path

import dj_database_url

REPO = Path(__file__).resolve().parents[2]


def configured_database():
    """The DATABASE_URL the tests run on, parsed (SQLite under var/ when unset)."""
    return dj_database_url.parse(os.environ.get("DATABASE_URL", "sqlite:///var/griddesk.sqlite3"))


def on_postgresql():
    return configured_database()["ENGINE"].endswith("postgresql")


def _admin_connection():
    import psycopg

    db = configured_database()
    return psycopg.connect(host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"] or None,
                           password=db["PASSWORD"] or None, dbname="postgres", autocommit=True)


class Site:
    """One installation: `home` (GRIDDESK_HOME) and `url` (its DATABASE_URL)."""

    def __init__(self, home, *, tag):
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.scratch = None
        if on_postgresql():
            db = configured_database()
            self.scratch = f"{db['NAME']}_{tag}_{secrets.token_hex(4)}"[:63]
            with _admin_connection() as conn:
                conn.execute(f'CREATE DATABASE "{self.scratch}"')
            self.url = urllib.parse.urlunsplit(urllib.parse.urlsplit(os.environ["DATABASE_URL"])._replace(
                path=f"/{self.scratch}"))
        else:
            self.url = f"sqlite:///{self.home / 'var' / 'griddesk.sqlite3'}"
        self.server = None
        self.server_log = None

    @property
    def sqlite_file(self):
        return None if self.scratch else self.home / "var" / "griddesk.sqlite3"

    def env(self, **extra):
        env = dict(os.environ, GRIDDESK_HOME=str(self.home), DATABASE_URL=self.url, **extra)
        env.pop("DJANGO_SETTINGS_MODULE", None)
        return env

    def run(self, *args, check=True, timeout=300, **extra_env):
        """`griddesk ARGS` in this site; the CompletedProcess (text)."""
        done = subprocess.run([sys.executable, "-m", "griddesk", *args], env=self.env(**extra_env), cwd=self.home,
                              capture_output=True, text=True, timeout=timeout, check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"griddesk {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done

    def probe(self, *args, timeout=300):
        """`python -m tests.resilience.probe ARGS` in this site: its JSON answer."""
        done = subprocess.run([sys.executable, "-m", "tests.resilience.probe", *args], env=self.env(), cwd=REPO,
                              capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise AssertionError(f"probe {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return json.loads(done.stdout)

    # ---------------------------------------------------------------- the server

    def serve(self, *, ready_path, token, timeout=90):
        """Start `griddesk serve` (web + task worker + scheduler) in its own process group on a
        free port and wait until `ready_path` answers 200; returns the port."""
        port = free_port()
        self.server_log = (self.home / "serve.log").open("ab")
        self.server = subprocess.Popen([sys.executable, "-m", "griddesk", "serve", "--port", str(port)],
                                       env=self.env(), cwd=self.home, stdout=self.server_log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        request = urllib.request.Request(f"http://127.0.0.1:{port}{ready_path}",
                                         headers={"Authorization": f"Bearer {token}"})
        while True:
            if self.server.poll() is not None:
                raise AssertionError(f"griddesk serve exited {self.server.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(request, timeout=5) as answer:
                    if answer.status == 200:
                        return port
            except (OSError, urllib.error.URLError):
                pass
            if time.monotonic() > deadline:
                self.kill9()
                raise AssertionError(f"griddesk serve not ready in {timeout} s:\n{self.log_tail()}")
            time.sleep(0.1)

    def kill9(self):
        """SIGKILL to the server's whole process group (gunicorn master and workers, task worker,
        scheduler): no handler runs, no transaction is finished. Returns when all are gone."""
        if self.server is None:
            return 0
        group = self.server.pid
        with suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        self.server.wait()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                break
            time.sleep(0.02)
        else:
            raise AssertionError(f"process group {group} still alive 30 s after SIGKILL")
        self.server = None
        self.server_log.close()
        return group

    def log_tail(self, lines=40):
        path = self.home / "serve.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def close(self):
        """Kill a server still running and drop the scratch database."""
        if self.server is not None:
            self.kill9()
        if self.scratch:
            with _admin_connection() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.scratch}" WITH (FORCE)')


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
