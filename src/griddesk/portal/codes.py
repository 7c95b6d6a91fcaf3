"""One-time codes for the public site (短信验证码), rules C-2 and B-1.

A visitor types an order number (progress) or an account number (bills) and asks for a code:

- The code (6 digits) goes by SMS through the outbox (notify) to the phone on the order or the
  account; only an HMAC of it (keyed by SECRET_KEY) is stored (`AccessCode`).
- The answer never says whether the number exists: for an unknown number a code row is recorded all
  the same (sent to nobody), and the answer takes at least GRIDDESK_PORTAL_CODE_MIN_SECONDS
  (`answer_no_sooner`), so existing and unknown numbers answer with the same text, status and time.
- A code works once, for GRIDDESK_PORTAL_CODE_MINUTES, and GRIDDESK_PORTAL_CODE_ATTEMPTS wrong entries
  end it; asking again replaces the previous code.
- Rate limits (griddesk.abuse's counter in the shared cache, per fixed hour): codes asked per address
  (GRIDDESK_PORTAL_CODES_PER_IP_HOUR) and per number (GRIDDESK_PORTAL_CODES_PER_SUBJECT_HOUR), codes
  checked per address (GRIDDESK_PORTAL_CHECKS_PER_IP_HOUR). A number's limit counts unknown numbers alike.
- A right code opens that one order (or account) for the browser session (`grant`, `granted`).
- Each request deletes the codes that ended more than KEPT_AFTER_EXPIRY ago: the table holds a day
  of requests, not every number ever asked about.

A report's (举报) or anonymous matter's phone is sealed (K-7): its code is sent to the sealed phone
with no order on the message and no number in its text, so the outbox never ties the phone to it.
"""

import hashlib
import hmac
import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from griddesk.abuse.services import attempt_counted
from griddesk.customers.models import Customer
from griddesk.notify.models import NotifyChannel
from griddesk.notify.phrases import Phrase
from griddesk.notify.services import message_send
from griddesk.orders.models import SealedIdentity, WorkOrder
from griddesk.portal.models import AccessCode, CodePurpose

SUBJECT_MAX = 40
HOUR = 3600
SESSION_KEY = "portal_access"
# An ended code's row is kept this long (to look into abuse), then deleted: it names a number that
# somebody asked about.
KEPT_AFTER_EXPIRY = timedelta(days=1)


class CodeRefused(Exception):
    """Too many requests from this address or for this number: try again later (the message says so)."""


def normalised(subject):
    """The number as looked up and keyed: spaces dropped, at most SUBJECT_MAX characters."""
    return "".join((subject or "").split())[:SUBJECT_MAX]


def code_hash(purpose, subject, code):
    key = hashlib.sha256(b"griddesk portal code\x00" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, f"{purpose}:{subject}:{code}".encode(), hashlib.sha256).hexdigest()


def _recipient(purpose, subject):
    """(phone, order to link the message to, number named in the text) or None: one or two queries."""
    if purpose == CodePurpose.BILLS:
        phone = Customer.objects.filter(account_no=subject).values_list("phone", flat=True).first()
        return (phone, None, subject) if phone else None
    order = WorkOrder.objects.filter(number=subject).select_related("customer").first()
    if order is None:
        return None
    phone = order.customer.phone if order.customer_id else order.caller_phone
    if phone:
        return phone, order, subject
    sealed = SealedIdentity.objects.filter(order=order).first()
    phone = sealed.phone if sealed is not None else ""
    return (str(phone), None, "") if phone else None  # K-7: neither the order nor its number on the message


