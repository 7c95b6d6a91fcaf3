"""Background tasks of the notify app (Django's tasks API, django-tasks-db backend)."""

from django.tasks import task

from griddesk.notify.delivery import outbox_deliver as deliver


@task()
def outbox_deliver():
    """Hand unsent SMS, e-mail and WeChat messages to their adapters; safe on several workers at once."""
    return deliver()
