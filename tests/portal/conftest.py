import pytest

from tests.orders.conftest import people  # noqa: F401  (re-exported fixture)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The one-time codes' rate limits live in Django's cache (per process): each test starts afresh."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
