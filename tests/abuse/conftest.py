from tests.orders.conftest import people  # noqa: F401  (re-exported fixture)