def code_request(*, purpose, subject, ip, now=None):
    """Record a new code for `subject` and send it to its phone if the number exists. Returns None
    whatever happened (nothing tells an unknown number apart); raises CodeRefused over a rate limit."""
    if purpose not in CodePurpose.values:
        raise ValueError(purpose)
    subject = normalised(subject)
    if not attempt_counted("code-ip", ip, limit=settings.GRIDDESK_PORTAL_CODES_PER_IP_HOUR, seconds=HOUR):
        raise CodeRefused(_("您的网络地址请求验证码过于频繁，请一小时后再试。"))
    if not attempt_counted(f"code-{purpose}", subject, limit=settings.GRIDDESK_PORTAL_CODES_PER_SUBJECT_HOUR,
                           seconds=HOUR):
        raise CodeRefused(_("该号码请求验证码过于频繁，请一小时后再试。"))
    now = now or timezone.now()
    code = f"{secrets.randbelow(10 ** 6):06d}"
    minutes = settings.GRIDDESK_PORTAL_CODE_MINUTES
    recipient = _recipient(purpose, subject) if subject else None
    with transaction.atomic():
        AccessCode.objects.filter(expires_at__lt=now - KEPT_AFTER_EXPIRY).delete()  # one index range
        AccessCode.objects.filter(purpose=purpose, subject=subject, used_at__isnull=True,
                                  expires_at__gt=now).update(expires_at=now)  # the previous code ends
        AccessCode.objects.create(purpose=purpose, subject=subject, code_hash=code_hash(purpose, subject, code),
                                  created_at=now, expires_at=now + timedelta(minutes=minutes))
        if recipient is not None:
            phone, order, named = recipient
            message_send(channel=NotifyChannel.SMS, address=phone, order=order, at=now,
                         subject=Phrase(gettext_noop("95598 验证码")), body=_code_text(purpose, code, minutes, named))


def _code_text(purpose, code, minutes, named):
    if purpose == CodePurpose.BILLS:
        return Phrase(gettext_noop(
            "验证码 %(code)s，用于查询户号 %(number)s 的电费，%(minutes)d 分钟内有效，请勿告诉他人。"),
            code=code, number=named, minutes=minutes)
    if named:
        return Phrase(gettext_noop(
            "验证码 %(code)s，用于查询工单 %(number)s 的办理进度，%(minutes)d 分钟内有效，请勿告诉他人。"),
            code=code, number=named, minutes=minutes)
    return Phrase(gettext_noop("验证码 %(code)s，用于查询办理进度，%(minutes)d 分钟内有效，请勿告诉他人。"),
                  code=code, minutes=minutes)


def code_check(*, purpose, subject, code, ip, now=None):
    """True if `code` is the live code of `subject` (then it is used up); False otherwise, a wrong entry
    counted against the code. Raises CodeRefused over the address's limit of checks."""
    if not attempt_counted("check-ip", ip, limit=settings.GRIDDESK_PORTAL_CHECKS_PER_IP_HOUR, seconds=HOUR):
        raise CodeRefused(_("您的网络地址输入验证码过于频繁，请一小时后再试。"))
    subject = normalised(subject)
    now = now or timezone.now()
    live = (AccessCode.objects.filter(purpose=purpose, subject=subject, used_at__isnull=True, expires_at__gt=now,
                                      attempts__lt=settings.GRIDDESK_PORTAL_CODE_ATTEMPTS)
            .order_by("-created_at", "-pk").first())
    code = "".join((code or "").split())
    if live is None:
        return False
    if not hmac.compare_digest(live.code_hash, code_hash(purpose, subject, code)):
        AccessCode.objects.filter(pk=live.pk).update(attempts=F("attempts") + 1)
        return False
    # used once: of two requests racing with the same code, one wins
    return AccessCode.objects.filter(pk=live.pk, used_at__isnull=True).update(used_at=now) == 1


def answer_no_sooner(started, *, sleep=time.sleep):
    """Hold a "send code" answer until GRIDDESK_PORTAL_CODE_MIN_SECONDS after `started` (a
    time.monotonic()), so an existing number (lookup, code, SMS) and an unknown one answer in the same time."""
    left = settings.GRIDDESK_PORTAL_CODE_MIN_SECONDS - (time.monotonic() - started)
    if left > 0:
        sleep(left)


def grant(session, purpose, subject):
    """Open `subject` (one order, one account) for the rest of this browser session."""
    opened = dict(session.get(SESSION_KEY) or {})
    opened[purpose] = sorted({*opened.get(purpose, []), normalised(subject)})
    session[SESSION_KEY] = opened


def granted(session, purpose, subject):
    return normalised(subject) in (session.get(SESSION_KEY) or {}).get(purpose, [])
