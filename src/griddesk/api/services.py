"""State changes owned by the API app: tokens, idempotent creates, call outcomes (rule C-10)."""

import hashlib
import json
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from griddesk import fastsql
from griddesk.api.models import ApiToken, CallOutcome, CallOutcomeKind, IdempotencyRecord
from griddesk.audit.services import audit_append, stream_of
from griddesk.orders.batching import intake_commit
from griddesk.orders.services import order_draft
from griddesk.orgs.models import RoleCode

TOKEN_PREFIX = "gdk_"
LAST_USED_GRANULARITY = timedelta(minutes=1)  # at most one write per token and minute


def token_digest(plaintext):
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def token_lifetime_bounds():
    """(default, maximum) lifetime of a token: GRIDDESK_API_TOKEN_DAYS and GRIDDESK_API_TOKEN_MAX_DAYS."""
    return (timedelta(days=settings.GRIDDESK_API_TOKEN_DAYS), timedelta(days=settings.GRIDDESK_API_TOKEN_MAX_DAYS))


def _expiry(*, expires_at, now, allow_long):
    """The expiry of a new token: `expires_at`, or the default lifetime from now; never none, never past,
    and not beyond the maximum lifetime unless `allow_long` (an administrator's explicit choice)."""
    default, maximum = token_lifetime_bounds()
    if expires_at is None:
        expires_at = now + default
    if expires_at <= now:
        raise ValidationError({"expires_at": _("过期时间必须晚于当前时间。")})
    if expires_at > now + maximum + timedelta(minutes=1) and not allow_long:
        raise ValidationError({"expires_at": _(
            "令牌有效期不能超过 %(days)d 天（GRIDDESK_API_TOKEN_MAX_DAYS）；确需更长请明确允许"
            "（命令行 --allow-long-lifetime）。") % {"days": maximum.days}})
    return expires_at


def _new_token(*, user, name, expires_at, actor, now, payload=None):
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:100], prefix=plaintext[:8],
                                    digest=token_digest(plaintext), expires_at=expires_at)
    audit_append(stream=stream_of(token), action="api_token.issued", actor=actor, new_stream=True, at=now,
                 payload={"user": user.username, "name": token.name, "prefix": token.prefix,
                          "expires_at": expires_at.isoformat(), **(payload or {})})
    return token, plaintext


def api_token_issue(*, user, name, actor, expires_at=None, allow_long=False):
    """Issue an API token (签发接口令牌) for `user`; return (token, plaintext).

    The plaintext is returned once and never stored: only its SHA-256 digest is. Every token
    expires: without `expires_at` after GRIDDESK_API_TOKEN_DAYS; later than
    GRIDDESK_API_TOKEN_MAX_DAYS only with `allow_long`.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写令牌用途。")})
    if not user.is_active:
        raise ValidationError({"user": _("账号 %s 已停用，不能签发令牌。") % user.username})
    now = timezone.now()
    expires_at = _expiry(expires_at=expires_at, now=now, allow_long=allow_long)
    with transaction.atomic():
        return _new_token(user=user, name=name, expires_at=expires_at, actor=actor, now=now)


MAX_OVERLAP = timedelta(days=7)


class TokenNotRotatable(Exception):
    """The token is revoked, expired or was rotated already (HTTP 409)."""


def api_token_rotate(*, token, actor, overlap=timedelta(hours=24), expires_at=None, allow_long=False):
    """Rotate a token (轮换): a new token for the same user and purpose; the old one keeps working
    for `overlap` (at most 7 days, never longer than it had), then expires.
    Returns (new token, its plaintext, the old token as updated).

    One transaction, audited on both tokens' histories. A token is rotated once: a second
    rotation is refused once the replacement has been used or revoked; while the replacement
    was never used (its plaintext lost on the way), it is revoked and another one issued.
    """
    if overlap < timedelta(0) or overlap > MAX_OVERLAP:
        raise ValidationError({"overlap_hours": _("交替期必须在 0 到 %d 小时之间。") % (MAX_OVERLAP.days * 24)})
    now = timezone.now()
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
        if token.revoked_at is not None:
            raise TokenNotRotatable(_("访问令牌 %s… 已被吊销，不能轮换。") % token.prefix)
        if token.expires_at is not None and token.expires_at <= now:
            raise TokenNotRotatable(_("访问令牌 %s… 已过期，不能轮换。") % token.prefix)
        if not token.user.is_active:
            raise ValidationError({"user": _("账号 %s 已停用，不能签发令牌。") % token.user.username})
        previous = token.replaced_by
        if previous is not None:
            if previous.last_used_at is not None or previous.revoked_at is not None:
                raise TokenNotRotatable(_("访问令牌 %(old)s… 已轮换为 %(new)s…（新令牌已使用或已吊销），"
                                          "不能再次轮换。") % {"old": token.prefix, "new": previous.prefix})
            # issued but never used: its plaintext was lost on the way; it is replaced
            ApiToken.objects.filter(pk=previous.pk).update(revoked_at=now)
            audit_append(stream=stream_of(previous), action="api_token.revoked", actor=actor, at=now,
                         payload={"prefix": previous.prefix, "reason": "rotated again before first use"})
        expires_at = _expiry(expires_at=expires_at, now=now, allow_long=allow_long)
        new, plaintext = _new_token(user=token.user, name=token.name, expires_at=expires_at, actor=actor,
                                    now=now, payload={"rotated_from": token.prefix})
        old_expiry = min(now + overlap, token.expires_at) if token.expires_at is not None else now + overlap
        ApiToken.objects.filter(pk=token.pk).update(expires_at=old_expiry, replaced_by=new)
        audit_append(stream=stream_of(token), action="api_token.rotated", actor=actor, at=now,
                     payload={"prefix": token.prefix, "new_prefix": new.prefix,
                              "expires_at": old_expiry.isoformat()})
        token.expires_at, token.replaced_by = old_expiry, new
    return new, plaintext, token


def api_token_revoke(*, token, actor):
    """Revoke a token (吊销): it stops working at once. Revoking twice changes nothing."""
    if token.revoked_at is not None:
        return token
    now = timezone.now()
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=now)
        token.revoked_at = now
        audit_append(stream=stream_of(token), action="api_token.revoked", actor=actor, at=now,
                     payload={"prefix": token.prefix})
    return token


def api_token_touch(*, token, now):
    """Record use, at most once a minute per token, so reads don't each cost a write."""
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


