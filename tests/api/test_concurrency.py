"""Racing retries with one Idempotency-Key create one order (issue 4): real threads, real commits.

Meant for PostgreSQL, where the loser blocks on the unique index until the winner commits; it
runs on SQLite too, where IMMEDIATE transactions serialise the writers.
"""

import threading

import pytest
from django.db import connection

from griddesk.api.models import IdempotencyRecord
from griddesk.orders.batching import intake_batcher_stop
from griddesk.orders.models import OrderNumberCounter, WorkOrder
from tests.api.conftest import repair_body

THREADS = 4


@pytest.fixture(params=[False, True], ids=["own-transactions", "group-commit"])
def group_commit(request, settings):
    """Each create in its own transaction, or batched by the process's writer thread."""
    settings.GRIDDESK_GROUP_COMMIT = request.param
    yield request.param
    intake_batcher_stop()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # seeded roles and rule sets
def test_concurrent_retries_with_the_same_key_create_one_order(api_as, group_commit):
    api = api_as("agent")
    barrier = threading.Barrier(THREADS)
    results = [None] * THREADS

    def retry(slot):
        try:
            barrier.wait(timeout=10)
            response = api.post("/api/v1/orders", repair_body(), headers={"Idempotency-Key": "race-1"})
            results[slot] = (response.status_code, response.json()["number"], response.get("Idempotent-Replay"))
        finally:
            connection.close()

    threads = [threading.Thread(target=retry, args=(slot,)) for slot in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(status for status, _number, _replay in results)
    assert statuses == [200] * (THREADS - 1) + [201]
    assert len({number for _status, number, _replay in results}) == 1
    assert sorted(str(replay) for _s, _n, replay in results) == ["None"] + ["true"] * (THREADS - 1)
    assert WorkOrder.objects.count() == 1 and IdempotencyRecord.objects.count() == 1
    assert OrderNumberCounter.objects.get().last == 1  # the losers gave their numbers back: no gaps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # seeded roles and rule sets
def test_concurrent_creates_with_different_keys_all_succeed(api_as, group_commit):
    api = api_as("agent")
    barrier = threading.Barrier(THREADS)
    numbers = []

    def create(slot):
        try:
            barrier.wait(timeout=10)
            account = ["1000000001", "1000000002", "1000000003", "1000000001"][slot]
            response = api.post("/api/v1/orders", repair_body(customer=account, title=f"停电{slot}"),
                                headers={"Idempotency-Key": f"distinct-{slot}"})
            numbers.append((response.status_code, response.json()["number"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(slot,)) for slot in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(status for status, _n in numbers) == [201] * THREADS
    assert len({number for _s, number in numbers}) == THREADS
