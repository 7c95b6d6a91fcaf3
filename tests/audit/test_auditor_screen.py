"""The auditor screen (rule K-8, docs/audit.md): an order's and a user's history with the chain's status,
the audited export, "verify the whole audit" as a background task with progress, query counts."""

import csv
import io
import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from griddesk.audit import auditing
from griddesk.audit.models import AuditEvent, VerifyRun, VerifyStatus
from griddesk.audit.services import stream_of, streams_check
from griddesk.audit.tasks import audit_verify_run
from griddesk.audit.testing import tampering_allowed
from griddesk.orders import services
from griddesk.orgs.models import Staff
from tests.audit.conftest import crew_steps, repair, sql

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(province, make_staff):
    return make_staff("auditor", province["root"], "auditor")


@pytest.fixture
def order(staff, province):
    """A repair at version 3: created, dispatched (intake), accepted by the crew, crew arrived."""
    return crew_steps(repair(staff, province), staff, "crew_accept", "arrive")


def _as(client, user):
    client.force_login(user)
    return client


def _text(response):
    return response.content.decode()


def test_rule_K8_order_history_in_chain_order_with_labels_and_chain_ok(client, auditor, order):
    response = _as(client, auditor).get(reverse("console:audit:order", args=[order.number]))
    assert response.status_code == 200
    trail = response.context["trail"]
    assert [(row.seq, row.action) for row in trail.rows] == [
        (1, "order.created"), (2, "order.dispatch"), (3, "order.crew_accept"), (4, "order.arrive")]
    assert trail.ok and trail.version_problem == ""
    dispatch = dict(trail.rows[1].details)
    assert dispatch["新状态"] == "已派工" and dispatch["原状态"] == "已受理"  # labels, not the codes
    created = dict(trail.rows[0].details)
    assert created["渠道"] == "95598热线" and created["工单类型"] == "故障报修"
    assert created["客户提交时间"] == timezone.localtime(order.received_at).strftime("%Y-%m-%d %H:%M:%S")
    assert "审计链完整" in _text(response)
    assert "dispatched" not in _text(response)


def test_rule_K8_order_history_names_a_broken_chain_and_the_rows_after_it(client, auditor, order):
    events = list(AuditEvent.objects.filter(stream=stream_of(order)).order_by("seq"))
    with tampering_allowed():
        sql("UPDATE audit_auditevent SET actor_label = %s WHERE id = %s", ["临时工", events[2].pk])
    response = _as(client, auditor).get(reverse("console:audit:order", args=[order.number]))
    trail = response.context["trail"]
    assert not trail.ok
    assert [row.chain_ok for row in trail.rows] == [True, True, False, False]
    check = streams_check([stream_of(order)])[stream_of(order)]
    assert check.seq == 3 and check.kind == "hash" and "does not match its hash" in check.problem
    assert f"{stream_of(order)}#3：内容与其哈希不符（事件被修改）" in _text(response)


def test_rule_K8_order_history_names_an_order_changed_without_its_event(client, auditor, order):
    sql("UPDATE orders_workorder SET version = version + 1 WHERE id = %s", [order.pk])
    response = _as(client, auditor).get(reverse("console:audit:order", args=[order.number]))
    assert "工单当前版本为 4，审计历史记录的版本为 3" in response.context["trail"].version_problem


def test_rule_K8_a_deleted_newest_event_shows_as_a_head_mismatch(order):
    newest = AuditEvent.objects.filter(stream=stream_of(order)).order_by("-seq").first()
    with tampering_allowed():
        sql("DELETE FROM audit_auditevent WHERE id = %s", [newest.pk])
    check = streams_check([stream_of(order)])[stream_of(order)]
    assert not check.ok and check.seq == 4 and check.kind == "head" and "stream head says #4" in check.problem


def test_user_history_lists_what_the_user_did_across_orders(client, auditor, staff, province):
    first, second = repair(staff, province, 0), repair(staff, province, 1)
    crew_steps(first, staff, "crew_accept")
    response = _as(client, auditor).get(reverse("console:audit:user", args=["agent"]))
    trail = response.context["trail"]
    assert {row.order_number for row in trail.rows} == {first.number, second.number}
    assert all(row.actor.startswith("agent") for row in trail.rows)
    assert "order.crew_accept" not in [row.action for row in trail.rows]  # the lineman's, not the agent's
    assert trail.ok and len(trail.checks) == 2


