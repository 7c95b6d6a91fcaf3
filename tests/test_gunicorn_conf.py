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
