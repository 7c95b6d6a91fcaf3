"""Channel adapters (渠道适配器): how the outbox hands a message to an SMS gateway, a mail server or WeChat.

An adapter is a class named by a dotted path in GRIDDESK_SMS_BACKEND (GRIDDESK_EMAIL_BACKEND,
GRIDDESK_WECHAT_BACKEND for the other channels), built once per delivery run with no arguments, with one
method:

    send(message) -> str
        Deliver `message` (a notify.models.Message: `address` is the phone number or e-mail address,
        `body` the text, `subject` a short title, `pk` a stable id to pass to a gateway that
        de-duplicates) and return the gateway's reference (receipt id), "" if it gives none.
        Raise `DeliveryFailed` when the gateway refused it or could not be reached and nothing was
        sent: the outbox records the error and tries again later, up to MAX_ATTEMPTS times. Any other
        exception counts the same. Return only once the gateway has accepted the message.

docs/notify.md has an example for an HTTP SMS gateway.
"""

import logging

logger = logging.getLogger("griddesk.notify.outbox")


class DeliveryFailed(Exception):
    """The gateway did not take the message; nothing was sent, so it may be tried again."""


class LogBackend:
    """The default adapter: records the delivery in the log (the demo shows messages as sent).
    No message leaves the machine; plug a real gateway in for production (docs/notify.md)."""

    def send(self, message):
        logger.info("outbox %s #%s to %s: %s", message.channel, message.pk, message.address, message.body)
        return f"log:{message.pk}"
