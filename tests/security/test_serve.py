"""`griddesk serve` as an operator runs it (issue 8, items 9 and 11): no `Server` banner, and each
server's gunicorn control socket under its own installation's var/run/, not one per user account."""

import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from griddesk.console.management.commands.serve import control_socket_args
from tests.security.conftest import installation_env


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url, deadline=60):
    end = time.monotonic() + deadline
    while True:
        try:
            return urllib.request.urlopen(url, timeout=5)
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.3)


@pytest.fixture
def short_dir():
    """Unix socket paths hold at most 107 bytes: installations in a short temporary directory."""
    with tempfile.TemporaryDirectory(prefix="gd-", dir="/tmp") as path:
        yield Path(path)


def serve(home, port, user_home):
    env = installation_env(home, {"HOME": str(user_home)})
    env.pop("XDG_RUNTIME_DIR", None)
    return subprocess.Popen(
        [sys.executable, "-m", "griddesk", "serve", "--no-worker", "--port", str(port), "--workers", "1",
         "--threads", "2"], env=env, cwd=home, stdout=(home / "serve.log").open("w"), stderr=subprocess.STDOUT)


def stop(server):
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_two_servers_on_one_host_keep_their_own_control_sockets_and_send_no_server_header(short_dir):
    user_home = short_dir / "home"
    user_home.mkdir()
    servers = []
    try:
        for name in ("a", "b"):
            (short_dir / name).mkdir()
            port = free_port()
            servers.append((short_dir / name, port, serve(short_dir / name, port, user_home)))
        for _home, port, _server in servers:
            response = wait_for(f"http://127.0.0.1:{port}/console/login/")
            assert response.status == 200
            assert "Server" not in response.headers
            assert "Content-Security-Policy" in response.headers
        sockets = []
        for home, port, _server in servers:
            path = home / "var" / "run" / f"gunicorn-{port}.ctl"
            end = time.monotonic() + 30
            while not path.exists() and time.monotonic() < end:
                time.sleep(0.2)
            assert stat.S_ISSOCK(path.stat().st_mode) and stat.S_IMODE(path.stat().st_mode) == 0o600
            with socket.socket(socket.AF_UNIX) as client:
                client.connect(str(path))  # a live server listens on it
            sockets.append(path)
        assert sockets[0] != sockets[1]
        assert not (user_home / ".gunicorn").exists()  # gunicorn's shared default was not used
    finally:
        for _home, _port, server in servers:
            stop(server)
    for path in sockets:
        assert not path.exists()  # each server removed its own socket on the way out


def test_the_control_socket_sits_under_the_installations_var_run_one_per_port(settings, short_dir):
    settings.VAR_DIR = short_dir / "var"
    assert control_socket_args(8000) == (["--control-socket", str(short_dir / "var" / "run" / "gunicorn-8000.ctl")],
                                         short_dir / "var" / "run" / "gunicorn-8000.ctl")
    assert stat.S_IMODE((short_dir / "var" / "run").stat().st_mode) == 0o700
    assert control_socket_args(8001)[1].name == "gunicorn-8001.ctl"


def test_an_installation_too_deep_for_a_unix_socket_serves_without_one(settings, short_dir):
    settings.VAR_DIR = short_dir / ("deep" * 30) / "var"
    assert control_socket_args(8000) == (["--no-control-socket"], None)
