"""Writing to the outbox (发件箱). A message is a row: console messages are read in the staff inbox;
SMS, e-mail and WeChat messages wait there for a channel adapter to deliver them (docs/notify.md).
Writing one is part of the sender's transaction: no hand-over is ever lost or sent twice."""

from django.utils import timezone

from griddesk.notify.models import Message, NotifyChannel
from griddesk.notify.phrases import Phrase

SMS_MAX = 300  # characters of an SMS body kept: gateways split long texts; ours stay short


def message_send(*, channel, subject, body="", recipient=None, recipient_org=None, address="", order=None,
                 dedupe_key=None, at=None):
    """Queue one message; with a `dedupe_key` already used, the earlier message stands (retries)."""
    messages = messages_send([dict(channel=channel, subject=subject, body=body, recipient=recipient,
                                   recipient_org=recipient_org, address=address, order=order,
                                   dedupe_key=dedupe_key)], at=at)
    return messages[0] if messages else None


def messages_send(items, *, at=None):
    """Queue many messages in one statement; console messages count as delivered at once."""
    rows = message_rows(items, at=at)
    if not rows:
        return []
    return Message.objects.bulk_create(rows, ignore_conflicts=any(r.dedupe_key for r in rows))


def message_rows(items, *, at=None):
    """The unsaved rows of `messages_send` (intake writes them with its own prepared inserts)."""
    now = at or timezone.now()
    rows = []
    for item in items:
        channel = item["channel"]
        subject, body = item["subject"], item.get("body", "")
        recipe = {key: value.part() for key, value in (("subject", subject), ("body", body))
                  if isinstance(value, Phrase)} or None
        subject, body = (value.as_sent() if isinstance(value, Phrase) else value for value in (subject, body))
        if channel == NotifyChannel.SMS:
            body = body[:SMS_MAX]
        rows.append(Message(
            channel=channel, subject=str(subject)[:200], body=body, recipe=recipe, recipient=item.get("recipient"),
            recipient_org=item.get("recipient_org"), address=(item.get("address") or "")[:100],
            order=item.get("order"), dedupe_key=item.get("dedupe_key"), created_at=now,
            sent_at=now if channel == NotifyChannel.CONSOLE else None,
        ))
    return rows
