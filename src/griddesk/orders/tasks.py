"""Background tasks of the orders app (Django's tasks API, django-tasks-db backend)."""

from django.tasks import task

from griddesk.orders.sweeper import clocks_sweep


@task()
def sla_sweep():
    """Warn and escalate due SLA clocks; safe to run on several workers at once."""
    return clocks_sweep()
