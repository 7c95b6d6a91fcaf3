"""Background tasks of the audit app (Django's tasks API, django-tasks-db backend)."""

from django.tasks import task

from griddesk.audit.auditing import verify_run_execute


@task()
def audit_verify_run(run_id):
    """"Verify the whole audit" started from the auditor screen (rule K-8): progress and result on the run."""
    run = verify_run_execute(run_id=run_id)
    return None if run is None else {"status": run.status, "events": run.checked, "problems": run.problem_count}
