"""Rule K-8, issue 8 item 5: a workflow action's update, its audit event and its clocks commit
together or not at all (before, the update committed and the event could be lost)."""

import pytest

from griddesk.audit.models import AuditEvent
from griddesk.audit.services import stream_of
from griddesk.orders import services
from griddesk.orders.models import SlaClock, WorkOrder


class EventLost(Exception):
    """Stands for the server dying between the order's update and its event."""


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # autocommit, as the server runs
def test_rule_K8_action_and_its_event_commit_together(people, province, monkeypatch):
    order = services.order_create(order_type="complaint", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0], title="抄表员态度差")

    def dies(**kwargs):
        raise EventLost

    monkeypatch.setattr(services, "audit_append", dies)
    with pytest.raises(EventLost):
        services.order_forward(order=WorkOrder.objects.get(pk=order.pk), actor=people["agent"],
                               department=people["marketing"])
    stored = WorkOrder.objects.get(pk=order.pk)
    assert (stored.version, stored.state, stored.handling_org_id) == (1, "accepted", None)
    history = AuditEvent.objects.filter(stream=stream_of(order)).order_by("seq")
    assert list(history.values_list("action", flat=True)) == ["order.created"]
    monkeypatch.undo()
    forwarded = services.order_forward(order=stored, actor=people["agent"], department=people["marketing"])
    event = AuditEvent.objects.filter(stream=stream_of(order)).order_by("-seq").first()
    assert (forwarded.version, event.action, event.payload["version"]) == (2, "order.forward", 2)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rule_T1_stage_delay_reason_commits_with_the_stage(people, province, monkeypatch):
    order = services.order_create(order_type="application", channel="hall", actor=people["agent"],
                                  customer=province["customers"][0], title="新装")
    clock = SlaClock.objects.get(order=order, key__startswith="T-1")
    SlaClock.objects.filter(pk=clock.pk).update(due_at=clock.started_at)  # already late

    def dies(**kwargs):
        raise EventLost

    monkeypatch.setattr(services.clocks, "clocks_record_delay_reason", dies)
    with pytest.raises(EventLost):
        services.order_application_stage(order=WorkOrder.objects.get(pk=order.pk), actor=people["station_handler"],
                                         stage="reply_plan", delay_reason="客户资料不全")
    assert WorkOrder.objects.get(pk=order.pk).version == 1
    assert SlaClock.objects.get(pk=clock.pk).stopped_at is None
