"""Background tasks of the orders app (Django's tasks API, django-tasks-db backend)."""

from django.tasks import task

from griddesk.orders.reminders import circular_send, reminders_escalate
from griddesk.orders.sweeper import clocks_sweep


@task()
def sla_sweep():
    """Warn and escalate due SLA clocks; safe to run on several workers at once."""
    return clocks_sweep()


@task()
def reminders_sweep():
    """Rule K-6: escalate overdue reminders one level up, and issue the day's 通报 once."""
    circular = circular_send()
    return {"escalated": reminders_escalate(),
            "circular": circular.period.isoformat() if circular is not None else None}
