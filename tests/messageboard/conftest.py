"""Fixtures of the message-board tests: the orders tests' `people`, and an empty cache (the rate limit
and the used challenges live there)."""

import pytest
from django.core.cache import cache

from tests.orders.conftest import people  # noqa: F401  (re-exported fixture)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()
