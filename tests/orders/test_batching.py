"""Order intake in batches (orders/intake.py, orders/batching.py): the national-peak write path.

A batch of drafts is written with the same statements as one order; numbers stay gapless
(rule K-8); a failed batch is written again draft by draft so only the bad one fails.
"""

import threading

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from griddesk.api.models import IdempotencyRecord
from griddesk.audit.services import audit_verify
from griddesk.orders import services
from griddesk.orders.batching import IntakeBatcher, _Pending, intake_batcher_stop, intake_commit
from griddesk.orders.intake import intake_write
from griddesk.orders.models import OrderNumberCounter, OrderState, SlaClock, WorkOrder
from griddesk.orgs.models import Crew


def _repair_drafts(people, province, count, **kwargs):
    customers = province["customers"]
    return [services.order_draft(order_type="repair", channel="hotline", actor=people["agent"],
                                 customer=customers[i % 2], title=f"停电{i}", detect_repeat=False, **kwargs)
            for i in range(count)]


def _statements(callable_):
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return [q["sql"] for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


def test_a_batch_of_twelve_is_written_with_the_statements_of_one_order(people, province):
    one = _repair_drafts(people, province, 1)
    twelve = _repair_drafts(people, province, 12)
    batch = _statements(lambda: intake_write(twelve))
    single = _statements(lambda: intake_write(one))  # the day's counter row exists by now
    # number counter, orders, audit events, audit heads, clocks, the crews' members and their pages
    # (SMS and console messages, docs/notify.md): whatever the batch size
    assert len(single) == 7 and len(batch) == 8, [sql[:60] for sql in batch]  # + the day's counter row
    assert [d.order.state for d in twelve] == [OrderState.DISPATCHED] * 12
    assert {d.order.crew for d in twelve} == {people["crew"]}
    assert SlaClock.objects.filter(order__in=[d.order for d in twelve], key="R-2/urban").count() == 12


def test_batched_numbers_are_consecutive_after_the_days_earlier_orders_rule_K_8(people, province):
    first = services.order_create(order_type="complaint", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][2])
    drafts = _repair_drafts(people, province, 5)
    intake_write(drafts)
    serials = [int(d.order.number[-6:]) for d in drafts]
    assert serials == list(range(int(first.number[-6:]) + 1, int(first.number[-6:]) + 6))
    assert OrderNumberCounter.objects.get().last == serials[-1]
    checked, breaks = audit_verify()
    assert breaks == [] and checked >= 11  # one created + one dispatch event per repair, and the complaint


def test_a_failed_batch_writes_each_draft_alone_so_only_the_bad_one_fails_rule_K_8(people, province):
    agent = people["agent"]
    taken = services.order_create(order_type="consultation", channel="hotline", actor=agent)
    IdempotencyRecord.objects.create(user=agent, key="used", request_digest="x", order=taken, status=201,
                                     response={})

    def record(key):
        return lambda order: [IdempotencyRecord(user=agent, key=key, request_digest="d", order=order,
                                                status=201, response={"number": order.number})]

    drafts = _repair_drafts(people, province, 3)
    drafts[1].extra = record("used")  # collides with the stored key
    drafts[0].extra, drafts[2].extra = record("fresh-0"), record("fresh-2")
    batcher = IntakeBatcher()
    try:
        batch = [_Pending(draft) for draft in drafts]
        batcher._write(batch)
    finally:
        batcher.stop()
    assert [p.done.is_set() for p in batch] == [True, True, True]
    assert batch[0].error is None and batch[2].error is None
    assert isinstance(batch[1].error, IntegrityError)
    written = WorkOrder.objects.filter(order_type="repair")
    assert sorted(written.values_list("title", flat=True)) == ["停电0", "停电2"]
    # the failed draft gave its number back: the two written ones follow the consultation
    assert sorted(int(n[-6:]) for n in written.values_list("number", flat=True)) == [
        int(taken.number[-6:]) + 1, int(taken.number[-6:]) + 2]
    assert drafts[0].result[0].response == {"number": drafts[0].order.number}


def test_the_crew_of_a_batched_repair_is_the_one_covering_its_transformer_rule_C_8(people, province):
    other = Crew.objects.create(code="C2", name="东关抢修班", org=province["station"])
    province["tx2"].crew = other
    province["tx2"].save()
    drafts = [services.order_draft(order_type="repair", channel="hotline", actor=people["agent"],
                                   customer=province["customers"][i]) for i in (0, 2)]
    intake_write(drafts)
    assert [d.order.crew for d in drafts] == [people["crew"], other]
    assert [c.key for c in drafts[1].order.planned_clocks] == ["R-2/rural"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # seeded roles and rule sets
def test_concurrent_creates_through_the_writer_thread_are_all_written_gapless_rule_K_8(people, province, settings):
    settings.GRIDDESK_GROUP_COMMIT = True
    threads_count = 12
    barrier, orders, errors = threading.Barrier(threads_count), [], []

    def accept(slot):
        try:
            barrier.wait(timeout=10)
            draft = services.order_draft(order_type="repair", channel="hotline", actor=people["agent"],
                                         customer=province["customers"][slot % 2], title=f"停电{slot}",
                                         detect_repeat=False)
            orders.append(intake_commit(draft))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(slot,)) for slot in range(threads_count)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        intake_batcher_stop()
    assert errors == []
    serials = sorted(int(order.number[-6:]) for order in orders)
    assert serials == list(range(1, threads_count + 1))
    assert WorkOrder.objects.count() == threads_count
    assert SlaClock.objects.count() == threads_count
    assert audit_verify()[1] == []


def _mixed_drafts(people, province):
    agent, (c1, c2, c3) = people["agent"], province["customers"]
    kinds = [
        dict(order_type="repair", customer=c1, fault_side="utility"),
        dict(order_type="repair", customer=c3, fault_side="customer_internal"),
        dict(order_type="complaint", customer=c2, title="抄表不准"),
        dict(order_type="report", customer=c1, anonymous=True,
             identity={"name": "匿名人", "phone": "13900000000", "contact": ""}),
        dict(order_type="consultation", customer=c2),
        dict(order_type="application", customer=c3, title="新装"),
    ]
    return [services.order_draft(channel="hotline", actor=agent, detect_repeat=False, **kind) for kind in kinds]


def _summary(order):
    from griddesk.audit.models import AuditEvent
    from griddesk.audit.services import stream_of
    from griddesk.orders.models import SealedIdentity

    order = WorkOrder.objects.get(pk=order.pk)
    return (order.order_type, order.state, order.crew_id, order.ruleset_version_id, order.zone,
            order.application_kind, sorted(order.clocks.values_list("key", "rule")),
            list(AuditEvent.objects.filter(stream=stream_of(order)).order_by("seq").values_list("action", flat=True)),
            SealedIdentity.objects.filter(order=order).values_list("name", flat=True).first())


def test_a_batch_of_every_kind_writes_what_one_by_one_writes_rule_K_7(people, province):
    """Repairs with and without a crew, complaint, anonymous report, consultation, application."""
    batched = _mixed_drafts(people, province)
    intake_write(batched)
    alone = _mixed_drafts(people, province)
    for draft in alone:
        services.order_draft_commit(draft)
    assert [_summary(d.order) for d in batched] == [_summary(d.order) for d in alone]
    assert _summary(batched[3].order)[-1] == "匿名人"  # rule K-7: sealed apart, written in the batch
    assert audit_verify()[1] == []
