"""`griddesk sla_scheduler` enqueues the sweep and keeps the task-result table from growing without end."""

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult


def _result(status, finished_days_ago):
    finished = timezone.now() - timedelta(days=finished_days_ago)
    return DBTaskResult.objects.create(
        status=status, finished_at=finished, started_at=finished, args_kwargs={"args": [], "kwargs": {}},
        task_path="griddesk.orders.tasks.sla_sweep", backend_name="default", run_after=finished,
        exception_class_path="", traceback="",
    )


def test_scheduler_enqueues_a_sweep_and_prunes_old_results(db):
    old_success, new_success = _result("SUCCESSFUL", 2), _result("SUCCESSFUL", 0.1)
    recent_failure, old_failure = _result("FAILED", 2), _result("FAILED", 40)
    call_command("sla_scheduler", once=True)
    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert old_success.pk not in left and old_failure.pk not in left
    assert {new_success.pk, recent_failure.pk} <= left  # a month to look at a failure
    assert DBTaskResult.objects.filter(status="READY", task_path__endswith="sla_sweep").count() == 1
