import pytest

from griddesk.calendar.selectors import calendar_cache_clear
from griddesk.rules.selectors import rules_cache_clear


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Each test starts from the committed tables, whatever earlier tests did in rolled-back transactions."""
    calendar_cache_clear()
    rules_cache_clear()
    yield
    calendar_cache_clear()
    rules_cache_clear()
