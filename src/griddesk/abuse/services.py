"""Abuse resistance of the public site (防刷): one rate counter and one arithmetic challenge for every
public form (submissions and applications, one-time codes, the message board).

Both keep their state in the database (`Mark`), so every server process counts the same attempts and
a challenge solved in one process is refused in all the others (a cache in each process's memory
would count alone: `griddesk serve` runs several). Each count is one upsert statement.

- `client_ip`: the visitor's address, taken from X-Forwarded-For only behind a trusted proxy.
- `attempt_counted`: fixed windows; the keys hold a hash of the address or number, never the value.
- The challenge is a sum of two numbers 1..9 shown as text (accessible: a label, no image). Its token
  is signed and timed, and holds a one-time nonce and a keyed hash of the answer, not the answer
  (signing is not encryption: a token can be read). A wrong, missing, forged, expired or replayed
  answer is refused with the reason.
"""

import hashlib
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from griddesk.abuse.models import Mark

CHALLENGE_SALT = "griddesk.challenge"
CHALLENGE_MAX_AGE = 30 * 60  # seconds a visitor has to fill in a form


def client_ip(request):
    """The visitor's address (来源地址), or None if there is no valid one: REMOTE_ADDR, unless that is
    one of GRIDDESK_TRUSTED_PROXIES (a reverse proxy in front of the site); then the right-most
    address of X-Forwarded-For that is not a trusted proxy (the one the nearest proxy saw). The
    header of anyone else is ignored: a visitor cannot choose the address its attempts count under."""
    remote = _address(request.META.get("REMOTE_ADDR"))
    trusted = _trusted(tuple(settings.GRIDDESK_TRUSTED_PROXIES))
    if remote is None or not _among(remote, trusted):
        return str(remote) if remote is not None else None
    for raw in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(raw)
        if address is None:
            break  # a broken chain: count the proxy's own address
        if not _among(address, trusted):
            return str(address)
    return str(remote)


def _address(raw):
    try:
        return ipaddress.ip_address((raw or "").strip())
    except ValueError:
        return None


@lru_cache(maxsize=8)
def _trusted(entries):
    try:
        return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)
    except ValueError as error:
        raise ImproperlyConfigured(f"GRIDDESK_TRUSTED_PROXIES: {error}") from None


def _among(address, networks):
    return any(address.version == network.version and address in network for network in networks)


def _key(kind, value, seconds):
    window = int(timezone.now().timestamp() // seconds)
    digest = hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:32]
    return f"limit:{kind}:{digest}:{window}"


def _mark(key, seconds, *, count):
    """Add one to the mark `key` (made, to last `seconds`, if new) and return its count; with
    `count=False` make it only if new and return 1 if it was made, else 0. One statement."""
    now = timezone.now()
    qn = connection.ops.quote_name
    table, key_column, count_column = qn(Mark._meta.db_table), qn("key"), qn("count")
    insert = (f"INSERT INTO {table} ({key_column}, {count_column}, {qn('expires_at')}) VALUES (%s, 1, %s) "
              f"ON CONFLICT ({key_column}) ")
    expires = connection.ops.adapt_datetimefield_value(now + timedelta(seconds=seconds))
    with connection.cursor() as cursor:
        if count:
            add_one = f"DO UPDATE SET {count_column} = {table}.{count_column} + 1 RETURNING {count_column}"
            cursor.execute(insert + add_one, [key, expires])
            return cursor.fetchone()[0]
        cursor.execute(insert + "DO NOTHING", [key, expires])
        return cursor.rowcount


def marks_purge(*, now=None):
    """Delete the marks past their time (an index range); how many. The scheduler does it hourly
    (`griddesk sla_scheduler`, run by `serve`)."""
    return Mark.objects.filter(expires_at__lt=now or timezone.now()).delete()[0]


def attempt_counted(kind, value, *, limit, seconds):
    """Count one attempt of `value` (an address, a phone, a number) under `kind` in the current fixed
    window of `seconds`; True while the window's count is within `limit`."""
    return _mark(_key(kind, value, seconds), seconds, count=True) <= limit


def attempts_made(kind, value, *, seconds):
    """How many attempts of `value` under `kind` the current window has counted (nothing counted now)."""
    return Mark.objects.filter(key=_key(kind, value, seconds)).values_list("count", flat=True).first() or 0


@dataclass(frozen=True)
class Challenge:
    question: str
    token: str


def _digest(nonce, answer):
    return salted_hmac(CHALLENGE_SALT, f"{nonce}:{answer}", algorithm="sha256").hexdigest()[:20]


def challenge_new(*, a=None, b=None):
    """A new challenge: "3 加 4 等于几？" and its token (`a`, `b` for tests)."""
    a = a if a is not None else secrets.randbelow(9) + 1
    b = b if b is not None else secrets.randbelow(9) + 1
    nonce = secrets.token_urlsafe(12)
    token = signing.TimestampSigner(salt=CHALLENGE_SALT).sign_object({"n": nonce, "h": _digest(nonce, a + b)})
    return Challenge(question=_("%(a)d 加 %(b)d 等于几？") % {"a": a, "b": b}, token=token)


def challenge_problem(token, answer):
    """Why `answer` does not solve the challenge of `token` (in the user's language), or None when it
    does: the token is then used up, in every server process."""
    answer = (answer or "").strip()
    if not answer:
        return _("请回答验证题。")
    try:
        data = signing.TimestampSigner(salt=CHALLENGE_SALT).unsign_object(token or "", max_age=CHALLENGE_MAX_AGE)
        nonce, expected = str(data["n"]), str(data["h"])
    except signing.SignatureExpired:
        return _("验证题已过期，请重新作答。")
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return _("验证题无效，请重新作答。")
    if not answer.isdigit() or not constant_time_compare(_digest(nonce, int(answer)), expected):
        return _("验证题答案不正确。")
    if not _mark(f"challenge:{nonce}", CHALLENGE_MAX_AGE, count=False):
        return _("验证题已使用过，请重新作答。")
    return None
