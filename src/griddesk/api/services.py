"""State changes owned by the API app: tokens, idempotent creates, call outcomes (rule C-10)."""

import hashlib
import json
import secrets
from datetime import timedelta

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


def api_token_issue(*, user, name, actor, expires_at=None):
    """Issue an API token (签发接口令牌) for `user`; return (token, plaintext).

    The plaintext is returned once and never stored: only its SHA-256 digest is.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写令牌用途。")})
    if not user.is_active:
        raise ValidationError({"user": _("账号 %s 已停用，不能签发令牌。") % user.username})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("过期时间必须晚于当前时间。")})
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name[:100], prefix=plaintext[:8],
                                        digest=token_digest(plaintext), expires_at=expires_at)
        audit_append(stream=stream_of(token), action="api_token.issued", actor=actor, new_stream=True,
                     payload={"user": user.username, "name": token.name, "prefix": token.prefix,
                              "expires_at": expires_at.isoformat() if expires_at else None})
    return token, plaintext


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
