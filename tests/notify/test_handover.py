"""Issue 9, desk item 1: every hand-over notifies its receiver in the same transaction; the outbox is
delivered by a channel adapter, once (docs/notify.md)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from griddesk.notify import delivery
from griddesk.notify.backends import DeliveryFailed
from griddesk.notify.delivery import MAX_ATTEMPTS, outbox_deliver
from griddesk.notify.models import Message
from griddesk.notify.selectors import inbox_messages, unread_count
from griddesk.orders import services
from griddesk.orders.bulk import order_assign
from griddesk.orgs.models import Crew

pytestmark = pytest.mark.django_db

SENT = []


class RecordingBackend:
    def send(self, message):
        SENT.append(message.pk)
        return f"gw-{message.pk}"


class DownBackend:
    def send(self, message):
        raise DeliveryFailed("网关不可达")


@pytest.fixture
def crew_phone(people):
    people["crew"].phone = "0531-88886666"
    people["crew"].save()
    return people["crew"].phone


def repair(people, province, **kwargs):
    return services.order_create(order_type="repair", channel="hotline", actor=people["agent"],
                                 customer=province["customers"][0], title="家里停电", fault_side="utility", **kwargs)


def complaint(people, province):
    return services.order_create(order_type="complaint", channel="hotline", actor=people["agent"],
                                 customer=province["customers"][0], title="张伟投诉营业员")


def test_rule_R1_R2_dispatch_at_intake_pages_the_crew_by_sms_and_console(people, province, crew_phone):
    order = repair(people, province)
    sms = Message.objects.get(channel="sms", order=order)
    clock = order.clocks.get(key="R-2/urban")
    due = timezone.localtime(clock.due_at).strftime("%H:%M")
    assert sms.address == crew_phone and sms.sent_at is None  # waits in the outbox for the adapter
    assert sms.body == f"【95598抢修】工单 {order.number} 地址 临河县城关镇幸福路1号 请尽快到达（R-2 时限 {due}）"
    assert "张伟" not in sms.body and "13800000001" not in sms.body
    page = Message.objects.get(channel="console", recipient=people["lineman"], order=order)
    assert order.number in page.subject and page.sent_at is not None


def test_rule_R1_a_later_dispatch_pages_the_crew_too(people, province, crew_phone):
    Crew.objects.filter(pk=people["crew"].pk).update(active=False)
    order = repair(people, province)
    assert order.crew is None and not Message.objects.filter(order=order).exists()
    Crew.objects.filter(pk=people["crew"].pk).update(active=True)
    order = services.order_dispatch(order=order, actor=people["dispatcher"], crew=people["crew"])
    assert Message.objects.filter(channel="sms", order=order, address=crew_phone).count() == 1
    assert Message.objects.filter(channel="console", order=order, recipient=people["lineman"]).count() == 1


def test_rule_K3_forward_tells_the_departments_desk(people, province):
    order = complaint(people, province)
    services.order_forward(order=order, actor=people["agent"], department=people["marketing"])
    rows, _more = inbox_messages(people["handler"])
    assert [m.subject for m in rows] == [f"新转派工单：{order.number}（投诉）"]
    assert "张伟" not in rows[0].body  # the title is never in a message
    assert unread_count(people["handler"]) == 1
    assert unread_count(people["station_handler"]) == 0  # another unit's desk


def test_assign_bounce_and_transfer_tell_their_receivers(people, province):
    order = complaint(people, province)
    order = services.order_forward(order=order, actor=people["agent"], department=people["marketing"])
    order = order_assign(order=order, assignee=people["handler"], actor=people["leader"])
    assert Message.objects.filter(recipient=people["handler"], subject__startswith="指派给您").count() == 1
    order = services.order_bounce(order=order, actor=people["handler"], reason="张伟的事不归本部门")
    bounce = Message.objects.get(recipient=people["agent"], subject__startswith="工单被退回")
    assert "张*" in bounce.body and "张伟" not in bounce.body  # staff-typed text is scrubbed (K-9)
    services.order_transfer_to_leader(order=order, actor=people["agent"], note="客户情绪激动")
    assert Message.objects.filter(recipient=people["leader"], order=order).count() == 1


def test_rule_K7_a_reminder_on_a_sealed_order_carries_no_free_text(people, province):
    report = services.order_create(order_type="report", channel="hotline", actor=people["agent"],
                                   org=province["station"], identity={"name": "刘某", "phone": "13911112222"})
    services.reminder_send(order=report, kind="remind", actor=people["leader"], reason="刘某又来电催问")
    message = Message.objects.get(recipient=people["agent"], order=report)
    assert "刘某" not in message.subject + message.body


def test_a_failed_hand_over_notifies_nobody(people, province):
    order = complaint(people, province)
    stale = order.version + 1
    with pytest.raises(services.ConcurrentUpdate):
        services.order_forward(order=order, actor=people["agent"], department=people["marketing"],
                               expected_version=stale)
    assert not Message.objects.filter(order=order).exists()


# ---------------------------------------------------------------- delivery


def test_the_log_adapter_delivers_each_message_once(people, province, crew_phone):
    order = repair(people, province)
    assert outbox_deliver() == {"sent": 1, "failed": 0, "retry": 0, "unknown": 0}
    sms = Message.objects.get(channel="sms", order=order)
    assert sms.sent_at is not None and sms.provider_ref == f"log:{sms.pk}" and sms.attempts == 1
    assert outbox_deliver() == {"sent": 0, "failed": 0, "retry": 0, "unknown": 0}


def test_a_configured_adapter_gets_each_message_once(people, province, crew_phone, settings):
    settings.GRIDDESK_SMS_BACKEND = "tests.notify.test_handover.RecordingBackend"
    SENT.clear()
    repair(people, province)
    outbox_deliver()
    outbox_deliver()
    assert len(SENT) == 1
    assert Message.objects.get(pk=SENT[0]).provider_ref == f"gw-{SENT[0]}"


def test_failures_are_retried_then_given_up_and_recorded(people, province, crew_phone, settings):
    settings.GRIDDESK_SMS_BACKEND = "tests.notify.test_handover.DownBackend"
    order = repair(people, province)
    now = timezone.now()
    assert outbox_deliver(now=now)["retry"] == 1
    sms = Message.objects.get(channel="sms", order=order)
    assert sms.attempts == 1 and "网关不可达" in sms.last_error and sms.next_attempt_at > now
    assert outbox_deliver(now=now)["retry"] == 0  # not before its back-off
    moment = now
    for _attempt in range(MAX_ATTEMPTS - 1):
        moment += timedelta(hours=2)
        outbox_deliver(now=moment)
    sms.refresh_from_db()
    assert sms.attempts == MAX_ATTEMPTS and sms.failed_at is not None and sms.sent_at is None
    assert outbox_deliver(now=moment + timedelta(days=1)) == {"sent": 0, "failed": 0, "retry": 0, "unknown": 0}


def test_a_claim_whose_outcome_is_unknown_is_never_sent_again(people, province, crew_phone):
    order = repair(people, province)
    now = timezone.now()
    Message.objects.filter(channel="sms", order=order).update(claim="dead-worker", claimed_at=now, attempts=1)
    assert outbox_deliver(now=now)["sent"] == 0  # still claimed by a worker that may be talking to the gateway
    assert outbox_deliver(now=now + delivery.CLAIM_TIMEOUT + timedelta(seconds=1))["unknown"] == 1
    sms = Message.objects.get(channel="sms", order=order)
    assert sms.sent_at is None and sms.failed_at is not None and "不再重试" in sms.last_error
