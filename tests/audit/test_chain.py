"""Rule K-8: the history is append-only and tamper-evident."""

import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, transaction

from griddesk.audit.models import AuditEvent, AuditHead
from griddesk.audit.services import audit_append, audit_verify, stream_of
from griddesk.audit.testing import tampering_allowed
from griddesk.orders.services import order_create


@pytest.fixture
def order_with_history(province, make_staff):
    agent = make_staff("agent1", province["station"], "agent", agent_no="A1001")
    order = order_create(order_type="complaint", channel="hotline", org=province["station"],
                         actor=agent, customer=province["customers"][0], title="抄表员态度差")
    for step in ("order.forwarded", "order.contacted", "order.replied"):
        audit_append(stream=stream_of(order), action=step, actor=agent, payload={"note": step})
    return order


def test_rule_K8_chain_links_every_event_of_an_order(order_with_history):
    events = list(AuditEvent.objects.filter(stream=stream_of(order_with_history)).order_by("seq"))
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert events[0].action == "order.created"
    for prev, event in itertools.pairwise(events):
        assert event.prev_hash == prev.hash
    head = AuditHead.objects.get(stream=stream_of(order_with_history))
    assert (head.seq, head.hash) == (4, events[-1].hash)
    checked, breaks = audit_verify()
    assert (checked, breaks) == (4, [])


def test_rule_K8_database_refuses_update_and_delete(order_with_history):
    event = AuditEvent.objects.filter(stream=stream_of(order_with_history)).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="order.nothing")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "order.created"


def test_rule_K8_verify_names_an_edited_event(order_with_history, capsys):
    target = AuditEvent.objects.get(stream=stream_of(order_with_history), seq=2)
    with tampering_allowed():
        AuditEvent.objects.filter(pk=target.pk).update(payload={"note": "改过的内容"})
    with pytest.raises(CommandError) as failure:
        call_command("audit", "verify")
    assert f"event {target.pk} ({stream_of(order_with_history)}#2)" in str(failure.value)
    assert "edited" in str(failure.value)


def test_rule_K8_verify_names_a_deleted_event(order_with_history):
    target = AuditEvent.objects.get(stream=stream_of(order_with_history), seq=3)
    following = AuditEvent.objects.get(stream=stream_of(order_with_history), seq=4)
    with tampering_allowed():
        AuditEvent.objects.filter(pk=target.pk).delete()
    checked, breaks = audit_verify()
    assert checked == 3
    assert len(breaks) == 1
    assert breaks[0].event_id == following.pk
    assert "expected #3, found #4" in breaks[0].reason


def test_rule_K8_verify_detects_the_newest_event_deleted(order_with_history):
    newest = AuditEvent.objects.get(stream=stream_of(order_with_history), seq=4)
    with tampering_allowed():
        AuditEvent.objects.filter(pk=newest.pk).delete()
    with pytest.raises(CommandError, match="head says #4 but the chain ends at #3"):
        call_command("audit", "verify")


def test_rule_K8_verify_detects_a_whole_history_deleted(order_with_history):
    with tampering_allowed():
        AuditEvent.objects.filter(stream=stream_of(order_with_history)).delete()
        AuditHead.objects.filter(stream=stream_of(order_with_history)).delete()
    with pytest.raises(CommandError, match="work order has no history"):
        call_command("audit", "verify")


def test_rule_K8_work_orders_cannot_be_deleted(order_with_history):
    with pytest.raises(PermissionError):
        order_with_history.delete()


def test_verify_ok_prints_count(order_with_history, capsys):
    call_command("audit", "verify")
    assert "OK, 4 events" in capsys.readouterr().out
