"""Abuse resistance of the public site's forms (防刷): rate limits per IP address and per phone number,
and a simple arithmetic challenge, signed by the server (no external service).

- Limits count attempts (every POST of a public form, valid or not) in fixed windows of
  `GRIDDESK_PORTAL_LIMIT_WINDOW_MINUTES`, in Django's cache (`CACHES`). The embedded default is the
  per-process LocMem cache; with several server processes, point `CACHES` at a shared cache
  (database or Redis) so that a process does not count alone. A limit hit is answered 429.
- The challenge is a sum of two small numbers shown as text (accessible: a label, no image), its
  question signed with the site's key and a one-time nonce: a wrong, missing, forged, expired or
  replayed answer is refused. A used nonce is remembered for the challenge's lifetime.
"""

import hashlib
import re
import secrets

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

CHALLENGE_SALT = "griddesk.portal.challenge"
CHALLENGE_MAX_AGE = 30 * 60  # seconds a challenge stays answerable
PHONE_DIGITS = re.compile(r"\D")


class LimitExceeded(Exception):
    """Too many attempts from one IP address or for one phone number (HTTP 429)."""


def client_ip(request):
    """The requester's address: REMOTE_ADDR (behind a proxy, the proxy sets it; docs/portal.md)."""
    return (request.META.get("REMOTE_ADDR") or "unknown")[:64]


def attempt_counted(kind, value, *, limit, seconds):
    """Count one attempt of `value` (an address, a phone, a number) under `kind` in the current fixed
    window of `seconds`; True while the window's count is within `limit`. The one counter of the
    public site's limits (forms here, one-time codes in portal/codes.py). Keys carry a hash of the
    value: no phone number or address is written to the cache."""
    window = int(timezone.now().timestamp() // seconds)
    digest = hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:32]
    key = f"portal-limit:{kind}:{digest}:{window}"
    cache.add(key, 0, seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds)
        count = 1
    return count <= limit


def _hit(kind, value, limit):
    return attempt_counted(kind, value, limit=limit, seconds=max(1, settings.GRIDDESK_PORTAL_LIMIT_WINDOW_MINUTES) * 60)


def limits_check(*, request, phone=""):
    """Count this submission attempt against the requester's IP address and, if given, the phone
    number; raise LimitExceeded when either is over its limit for the window."""
    ip_ok = _hit("ip", client_ip(request), settings.GRIDDESK_PORTAL_IP_LIMIT)
    digits = PHONE_DIGITS.sub("", phone or "")
    phone_ok = _hit("phone", digits, settings.GRIDDESK_PORTAL_PHONE_LIMIT) if digits else True
    if not ip_ok:
        raise LimitExceeded(_("提交过于频繁：同一网络地址每 %(minutes)d 分钟最多提交 %(limit)d 次，请稍后再试。") % {
            "minutes": settings.GRIDDESK_PORTAL_LIMIT_WINDOW_MINUTES, "limit": settings.GRIDDESK_PORTAL_IP_LIMIT})
    if not phone_ok:
        raise LimitExceeded(_("提交过于频繁：同一电话号码每 %(minutes)d 分钟最多提交 %(limit)d 次，请稍后再试。") % {
            "minutes": settings.GRIDDESK_PORTAL_LIMIT_WINDOW_MINUTES,
            "limit": settings.GRIDDESK_PORTAL_PHONE_LIMIT})


def challenge_new():
    """A new challenge: (question text, signed token). The question is a sum of two numbers 1..9."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    token = signing.dumps({"a": a, "b": b, "n": secrets.token_hex(8)}, salt=CHALLENGE_SALT, compress=False)
    return challenge_question(a, b), token


def challenge_question(a, b):
    return _("%(a)d 加 %(b)d 等于几？") % {"a": a, "b": b}


def challenge_problem(token, answer):
    """Why the answer to the challenge `token` is not accepted (in the user's language); None if it
    is. A correct answer uses the token up: the same token is refused the next time (no replay)."""
    if not token or not (answer or "").strip():
        return _("请回答验证问题。")
    try:
        data = signing.loads(token, salt=CHALLENGE_SALT, max_age=CHALLENGE_MAX_AGE)
        expected, nonce = int(data["a"]) + int(data["b"]), str(data["n"])
    except signing.SignatureExpired:
        return _("验证问题已过期，请回答新的问题。")
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return _("验证问题无效，请回答新的问题。")
    if answer.strip() != str(expected):
        return _("验证问题的答案不正确。")
    if not cache.add(f"portal-challenge-used:{nonce}", True, CHALLENGE_MAX_AGE):
        return _("验证问题已使用过，请回答新的问题。")
    return None