# ---------------------------------------------------------------- idempotent create


class IdempotencyMismatch(Exception):
    """The key was used before with a different request body (HTTP 422)."""


def request_digest(payload):
    """Digest of a parsed request body: the same fields and values give the same digest."""
    canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@fastsql.statement
def _replay_sql():
    qn = fastsql.qn
    return (f"SELECT {fastsql.columns(IdempotencyRecord, 'r')} FROM {qn(IdempotencyRecord._meta.db_table)} r"
            f" WHERE r.{qn('user_id')} = %s AND r.{qn('key')} = %s")


def idempotent_replay(*, user, key, digest):
    """The stored record for (user, key), or None; IdempotencyMismatch if the body differs.

    One prepared statement (griddesk.fastsql): every create with a key asks first.
    """
    rows = fastsql.fetch(_replay_sql(), [user.pk, key])
    record = fastsql.instance(IdempotencyRecord, rows[0]) if rows else None
    if record is not None and record.request_digest != digest:
        raise IdempotencyMismatch(
            _("幂等键“%s”已用于另一份不同内容的请求；重试请发送完全相同的内容，新请求请换一个新键。") % key
        )
    return record


def idempotent_create(*, user, key, digest, arguments, render, status=201):
    """Accept an order (`orders.services.order_draft(**arguments)`) and store `render(order)`
    under (user, key) in the order's own transaction.

    Returns (record, replayed). A retry racing the original blocks on the unique
    index until the original commits, then rolls its own work back (the order
    number too: they are gapless) and returns the original's record.
    """
    draft = order_draft(actor=user, **arguments)
    response = render(draft.order)  # here, not in the (shared) writer: all but the number is known

    def record_of(order):
        response["number"] = order.number
        return [IdempotencyRecord(user=user, key=key, request_digest=digest, order=order, status=status,
                                  response=response, created_at=order.accepted_at)]

    draft.extra = record_of
    try:
        intake_commit(draft)
        return draft.result[0], False
    except IntegrityError:
        record = idempotent_replay(user=user, key=key, digest=digest)
        if record is None:  # the integrity error was something else
            raise
        return record, True


# ---------------------------------------------------------------- call outcomes (rule C-10)


def call_outcome_record(*, outcome, caller_phone, note, actor, at=None):
    """Record a call that ended without an order (来电结果, rule C-10).

    A wrong number is only recorded; harassment lands in the shift leaders'
    queue of the agent's organisation (`api.selectors.harassment_queue`).
    """
    if outcome not in CallOutcomeKind.values:
        raise ValidationError({"outcome": _("未知的来电结果：%s") % outcome})
    caller_phone = (caller_phone or "").strip()
    note = (note or "").strip()
    if outcome == CallOutcomeKind.HARASSMENT and not caller_phone:
        raise ValidationError({"caller_phone": _("恶意骚扰须记录来电号码，以便值长处理（规则 C-10）。")})
    if len(caller_phone) > 20:
        raise ValidationError({"caller_phone": _("来电号码不能超过 20 个字符。")})
    if len(note) > 500:
        raise ValidationError({"note": _("说明不能超过 500 个字符。")})
    at = at or timezone.now()
    with transaction.atomic():
        record = CallOutcome.objects.create(
            outcome=outcome, caller_phone=caller_phone, note=note, agent=actor,
            agent_no=actor.agent_no or "", at=at, org=actor.org,
        )
        audit_append(stream=stream_of(record), action=f"call.{outcome}", actor=actor, at=at,
                     new_stream=True, payload={"caller_phone": caller_phone, "note": note,
                                               "agent_no": record.agent_no})
    return record


def call_outcome_handle(*, outcome, actor, note=""):
    """A shift leader handles a harassment report (rule C-10)."""
    if not actor.has_role(RoleCode.SHIFT_LEADER, RoleCode.MANAGER):
        raise PermissionDenied(_("只有值长可以处理骚扰来电记录（规则 C-10）。"))
    if outcome.outcome != CallOutcomeKind.HARASSMENT:
        raise ValidationError({"outcome": _("只有恶意骚扰记录需要值长处理。")})
    if outcome.handled_at is not None:
        raise ValidationError({"outcome": _("该记录已于 %s 处理。")
                               % timezone.localtime(outcome.handled_at).strftime("%Y-%m-%d %H:%M")})
    now = timezone.now()
    with transaction.atomic():
        updated = CallOutcome.objects.filter(pk=outcome.pk, handled_at__isnull=True).update(
            handled_at=now, handled_by=actor, handling_note=note[:500]
        )
        if not updated:
            raise ValidationError({"outcome": _("该记录已被其他值长处理。")})
        outcome.handled_at, outcome.handled_by, outcome.handling_note = now, actor, note[:500]
        audit_append(stream=stream_of(outcome), action="call.handled", actor=actor, at=now,
                     payload={"note": note[:500]})
    return outcome
