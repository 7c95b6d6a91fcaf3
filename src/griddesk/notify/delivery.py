"""Delivering the outbox (发件箱投递): every unsent SMS, e-mail and WeChat message is handed to its
channel's adapter (notify.backends), by a periodic task (notify.tasks.outbox_deliver).

Never twice: a run claims a batch with one conditional UPDATE (a token, the attempt counted), so two
workers or a retried task never hold the same message; a message is marked sent as soon as its
adapter returns. A failure the adapter reports (`DeliveryFailed`, or any exception: nothing was
accepted) is recorded with its error and tried again after a back-off, up to MAX_ATTEMPTS times. A claim
older than CLAIM_TIMEOUT whose result was never recorded (a worker killed while talking to the
gateway) is *not* tried again: the gateway may have taken it, so it is marked failed "outcome
unknown" for an operator to check (the outbox page shows it).
"""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from griddesk.notify.models import Message, NotifyChannel

logger = logging.getLogger("griddesk.notify.outbox")

BATCH = 100
MAX_ATTEMPTS = 5
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))
CLAIM_TIMEOUT = timedelta(minutes=10)
BACKEND_SETTINGS = {
    NotifyChannel.SMS: "GRIDDESK_SMS_BACKEND",
    NotifyChannel.EMAIL: "GRIDDESK_EMAIL_BACKEND",
    NotifyChannel.WECHAT: "GRIDDESK_WECHAT_BACKEND",
}
UNSENT = Q(sent_at__isnull=True, failed_at__isnull=True) & ~Q(channel=NotifyChannel.CONSOLE)


def backend_for(channel):
    return import_string(getattr(settings, BACKEND_SETTINGS[channel]))()


def outbox_deliver(*, now=None, batch=BATCH):
    """One run: returns {"sent": n, "failed": n, "retry": n, "unknown": n}."""
    now = now or timezone.now()
    result = {"sent": 0, "failed": 0, "retry": 0, "unknown": 0}
    result["unknown"] = _abandoned(now)
    backends = {}
    while claimed := _claim(now, batch):
        for message in claimed:
            _deliver(message, backends, now, result)
    return result


def _abandoned(now):
    """Claims never settled (the worker died mid-send): failed, outcome unknown, never resent."""
    return Message.objects.filter(UNSENT, claimed_at__lt=now - CLAIM_TIMEOUT).exclude(claim="").update(
        failed_at=now, claim="", last_error="发送结果不明（投递进程中断），为免重复发送不再重试，请人工核实。")


def _claim(now, batch):
    due = UNSENT & Q(claim="") & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    ids = list(Message.objects.filter(due).order_by("created_at", "pk").values_list("pk", flat=True)[:batch])
    if not ids:
        return []
    token = uuid.uuid4().hex
    Message.objects.filter(due, pk__in=ids).update(claim=token, claimed_at=now, attempts=F("attempts") + 1)
    return list(Message.objects.filter(claim=token).order_by("created_at", "pk"))


def _deliver(message, backends, now, result):
    try:
        if message.channel not in backends:
            backends[message.channel] = backend_for(message.channel)
        reference = backends[message.channel].send(message) or ""
    except Exception as error:  # every adapter error is recorded, none stops the run
        text = f"{type(error).__name__}: {error}"[:300]
        if message.attempts >= MAX_ATTEMPTS:
            Message.objects.filter(pk=message.pk, claim=message.claim).update(
                claim="", failed_at=timezone.now(), last_error=text)
            result["failed"] += 1
            logger.warning("outbox #%s failed for good after %s attempts: %s", message.pk, message.attempts, text)
        else:
            wait = BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
            Message.objects.filter(pk=message.pk, claim=message.claim).update(
                claim="", next_attempt_at=now + wait, last_error=text)
            result["retry"] += 1
            logger.warning("outbox #%s attempt %s failed, retry in %s: %s", message.pk, message.attempts, wait, text)
        return
    Message.objects.filter(pk=message.pk, claim=message.claim).update(
        claim="", sent_at=timezone.now(), provider_ref=str(reference)[:100], last_error="")
    result["sent"] += 1
