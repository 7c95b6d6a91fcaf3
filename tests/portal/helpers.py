"""Helpers of the public queries' tests: read a code from the outbox as the customer's phone would."""

import re

from griddesk.notify.models import Message

CODE = re.compile(r"验证码 (\d{6})")


def last_code(phone):
    """The code of the latest SMS to `phone` (None if nothing was sent there)."""
    message = Message.objects.filter(channel="sms", address=phone).order_by("-pk").first()
    match = CODE.search(message.body) if message else None
    return match.group(1) if match else None
