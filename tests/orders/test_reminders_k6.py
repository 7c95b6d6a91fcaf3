"""Rule K-6 (issue 9): reminders routed to the desk holding the work, 督办 to the supervisor above it,
the owner of record copied (H-4), own deadlines, escalation level by level, the 通报, closing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from griddesk.audit.models import AuditEvent
from griddesk.audit.services import audit_verify, stream_of
from griddesk.notify.models import Message
from griddesk.orders import services
from griddesk.orders.bulk import order_assign
from griddesk.orders.models import OrderState, Reminder, ReminderCircular, WorkOrder
from griddesk.orders.reminders import circular_send, reminder_route, reminders_escalate
from griddesk.orders.workflows import TransitionRefused
from griddesk.rules.models import Deadline
from griddesk.rules.selectors import rules_cache_clear

pytestmark = pytest.mark.django_db


def complaint(people, province, customer=0, **kwargs):
    return services.order_create(order_type="complaint", channel="hotline", actor=people["agent"],
                                 customer=province["customers"][customer], title="营业员态度差", **kwargs)


def forwarded(people, province, department=None):
    order = complaint(people, province)
    return services.order_forward(order=order, actor=people["agent"], department=department or people["marketing"])


def repair(people, province):
    return services.order_create(order_type="repair", channel="hotline", actor=people["agent"],
                                 customer=province["customers"][0], title="家里停电", fault_side="utility")


def remind(order, actor, kind="remind", reason="客户催促，请尽快处理"):
    return services.reminder_send(order=order, kind=kind, actor=actor, reason=reason)


def console(**filters):
    return Message.objects.filter(channel="console", **filters)


# ---------------------------------------------------------------- routing


def test_rule_K6_remind_of_a_forwarded_complaint_goes_to_the_department_and_copies_the_owner(people, province):
    order = forwarded(people, province)
    reminder = remind(order, people["leader"])
    assert (reminder.to_user, reminder.to_org, reminder.to_crew) == (None, people["marketing"], None)
    desk = console(recipient_org=people["marketing"], subject__startswith="催办")
    assert desk.count() == 1 and order.number in desk.get().subject
    copy = console(recipient=people["agent"], subject__startswith="抄送")  # rule H-4: the owner is told
    assert copy.count() == 1 and "临河县营销部" in copy.get().subject


def test_rule_K6_remind_of_a_repair_with_its_crew_goes_to_the_crew(people, province):
    people["crew"].phone = "0531-88886666"
    people["crew"].save()
    order = repair(people, province)
    reminder = remind(order, people["leader"])
    assert (reminder.to_user, reminder.to_org, reminder.to_crew) == (None, None, people["crew"])
    assert console(recipient=people["lineman"], subject__startswith="催办").count() == 1
    sms = Message.objects.get(channel="sms", dedupe_key=f"reminder:{reminder.pk}:sms")
    assert sms.address == "0531-88886666" and order.number in sms.body and "幸福路1号" in sms.body
    assert console(recipient=people["agent"], subject__startswith="抄送").count() == 1
    # once restored, the crew no longer holds it: the owner of record does
    for step in ("arrive", "repair", "restore"):
        order = services.order_crew_step(order=order, actor=people["lineman"], step=step)
    assert reminder_route(order, "remind").to_user == people["agent"]


def test_rule_K6_remind_goes_to_the_assignee_of_the_handling_department(people, province):
    order = forwarded(people, province)
    order = order_assign(order=order, assignee=people["handler"], actor=people["leader"])
    assert remind(order, people["leader"]).to_user == people["handler"]
    # an assignee from before the forward, outside the department, does not hold it: the department does
    other = complaint(people, province, customer=1)  # another customer: not a repeat
    other = order_assign(order=other, assignee=people["station_handler"], actor=people["leader"])
    other = services.order_forward(order=other, actor=people["agent"], department=people["marketing"])
    assert remind(other, people["leader"]).to_org == people["marketing"]


def test_rule_K6_remind_of_an_order_nobody_else_holds_goes_to_the_owner_without_a_copy(people, province):
    order = services.order_create(order_type="consultation", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0])
    reminder = remind(order, people["leader"])
    assert reminder.to_user == people["agent"]
    assert console(recipient=people["agent"]).count() == 1  # told once, as the recipient


def test_rule_K6_supervise_goes_to_the_supervisor_above_the_desk(people, province):
    order = forwarded(people, province)
    item = remind(order, people["supervisor"], kind="supervise", reason="超期未办")
    # 营销部 is a department of the county: the county's supervisor is the nearest above the desk
    assert (item.to_user, item.to_org) == (people["county_supervisor"], people["marketing"])
    assert console(recipient=people["county_supervisor"], subject__startswith="督办").count() == 1
    assert console(recipient=people["agent"], subject__startswith="抄送").count() == 1
    assert timedelta(hours=47, minutes=59) < item.due_at - item.created_at <= timedelta(hours=48)


def test_rule_K6_K9_supervise_skips_a_supervisor_of_the_unit_a_report_is_about(people, province):
    report = services.order_create(order_type="report", channel="hotline", actor=people["agent"],
                                   org=province["station"], title="抄表员收受好处", accused=[province["county"]],
                                   identity={"name": "刘某", "phone": "13911112222"})
    report = order_assign(order=report, assignee=people["station_handler"], actor=people["leader"])
    item = remind(report, people["supervisor"], kind="supervise", reason="请督办")
    assert item.to_user == people["supervisor"]  # not the county's: a report is never announced to its accused
    assert not Message.objects.filter(recipient=people["county_supervisor"]).exists()
    body = console(recipient=people["supervisor"]).get().body
    assert "刘某" not in body and "13911112222" not in body


def test_rule_K6_own_deadline_from_settings_or_the_rule_set(people, province, settings):
    settings.GRIDDESK_REMIND_HOURS = 6
    order = forwarded(people, province)
    first = remind(order, people["leader"])
    assert first.due_at - first.created_at == timedelta(hours=6)
    Deadline.objects.create(version=order.ruleset_version, key="K-6/remind", rule="K-6", amount=2,
                            unit="hours", label="催办2小时内办理")
    rules_cache_clear()
    second = remind(order, people["leader"])
    assert second.due_at - second.created_at == timedelta(hours=2)
    named = services.reminder_send(order=order, kind="remind", actor=people["leader"], reason="限时",
                                   due_at=timezone.now() + timedelta(hours=30))
    assert timedelta(hours=29) < named.due_at - named.created_at < timedelta(hours=31)


def test_rule_K6_a_named_recipient_is_kept(people, province):
    order = forwarded(people, province)
    reminder = services.reminder_send(order=order, kind="remind", actor=people["leader"], reason="请回电",
                                      to_user=people["agent"])
    assert reminder.to_user == people["agent"] and reminder.to_org is None


def test_rule_K6_no_reminder_on_an_archived_order(people, province):
    order = services.order_create(order_type="consultation", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0])
    order = services.order_answer(order=order, actor=people["agent"], answer="已解答")
    order = services.order_archive(order=order, actor=people["agent"])
    with pytest.raises(TransitionRefused, match="已归档"):
        remind(order, people["leader"])


# ---------------------------------------------------------------- escalation and the 通报


def test_rule_K6_overdue_reminders_escalate_one_level_at_a_time(people, province):
    order = forwarded(people, province)
    reminder = remind(order, people["leader"])
    start = reminder.created_at
    assert reminders_escalate(now=start + timedelta(hours=23)) == 0
    assert reminders_escalate(now=start + timedelta(hours=25)) == 1
    first = Reminder.objects.get(escalates=reminder)
    assert (first.kind, first.to_user, first.to_org) == ("supervise", people["county_supervisor"], people["marketing"])
    assert console(recipient=people["county_supervisor"], order=order).count() == 1
    assert reminders_escalate(now=start + timedelta(hours=30)) == 0  # each once
    assert reminders_escalate(now=first.due_at + timedelta(minutes=1)) == 1
    second = Reminder.objects.get(escalates=first)
    assert second.to_user == people["supervisor"]  # one level up: the province
    assert reminders_escalate(now=second.due_at + timedelta(minutes=1)) == 1  # nobody above: recorded
    assert not Reminder.objects.filter(escalates=second).exists()
    actions = list(AuditEvent.objects.filter(stream=stream_of(order)).values_list("action", flat=True))
    assert actions.count("order.supervise") == 2 and "order.reminder_overdue" in actions
    assert audit_verify()[1] == []


def test_rule_K6_circular_lists_the_overdue_per_org_once_a_day(people, province, settings):
    settings.GRIDDESK_CIRCULAR_HOUR = 8
    people["county_supervisor"].roles.add(*people["supervisor"].roles.all())
    complaint_ = forwarded(people, province)
    on_desk = remind(complaint_, people["leader"])
    repair_ = repair(people, province)
    with_crew = remind(repair_, people["leader"])
    later = timezone.localtime(on_desk.due_at + timedelta(days=1)).replace(hour=9, minute=0)
    assert circular_send(now=later.replace(hour=7)) is None  # before the hour
    circular = circular_send(now=later)
    assert (circular.overdue, circular.recipients) == (2, 2)  # both supervisors; nobody else supervises
    assert circular_send(now=later + timedelta(hours=2)) is None  # once per day
    body = Message.objects.get(recipient=people["county_supervisor"], dedupe_key__startswith="circular:").body
    assert "临河县营销部：催办 1 件，督办 0 件" in body and "城关供电所：催办 1 件，督办 0 件" in body
    assert complaint_.number in body and repair_.number in body
    assert "张伟" not in body and "13800000001" not in body  # no complainant, no customer
    assert with_crew.to_crew == people["crew"]
    assert ReminderCircular.objects.count() == 1


# ---------------------------------------------------------------- closing


def test_rule_K6_reminders_close_when_the_step_they_chase_is_done(people, province):
    order = forwarded(people, province)
    reminder = remind(order, people["leader"])
    services.order_contact(order=order, actor=people["handler"], note="已电话联系客户")
    reminder.refresh_from_db()
    assert reminder.done_at is not None and reminder.close_reason == "moved_on"
    event = AuditEvent.objects.get(stream=stream_of(order), action="order.reminders_closed")
    assert event.payload == {"reminders": [reminder.pk], "reason": "moved_on"}


def test_rule_K6_reminders_close_when_their_desk_no_longer_holds_the_work(people, province):
    order = forwarded(people, province)
    to_department = remind(order, people["leader"])
    order = services.order_forward(order=order, actor=people["agent"], department=province["station"])
    to_department.refresh_from_db()
    assert to_department.close_reason == "handed_over"
    to_station = remind(order, people["leader"])
    order = order_assign(order=order, assignee=people["station_handler"], actor=people["leader"])
    to_station.refresh_from_db()
    assert to_station.close_reason == "handed_over"
    to_assignee = remind(order, people["leader"])
    services.order_transfer_to_leader(order=order, actor=people["agent"], note="客户情绪激动")
    to_assignee.refresh_from_db()
    assert to_assignee.done_at is None  # a transfer changes nobody's work


def test_rule_K6_reminders_close_when_the_order_is_archived(people, province):
    order = services.order_create(order_type="consultation", channel="hotline", actor=people["agent"],
                                  customer=province["customers"][0])
    order = services.order_answer(order=order, actor=people["agent"], answer="已解答")
    reminder = remind(order, people["leader"])
    services.order_archive(order=order, actor=people["agent"])
    reminder.refresh_from_db()
    assert reminder.close_reason == "archived"
    assert reminder.done_at == WorkOrder.objects.get(pk=order.pk).closed_at  # in the archive's transaction


def test_rule_K6_C11_transfer_goes_to_the_shift_leaders_post(people, province):
    order = complaint(people, province)
    services.order_transfer_to_leader(order=order, actor=people["agent"], note="客户情绪激动")
    reminder = Reminder.objects.get(order=order)
    assert (reminder.to_org, reminder.to_role) == (province["root"], "shift_leader")
    assert console(recipient=people["leader"], subject__startswith="催办").count() == 1
    assert not console(recipient=people["supervisor"]).exists()
    done = services.reminder_done(reminder=reminder, actor=people["leader"])
    assert done.done_at is not None and Reminder.objects.get(pk=reminder.pk).close_reason == "done"
    assert order.state == OrderState.ACCEPTED
