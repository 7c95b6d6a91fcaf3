"""The SLA sweeper (issue 3 item 7): warn at 80%, escalate at breach, each exactly once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from griddesk.audit.services import audit_verify
from griddesk.notify.models import Message
from griddesk.orders.models import Reminder, SlaClock, WorkOrder
from griddesk.orders.sweeper import clocks_sweep
from griddesk.rules.selectors import ruleset_in_force


def _open_clocks(province, people, count, *, breached_share=0.5):
    """`count` open complaint orders, each with a K-3 clock: some past 80%, some past due."""
    now = timezone.now()
    version = ruleset_in_force(at=now)
    orders = WorkOrder.objects.bulk_create(
        WorkOrder(number=f"SW{i:08d}", order_type="complaint", channel="hotline", received_at=now,
                  accepted_at=now, org=province["station"], owner=people["agent"], agent_no="95598001")
        for i in range(count)
    )
    clocks = []
    for i, order in enumerate(orders):
        breached = i < count * breached_share
        started = now - timedelta(days=6 if breached else 4, minutes=i % 7)
        clocks.append(SlaClock(
            order=order, key="K-3/complaint", rule="K-3", label="投诉5天", ruleset_version=version,
            org=province["station"], owner=people["agent"], started_at=started,
            due_at=started + timedelta(days=5), warn_at=started + timedelta(days=4),
        ))
    SlaClock.objects.bulk_create(clocks)
    return orders


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # seeded roles and rule sets
def test_sweeper_sends_each_warning_and_escalation_once_with_several_workers(province, people):
    _open_clocks(province, people, 10_000)
    results, errors = [], []

    def worker():
        try:
            results.append(clocks_sweep(batch=400))
        except Exception as exc:  # surfaced below: a worker must not fail
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(r["warned"] for r in results) == 10_000  # every clock passed 80%
    assert sum(r["breached"] for r in results) == 5_000
    assert Message.objects.filter(dedupe_key__startswith="clock:").count() == 10_000
    assert Reminder.objects.filter(kind="remind", clock_key="K-3/complaint").count() == 5_000
    supervise = Reminder.objects.filter(kind="supervise", clock_key="K-3/complaint")
    assert supervise.count() == 5_000
    # rule K-6: not forwarded, so the owner of record (a province agent) holds them: the 督办 goes to the
    # supervisor above that desk
    assert set(supervise.values_list("to_user", flat=True)) == {people["supervisor"].pk}
    # A retried or overlapping run sends nothing more.
    assert clocks_sweep() == {"warned": 0, "breached": 0}
    assert Reminder.objects.count() == 10_000
    checked, breaks = audit_verify()
    assert breaks == [] and checked == 5_000


def _sweep_queries(province, people, count, batch):
    _open_clocks(province, people, count)
    with CaptureQueriesContext(connection) as captured:
        result = clocks_sweep(batch=batch)
    assert result == {"warned": count, "breached": count // 2}
    return len(captured)


def test_sweeper_query_count_depends_on_batches_not_on_clocks(province, people):
    # One batch of warnings and one of escalations, whether the batch holds 50 clocks or 1,000:
    # warn = look, claim, load, insert messages; breach adds supervisors, reminders, audit.
    small = _sweep_queries(province, people, 100, batch=1_000)
    WorkOrder.objects.all().update(number=Concat(F("number"), Value("x")))
    large = _sweep_queries(province, people, 2_000, batch=2_000)
    assert small == large
    assert small <= 25


def test_sweeper_ignores_stopped_and_paused_clocks(province, people):
    orders = _open_clocks(province, people, 3, breached_share=1)
    now = timezone.now()
    SlaClock.objects.filter(order=orders[0]).update(stopped_at=now, met=False)
    SlaClock.objects.filter(order=orders[1]).update(paused_since=now, pause_reason="等待客户")
    assert clocks_sweep() == {"warned": 1, "breached": 1}
    assert Reminder.objects.filter(order=orders[2]).count() == 2


def test_warning_wording_follows_the_clock_state(people, province):
    """Issue 9: a warning sent after the due time says the deadline passed, not that it is coming."""
    from datetime import timedelta

    from django.utils import timezone

    from griddesk.notify.models import Message
    from griddesk.orders import services
    from griddesk.orders.models import SlaClock
    from griddesk.orders.sweeper import clocks_sweep

    order = services.order_create(order_type="complaint", channel="letter", actor=people["agent"],
                                  customer=province["customers"][0], title="来信",
                                  received_at=timezone.now() - timedelta(days=7))
    clocks_sweep(now=timezone.now())
    clock = SlaClock.objects.get(order=order, key="K-3/complaint")
    subject = Message.objects.get(dedupe_key=f"clock:{clock.pk}:warn").subject
    assert subject.startswith("时限已超") and "已于" in subject and "将于" not in subject
