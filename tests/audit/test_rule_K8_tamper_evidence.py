"""Rule K-8: hiding, concealing or destroying complaints is punished. Whatever a database owner does
to the history behind the application's back, `griddesk audit verify` names it (issue 8)."""

import hashlib

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, transaction

from griddesk.audit.models import AuditEvent, AuditHead
from griddesk.audit.services import audit_append, audit_verify, event_material, stream_of
from griddesk.audit.signing import signing_key
from griddesk.audit.testing import tampering_allowed
from griddesk.audit.verify import history_verify
from griddesk.orders.models import WorkOrder
from tests.audit.conftest import crew_steps, order_erased, repair, sql


@pytest.fixture
def order(staff, province):
    """A repair at version 3: created, dispatched (intake), accepted by the crew, crew arrived."""
    return crew_steps(repair(staff, province), staff, "crew_accept", "arrive")


def _events(order):
    return list(AuditEvent.objects.filter(stream=stream_of(order)).order_by("seq"))


def _verify_fails():
    with pytest.raises(CommandError) as failure:
        call_command("audit", "verify")
    return str(failure.value)


def test_rule_K8_a_legit_order_verifies(order):
    assert [e.action for e in _events(order)] == ["order.created", "order.dispatch", "order.crew_accept",
                                                  "order.arrive"]
    assert history_verify().breaks == []


# ---------------------------------------------------------------- defect 1: actor_label outside the hash


def test_rule_K8_verify_names_an_edited_actor_label(order):
    target = _events(order)[2]
    with tampering_allowed():
        sql("UPDATE audit_auditevent SET actor_label = %s WHERE id = %s", ["临时工", target.pk])
    message = _verify_fails()
    assert f"event {target.pk} ({stream_of(order)}#3)" in message
    assert "does not match its hash" in message


# ---------------------------------------------------------------- defect 2: newest event deleted, head rewound


def test_rule_K8_verify_detects_the_newest_event_deleted_and_its_head_rewound(order):
    *kept, newest = _events(order)
    with tampering_allowed():
        sql("DELETE FROM audit_auditevent WHERE id = %s", [newest.pk])
        sql("UPDATE audit_audithead SET seq = %s, hash = %s WHERE stream = %s",
            [kept[-1].seq, kept[-1].hash, stream_of(order)])
    assert audit_verify()[1] == []  # the chain itself is consistent: only the order gives it away
    message = _verify_fails()
    assert f"{stream_of(order)} (order {order.number})" in message
    assert "order is at version 3 but its history (up to #3) records version 2" in message


def test_rule_K8_the_database_refuses_to_delete_or_rewind_a_head(order):
    events = _events(order)
    stream = stream_of(order)
    for statement, params in [
        ("DELETE FROM audit_audithead WHERE stream = %s", [stream]),
        ("UPDATE audit_audithead SET seq = %s, hash = %s WHERE stream = %s", [3, events[2].hash, stream]),
        ("UPDATE audit_audithead SET seq = %s, hash = %s WHERE stream = %s", [4, "f" * 64, stream]),
        ("UPDATE audit_audithead SET seq = %s, hash = %s WHERE stream = %s", [5, events[3].hash, stream]),
        ("UPDATE audit_audithead SET stream = %s WHERE stream = %s", ["orders.workorder:0", stream]),
    ]:
        with pytest.raises(DatabaseError), transaction.atomic():
            sql(statement, params)
    assert AuditHead.objects.get(stream=stream).seq == 4
    audit_append(stream=stream, action="order.note", payload={"note": "往前走"})  # forward: allowed
    assert AuditHead.objects.get(stream=stream).seq == 5
    assert history_verify().breaks == []


# ---------------------------------------------------------------- defect 3: a chain re-hashed by someone


