"""Fixtures of the canned-reply tests: the orders tests' `people`."""

from tests.orders.conftest import people  # noqa: F401  (re-exported fixture)
