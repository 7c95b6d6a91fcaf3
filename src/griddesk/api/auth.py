"""Bearer-token authentication (接口令牌): one indexed look-up by digest, no password hash."""

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from griddesk import fastsql
from griddesk.api.models import ApiToken
from griddesk.api.services import api_token_touch, token_digest
from griddesk.orgs.models import Org, Role, Staff

MAX_TOKEN_LENGTH = 200


@fastsql.statement
def _token_sql():
    qn = fastsql.qn
    links = Staff.roles.through._meta
    aggregate = "string_agg(r.code, ',')" if connection.vendor == "postgresql" else "group_concat(r.code, ',')"
    return (
        f"SELECT {fastsql.columns(ApiToken, 't')}, {fastsql.columns(Staff, 'u')}, {fastsql.columns(Org, 'o')},"
        f" (SELECT {aggregate} FROM {qn(links.db_table)} sr JOIN {qn(Role._meta.db_table)} r"
        f" ON r.{qn('id')} = sr.{qn('role_id')} WHERE sr.{qn('staff_id')} = u.{qn('id')})"
        f" FROM {qn(ApiToken._meta.db_table)} t JOIN {qn(Staff._meta.db_table)} u ON u.{qn('id')} = t.{qn('user_id')}"
        f" LEFT JOIN {qn(Org._meta.db_table)} o ON o.{qn('id')} = u.{qn('org_id')} WHERE t.{qn('digest')} = %s"
    )


def token_with_user(digest):
    """The token with this digest, its user, the user's org and role codes: one prepared statement
    (every API request asks; griddesk.fastsql). None if no token has this digest."""
    rows = fastsql.fetch(_token_sql(), [digest])
    if not rows:
        return None
    row = rows[0]
    token = fastsql.instance(ApiToken, row)
    user = fastsql.instance(Staff, row, fastsql.width(ApiToken))
    user.org = fastsql.instance(Org, row, fastsql.width(ApiToken) + fastsql.width(Staff))
    # Staff.has_role reads this cache: the roles came with the token, no second query.
    user._role_codes = frozenset(filter(None, (row[-1] or "").split(",")))
    token.user = user
    return token


class BadCharacters(Exception):
    """A NUL character in the path, query or body: no database stores it (HTTP 400)."""


def _refuse_nul(request):
    # Checked once here, before any endpoint reads a value: PostgreSQL refuses NUL in text.
    in_query = any("\x00" in value for _key, values in request.GET.lists() for value in values)
    in_body = request.method in ("POST", "PUT", "PATCH") and (
        b"\x00" in request.body or b"\\u0000" in request.body  # raw, or escaped in JSON
    )
    if "\x00" in request.path or in_query or in_body:
        raise BadCharacters(_("请求中含有不允许的空字符（NUL, \\u0000）。"))


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; the request then acts as the token's staff account,
    with that account's roles and org subtree."""

    def authenticate(self, request, token):
        _refuse_nul(request)
        token = token.strip()
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        found = token_with_user(token_digest(token))
        if found is None:
            return None
        now = timezone.now()
        if found.revoked_at is not None:
            raise AuthenticationError(401, _("访问令牌 %s… 已被吊销。") % found.prefix)
        if found.expires_at is not None and found.expires_at <= now:
            raise AuthenticationError(401, _("访问令牌 %s… 已过期。") % found.prefix)
        if not found.user.is_active:
            raise AuthenticationError(401, _("令牌所属账号已停用。"))
        api_token_touch(token=found, now=now)
        request.user = found.user
        request.api_token = found
        return found.user
