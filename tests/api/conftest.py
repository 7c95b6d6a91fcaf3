"""Fixtures for the API tests: the orders' `people`, a token per person, a JSON client."""

import json

import pytest
from django.test import Client

from griddesk.api.services import api_token_issue
from tests.orders.conftest import people  # noqa: F401  (re-exported fixture)


@pytest.fixture(autouse=True)
def api_only_urls(settings):
    settings.ROOT_URLCONF = "tests.api.urls"


class ApiClient:
    """A test client speaking JSON with a bearer token."""

    def __init__(self, token=None):
        self.client = Client()
        self.token = token

    def _headers(self, headers):
        merged = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        merged.update(headers or {})
        return merged

    def get(self, url, params=None, headers=None):
        return self.client.get(url, params or {}, headers=self._headers(headers))

    def post(self, url, body=None, headers=None, raw=None):
        data = raw if raw is not None else json.dumps(body if body is not None else {}, ensure_ascii=False)
        return self.client.post(url, data=data, content_type="application/json",
                                headers=self._headers(headers))


@pytest.fixture
def api_as(people):  # noqa: F811  (the fixture imported above)
    """api_as("agent") -> an ApiClient with a fresh token of that person (or of a Staff)."""

    def make(who):
        user = people[who] if isinstance(who, str) else who
        _token, plaintext = api_token_issue(user=user, name="tests", actor=None)
        return ApiClient(plaintext)

    return make


@pytest.fixture
def anonymous_api(db):
    return ApiClient()


def repair_body(**overrides):
    body = {"order_type": "repair", "channel": "hotline", "customer": "1000000001",
            "title": "家里停电", "fault_side": "utility"}
    body.update(overrides)
    return body
