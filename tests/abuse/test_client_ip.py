"""The visitor's address that every public limit counts under (griddesk.abuse.services.client_ip):
REMOTE_ADDR, or X-Forwarded-For read only behind a proxy the operator named as trusted."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from griddesk.abuse.services import client_ip


def request(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.GRIDDESK_TRUSTED_PROXIES = []
    assert client_ip(request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"  # a visitor cannot choose
    assert client_ip(request("not an address")) is None
    assert client_ip(request("2001:db8::1")) == "2001:db8::1"


def test_behind_a_trusted_proxy_the_address_it_saw_counts(settings):
    settings.GRIDDESK_TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.7"]
    # nginx appends the address it saw; a client may have sent its own header before it
    assert client_ip(request("10.0.0.2", "198.51.100.1")) == "198.51.100.1"
    assert client_ip(request("10.0.0.2", "1.2.3.4, 198.51.100.1")) == "198.51.100.1"
    # two proxies: the outer one (trusted) appended what it saw, the inner one is REMOTE_ADDR
    assert client_ip(request("10.0.0.2", "198.51.100.1, 192.0.2.7")) == "198.51.100.1"
    # not from a trusted proxy: the header is anyone's
    assert client_ip(request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"
    # a broken chain or only proxies: the proxy's own address
    assert client_ip(request("10.0.0.2", "198.51.100.1, garbage")) == "10.0.0.2"
    assert client_ip(request("10.0.0.2", "10.0.0.3")) == "10.0.0.2"
    assert client_ip(request("10.0.0.2")) == "10.0.0.2"


def test_a_wrong_proxy_setting_names_itself(settings):
    settings.GRIDDESK_TRUSTED_PROXIES = ["10.0.0.0/33"]
    with pytest.raises(ImproperlyConfigured, match="GRIDDESK_TRUSTED_PROXIES"):
        client_ip(request("10.0.0.2", "198.51.100.1"))


def test_the_forms_count_behind_a_proxy_per_visitor(client, province, people, settings):
    """Two visitors behind one proxy do not share one limit: each is counted under its own address."""
    from tests.portal.form_helpers import solved

    settings.GRIDDESK_TRUSTED_PROXIES = ["10.0.0.1"]
    settings.GRIDDESK_PORTAL_IP_LIMIT = 1
    form = {"title": "网上反映", "description": "详细情况说明", "name": "赵六", "county": "P0101"}
    first = client.post("/submit/praise/", {**form, "phone": "13900000001", **solved()},
                        REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1")
    second = client.post("/submit/praise/", {**form, "phone": "13900000002", **solved()},
                         REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2")
    again = client.post("/submit/praise/", {**form, "phone": "13900000003", **solved()},
                        REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert (first.status_code, second.status_code, again.status_code) == (200, 200, 429)
