"""For test suites: one demo province shared by many tests, rolled back afterwards.

    @pytest.fixture(scope="session")
    def demo_province(django_db_setup, django_db_blocker):
        with django_db_blocker.unblock(), demo_province_for_tests(customers=2000, seed=1) as summary:
            yield summary

The province is built inside a transaction that is rolled back when the block
ends, so it never leaks into other tests' databases; tests using the usual `db`
fixture run inside it (their own savepoints). Nested use with the same size and
seed reuses the province already there (a module fixture inside a session fixture).
"""

from contextlib import contextmanager

from django.db import transaction

from griddesk.demo.services import build_demo_province

_live = []  # (customers, seed, summary) of the province built by an enclosing block


@contextmanager
def demo_province_for_tests(customers=2000, seed=1):
    if _live:
        live_customers, live_seed, summary = _live[-1]
        if (live_customers, live_seed) != (customers, seed):
            raise RuntimeError(
                f"a demo province ({live_customers} customers, seed {live_seed}) is already built for "
                f"this test session; ask for the same size and seed ({customers}, {seed} asked)"
            )
        yield summary
        return
    with transaction.atomic():
        summary = build_demo_province(customers=customers, seed=seed)
        _live.append((customers, seed, summary))
        try:
            yield summary
        finally:
            _live.pop()
            transaction.set_rollback(True)
