"""Bearer-token authentication (接口令牌): one indexed look-up by digest, no password hash."""

from django.db.models import OuterRef, StringAgg, Subquery, Value
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from griddesk.api.models import ApiToken
from griddesk.api.services import api_token_touch, token_digest
from griddesk.orgs.models import Role

MAX_TOKEN_LENGTH = 200
# The token user's role codes, comma-separated, as a column of the token query.
_ROLE_CODES = Subquery(
    Role.objects.filter(staff=OuterRef("user_id")).order_by()
    .values("staff").annotate(codes=StringAgg("code", Value(","))).values("codes")[:1]
)


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
        found = (
            ApiToken.objects.select_related("user", "user__org")
            .annotate(role_codes=_ROLE_CODES)
            .filter(digest=token_digest(token)).first()
        )
        if found is None:
            return None
        # Staff.has_role reads this cache: the roles came with the token, no second query.
        found.user._role_codes = frozenset(filter(None, (found.role_codes or "").split(",")))
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
