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


def test_responses_go_out_without_a_server_header():
    from gunicorn.http import wsgi

    class Response:
        def default_headers(self):
            return ["HTTP/1.1 200 OK\r\n", "Server: gunicorn\r\n", "Date: today\r\n", "Connection: close\r\n"]

    gunicorn_conf.server_header_remove(Response)
    gunicorn_conf.server_header_remove(Response)  # idempotent
    assert Response().default_headers() == ["HTTP/1.1 200 OK\r\n", "Date: today\r\n", "Connection: close\r\n"]
    assert wsgi.Response.default_headers.griddesk_no_server  # loading the conf patched gunicorn's own
