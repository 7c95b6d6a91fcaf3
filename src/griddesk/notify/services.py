"""Queueing messages (the outbox); delivery adapters read it."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from griddesk.notify.models import Message, NotifyChannel


def message_queue(*, subject, body="", recipient=None, recipient_org=None, order=None,
                  channel=NotifyChannel.CONSOLE, address="", dedupe_key=None):
    """Queue one message; with a `dedupe_key` already used, return None and queue nothing."""
    try:
        with transaction.atomic():
            return Message.objects.create(
                channel=channel, recipient=recipient, recipient_org=recipient_org, address=address,
                subject=subject[:200], body=body, order=order, dedupe_key=dedupe_key,
                created_at=timezone.now(),
                # Console messages are "sent" by being stored; other channels wait for an adapter.
                sent_at=timezone.now() if channel == NotifyChannel.CONSOLE else None,
            )
    except IntegrityError:
        if dedupe_key and Message.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise
