"""Rule K-8: everything the application legitimately writes verifies, against checkpoints too.

Intake in batches, workflow actions, assignments, reminders, repeat contacts, identity openings
and the SLA sweeper's batched appends all pass the database triggers and `audit verify`.
"""

import io
from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from griddesk.audit.models import AuditEvent
from griddesk.audit.services import audit_append_many, stream_of
from griddesk.audit.verify import history_verify
from griddesk.orders import services
from griddesk.orders.bulk import order_assign
from griddesk.orders.intake import intake_write
from griddesk.orders.models import ReminderKind, WorkOrder
from griddesk.orders.sweeper import clocks_sweep
from tests.audit.conftest import crew_steps


def _drafts(staff, province):
    agent, customers = staff["agent"], province["customers"]
    return [
        services.order_draft(order_type="repair", channel="hotline", actor=agent, customer=customers[0],
                             title="停电", fault_side="utility", detect_repeat=False),
        services.order_draft(order_type="repair", channel="app", actor=agent, customer=customers[1],
                             title="电压低", detect_repeat=False),
        services.order_draft(order_type="complaint", channel="hotline", actor=agent, customer=customers[2],
                             title="抄表员态度差", detect_repeat=False),
        services.order_draft(order_type="report", channel="website", actor=agent, anonymous=True,
                             org=province["county"], title="举报窃电", detect_repeat=False,
                             identity={"name": "匿名", "phone": "13900000000"}),
        services.order_draft(order_type="consultation", channel="hotline", actor=agent, customer=customers[0],
                             title="咨询电价", detect_repeat=False),
    ]


def test_rule_K8_a_busy_day_of_legitimate_writes_verifies(staff, province, tmp_path, capsys):
    drafts = _drafts(staff, province)
    intake_write(drafts)
    repair, slow_repair, complaint, report, consultation = (draft.order for draft in drafts)
    crew_steps(repair, staff, "crew_accept", "arrive")
    services.order_forward(order=complaint, actor=staff["agent"], department=province["county"])
    services.order_contact(order=complaint, actor=staff["handler"], note="已电话联系客户")
    order_assign(order=slow_repair, assignee=staff["lineman"], actor=staff["leader"])
    reminder = services.reminder_send(order=complaint, kind=ReminderKind.REMIND, actor=staff["leader"],
                                      reason="请尽快处理", to_user=staff["handler"])
    services.reminder_done(reminder=reminder, actor=staff["handler"], note="已处理")
    services.order_create(order_type="repair", channel="hotline", actor=staff["agent"],  # a repeat
                          customer=province["customers"][1], title="还是电压低")
    services.identity_open(order=report, actor=staff["supervisor"], purpose="核实举报内容")
    services.order_answer(order=consultation, actor=staff["agent"], answer="峰谷电价见公告")
    swept = clocks_sweep(now=timezone.now() + timedelta(days=60))  # warns, then breaches, every running clock
    assert swept["breached"] > 0
    audit_append_many([{"stream": "import:customers", "action": "import.customers", "payload": {"rows": 2}}])
    assert WorkOrder.objects.filter(version__gt=1).count() >= 4
    assert AuditEvent.objects.filter(action="order.sla_breached").count() >= 3

    report_ = history_verify()
    assert report_.breaks == [] and report_.events == AuditEvent.objects.count()
    checkpoint = tmp_path / "checkpoint.json"
    call_command("audit", "checkpoint", "--out", str(checkpoint), stdout=io.StringIO())

    intake_write(_drafts(staff, province)[:2])  # the history grows after the checkpoint
    services.order_archive(order=WorkOrder.objects.get(pk=consultation.pk), actor=staff["agent"])
    clocks_sweep(now=timezone.now() + timedelta(days=90))
    call_command("audit", "verify", "--checkpoint", str(checkpoint))
    assert "unchanged since 1 checkpoint(s)" in capsys.readouterr().out
    assert AuditEvent.objects.filter(stream=stream_of(consultation), action="order.archive").exists()