def test_lookup_by_agent_number_opens_the_user_history(client, auditor, staff):
    response = _as(client, auditor).get(reverse("console:audit:home"), {"kind": "user", "q": "95598001"})
    assert response.status_code == 302 and response["Location"] == reverse("console:audit:user", args=["agent"])
    response = client.get(reverse("console:audit:home"), {"kind": "order", "q": "GD-NOPE"}, follow=True)
    assert "没有找到工单 GD-NOPE" in _text(response)


def test_order_history_query_count_does_not_grow_with_events(client, auditor, order, staff,
                                                             django_assert_max_num_queries):
    url = reverse("console:audit:order", args=[order.number])
    _as(client, auditor).get(url)
    with django_assert_max_num_queries(9) as few:
        client.get(url)
    for _ in range(10):
        services.reminder_send(order=order, kind="remind", actor=staff["supervisor"], reason="尽快处理")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["trail"].rows) == 14


def test_user_history_query_count_does_not_grow_with_orders(client, auditor, staff, province,
                                                            django_assert_max_num_queries):
    repair(staff, province, 0)
    url = reverse("console:audit:user", args=["agent"])
    _as(client, auditor).get(url)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for index in range(6):
        repair(staff, province, index % 3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len({row.order_number for row in response.context["trail"].rows}) == 7


def test_export_csv_is_what_is_shown_and_is_audited(client, auditor, order):
    response = _as(client, auditor).post(reverse("console:audit:order_export", args=[order.number]),
                                         {"format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:6] == ["对象", "序号", "工单编号", "时间", "操作人", "动作"]
    assert [row[1] for row in rows[1:]] == ["1", "2", "3", "4"]
    assert rows[2][5] == "派工" and "新状态: 已派工" in rows[2][7] and rows[2][8] == "完整"
    exported = AuditEvent.objects.filter(stream=stream_of(order)).order_by("-seq").first()
    assert exported.action == "audit.exported" and exported.actor_id == auditor.pk
    assert exported.payload == {"subject": order.number, "format": "csv", "events": 4}


def test_export_json_carries_the_chain_status(client, auditor, order):
    response = _as(client, auditor).post(reverse("console:audit:order_export", args=[order.number]),
                                         {"format": "json"})
    document = json.loads(response.content)
    assert document["format"] == "griddesk.audit.trail/1" and document["chains_ok"] is True
    assert [e["action"] for e in document["events"]] == ["order.created", "order.dispatch", "order.crew_accept",
                                                         "order.arrive"]
    assert document["events"][1]["action_label"] == "派工"


def test_user_export_is_audited_on_the_staff_members_stream(client, auditor, staff, province):
    repair(staff, province)
    _as(client, auditor).post(reverse("console:audit:user_export", args=["agent"]), {"format": "json"})
    event = AuditEvent.objects.get(stream=stream_of(staff["agent"]))
    assert event.action == "audit.exported" and event.payload["subject"] == "agent"


def test_export_in_an_unknown_format_is_refused_and_records_nothing(client, auditor, order):
    before = AuditEvent.objects.count()
    response = _as(client, auditor).post(reverse("console:audit:order_export", args=[order.number]),
                                         {"format": "xlsx"}, follow=True)
    assert "导出格式只能是 CSV 或 JSON，收到的是：xlsx" in _text(response)
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("role", ["agent", "shift_leader", "back_office", "manager", "supervisor", "administrator"])
def test_non_auditors_are_refused_403(client, make_staff, province, order, role):
    user = make_staff(f"u_{role}", province["root"], role)
    _as(client, user)
    for method, url in [
        ("get", reverse("console:audit:home")),
        ("get", reverse("console:audit:order", args=[order.number])),
        ("get", reverse("console:audit:user", args=["agent"])),
        ("post", reverse("console:audit:order_export", args=[order.number])),
        ("post", reverse("console:audit:user_export", args=["agent"])),
        ("post", reverse("console:audit:verify_start")),
    ]:
        assert getattr(client, method)(url).status_code == 403, url
    assert not VerifyRun.objects.exists()


def test_a_supervisor_granted_the_permission_may_audit(client, make_staff, province, order):
    supervisor = make_staff("granted", province["root"], "supervisor")
    supervisor.user_permissions.add(Permission.objects.get(codename="view_audit_trail"))
    response = _as(client, supervisor).get(reverse("console:audit:order", args=[order.number]))
    assert response.status_code == 200
    # the permission alone, without the supervisor role, is not enough
    agent = make_staff("agent_perm", province["root"], "agent")
    agent.user_permissions.add(Permission.objects.get(codename="view_audit_trail"))
    assert _as(client, agent).get(reverse("console:audit:home")).status_code == 403


# ---------------------------------------------------------------- verify the whole audit in the background


def test_rule_K8_verify_started_from_the_screen_runs_in_the_background(client, auditor, order,
                                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _as(client, auditor).post(reverse("console:audit:verify_start"), follow=True)
    assert len(callbacks) == 1  # the task is enqueued once the run is committed
    assert "已在后台开始完整校验审计历史" in _text(response)
    run = VerifyRun.objects.get()
    assert run.status == VerifyStatus.QUEUED and run.started_by == auditor
    progress = client.get(reverse("console:audit:verify_progress", args=[run.pk]))
    assert 'hx-trigger="every 2s"' in _text(progress)  # polls while queued
    total = AuditEvent.objects.count()
    audit_verify_run.call(run.pk)  # what the worker does
    run.refresh_from_db()
    assert run.status == VerifyStatus.OK and run.problems == [] and run.percent == 100
    assert run.total == total and run.checked == total  # the started event included
    assert run.started_at and run.finished_at
    actions = list(AuditEvent.objects.filter(stream=stream_of(run)).order_by("seq").values_list("action", flat=True))
    assert actions == ["audit.verify_started", "audit.verify_finished"]
    finished = AuditEvent.objects.get(stream=stream_of(run), seq=2).payload
    assert finished["status"] == "ok" and finished["events"] == total
    progress = client.get(reverse("console:audit:verify_progress", args=[run.pk]))
    assert "hx-trigger" not in _text(progress) and "审计历史完整" in _text(progress)
    home = client.get(reverse("console:audit:home"))
    assert f'data-run="{run.pk}"' in _text(home) and "开始完整校验" in _text(home)


def test_rule_K8_verify_from_the_screen_keeps_the_faults(auditor, order):
    events = list(AuditEvent.objects.filter(stream=stream_of(order)).order_by("seq"))
    with tampering_allowed():
        sql("UPDATE audit_auditevent SET payload = %s WHERE id = %s", ['{"to": "archived"}', events[1].pk])
    run = auditing.verify_run_start(actor=auditor)
    auditing.verify_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == VerifyStatus.BROKEN and run.problem_count >= 1
    assert f"event {events[1].pk} ({stream_of(order)}#2)" in run.problems[0]
    assert "does not match its hash" in run.problems[0]


def test_verify_progress_is_written_as_it_goes(auditor, order, monkeypatch):
    from griddesk.audit import verify

    original, seen = verify.chains_walk, []

    def small_batches(**kwargs):
        return original(**{**kwargs, "batch_size": 2})

    def record(self):
        write(self)
        seen.append(VerifyRun.objects.get(pk=self.run_id).checked)

    write = auditing._ProgressWriter._write
    monkeypatch.setattr(verify, "chains_walk", small_batches)
    monkeypatch.setattr(auditing._ProgressWriter, "_write", record)
    run = auditing.verify_run_start(actor=auditor)
    auditing.verify_run_execute(run_id=run.pk)
    total = AuditEvent.objects.count() - 1  # the finished event came after
    assert seen == list(range(0, total, 2))  # one step per batch of 2, before each batch
    run.refresh_from_db()
    assert run.checked == total and run.percent == 100


def test_a_second_verify_is_refused_while_one_runs(client, auditor):
    auditing.verify_run_start(actor=auditor)
    response = _as(client, auditor).post(reverse("console:audit:verify_start"), follow=True)
    assert "已有一次完整校验在进行中" in _text(response)
    assert VerifyRun.objects.count() == 1


def test_a_run_already_taken_is_not_run_twice(auditor):
    run = auditing.verify_run_start(actor=auditor)
    auditing.verify_run_execute(run_id=run.pk)
    assert auditing.verify_run_execute(run_id=run.pk) is None
    assert AuditEvent.objects.filter(stream=stream_of(run)).count() == 2


def test_a_run_the_worker_never_finished_ends_as_failed_when_the_next_starts(auditor):
    from datetime import timedelta

    dead = auditing.verify_run_start(actor=auditor)
    VerifyRun.objects.filter(pk=dead.pk).update(created_at=timezone.now() - timedelta(hours=7))
    fresh = auditing.verify_run_start(actor=auditor)
    dead.refresh_from_db()
    assert dead.status == VerifyStatus.FAILED and "6 小时内未完成" in dead.error and dead.finished_at
    assert fresh.status == VerifyStatus.QUEUED


def test_audit_home_query_count_does_not_grow_with_runs(client, auditor, django_assert_max_num_queries):
    url = reverse("console:audit:home")
    _as(client, auditor).get(url)
    with django_assert_max_num_queries(7) as few:
        client.get(url)
    for _ in range(3):
        run = auditing.verify_run_start(actor=auditor)
        auditing.verify_run_execute(run_id=run.pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["runs"]) == 3


def test_the_order_page_names_downloads_and_exports_in_its_timeline(client, auditor, order, staff):
    _as(client, auditor).post(reverse("console:audit:order_export", args=[order.number]), {"format": "csv"})
    page = _as(client, staff["agent"]).get(reverse("console:order", args=[order.number]))
    assert "导出审计历史" in _text(page) and "audit.exported</strong>" not in _text(page)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # seeded roles and rule sets
def test_rule_K8_a_verify_outside_a_transaction_writes_progress_from_its_own_thread(province, make_staff, monkeypatch):
    """As in the task worker: the verify holds its read snapshot, the progress is written beside it on
    another connection, so the screen sees it move; the thread ends with the run."""
    import threading
    import time

    from griddesk.audit import verify

    staff_ = {"agent": make_staff("agent", province["root"], "agent", agent_no="95598001")}
    for index in range(3):
        services.order_create(order_type="consultation", channel="hotline", actor=staff_["agent"],
                              customer=province["customers"][index], title="电价咨询")
    auditor = make_staff("auditor", province["root"], "auditor")
    original, written = verify.chains_walk, []

    def slow_walk(**kwargs):
        progress = kwargs["progress"]

        def slow(checked):
            progress(checked)
            time.sleep(0.05)

        return original(**{**kwargs, "batch_size": 1, "progress": slow})

    def record(self):
        write(self)
        written.append((threading.current_thread().name, self.checked))

    write = auditing._ProgressWriter._write
    monkeypatch.setattr(verify, "chains_walk", slow_walk)
    monkeypatch.setattr(auditing._ProgressWriter, "_write", record)
    monkeypatch.setattr(auditing, "PROGRESS_SECONDS", 0.02)
    run = auditing.verify_run_start(actor=auditor)
    auditing.verify_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == VerifyStatus.OK and run.checked == run.total == 4  # 3 orders' events + the start
    assert written and {name for name, _checked in written} == {"audit-verify-progress"}
    assert any(0 < checked < run.total for _name, checked in written)  # seen moving, from the thread
    assert not any(t.name == "audit-verify-progress" for t in threading.enumerate())


def test_verify_runs_are_read_only_in_the_admin(client):
    root = Staff.objects.create_superuser("root", "root@example.com", "pw-root")
    client.force_login(root)
    assert client.get(reverse("admin:audit_verifyrun_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_verifyrun_add")).status_code == 403


def test_rule_K8_a_deleted_event_in_the_middle_is_a_gap(order):
    middle = AuditEvent.objects.get(stream=stream_of(order), seq=2)
    with tampering_allowed():
        sql("DELETE FROM audit_auditevent WHERE id = %s", [middle.pk])
    check = streams_check([stream_of(order)])[stream_of(order)]
    assert check.kind == "gap" and check.seq == 3 and "expected #2, found #3" in check.problem
