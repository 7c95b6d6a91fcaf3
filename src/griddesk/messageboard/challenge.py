"""A simple server-verified challenge (人机验证) for the message board (rule W-4): a sum of two small
numbers. The form carries a signed, timed token holding a nonce and a keyed hash of the answer (not
the answer: signing is not encryption); the server checks the answer against it, refuses a token
older than `MAX_AGE` and lets each token succeed once (the cache remembers used nonces)."""

import secrets
from dataclasses import dataclass

from django.core import signing
from django.core.cache import cache
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

SALT = "griddesk.messageboard.challenge"
MAX_AGE = 30 * 60  # seconds a visitor has to write a message


@dataclass(frozen=True)
class Challenge:
    question: str
    token: str


def _digest(nonce, answer):
    return salted_hmac(SALT, f"{nonce}:{answer}", algorithm="sha256").hexdigest()[:20]


def challenge_new(*, a=None, b=None):
    """A new challenge: "3 加 4 等于几？" and its token (`a`, `b` for tests)."""
    a = a if a is not None else secrets.randbelow(9) + 1
    b = b if b is not None else secrets.randbelow(9) + 1
    nonce = secrets.token_urlsafe(12)
    token = signing.TimestampSigner(salt=SALT).sign_object({"n": nonce, "h": _digest(nonce, a + b)})
    return Challenge(question=_("%(a)d 加 %(b)d 等于几？") % {"a": a, "b": b}, token=token)


def challenge_check(token, answer):
    """None when `answer` solves the challenge of `token` (which is then used up), else the reason."""
    try:
        data = signing.TimestampSigner(salt=SALT).unsign_object(token or "", max_age=MAX_AGE)
    except signing.SignatureExpired:
        return _("验证题已过期，请重新作答。")
    except signing.BadSignature:
        return _("验证题无效，请重新作答。")
    answer = (answer or "").strip()
    if not answer.isdigit() or not constant_time_compare(_digest(data["n"], int(answer)), data["h"]):
        return _("验证题答案不正确。")
    if not cache.add(f"board:challenge:{data['n']}", 1, MAX_AGE):
        return _("验证题已使用过，请重新作答。")
    return None
