"""Fixtures of the console tests: the orders tests' `people` plus an outage and a second city."""

import pytest

from tests.orders.conftest import people  # noqa: F401  (re-exported fixture)


@pytest.fixture
def outsider(province, make_staff):
    """An agent of another city: sees none of the test province's city."""
    return make_staff("outsider", province["other_city"], "agent", agent_no="95598777")