@pytest.mark.parametrize("recompute", ["plain SHA-256", "a guessed key"])
def test_rule_K8_verify_detects_a_chain_rewritten_without_the_audit_key(order, recompute):
    """Whoever edits an event and recomputes every hash after it, without the key, is caught at the edit."""
    events = _events(order)
    key_id, _key = signing_key()

    def rehash(event, prev):
        material = event_material(key_id=key_id, prev_hash=prev, stream=event.stream, seq=event.seq,
                                  action=event.action, actor_id=event.actor_id, actor_label=event.actor_label,
                                  at=event.at, payload=event.payload)
        if recompute == "plain SHA-256":
            return hashlib.sha256(material.encode()).hexdigest()
        import hmac
        return hmac.digest(b"admin123", material.encode(), "sha256").hex()

    events[1].payload = {**events[1].payload, "crew": "C9"}  # "it went to another crew"
    prev = events[0].hash
    with tampering_allowed():
        for event in events[1:]:
            digest = rehash(event, prev)
            AuditEvent.objects.filter(pk=event.pk).update(payload=event.payload, prev_hash=prev, hash=digest)
            prev = digest
        AuditHead.objects.filter(stream=stream_of(order)).update(hash=prev)
    _checked, breaks = audit_verify()
    assert [(b.event_id, b.seq) for b in breaks] == [(events[1].pk, 2)]
    assert "re-hashed without the audit key" in breaks[0].reason
    assert f"event {events[1].pk} ({stream_of(order)}#2)" in _verify_fails()


# ---------------------------------------------------------------- defect 4: a whole order deleted


def test_rule_K8_verify_detects_a_whole_order_deleted_with_its_history(staff, province):
    first, second, third = (repair(staff, province, customer=i) for i in range(3))
    assert [o.number[-6:] for o in (first, second, third)] == ["000001", "000002", "000003"]
    with tampering_allowed():
        order_erased(second)
    assert audit_verify()[1] == []  # every remaining chain is intact
    message = _verify_fails()
    assert f"number {second.number} is missing: the counter says 3 were taken, 2 of them exist" in message


def test_rule_K8_the_database_refuses_to_delete_a_work_order(order):
    with tampering_allowed():
        pass  # lifted and put back: they hold again
    with pytest.raises(DatabaseError), transaction.atomic():
        sql("DELETE FROM orders_workorder WHERE id = %s", [order.pk])
    assert WorkOrder.objects.filter(pk=order.pk).exists()


# ---------------------------------------------------------------- orders against their history


def test_rule_K8_verify_detects_an_order_changed_without_its_event(order):
    """A workflow action bypassed: the order moved on, its history did not."""
    WorkOrder.objects.filter(pk=order.pk).update(state="archived", version=4)
    message = _verify_fails()
    assert f"{stream_of(order)} (order {order.number}): order is at version 4" in message
    assert "changed without its event" in message


def test_rule_K8_verify_detects_a_renumbered_order(order, capsys):
    WorkOrder.objects.filter(pk=order.pk).update(number=order.number[:-6] + "000009")
    assert "the order was renumbered" in _verify_fails()
    err = capsys.readouterr().err
    assert f"number {order.number} is missing: the counter says 1 were taken, 0 of them exist" in err
    assert f"number {order.number[:-6]}000009 lies beyond the counter's 1" in err


def test_rule_K8_verify_detects_an_order_whose_history_does_not_start_with_its_creation(order, staff):
    with tampering_allowed():
        sql("DELETE FROM audit_auditevent WHERE stream = %s", [stream_of(order)])
        sql("DELETE FROM audit_audithead WHERE stream = %s", [stream_of(order)])
    audit_append(stream=stream_of(order), action="order.note", actor=staff["agent"], payload={"version": 3})
    assert audit_verify()[1] == []
    assert "history starts with 'order.note', not 'order.created'" in _verify_fails()


def test_rule_K8_verify_names_every_problem_and_exits_1(order, staff, province, capsys):
    other = repair(staff, province, customer=1)
    WorkOrder.objects.filter(pk=other.pk).update(version=2)
    with tampering_allowed():
        sql("UPDATE audit_auditevent SET action = %s WHERE stream = %s AND seq = 2",
            ["order.nothing", stream_of(order)])
    with pytest.raises(CommandError, match="2 problem"):
        call_command("audit", "verify")
    err = capsys.readouterr().err
    assert err.count("BROKEN ") == 2
    assert f"({stream_of(order)}#2)" in err and f"{stream_of(other)} (order {other.number})" in err
