"""The served processes hand the GIL over every 0.5 ms (griddesk/gunicorn_conf.py)."""

import sys

from griddesk import gunicorn_conf


def test_a_forked_worker_switches_threads_every_half_millisecond():
    before = sys.getswitchinterval()
    try:
        gunicorn_conf.post_fork(server=None, worker=None)
        assert abs(sys.getswitchinterval() - 0.0005) < 1e-9
    finally:
        sys.setswitchinterval(before)


def test_each_installation_has_its_own_control_socket(tmp_path, monkeypatch):
    import importlib

    monkeypatch.setenv("GRIDDESK_HOME", str(tmp_path))
    try:
        assert importlib.reload(gunicorn_conf).control_socket == str(tmp_path / "var" / "gunicorn.ctl")
    finally:
        monkeypatch.undo()
        importlib.reload(gunicorn_conf)
